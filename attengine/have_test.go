package attengine

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/transport"
)

// engineOn is an engine on host h of an in-memory network, every peer a
// member, repairing from anchors.
func engineOn(t *testing.T, h transport.Transport, anchor bool, anchors func() []peer.ID) *Engine {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e, err := New(Deps{Host: h, Store: st, Log: slog.New(slog.DiscardHandler), Policy: &attest.Policy{Pins: []attest.Pin{{ChainID: big.NewInt(31337)}}, MaxSkew: time.Minute},
		Spawn: func(f func()) { go f() }, Deliver: func(Delivered) {}, Anchor: anchor,
		IsAnchorPeer: func(peer.ID) bool { return false }, IsAnchorAddress: func(common.Address) bool { return false },
		IsMember: func(peer.ID) bool { return true }, Anchors: anchors,
		PublisherAllowed: func(string, time.Time) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	e.ctx = context.Background()
	return e
}

// TestOwnStreamsReachTheAnchors: an entry a service node published whose
// gossip never reached an anchor (the node killed as it published) is in
// the anchor's log after the node's next anti-entropy round: the node tells
// the anchors how far its own streams go and they fetch what they lack. A
// stream of someone else's the node names is not fetched.
func TestOwnStreamsReachTheAnchors(t *testing.T) {
	n := transport.NewMemNetwork()
	ka, _ := nodekey.Generate()
	ks, _ := nodekey.Generate()
	ha, err := n.Join(transport.Options{Key: ka})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := n.Join(transport.Options{Key: ks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ha.Close(); hs.Close() })
	anchor := engineOn(t, ha, true, func() []peer.ID { return nil })
	svc := engineOn(t, hs, false, func() []peer.ID { return []peer.ID{ha.ID()} })

	topic := attest.FlightStatusSchema.UID.String() + "/BA117/2026-12-01"
	var prev common.Hash
	for seq := uint64(1); seq <= 2; seq++ {
		data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":5,"status":"delayed"}`))
		s, err := attest.Sign(ks.ECDSA, attest.NetworkDomain(31337, common.Address{}), attest.Message{Version: attest.Version2,
			Schema: attest.FlightStatusSchema.UID, Time: uint64(time.Now().Unix()), Data: data, Salt: common.BigToHash(big.NewInt(int64(seq)))})
		if err != nil {
			t.Fatal(err)
		}
		att, _ := json.Marshal(s)
		en := &attlog.Entry{Topic: topic, Seq: seq, Prev: prev, Attestation: att}
		if err := en.Sign(ks.ECDSA); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Offer(en, s); err != nil { // in its log; the gossip lost
			t.Fatal(err)
		}
		prev = en.Hash()
	}
	id := attlog.StreamID{Topic: topic, Publisher: ks.Address()}
	if anchor.Head(id).Seq != 0 {
		t.Fatal("the anchor has the entries before any push")
	}
	svc.pushOwn()
	deadline := time.Now().Add(30 * time.Second)
	for anchor.Head(id).Seq != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the anchor has the node's stream up to %d, want 2", anchor.Head(id).Seq)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Acknowledged by every anchor: the next rounds name it no more.
	svc.pushOwn()
	svc.own.mu.Lock()
	acked := svc.own.acked[id]
	svc.own.mu.Unlock()
	if acked != 2 {
		t.Fatalf("acknowledged up to %d, want 2", acked)
	}
	// Someone else's stream named in a Have is not fetched.
	other, _ := nodekey.Generate()
	ack, err := transport.CallMax[Have, HaveAck](context.Background(), hs, ha.ID(), protoHave,
		&Have{Heads: []attlog.StreamHead{{Topic: topic, Publisher: other.Address(), Head: attlog.Head{Seq: 9}}}}, transport.SmallAnswer)
	if err != nil || len(ack.Seqs) != 1 || ack.Seqs[0] != 0 {
		t.Fatalf("another's stream: %+v %v", ack, err)
	}
}

// TestUnfollowBeforeStart: an instance dropped before the engine's gossip
// started (an assignment can come that early) leaves its topics without a
// panic (seen under stress-ng: a nil pointer in Unfollow).
func TestUnfollowBeforeStart(t *testing.T) {
	e := testEngine(t, nil, common.Address{})
	e.Unfollow("some/topic")
	if e.Following("some/topic") || e.FollowedTopics() != 0 {
		t.Fatal("a topic followed before gossip started")
	}
}

// TestFollowCapped: past Deps.MaxTopics, Follow refuses a new topic with
// ErrTopicCap; a topic already followed is fine, and leaving one makes
// room for another.
func TestFollowCapped(t *testing.T) {
	e := testEngine(t, nil, common.Address{})
	e.d.MaxTopics = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tp := range []string{"a/1", "b/2", "a/1"} {
		if err := e.Follow(ctx, tp); err != nil {
			t.Fatalf("follow %s: %v", tp, err)
		}
	}
	if err := e.Follow(ctx, "c/3"); !errors.Is(err, ErrTopicCap) {
		t.Fatalf("a third topic under a cap of 2: %v, want ErrTopicCap", err)
	}
	if e.Following("c/3") || e.FollowedTopics() != 2 {
		t.Fatalf("following c/3: %v, %d topics", e.Following("c/3"), e.FollowedTopics())
	}
	e.Unfollow("a/1")
	if err := e.Follow(ctx, "c/3"); err != nil {
		t.Fatalf("after leaving a topic: %v", err)
	}
}

// TestRepairRefusesNullEntries (hostile input, found in review): a member
// answering a repair with a null entry made the anchor dereference it in a
// background goroutine, which killed the process. Such an answer is taken
// as no answer.
func TestRepairRefusesNullEntries(t *testing.T) {
	n := transport.NewMemNetwork()
	ka, _ := nodekey.Generate()
	ks, _ := nodekey.Generate()
	ha, _ := n.Join(transport.Options{Key: ka})
	hs, _ := n.Join(transport.Options{Key: ks})
	t.Cleanup(func() { ha.Close(); hs.Close() })
	anchor := engineOn(t, ha, true, func() []peer.ID { return nil })
	asked := 0
	hs.SetHandler(protoAttlog, 64<<10, nil, func(context.Context, transport.PeerID, []byte) ([]byte, error) {
		asked++
		return []byte(`{"entries":[null]}`), nil
	})
	id := attlog.StreamID{Topic: "0x" + strings.Repeat("ab", 32) + "/k", Publisher: common.Address{1}}
	if anchor.repairFrom(hs.ID(), id, 1, 5) || asked != 1 {
		t.Fatalf("a repair answered with a null entry: complete, or asked %d times", asked)
	}
}
