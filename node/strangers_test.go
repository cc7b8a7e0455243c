package node

import (
	"context"
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
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
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
	offer := func(signer *nodekey.Key, delay int) *attlog.Entry {
		t.Helper()
		data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":` + itoa(delay) + `,"status":"delayed"}`))
		s, err := attest.Sign(signer.ECDSA, n.domain, attest.Message{Version: 2, Schema: attest.FlightStatusSchema.UID,
			Time: uint64(time.Now().Unix()) + uint64(seqs[signer.Address()]), Data: data})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		seqs[signer.Address()]++
		e := &attlog.Entry{Topic: topic, Seq: seqs[signer.Address()], Prev: prev[signer.Address()], Attestation: b}
		if err := e.Sign(signer.ECDSA); err != nil {
			t.Fatal(err)
		}
		prev[signer.Address()] = e.Hash()
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

	mallory := newKey(t)
	var last *attlog.Entry
	for i := range 5 {
		last = offer(mallory, 300+i)
	}
	for i := range 20 {
		offer(newKey(t), 400+i)
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

	air := nodekey.FromECDSA(airline)
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

// TestStrangerCursors: a cursor moves only forward past the offset it was
// made on and counts only there, an applied entry forgets it, and the map
// stays within its bound, keeping the cursors that save the most.
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
	if got := c.done(id, "s", 1); got != 1 {
		t.Fatalf("a cursor made at offset 0 counted at offset 1: %d", got)
	}
	if got := testutil.ToFloat64(c.refused); got != 2 {
		t.Fatalf("%v counted, want 2", got)
	}
	c.applied(id, "s")
	if got := c.done(id, "s", 3); got != 3 {
		t.Fatalf("after applied: %d, want the offset", got)
	}
	// Full, it drops cursors that save little before one past a long
	// run of refused entries.
	long := wire.InstanceID{0xff, 0xff, 0xff}
	c.refuse(long, "s", 0, 100)
	for i := range maxStrangerCursors + 10 {
		c.refuse(wire.InstanceID{byte(i), byte(i >> 8), byte(i >> 16)}, "s", 0, 1)
	}
	if got := c.len(); got != maxStrangerCursors {
		t.Fatalf("%d cursors held, bound %d", got, maxStrangerCursors)
	}
	if got := c.done(long, "s", 0); got != 100 {
		t.Fatalf("the long cursor was dropped: %d", got)
	}
}

// TestStrangerEntriesInARelayStream: one publisher's stream (an anchor
// sequencing what clients post, say) carries the airline's status and then
// two of a stranger's. The instance applies the first and refuses the
// others (its cursor past them). Dropped and taken up again, the instance
// applies the stream from its start: the cursor, made on offset 1, does not
// count at offset 0 (found in review: the airline's status was skipped for
// good). An anchor deriving the instance at offsets written before
// strangers' entries left none (the stream at 3) reaches them.
func TestStrangerEntriesInARelayStream(t *testing.T) {
	airline, _ := crypto.GenerateKey()
	n, lb := ticketServiceBy(t, airline)
	const date = "2026-12-20"
	// The airline's ticket for BA117 on date, registered as it would be.
	sch, err := attest.ParseSchema(flightticket.TicketSchema)
	if err != nil {
		t.Fatal(err)
	}
	tdata, _ := sch.Encode(map[string]any{"flight": "BA117", "date": date, "passenger": "Ada Lovelace", "seat": "1A"})
	holder := newKey(t)
	ts, err := attest.Sign(airline, n.domain, attest.Message{Version: attest.Version2, Schema: sch.UID(common.Address{}, true),
		Recipient: holder.Address(), Time: uint64(time.Now().Unix()), ExpirationTime: uint64(time.Now().Add(30 * 24 * time.Hour).Unix()),
		Revocable: true, Data: tdata})
	if err != nil {
		t.Fatal(err)
	}
	tj, _ := json.Marshal(ts)
	id := wire.InstanceID(ts.UID)
	reg := &Registration{Instance: id, Bundle: lb.Hash.String(), Attestation: tj}
	rec := &placement.Record{Instance: id, Bundle: lb.Hash.String(), Fencing: 1, Executor: n.PeerID().String(), Replicas: []string{n.PeerID().String()}}
	fresh, err := n.derive(context.Background(), lb, rec, reg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	topics, _ := n.service.topicsOf(fresh)
	topic := attest.FlightStatusSchema.UID.String() + "/BA117/" + date
	if topics[topic] == nil {
		t.Fatalf("the ticket does not follow %s: %v", topic, topics)
	}
	relay := newKey(t)
	var prev common.Hash
	var sid string
	for i, signer := range []*ecdsa.PrivateKey{airline, newKey(t).ECDSA, newKey(t).ECDSA} {
		data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"` + date + `","delayMinutes":` + itoa(200+i) + `,"status":"delayed"}`))
		s, err := attest.Sign(signer, n.domain, attest.Message{Version: 2, Schema: attest.FlightStatusSchema.UID, Time: uint64(time.Now().Unix()) + uint64(i), Data: data})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		e := &attlog.Entry{Topic: topic, Seq: uint64(i + 1), Prev: prev, Attestation: b}
		if err := e.Sign(relay.ECDSA); err != nil {
			t.Fatal(err)
		}
		prev, sid = e.Hash(), e.ID().String()
		if _, err := n.att.Offer(e, s); err != nil {
			t.Fatal(err)
		}
	}
	held := func() *instance {
		n.service.mu.RLock()
		defer n.service.mu.RUnlock()
		return n.service.inst[id]
	}
	take := func() {
		t.Helper()
		if err := n.service.put(fresh); err != nil {
			t.Fatal(err)
		}
		n.service.followInstance(fresh)
		n.service.catchUp(id)
		n.service.applier.settle(id)
		cur := held()
		if cur.Offsets[sid] != 1 || cur.HistoryN != 1 || !strings.Contains(string(cur.State), `"delayMinutes":200`) {
			t.Fatalf("offsets %v, %d history items, state %s; want the airline's status alone applied", cur.Offsets, cur.HistoryN, cur.State)
		}
		if got := n.service.strangers.done(id, sid, 1); got != 3 {
			t.Fatalf("the strangers' entries: cursor at %d, want 3", got)
		}
	}
	take()
	if err := n.service.dropNow(id); err != nil {
		t.Fatal(err)
	}
	take()

	for _, c := range []struct {
		offsets map[string]uint64
		want    uint64
	}{{map[string]uint64{sid: 1}, 1}, {map[string]uint64{sid: 3}, 3}} {
		in, err := n.derive(context.Background(), lb, rec, reg, c.offsets, nil)
		if err != nil || in.Offsets[sid] != c.want || !strings.Contains(string(in.State), `"delayMinutes":200`) {
			t.Fatalf("derived at %v: %v", c.offsets, err)
		}
	}
}

func newKey(t *testing.T) *nodekey.Key {
	t.Helper()
	k, err := nodekey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
