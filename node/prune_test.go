package node

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/transport"
)

// TestPruneKeepsHead: retention deletes old entries but a stream's last one
// stays, and the log still answers from what is left.
func TestPruneKeepsHead(t *testing.T) {
	c := validConfig()
	n := loopbackNode(t, c)
	airline, _ := crypto.GenerateKey()
	pub, _ := crypto.GenerateKey()
	topic := attest.FlightStatusSchema.UID.String() + "/BA117/2026-12-01"
	var prev common.Hash
	old := time.Now().Add(-48 * time.Hour)
	for i := 1; i <= 4; i++ {
		data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":` + string(rune('0'+i)) + `,"status":"delayed"}`))
		m := attest.Message{Version: 2, Schema: attest.FlightStatusSchema.UID, Time: uint64(old.Add(time.Duration(i) * time.Minute).Unix()), Data: data}
		m.Salt[0] = byte(i)
		s, err := attest.Sign(airline, attest.Domain{Name: attest.DomainName, Version: "1.3.0", ChainID: big.NewInt(c.Network.ChainID), VerifyingContract: common.HexToAddress(c.Network.EAS)}, m)
		if err != nil {
			t.Fatal(err)
		}
		att, _ := json.Marshal(s)
		e := &attlog.Entry{Topic: topic, Seq: uint64(i), Prev: prev, Attestation: att}
		_ = e.Sign(pub)
		prev = e.Hash()
		if _, err := n.att.Offer(e, s); err != nil {
			t.Fatal(err)
		}
	}
	pruned, err := n.att.Prune(time.Now().Add(-24 * time.Hour))
	if err != nil || pruned != 3 {
		t.Fatalf("pruned %d: %v", pruned, err)
	}
	id := attlog.StreamID{Topic: topic, Publisher: crypto.PubkeyToAddress(pub.PublicKey)}
	es, err := n.att.Range(id, 1, 4)
	if err != nil || len(es) != 1 || es[0].Seq != 4 {
		t.Fatalf("after pruning: %v %v", es, err)
	}
}

// TestGossipValidatorRefusesReplay: an attestation already in a stream,
// gossiped again in a new entry, is dropped without blame (and counted)
// without the validator blocking the engine; published again it is refused
// with ErrReplayed, also after a restart (the replay index is on disk); and
// taken by repair it is stored, so logs converge, but not applied again.
func TestGossipValidatorRefusesReplay(t *testing.T) {
	c := validConfig()
	c.DataDir = t.TempDir() // restarted below on the same data
	c.HTTP.Listen = "127.0.0.1:0"
	c.P2P.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	n := loopbackNode(t, c)
	airline, _ := crypto.GenerateKey()
	pub, _ := crypto.GenerateKey()
	topic := attest.FlightStatusSchema.UID.String() + "/BA117/2026-12-01"
	data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":5,"status":"delayed"}`))
	s, err := attest.Sign(airline, attest.NetworkDomain(c.Network.ChainID, common.HexToAddress(c.Network.EAS)),
		attest.Message{Version: 2, Schema: attest.FlightStatusSchema.UID, Time: uint64(time.Now().Unix()), Data: data})
	if err != nil {
		t.Fatal(err)
	}
	att, _ := json.Marshal(s)
	first := &attlog.Entry{Topic: topic, Seq: 1, Attestation: att}
	_ = first.Sign(pub)
	if _, err := n.att.Offer(first, s); err != nil {
		t.Fatal(err)
	}
	again := &attlog.Entry{Topic: topic, Seq: 2, Prev: first.Hash(), Attestation: att}
	_ = again.Sign(pub)
	msg, _ := json.Marshal(again)
	done := make(chan error, 1)
	go func() {
		_, err := n.att.ValidateGossip(context.Background(), "", msg)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, transport.ErrIgnore) {
			t.Fatalf("got %v, want the replay ignored", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the validator blocked")
	}
	if got := testutil.ToFloat64(n.metric.refused.WithLabelValues("replayed")); got != 1 {
		t.Fatalf("refusals counted %v", got)
	}
	if _, err := n.att.Publish(context.Background(), msg, true); !errors.Is(err, attlog.ErrReplayed) {
		t.Fatalf("publish of a replay: got %v", err)
	}
	// Restart on the same data: the replay index is still there.
	n.Close()
	if n, err = New(c, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := n.att.Publish(context.Background(), msg, true); !errors.Is(err, attlog.ErrReplayed) {
		t.Fatalf("publish of a replay after a restart: got %v", err)
	}
	// Repair takes it (the stream advances) but nothing is applied twice.
	if _, err := n.att.Offer(again, s); err != nil {
		t.Fatal(err)
	}
	if h := n.att.Head(again.ID()); h.Seq != 2 {
		t.Fatalf("head after repair: %d", h.Seq)
	}
	if es, _, err := n.att.TopicEntries(topic, 0, 10); err != nil || len(es) != 1 {
		t.Fatalf("delivered entries on the topic: %d (%v), want 1", len(es), err)
	}
}

// loopbackNode makes (without starting) a node from c on loopback ports, in
// c's data directory or a temporary one, closed when the test ends.
func loopbackNode(t *testing.T, c Config) *Node {
	t.Helper()
	if c.DataDir == "" || c.DataDir == validConfig().DataDir {
		c.DataDir = t.TempDir()
	}
	c.HTTP.Listen = "127.0.0.1:0"
	c.P2P.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	n, err := New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}
