package transport_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	record "github.com/libp2p/go-libp2p-record"

	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/transport"
)

type ping struct{ N int }
type pong struct{ N int }

// numbers is a record namespace whose records are decimal numbers; the
// larger one is better.
type numbers struct{}

func (numbers) Validate(_ string, v []byte) error {
	if len(v) == 0 || strings.Trim(string(v), "0123456789") != "" {
		return errors.New("not a number")
	}
	return nil
}

func (numbers) Select(_ string, vs [][]byte) (int, error) {
	best := 0
	for i, v := range vs {
		if len(v) > len(vs[best]) || len(v) == len(vs[best]) && string(v) > string(vs[best]) {
			best = i
		}
	}
	return best, nil
}

func join(t *testing.T, n *transport.MemNetwork) transport.Transport {
	t.Helper()
	k, err := nodekey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := n.Join(transport.Options{Key: k, Validators: record.NamespacedValidator{"n": numbers{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// TestMemRequests: the in-memory transport answers typed requests like the
// libp2p one: remote errors wrapped, protocols only some peers may speak,
// size limits before the handler runs, closed peers unreachable.
func TestMemRequests(t *testing.T) {
	n := transport.NewMemNetwork()
	a, b, c := join(t, n), join(t, n), join(t, n)
	calls := 0
	var mu sync.Mutex
	transport.HandleFrom(b, "/test/ping", 64, func(p transport.PeerID) bool { return p == a.ID() },
		func(_ context.Context, from transport.PeerID, req *ping) (*pong, error) {
			mu.Lock()
			calls++
			mu.Unlock()
			if from != a.ID() {
				return nil, errors.New("wrong peer")
			}
			if req.N < 0 {
				return nil, errors.New(strings.Repeat("negative ", 200))
			}
			return &pong{N: req.N + 1}, nil
		})
	ctx := context.Background()
	if got := a.Connect(ctx, append(b.FullAddrs(), "/mem/nonsense", a.FullAddrs()[0])); got != 1 {
		t.Fatalf("connected %d", got)
	}
	resp, err := transport.Call[ping, pong](ctx, a, b.ID(), "/test/ping", &ping{N: 41})
	if err != nil || resp.N != 42 {
		t.Fatalf("%v %v", resp, err)
	}
	_, err = transport.Call[ping, pong](ctx, a, b.ID(), "/test/ping", &ping{N: -1})
	if !errors.Is(err, transport.ErrRemote) || !strings.Contains(err.Error(), "negative") || len(err.Error()) > transport.MaxRemoteError+200 {
		t.Fatalf("remote error: %v", err)
	}
	if _, err := transport.Call[ping, pong](ctx, c, b.ID(), "/test/ping", &ping{N: 1}); err == nil {
		t.Fatal("a peer not allowed was answered")
	}
	if _, err := transport.Call[struct{ S string }, pong](ctx, a, b.ID(), "/test/ping", &struct{ S string }{strings.Repeat("x", 100)}); err == nil {
		t.Fatal("an oversized request was answered")
	}
	if _, err := transport.Call[ping, pong](ctx, a, b.ID(), "/test/none", &ping{}); !errors.Is(err, transport.ErrUnreachable) {
		t.Fatalf("unknown protocol: %v", err)
	}
	mu.Lock()
	if calls != 2 {
		t.Fatalf("handler ran %d times, want 2", calls)
	}
	mu.Unlock()
	b.Close()
	if a.Reachable(b.ID()) {
		t.Fatal("closed peer reachable")
	}
	if _, err := transport.Call[ping, pong](ctx, a, b.ID(), "/test/ping", &ping{}); !errors.Is(err, transport.ErrUnreachable) {
		t.Fatalf("closed peer: %v", err)
	}
}

// TestMemGossipAndRecords: gossip reaches the other subscribers through
// their validators (rejections reported, not delivered); records are
// validated and the better one kept.
func TestMemGossipAndRecords(t *testing.T) {
	n := transport.NewMemNetwork()
	ctx := context.Background()
	type got struct {
		mu       sync.Mutex
		data     []string
		rejected int
	}
	var trs []transport.Transport
	var gs []transport.Gossip
	var seen []*got
	for range 3 {
		tr := join(t, n)
		g0 := &got{}
		g, err := tr.Gossip(ctx, transport.GossipOptions{
			Validate: func(_ context.Context, _ transport.PeerID, d []byte) (any, error) {
				if strings.HasPrefix(string(d), "bad") {
					return nil, errors.New("forged")
				}
				return len(d), nil
			},
			Rejected: func(transport.PeerID, error) { g0.mu.Lock(); g0.rejected++; g0.mu.Unlock() },
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Subscribe(ctx, "t", func(d []byte, v any) {
			if v != len(d) {
				t.Errorf("validator data %v", v)
			}
			g0.mu.Lock()
			g0.data = append(g0.data, string(d))
			g0.mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
		trs, gs, seen = append(trs, tr), append(gs, g), append(seen, g0)
	}
	_ = gs[0].Publish(ctx, "t", []byte("bad one"))
	_ = gs[0].Publish(ctx, "t", []byte("good"))
	for i := 1; i < 3; i++ {
		waitFor(t, func() bool {
			seen[i].mu.Lock()
			defer seen[i].mu.Unlock()
			return len(seen[i].data) == 1 && seen[i].rejected == 1
		})
		if seen[i].data[0] != "good" {
			t.Fatalf("node %d got %v", i, seen[i].data)
		}
	}
	if len(seen[0].data) != 0 {
		t.Fatal("a publisher received its own message")
	}
	if err := gs[0].Publish(ctx, "t", make([]byte, transport.MaxGossipMessage+1)); err == nil {
		t.Fatal("an oversized message was published")
	}
	// Unsubscribed, a node gets nothing more of the topic (Publish hands
	// each subscriber its copy before it returns); subscribed again, it does.
	gs[2].Unsubscribe("t")
	gs[2].Unsubscribe("t") // twice: a no-op
	if gs[2].Subscribed("t") || slices.Contains(gs[2].Topics(), "t") {
		t.Fatal("still subscribed after Unsubscribe")
	}
	_ = gs[0].Publish(ctx, "t", []byte("second"))
	waitFor(t, func() bool { seen[1].mu.Lock(); defer seen[1].mu.Unlock(); return len(seen[1].data) == 2 })
	if err := gs[2].Subscribe(ctx, "t", func(d []byte, _ any) {
		seen[2].mu.Lock()
		seen[2].data = append(seen[2].data, string(d))
		seen[2].mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	_ = gs[0].Publish(ctx, "t", []byte("third"))
	waitFor(t, func() bool { seen[2].mu.Lock(); defer seen[2].mu.Unlock(); return len(seen[2].data) == 2 })
	if seen[2].data[1] != "third" {
		t.Fatalf("an unsubscribed node got %v", seen[2].data)
	}

	if err := trs[0].PutRecord(ctx, "/n/k", []byte("12")); err != nil {
		t.Fatal(err)
	}
	if err := trs[1].PutRecord(ctx, "/n/k", []byte("x")); err == nil {
		t.Fatal("an invalid record was stored")
	}
	_ = trs[1].PutRecord(ctx, "/n/k", []byte("9")) // worse: the old one stays
	if v, err := trs[2].GetRecord(ctx, "/n/k"); err != nil || string(v) != "12" {
		t.Fatalf("got %q %v", v, err)
	}
	_ = trs[1].PutRecord(ctx, "/n/k", []byte("100"))
	if v, _ := trs[2].GetRecord(ctx, "/n/k"); string(v) != "100" {
		t.Fatalf("better record not kept: %q", v)
	}
	if _, err := trs[2].GetRecord(ctx, "/n/none"); !errors.Is(err, transport.ErrNotFound) {
		t.Fatalf("missing record: %v", err)
	}
}

// TestFaultyCutsLinks: a cut link fails requests both ways and drops
// gossip across it; DropGossip drops what it is told to.
func TestFaultyCutsLinks(t *testing.T) {
	n := transport.NewMemNetwork()
	ctx := context.Background()
	var cutMu sync.Mutex
	cut := map[[2]transport.PeerID]bool{}
	isCut := func(a, b transport.PeerID) bool {
		cutMu.Lock()
		defer cutMu.Unlock()
		return cut[[2]transport.PeerID{a, b}] || cut[[2]transport.PeerID{b, a}]
	}
	var dropping atomic.Bool
	var asked atomic.Int32
	a := transport.Faulty(join(t, n), transport.Faults{Cut: isCut})
	b := transport.Faulty(join(t, n), transport.Faults{Cut: isCut, DropGossip: func() bool { asked.Add(1); return dropping.Load() }})
	transport.Handle(b, "/test/ping", func(_ context.Context, _ transport.PeerID, req *ping) (*pong, error) { return &pong{N: req.N}, nil })
	if _, err := transport.Call[ping, pong](ctx, a, b.ID(), "/test/ping", &ping{N: 1}); err != nil {
		t.Fatal(err)
	}
	cutMu.Lock()
	cut[[2]transport.PeerID{a.ID(), b.ID()}] = true
	cutMu.Unlock()
	if _, err := transport.Call[ping, pong](ctx, a, b.ID(), "/test/ping", &ping{N: 1}); !errors.Is(err, transport.ErrUnreachable) {
		t.Fatalf("across a cut link: %v", err)
	}
	// b's queue is in order: once c's later message is in, a's was judged.
	c := join(t, n)
	var mu sync.Mutex
	var got []string
	accept := transport.GossipOptions{Validate: func(context.Context, transport.PeerID, []byte) (any, error) { return nil, nil }}
	ga, _ := a.Gossip(ctx, accept)
	gb, _ := b.Gossip(ctx, accept)
	gc, _ := c.Gossip(ctx, accept)
	_ = gb.Subscribe(ctx, "t", func(d []byte, _ any) { mu.Lock(); got = append(got, string(d)); mu.Unlock() })
	_ = ga.Publish(ctx, "t", []byte("while cut"))
	_ = gc.Publish(ctx, "t", []byte("from c"))
	waitFor(t, func() bool { return asked.Load() == 1 })
	dropping.Store(true)
	_ = gc.Publish(ctx, "t", []byte("dropped"))
	waitFor(t, func() bool { return asked.Load() == 2 })
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "from c" {
		t.Fatalf("got %v", got)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMemAnswerCap: the in-memory transport refuses an answer past the
// caller's cap, as p2p does.
func TestMemAnswerCap(t *testing.T) {
	n := transport.NewMemNetwork()
	a, b := join(t, n), join(t, n)
	transport.Handle(b, "/test/big", func(_ context.Context, _ transport.PeerID, req *ping) (*pong, error) {
		return &pong{N: req.N}, nil
	})
	ctx := context.Background()
	if _, err := transport.CallMax[ping, pong](ctx, a, b.ID(), "/test/big", &ping{N: 1}, 4); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("an answer past a 4-byte cap: %v", err)
	}
	if resp, err := transport.CallMax[ping, pong](ctx, a, b.ID(), "/test/big", &ping{N: 2}, transport.SmallAnswer); err != nil || resp.N != 2 {
		t.Fatalf("under the cap: %v %v", resp, err)
	}
}
