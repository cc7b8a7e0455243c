package attengine

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/transport"
)

// TestOldResultsRefused: an action result signed more than maxResultAge ago
// is refused by anchors (a replaced executor cannot date results back into
// its time); other old attestations are not (found in review).
func TestOldResultsRefused(t *testing.T) {
	now := time.Now()
	old := &attest.Signed{Message: attest.Message{Schema: attest.ActionResultSchema.UID, Time: uint64(now.Add(-maxResultAge - time.Minute).Unix())}}
	if err := FreshResult(old, now); !errors.Is(err, ErrTooOld) {
		t.Fatalf("an old result: %v", err)
	}
	recent := &attest.Signed{Message: attest.Message{Schema: attest.ActionResultSchema.UID, Time: uint64(now.Add(-time.Minute).Unix())}}
	if err := FreshResult(recent, now); err != nil {
		t.Fatalf("a recent result: %v", err)
	}
	status := &attest.Signed{Message: attest.Message{Schema: attest.FlightStatusSchema.UID, Time: uint64(now.Add(-time.Hour).Unix())}}
	if err := FreshResult(status, now); err != nil {
		t.Fatalf("an old status: %v", err)
	}
}

// The engine judges freshness by its own clock (Deps.Now): an attestation
// within the retention is taken; the same one, with the clock moved past the
// retention, is refused as too old to check for replay.
func TestEngineClockSeam(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	e := testEngine(t, func() time.Time { return now }, common.Address{})
	airline, _ := crypto.GenerateKey()
	data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":5,"status":"delayed"}`))
	s, err := attest.Sign(airline, attest.NetworkDomain(31337, common.Address{}), attest.Message{Version: attest.Version2,
		Schema: attest.FlightStatusSchema.UID, Time: uint64(now.Add(-30 * time.Minute).Unix()), Data: data})
	if err != nil {
		t.Fatal(err)
	}
	att, _ := json.Marshal(s)
	en := &attlog.Entry{Topic: attest.FlightStatusSchema.UID.String() + "/BA117/2026-12-01", Seq: 1, Attestation: att}
	if err := en.Sign(airline); err != nil {
		t.Fatal(err)
	}
	msg, _ := json.Marshal(en)
	now = now.Add(2 * time.Hour) // the attestation is now 2.5 h old, past the 1 h retention
	if _, err := e.ValidateGossip(context.Background(), "", msg); !errors.Is(err, ErrTooOld) {
		t.Fatalf("2.5 h old under a 1 h retention: %v, want ErrTooOld", err)
	}
	now = now.Add(-2 * time.Hour)
	if _, err := e.ValidateGossip(context.Background(), "", msg); err != nil {
		t.Fatalf("30 min old under a 1 h retention: %v", err)
	}
}

// testEngine is an engine on an in-memory host and a temp-dir store, on
// the clock now, with one anchor address.
func testEngine(t *testing.T, now func() time.Time, anchor common.Address) *Engine {
	t.Helper()
	key, _ := nodekey.Generate()
	h, err := transport.NewMemNetwork().Join(transport.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e, err := New(Deps{Host: h, Store: st, Log: slog.New(slog.DiscardHandler), Policy: &attest.Policy{Pins: []attest.Pin{{ChainID: big.NewInt(31337)}}, MaxSkew: time.Minute},
		Spawn: func(f func()) { go f() }, Deliver: func(Delivered) {}, Retention: time.Hour,
		IsAnchorPeer: func(peer.ID) bool { return false }, IsAnchorAddress: func(a common.Address) bool { return a == anchor && a != (common.Address{}) },
		IsMember: func(peer.ID) bool { return false }, Anchors: func() []peer.ID { return nil },
		PublisherAllowed: func(string, time.Time) bool { return true }, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestChainLogsOnlyFromAnchors: a chain-log attestation (a relayed
// contract event) signed by anyone but an anchor is refused at the log, so
// no one else can make replicas read the chain for it.
func TestChainLogsOnlyFromAnchors(t *testing.T) {
	anchor, _ := crypto.GenerateKey()
	e := testEngine(t, time.Now, crypto.PubkeyToAddress(anchor.PublicKey))
	l := &attest.ChainLog{ChainID: 31337, Contract: common.Address{1}, BlockNumber: 5, BlockHash: common.Hash{2}, Topics: []common.Hash{{3}}}
	topic := attest.ChainLogSchema.UID.String() + "/0x0100000000000000000000000000000000000000/SL1/2026-12-03"
	entry := func(k *ecdsa.PrivateKey) []byte {
		s, err := attest.SignChainLog(k, attest.NetworkDomain(31337, common.Address{}), l, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		att, _ := json.Marshal(s)
		en := &attlog.Entry{Topic: topic, Seq: 1, Attestation: att}
		if err := en.Sign(k); err != nil {
			t.Fatal(err)
		}
		msg, _ := json.Marshal(en)
		return msg
	}
	mallory, _ := crypto.GenerateKey()
	if _, err := e.ValidateGossip(context.Background(), "", entry(mallory)); !errors.Is(err, ErrNotAnchor) {
		t.Fatalf("a chain log relayed by a stranger: %v, want ErrNotAnchor", err)
	}
	if _, err := e.ValidateGossip(context.Background(), "", entry(anchor)); err != nil {
		t.Fatalf("a chain log relayed by an anchor: %v", err)
	}
}

// TestPublishWaitsForGossip: an entry published before the engine has
// joined gossip (an executor resuming a restored instance's pending action
// as the node starts) is stored and waits to be gossiped until the engine
// has joined (or its context ends); it panicked on the gossip not set yet
// (a restarted service node exited at start).
func TestPublishWaitsForGossip(t *testing.T) {
	e := testEngine(t, time.Now, common.Address{})
	k, _ := crypto.GenerateKey()
	topic := attest.FlightStatusSchema.UID.String() + "/BA117/2026-12-03"
	data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-03","delayMinutes":5,"status":"delayed"}`))
	var prev common.Hash
	entry := func(seq uint64) []byte {
		s, err := attest.Sign(k, attest.NetworkDomain(31337, common.Address{}), attest.Message{Version: attest.Version2, Schema: attest.FlightStatusSchema.UID, Time: uint64(time.Now().Unix()) + seq, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		att, _ := json.Marshal(s)
		en := &attlog.Entry{Topic: topic, Seq: seq, Prev: prev, Attestation: att}
		if err := en.Sign(k); err != nil {
			t.Fatal(err)
		}
		prev = en.Hash()
		msg, _ := json.Marshal(en)
		return msg
	}
	early, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.Publish(early, entry(1), false); err != nil {
		t.Fatalf("published before the engine joined gossip: %v", err)
	}
	if h := e.Head(attlog.StreamID{Topic: topic, Publisher: crypto.PubkeyToAddress(k.PublicKey)}); h.Seq != 1 {
		t.Fatalf("the entry published early is not in the log: head %d", h.Seq)
	}
	done := make(chan error, 1)
	second := entry(2)
	go func() {
		_, err := e.Publish(context.Background(), second, false)
		done <- err
	}()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("published once the engine joined gossip: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a publish waiting for gossip did not go out once it had joined")
	}
}

// TestTopicEntriesFromAnOffset (found in review: every call read the
// topic's whole index): the entries of a topic from an offset, at most max,
// with another topic's entries beside it in the store; entries pruned
// under their index keys are passed over.
func TestTopicEntriesFromAnOffset(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	offsets := map[string]uint64{}
	a := attStore{s: st, next: func(topic string) uint64 { o := offsets[topic]; offsets[topic]++; return o }}
	key, _ := nodekey.Generate()
	var prev common.Hash
	for i := range 50 {
		for _, topic := range []string{"t/1", "t/2"} {
			e := &attlog.Entry{Topic: topic, Seq: uint64(i + 1), Prev: prev, Attestation: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
			_ = e.Sign(key.ECDSA)
			if topic == "t/1" {
				prev = e.Hash()
			}
			if err := a.Put(e, fmt.Sprint(topic, i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	es, offs, err := a.topicEntries("t/1", 45, 3)
	if err != nil || len(es) != 3 || offs[0] != 45 || offs[2] != 47 || es[0].Topic != "t/1" || es[0].Seq != 46 {
		t.Fatalf("from 45, 3: %d entries at %v (%v)", len(es), offs, err)
	}
	if es, offs, _ := a.topicEntries("t/1", 48, 10); len(es) != 2 || offs[1] != 49 {
		t.Fatalf("from 48 to the end: %d entries at %v", len(es), offs)
	}
	// The first ten pruned (their index keys stay): passed over.
	pub := crypto.PubkeyToAddress(key.ECDSA.PublicKey)
	for seq := uint64(1); seq <= 10; seq++ {
		if err := st.Delete(entryKey(attlog.StreamID{Topic: "t/1", Publisher: pub}, seq)); err != nil {
			t.Fatal(err)
		}
	}
	if es, offs, _ := a.topicEntries("t/1", 0, 3); len(es) != 2 || offs[0] != 10 || offs[1] != 11 {
		t.Fatalf("from 0 past ten pruned: %d entries at %v", len(es), offs)
	}
}

// TestWaitTopicBounded (found in review): waiting on topics that never get
// an entry kept one channel each for good; past maxNotify every waiter is
// woken (it reads its topic again) and the map starts again.
func TestWaitTopicBounded(t *testing.T) {
	e := &Engine{notify: map[string]chan struct{}{}}
	first := e.WaitTopic("t/0")
	for i := 1; i < maxNotify; i++ {
		e.WaitTopic(fmt.Sprint("t/", i))
	}
	select {
	case <-first:
		t.Fatal("woken below the bound")
	default:
	}
	e.WaitTopic("t/new")
	select {
	case <-first:
	default:
		t.Fatal("not woken past the bound")
	}
	if len(e.notify) != 1 {
		t.Fatalf("%d topics waited on after the reset", len(e.notify))
	}
}
