package node

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/wire"
)

// Before start a change runs inline and its error comes back (it used to
// panic on the missing context); after the node stops, run answers
// errStopping instead of waiting or racing the task.
func TestApplierBeforeStartAndAfterStop(t *testing.T) {
	a := newApplier()
	want := errors.New("x")
	if err := a.run(wire.InstanceID{1}, func() error { return want }); err != want {
		t.Fatalf("inline run: %v", err)
	}
	a.settle(wire.InstanceID{1})
	ctx, cancel := context.WithCancel(context.Background())
	a.start(ctx, func(f func()) { go f() })
	order := make(chan int, 3)
	for i := 0; i < 3; i++ {
		i := i
		a.enqueue(wire.InstanceID{2}, func() { order <- i })
	}
	a.settle(wire.InstanceID{2})
	for i := 0; i < 3; i++ {
		if got := <-order; got != i {
			t.Fatalf("one instance's changes ran out of order: %d before %d", got, i)
		}
	}
	cancel()
	if err := a.run(wire.InstanceID{3}, func() error { return nil }); err != nil && !errors.Is(err, errStopping) {
		t.Fatalf("after stop: %v", err)
	}
}

// An attestation that raced into a second stream is stored there but never
// handed out for applying: StreamRange (gap fill and catch-up) skips it, so
// an instance applies it once, where it came first.
func TestStreamRangeSkipsRacingReplays(t *testing.T) {
	c := validConfig()
	n := loopbackNode(t, c)
	airline, _ := crypto.GenerateKey()
	pubA, _ := crypto.GenerateKey()
	pubB, _ := crypto.GenerateKey()
	topic := attest.FlightStatusSchema.UID.String() + "/BA117/2026-12-01"
	sign := func(delay int) (*attest.Signed, []byte) {
		data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":` + itoa(delay) + `,"status":"delayed"}`))
		s, err := attest.Sign(airline, attest.NetworkDomain(c.Network.ChainID, common.HexToAddress(c.Network.EAS)),
			attest.Message{Version: 2, Schema: attest.FlightStatusSchema.UID, Time: uint64(time.Now().Unix()), Data: data})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		return s, b
	}
	u, uj := sign(10)
	v, vj := sign(20)
	a1 := &attlog.Entry{Topic: topic, Seq: 1, Attestation: uj}
	_ = a1.Sign(pubA)
	b1 := &attlog.Entry{Topic: topic, Seq: 1, Attestation: vj}
	_ = b1.Sign(pubB)
	b2 := &attlog.Entry{Topic: topic, Seq: 2, Prev: b1.Hash(), Attestation: uj} // u again, raced into B's stream
	_ = b2.Sign(pubB)
	for _, x := range []struct {
		e *attlog.Entry
		s *attest.Signed
	}{{a1, u}, {b1, v}, {b2, u}} {
		if _, err := n.att.Offer(x.e, x.s); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := n.att.StreamRange(b1.ID(), 1, 2)
	if err != nil || len(ds) != 1 || ds[0].Entry.Seq != 1 {
		t.Fatalf("stream B from the store: %d entries (%v), want only #1", len(ds), err)
	}
	if h := n.att.Head(b1.ID()); h.Seq != 2 {
		t.Fatalf("the replayed entry was not stored: head %d", h.Seq)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
