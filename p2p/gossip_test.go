package p2p

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/transport"
)

// TestGossipRefusedMessagesDoNotSpread: a line of three hosts A - B - C. A
// publishes a good and a bad message; B's validator rejects the bad one, so
// C never sees it, and B lowers A's score.
func TestGossipRefusedMessagesDoNotSpread(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hosts := []*Host{newHost(t, "/ip4/127.0.0.1/tcp/0"), newHost(t, "/ip4/127.0.0.1/tcp/0"), newHost(t, "/ip4/127.0.0.1/tcp/0")}
	validate := func(_ context.Context, _ peer.ID, data []byte) (any, error) {
		if strings.HasPrefix(string(data), "bad") {
			return nil, errors.New("forged")
		}
		return len(data), nil
	}
	var gs []*Gossip
	for _, h := range hosts {
		g, err := newGossip(ctx, h, transport.GossipOptions{Validate: validate})
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
	}
	// A line: A-B, B-C; A and C are not connected.
	if hosts[0].Connect(ctx, hosts[1].FullAddrs()) != 1 || hosts[1].Connect(ctx, hosts[2].FullAddrs()) != 1 {
		t.Fatal("connect")
	}
	var mu sync.Mutex
	got := map[int][]string{}
	for i, g := range gs {
		i := i
		if err := g.Subscribe(ctx, "t", func(d []byte, v any) {
			if v != len(d) {
				t.Errorf("validator data %v for %q", v, d)
			}
			mu.Lock()
			got[i] = append(got[i], string(d))
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Wait for the meshes to form.
	deadline := time.Now().Add(10 * time.Second)
	for len(gs[0].Peers("t")) == 0 || len(gs[2].Peers("t")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no mesh")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if err := gs[0].Publish(ctx, "t", []byte("bad: forged")); err != nil {
		t.Fatal(err)
	}
	if err := gs[0].Publish(ctx, "t", []byte("good")); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		c := append([]string(nil), got[2]...)
		mu.Unlock()
		if len(c) > 0 {
			if len(c) != 1 || c[0] != "good" {
				t.Fatalf("C received %v", c)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the good message did not reach C")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if gs[1].Penalty(hosts[0].ID()) <= 0 {
		t.Fatal("B did not lower A's score")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range got[1] {
		if m != "good" {
			t.Fatalf("B delivered %q", m)
		}
	}
}

// TestPenaltiesDecayAndTrustedPeers: a penalty halves every
// PenaltyHalfLife, so a peer is forgiven; a trusted peer (an anchor) is
// never penalised and scores up (hostile-input item 10).
func TestPenaltiesDecayAndTrustedPeers(t *testing.T) {
	t0 := time.Unix(1000, 0)
	p := penalty{v: 40, when: t0}
	if got := p.at(t0.Add(PenaltyHalfLife)); got < 19.99 || got > 20.01 {
		t.Fatalf("after one half-life: %v", got)
	}
	if got := p.at(t0.Add(20 * PenaltyHalfLife)); got > 0.001 {
		t.Fatalf("after twenty half-lives: %v", got)
	}
	trusted := peer.ID("anchor")
	g := &Gossip{penalty: map[peer.ID]penalty{}, trusted: func(id peer.ID) bool { return id == trusted }}
	g.penalise(trusted, 20, time.Now())
	g.penalise("stranger", 20, time.Now())
	if g.Penalty(trusted) != 0 || g.appScore(trusted) != trustedScore {
		t.Fatalf("trusted peer: penalty %v, score %v", g.Penalty(trusted), g.appScore(trusted))
	}
	if s := g.appScore("stranger"); s > -19 || s < -20 {
		t.Fatalf("stranger's score %v", s)
	}
}

// TestUnsubscribeLeavesTopic: a host that unsubscribes leaves the topic
// (its peer sees it gone) and gets nothing of it; subscribed again, it
// gets the topic's messages again.
func TestUnsubscribeLeavesTopic(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hosts := []*Host{newHost(t, "/ip4/127.0.0.1/tcp/0"), newHost(t, "/ip4/127.0.0.1/tcp/0")}
	var gs []*Gossip
	for _, h := range hosts {
		g, err := newGossip(ctx, h, transport.GossipOptions{Validate: func(context.Context, peer.ID, []byte) (any, error) { return nil, nil }})
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
	}
	if hosts[0].Connect(ctx, hosts[1].FullAddrs()) != 1 {
		t.Fatal("connect")
	}
	var mu sync.Mutex
	var got []string
	sub := func() {
		if err := gs[1].Subscribe(ctx, "u", func(d []byte, _ any) { mu.Lock(); got = append(got, string(d)); mu.Unlock() }); err != nil {
			t.Fatal(err)
		}
	}
	if err := gs[0].Subscribe(ctx, "u", func([]byte, any) {}); err != nil {
		t.Fatal(err)
	}
	sub()
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitUntil("A sees B on the topic", func() bool { return len(gs[0].Peers("u")) == 1 })
	gs[1].Unsubscribe("u")
	if gs[1].Subscribed("u") {
		t.Fatal("still subscribed")
	}
	waitUntil("A sees B leave the topic", func() bool { return len(gs[0].Peers("u")) == 0 })
	sub()
	waitUntil("A sees B back", func() bool { return len(gs[0].Peers("u")) == 1 })
	waitUntil("B gets a message again", func() bool {
		_ = gs[0].Publish(ctx, "u", []byte("again"))
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
}

// TestGossipFromNonMembersDropped: B takes gossip only from members (and
// A none from X). A and X both reach B (each has had a message delivered there while both
// were members); then X is no member. X publishes first and A after: B
// delivers A's messages and never validates X's. A non-member's messages
// are dropped before they are validated or seen, so X's copy of a message
// A also sends does not make A's a duplicate.
func TestGossipFromNonMembersDropped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b, x := newHost(t, "/ip4/127.0.0.1/tcp/0"), newHost(t, "/ip4/127.0.0.1/tcp/0"), newHost(t, "/ip4/127.0.0.1/tcp/0")
	var mu sync.Mutex
	var xMember = true
	var fromX int
	got := map[string]bool{}
	open := func(h *Host, o transport.GossipOptions) *Gossip {
		o.Validate = func(_ context.Context, from peer.ID, data []byte) (any, error) { return nil, nil }
		g, err := newGossip(ctx, h, o)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	// A takes no gossip from X either (the two may find each other).
	ga := open(a, transport.GossipOptions{Member: func(p peer.ID) bool { return p != x.ID() }})
	gx := open(x, transport.GossipOptions{})
	gb, err := newGossip(ctx, b, transport.GossipOptions{
		Validate: func(_ context.Context, from peer.ID, data []byte) (any, error) {
			mu.Lock()
			defer mu.Unlock()
			if from == x.ID() && !xMember {
				fromX++
			}
			return nil, nil
		},
		Member: func(p peer.ID) bool {
			mu.Lock()
			defer mu.Unlock()
			return p == a.ID() || p == x.ID() && xMember
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.Connect(ctx, a.FullAddrs()) != 1 || b.Connect(ctx, x.FullAddrs()) != 1 {
		t.Fatal("connect")
	}
	for _, g := range []*Gossip{ga, gx} {
		if err := g.Subscribe(ctx, "t", func([]byte, any) {}); err != nil {
			t.Fatal(err)
		}
	}
	if err := gb.Subscribe(ctx, "t", func(d []byte, _ any) {
		mu.Lock()
		got[string(d)] = true
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	// publishUntil publishes numbered messages from g until B delivers one
	// and ok holds.
	publishUntil := func(g *Gossip, prefix string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for i := 0; ; i++ {
			if err := g.Publish(ctx, "t", []byte(fmt.Sprint(prefix, i))); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
			mu.Lock()
			done := ok()
			mu.Unlock()
			if done {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("B delivered %v, waiting for %s", got, prefix)
			}
		}
	}
	delivered := func(prefix string) func() bool {
		return func() bool {
			for m := range got {
				if strings.HasPrefix(m, prefix) {
					return true
				}
			}
			return false
		}
	}
	publishUntil(ga, "warm-a", delivered("warm-a"))
	publishUntil(gx, "warm-x", delivered("warm-x"))
	mu.Lock()
	xMember = false
	mu.Unlock()
	for _, m := range []string{"x only", "both"} {
		if err := gx.Publish(ctx, "t", []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ga.Publish(ctx, "t", []byte("both")); err != nil {
		t.Fatal(err)
	}
	publishUntil(ga, "a", func() bool { return got["both"] && delivered("a")() })
	mu.Lock()
	defer mu.Unlock()
	if got["x only"] || fromX != 0 {
		t.Fatalf("B took a non-member's message: delivered %v, %d validated from it", got, fromX)
	}
}
