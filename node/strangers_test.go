package node

import (
	"crypto/ecdsa"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/wire"
)

// TestStrangersLeaveNoTrace (hostile input): flight statuses on a ticket's
// topic signed by fresh keys, not the airline's, reach the instance through
// the attestation engine and are refused without adding an offset or a
// history item (before, every fresh key added a stream offset to every
// ticket of the flight, for good). A stranger's stream of several entries
// is stepped once each: its cursor stands at the stream's head. The
// airline's status then applies.
func TestStrangersLeaveNoTrace(t *testing.T) {
	airline, _ := crypto.GenerateKey()
	n, lb := ticketServiceBy(t, airline)
	in := ticketInstance(lb, 1, common.Address{1}, "BA117")
	if err := n.service.put(in); err != nil {
		t.Fatal(err)
	}
	n.service.followInstance(in)
	topics, _ := n.service.topicsOf(in)
	var topic string
	for tp := range topics {
		if strings.HasPrefix(tp, attest.FlightStatusSchema.UID.String()) {
			topic = tp
		}
	}
	if topic == "" {
		t.Fatal("the ticket follows no flight-status topic")
	}
	seqs := map[common.Address]uint64{}
	prev := map[common.Address]common.Hash{}
	offer := func(signer *nodekeyish, delay int) *attlog.Entry {
		t.Helper()
		data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":` + itoa(delay) + `,"status":"delayed"}`))
		s, err := attest.Sign(signer.key, n.domain, attest.Message{Version: 2, Schema: attest.FlightStatusSchema.UID,
			Time: uint64(time.Now().Unix()) + uint64(seqs[signer.addr]), Data: data})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		seqs[signer.addr]++
		e := &attlog.Entry{Topic: topic, Seq: seqs[signer.addr], Prev: prev[signer.addr], Attestation: b}
		if err := e.Sign(signer.key); err != nil {
			t.Fatal(err)
		}
		prev[signer.addr] = e.Hash()
		if _, err := n.att.Offer(e, s); err != nil {
			t.Fatal(err)
		}
		return e
	}
	held := func() *instance {
		n.service.mu.RLock()
		defer n.service.mu.RUnlock()
		return n.service.inst[in.ID()]
	}
	refused := func() float64 { return testutil.ToFloat64(n.service.strangers.refused) }
	waitUntil := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}

	mallory := newKeyish()
	var last *attlog.Entry
	for i := range 5 {
		last = offer(mallory, 300+i)
	}
	for i := range 20 {
		offer(newKeyish(), 400+i)
	}
	waitUntil("25 refusals", func() bool { return refused() >= 25 })
	n.service.applier.settle(in.ID())
	if got := refused(); got != 25 {
		t.Fatalf("%v refusals counted, want 25 (one per entry)", got)
	}
	if got := n.service.strangers.done(in.ID(), last.ID().String(), 0); got != 5 {
		t.Fatalf("mallory's cursor at %d, want 5", got)
	}
	cur := held()
	if len(cur.Offsets) != 0 || cur.HistoryN != 0 || string(cur.State) != string(in.State) {
		t.Fatalf("strangers left a trace: offsets %v, %d history items, state %s", cur.Offsets, cur.HistoryN, cur.State)
	}

	air := &nodekeyish{key: airline, addr: crypto.PubkeyToAddress(airline.PublicKey)}
	e := offer(air, 200)
	waitUntil("the airline's status", func() bool { return held().HistoryN == 1 })
	cur = held()
	if len(cur.Offsets) != 1 || cur.Offsets[e.ID().String()] != 1 || !strings.Contains(string(cur.State), `"delayMinutes":200`) {
		t.Fatalf("the airline's status: offsets %v, state %s", cur.Offsets, cur.State)
	}
	if got := refused(); got != 25 {
		t.Fatalf("%v refusals after the airline's status, want 25", got)
	}
}

// nodekeyish is a signer of test attestations and log entries.
type nodekeyish struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

func newKeyish() *nodekeyish {
	k, _ := crypto.GenerateKey()
	return &nodekeyish{key: k, addr: crypto.PubkeyToAddress(k.PublicKey)}
}

// TestStrangerCursors: a cursor moves only forward past the offset, an
// applied entry forgets it, and the map stays within its bound.
func TestStrangerCursors(t *testing.T) {
	c := newStrangerCursors()
	id := wire.InstanceID{1}
	c.refuse(id, "s", 0, 1)
	c.refuse(id, "s", 0, 2)
	c.refuse(id, "s", 0, 2) // again: no move, not counted
	if got := c.done(id, "s", 0); got != 2 {
		t.Fatalf("done %d, want 2", got)
	}
	if got := c.done(id, "s", 7); got != 7 {
		t.Fatalf("done with offset 7: %d", got)
	}
	if got := testutil.ToFloat64(c.refused); got != 2 {
		t.Fatalf("%v counted, want 2", got)
	}
	c.applied(id, "s")
	if got := c.done(id, "s", 3); got != 3 {
		t.Fatalf("after applied: %d, want the offset", got)
	}
	for i := range maxStrangerCursors + 10 {
		c.refuse(wire.InstanceID{byte(i), byte(i >> 8), byte(i >> 16)}, "s", 0, 1)
	}
	if got := c.len(); got != maxStrangerCursors {
		t.Fatalf("%d cursors held, bound %d", got, maxStrangerCursors)
	}
}
