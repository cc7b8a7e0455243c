package attlog

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

const testTopic = "0xb4a67df266433f21425a26368a679bea7228a02ea1e328f7d049f62b532aac9b/BA117/2026-12-01"

type publisher struct {
	key  *ecdsa.PrivateKey
	seq  uint64
	prev common.Hash
}

func (p *publisher) next(t *testing.T, topic string, body string) *Entry {
	t.Helper()
	p.seq++
	e := &Entry{Topic: topic, Seq: p.seq, Prev: p.prev, Attestation: []byte(`{"n":"` + body + `"}`)}
	if err := e.Sign(p.key); err != nil {
		t.Fatal(err)
	}
	p.prev = e.Hash()
	return e
}

func newPublisher(seed byte) *publisher {
	k, _ := crypto.ToECDSA(crypto.Keccak256([]byte("attlog test publisher"), []byte{seed}))
	return &publisher{key: k}
}

func TestOrderGapsDuplicatesForks(t *testing.T) {
	p := newPublisher(1)
	var es []*Entry
	for i := 0; i < 5; i++ {
		es = append(es, p.next(t, testTopic, fmt.Sprint(i)))
	}
	for _, e := range es {
		if err := e.Verify(); err != nil {
			t.Fatal(err)
		}
	}
	l, _ := New(NewMem(), 16)
	// 3 before 1 and 2: a gap, nothing delivered.
	d, gap, err := l.Offer(es[2], "k3")
	if err != nil || len(d) != 0 || gap == nil || gap.From != 1 || gap.To != 2 {
		t.Fatalf("ahead: %v %+v %v", d, gap, err)
	}
	d, _, _ = l.Offer(es[0], "k1")
	if len(d) != 1 || d[0].Seq != 1 {
		t.Fatalf("first: %v", d)
	}
	d, _, _ = l.Offer(es[1], "k2")
	if len(d) != 2 || d[0].Seq != 2 || d[1].Seq != 3 {
		t.Fatalf("2 unblocks 3: %v", d)
	}
	// A duplicate delivers nothing.
	if d, gap, err := l.Offer(es[1], "k2"); len(d) != 0 || gap != nil || err != nil {
		t.Fatalf("duplicate: %v %v %v", d, gap, err)
	}
	// A fork: another entry 2 by the same publisher.
	q := *p
	q.seq, q.prev = 1, es[0].Hash()
	fork := q.next(t, testTopic, "other")
	if _, _, err := l.Offer(fork, "kx"); !errors.Is(err, ErrFork) {
		t.Fatalf("fork at a stored seq: %v", err)
	}
	// A wrong prev at the head.
	bad := &Entry{Topic: testTopic, Seq: 4, Prev: common.Hash{1}, Attestation: []byte(`{}`)}
	_ = bad.Sign(p.key)
	if _, _, err := l.Offer(bad, "k4x"); !errors.Is(err, ErrFork) {
		t.Fatalf("bad prev: %v", err)
	}
	// The same attestation again, in a new entry: a replay.
	if _, _, err := l.Offer(es[3], "k1"); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replayed attestation: %v", err)
	}
	// Tampering breaks the signature.
	es[4].Attestation = []byte(`{"n":"changed"}`)
	if err := es[4].Verify(); !errors.Is(err, ErrSignature) {
		t.Fatalf("tampered: %v", err)
	}
	for _, bad := range []string{"", "BA117", "0x12/x", testTopic + " x", "0x" + string(make([]byte, 64)) + "/k"} {
		if CheckTopic(bad) == nil {
			t.Errorf("topic %q accepted", bad)
		}
	}
}

// TestSimulation runs seeded simulations: publishers append to streams on
// several topics; a lossy network reorders, drops and duplicates entries on
// the way to a subscriber that crashes now and then (losing what it had not
// stored) and repairs gaps from an anchor's full log. Every acknowledged
// entry is delivered to the subscriber exactly once and in order. A failing
// seed is printed; a seed run twice gives the same trace.
func TestSimulation(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		trace1 := simulate(t, seed)
		if trace2 := simulate(t, seed); trace1 != trace2 {
			t.Fatalf("seed %d: not deterministic", seed)
		}
	}
}

func simulate(t *testing.T, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 99))
	topics := []string{testTopic, testTopic[:67] + "LH400/2026-12-02", testTopic[:67] + "AF22/2026-12-03"}
	pubs := []*publisher{newPublisher(1), newPublisher(2), newPublisher(3)}
	anchor, _ := New(NewMem(), 1<<20)
	subStore := NewMem()
	sub, _ := New(subStore, 64)
	delivered := map[StreamID][]uint64{}
	var inflight []*Entry
	acked := map[StreamID]uint64{}
	repair := func(g *Gap) {
		es, _ := anchor.Range(g.Stream, g.From, g.To)
		for _, e := range es {
			inflight = append(inflight, e)
		}
	}
	deliver := func(e *Entry) {
		d, gap, err := sub.Offer(e, "")
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, x := range d {
			delivered[x.ID()] = append(delivered[x.ID()], x.Seq)
		}
		if gap != nil && rng.IntN(2) == 0 {
			repair(gap)
		}
	}
	for step := 0; step < 3000; step++ {
		switch r := rng.IntN(100); {
		case r < 30: // publish: the anchor stores (acknowledges), then gossips
			p := pubs[rng.IntN(len(pubs))]
			e := p.next(t, topics[rng.IntN(len(topics))], fmt.Sprint(step))
			// Streams are per (topic, publisher): fix up per-stream chaining.
			e = rechain(t, p, e, anchor)
			if _, _, err := anchor.Offer(e, ""); err != nil {
				t.Fatalf("seed %d: anchor: %v", seed, err)
			}
			acked[e.ID()] = e.Seq
			if rng.IntN(10) > 0 { // 10% of gossip is lost
				inflight = append(inflight, e)
			}
		case r < 80 && len(inflight) > 0: // deliver a random in-flight entry
			i := rng.IntN(len(inflight))
			e := inflight[i]
			if rng.IntN(10) > 0 {
				inflight = append(inflight[:i], inflight[i+1:]...)
			} // else: duplicated, stays in flight
			deliver(e)
		case r < 82: // crash: pending entries are lost, the store survives
			sub, _ = New(subStore, 64)
		case r < 85: // anti-entropy: compare heads with the anchor, repair behind ones
			for _, h := range anchor.Heads() {
				id := StreamID{h.Topic, h.Publisher}
				if sub.Head(id).Seq < h.Seq {
					repair(&Gap{Stream: id, From: sub.Head(id).Seq + 1, To: h.Seq})
				}
			}
		}
	}
	// Drain: repair everything and deliver what is in flight.
	for round := 0; round < 10; round++ {
		for _, h := range anchor.Heads() {
			id := StreamID{h.Topic, h.Publisher}
			if sub.Head(id).Seq < h.Seq {
				repair(&Gap{Stream: id, From: sub.Head(id).Seq + 1, To: h.Seq})
			}
		}
		for len(inflight) > 0 {
			e := inflight[0]
			inflight = inflight[1:]
			deliver(e)
		}
	}
	var ids []string
	for id, last := range acked {
		got := delivered[id]
		if uint64(len(got)) != last {
			t.Fatalf("seed %d: %s: delivered %d of %d acknowledged entries", seed, id, len(got), last)
		}
		for i, s := range got {
			if s != uint64(i+1) {
				t.Fatalf("seed %d: %s: delivered out of order or twice: %v", seed, id, got)
			}
		}
		ids = append(ids, fmt.Sprintf("%s:%d", id, last))
	}
	sort.Strings(ids)
	return fmt.Sprint(ids)
}

// rechain re-signs e as the next entry of its own (topic, publisher) stream
// on the anchor: the test publisher's counter spans topics.
func rechain(t *testing.T, p *publisher, e *Entry, anchor *Log) *Entry {
	h := anchor.Head(e.ID())
	e.Seq, e.Prev = h.Seq+1, h.Hash
	if err := e.Sign(p.key); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRetentionSkip: a subscriber behind a pruned prefix skips to what is
// left and goes on in order.
func TestRetentionSkip(t *testing.T) {
	p := newPublisher(4)
	store := NewMem()
	anchor, _ := New(store, 16)
	var es []*Entry
	for i := 0; i < 6; i++ {
		e := p.next(t, testTopic, fmt.Sprint(i))
		es = append(es, e)
		if _, _, err := anchor.Offer(e, ""); err != nil {
			t.Fatal(err)
		}
	}
	// Retention prunes entries 1..3 on the anchor.
	for s := uint64(1); s <= 3; s++ {
		delete(store.m, entryID{es[0].ID(), s})
	}
	got, _ := anchor.Range(es[0].ID(), 1, 6)
	if len(got) != 3 || got[0].Seq != 4 {
		t.Fatalf("range after pruning: %d entries from %d", len(got), got[0].Seq)
	}
	sub, _ := New(NewMem(), 16)
	sub.Skip(got[0].ID(), got[0].Seq, got[0].Prev)
	for _, e := range got {
		d, gap, err := sub.Offer(e, "")
		if err != nil || gap != nil || len(d) != 1 {
			t.Fatalf("seq %d: %v %v %v", e.Seq, d, gap, err)
		}
	}
	// Skip never moves a head back.
	sub.Skip(got[0].ID(), 2, common.Hash{})
	if sub.Head(got[0].ID()).Seq != 6 {
		t.Fatalf("head moved back to %d", sub.Head(got[0].ID()).Seq)
	}
}

// TestKeepReplaysConverges: two logs that took one attestation in two
// streams, in opposite orders, end with the same streams and heads, and each
// delivered the attestation once; a restart keeps the index.
func TestKeepReplaysConverges(t *testing.T) {
	k1, _ := crypto.GenerateKey()
	k2, _ := crypto.GenerateKey()
	p1, p2 := &publisher{key: k1}, &publisher{key: k2}
	a, b := p1.next(t, testTopic, "same"), p2.next(t, testTopic, "same")
	stores := []*MemStorage{NewMem(), NewMem()}
	var logs []*Log
	for _, st := range stores {
		l, err := New(st, 0)
		if err != nil {
			t.Fatal(err)
		}
		l.KeepReplays = true
		logs = append(logs, l)
	}
	deliveredOf := func(l *Log, es ...*Entry) int {
		n := 0
		for _, e := range es {
			d, _, err := l.Offer(e, "att-1")
			if err != nil {
				t.Fatal(err)
			}
			n += len(d)
		}
		return n
	}
	if n := deliveredOf(logs[0], a, b); n != 1 {
		t.Fatalf("log 0 delivered %d", n)
	}
	if n := deliveredOf(logs[1], b, a); n != 1 {
		t.Fatalf("log 1 delivered %d", n)
	}
	if h0, h1 := logs[0].Heads(), logs[1].Heads(); len(h0) != 2 || !reflect.DeepEqual(h0, h1) {
		t.Fatalf("heads differ:\n%v\n%v", h0, h1)
	}
	// Reopened over the same store, the log still knows the attestation.
	l, _ := New(stores[0], 0)
	c := p1.next(t, testTopic, "same")
	if _, _, err := l.Offer(c, "att-1"); !errors.Is(err, ErrReplayed) {
		t.Fatalf("after reopening: got %v", err)
	}
}

// TestTopicGrammar: topics are printable, NUL-free names, so no crafted
// name reaches another topic's keys in the store (hostile-input item 15).
func TestTopicGrammar(t *testing.T) {
	const schema = "0xb4a67df266433f21425a26368a679bea7228a02ea1e328f7d049f62b532aac9b/"
	for _, ok := range []string{schema + "BA117/2026-12-01", schema + "a-b_c.d~e:f@g+h=i,j;k!l$m&n'o(p)q*r"} {
		if err := CheckTopic(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{schema + "BA117\x00\x00\x00\x00\x00\x00\x00\x07", schema + "a b", schema + "a\nb", schema + "ä", schema + "a%00", schema + "a?b", schema} {
		if err := CheckTopic(bad); !errors.Is(err, ErrTopic) {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

// TestPendingBoundedAcrossStreams (found in review: each stream kept up
// to maxPending entries behind its gap, with no bound across streams, so
// fresh keys could fill memory): past MaxPendingTotal the oldest waiting
// entries go (so no one pins the room for good), an entry offered again
// is counted once, a drained stream gives its room back, and an entry a
// full stream does not keep is in the gap reported.
func TestPendingBoundedAcrossStreams(t *testing.T) {
	l, _ := New(NewMem(), 4)
	type stream struct {
		first, ahead *Entry
	}
	var streams []stream
	var n int
	for s := 0; n < MaxPendingTotal+100; s++ {
		k, _ := crypto.GenerateKey()
		p := &publisher{key: k}
		st := stream{first: p.next(t, testTopic, "first")}
		for j := range 4 {
			e := p.next(t, testTopic, "ahead")
			if j == 0 {
				st.ahead = e
			}
			_, gap, err := l.Offer(e, fmt.Sprint(s, "/", n))
			if err != nil || gap == nil || gap.To != e.Seq-1 {
				t.Fatalf("an entry ahead: %+v %v", gap, err)
			}
			n++
		}
		streams = append(streams, st)
	}
	if l.pendingN != MaxPendingTotal || len(l.pending) > MaxPendingTotal/4 {
		t.Fatalf("%d entries waiting in %d streams, bound %d", l.pendingN, len(l.pending), MaxPendingTotal)
	}
	// Offered again, a waiting entry is not counted twice.
	last := streams[len(streams)-1]
	if _, _, err := l.Offer(last.ahead, "again"); err != nil || l.pendingN != MaxPendingTotal {
		t.Fatalf("an entry offered again: %v, %d waiting", err, l.pendingN)
	}
	// The newest stream's gap filled: its four go out, and their room is free.
	d, _, err := l.Offer(last.first, "last/first")
	if err != nil || len(d) != 5 || l.pendingN != MaxPendingTotal-4 {
		t.Fatalf("drained: %d delivered (%v), %d waiting", len(d), err, l.pendingN)
	}
	// The oldest stream's entries were the ones to go: its first entry
	// delivers alone.
	if d, _, _ := l.Offer(streams[0].first, "first/first"); len(d) != 1 {
		t.Fatalf("the oldest stream still had %d entries waiting", len(d)-1)
	}
	// A full stream: the entry it does not keep is in its gap.
	k, _ := crypto.GenerateKey()
	p := &publisher{key: k}
	p.next(t, testTopic, "first")
	for range 4 {
		_, _, _ = l.Offer(p.next(t, testTopic, "ahead"), "")
	}
	e := p.next(t, testTopic, "one too many")
	if _, gap, _ := l.Offer(e, ""); gap == nil || gap.To != e.Seq {
		t.Fatalf("an entry a full stream did not keep: gap %+v", gap)
	}
}

// TestHeadsPagedInOrder: paging through the heads, of every topic and of
// one, gives each stream once, in (topic, publisher) order, whatever the
// order streams arrived in (the log keeps them sorted: each page used to
// sort every head).
func TestHeadsPagedInOrder(t *testing.T) {
	l, _ := New(NewMem(), 4)
	rng := rand.New(rand.NewPCG(1, 2))
	var want []StreamID
	for i := range 300 {
		topic := fmt.Sprint(testTopic, "-", rng.IntN(5))
		p := newPublisher(byte(i))
		p.key, _ = crypto.ToECDSA(crypto.Keccak256([]byte(fmt.Sprint("heads", i))))
		e := p.next(t, topic, "x")
		if _, _, err := l.Offer(e, ""); err != nil {
			t.Fatal(err)
		}
		want = append(want, e.ID())
	}
	sort.Slice(want, func(i, j int) bool { return streamLess(want[i], want[j]) })
	page := func(topic string) []StreamID {
		var got []StreamID
		var after *StreamID
		for {
			p, more := l.HeadsPage(topic, after, 7)
			for _, h := range p {
				got = append(got, h.StreamID())
			}
			if !more {
				return got
			}
			last := p[len(p)-1].StreamID()
			after = &last
		}
	}
	if got := page(""); !reflect.DeepEqual(got, want) {
		t.Fatalf("all heads, paged: %d streams, want %d in order", len(got), len(want))
	}
	topic := fmt.Sprint(testTopic, "-", 3)
	var one []StreamID
	for _, id := range want {
		if id.Topic == topic {
			one = append(one, id)
		}
	}
	if got := page(topic); len(one) == 0 || !reflect.DeepEqual(got, one) {
		t.Fatalf("one topic's heads, paged: %d streams, want %d", len(got), len(one))
	}
	if p, more := l.HeadsPage(topic, &want[len(want)-1], 7); len(p) != 0 || more {
		t.Fatalf("after the last stream of all: %v %v", p, more)
	}
}
