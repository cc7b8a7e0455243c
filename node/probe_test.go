package node

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/slo"
	"github.com/smartlayer/smartlayer/wire"
)

// A route answer lists up replicas first, fastest (as the anchor measured
// them) first; unmeasured ones rank with the fastest; ties keep the
// record's order.
func TestOrderReplicas(t *testing.T) {
	reps := []wire.Replica{{Peer: "slow", State: wire.StateUp}, {Peer: "down", State: wire.StateDown},
		{Peer: "fast", State: wire.StateUp}, {Peer: "new", State: wire.StateUp}, {Peer: "mid", State: wire.StateUp},
		{Peer: "failing", State: wire.StateUp}}
	p50 := map[string]float64{"slow": 900, "down": 1, "fast": 3, "mid": 40, "failing": math.Inf(1)}
	orderReplicas(reps, func(p string) float64 { return p50[p] })
	var got []string
	for _, r := range reps {
		got = append(got, r.Peer)
	}
	if want := []string{"new", "fast", "mid", "slow", "failing", "down"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

// A node measured while it went down is measured afresh when it comes
// back: forget drops its window, and a probe started before is not kept.
func TestProberForgetsAReturningNode(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	p := &prober{hc: http.DefaultClient, timeout: 100 * time.Millisecond, win: map[string]*slo.Window{}, inflight: map[string]bool{},
		p50: map[string]float64{}, gen: map[string]uint64{}}
	ctx := context.Background()
	for range 3 {
		gen, ok := p.start("n")
		if !ok {
			t.Fatal("a probe in flight after the last ended")
		}
		p.once(ctx, "n", slow.URL, gen, time.Now)
	}
	if st := p.levels()["n"]; st.Samples != 3 || st.P50Ms < 100 {
		t.Fatalf("three timed-out probes: %+v", st)
	}
	gen, _ := p.start("n")
	p.forget("n")
	p.once(ctx, "n", slow.URL, gen, time.Now) // began before the forget
	if _, ok := p.levels()["n"]; ok {
		t.Fatal("a probe from before the forget was kept")
	}
}

// Most nodes looking too slow at once is the anchor's own trouble (cut
// off, starved): the last judgement stands; one slow node among fast ones
// runs hot.
func TestProberDoesNotBlameEveryone(t *testing.T) {
	p := &prober{timeout: time.Second, hot: slo.Target{Latency: 500 * time.Millisecond}, win: map[string]*slo.Window{},
		inflight: map[string]bool{}, p50: map[string]float64{}, gen: map[string]uint64{}}
	fill := func(peer string, lat time.Duration, timedOut bool) {
		w := &slo.Window{}
		for i := range 20 {
			w.Add(slo.Sample{AtMs: int64(i), Latency: lat, Answered: !timedOut, OK: !timedOut, TimedOut: timedOut})
		}
		p.win[peer] = w
	}
	fill("a", 5*time.Millisecond, false)
	fill("b", 5*time.Millisecond, false)
	fill("c", time.Second, true)
	u := p.unfit([]string{"a", "b", "c"}, nil, 100)
	if !u[""]["c"] || u[""]["a"] || u[""]["b"] {
		t.Fatalf("one slow node among fast: %v", u)
	}
	fill("a", time.Second, true)
	fill("b", time.Second, true)
	if u2 := p.unfit([]string{"a", "b", "c"}, nil, 200); len(u2[""]) != 1 || !u2[""]["c"] {
		t.Fatalf("every node slow at once: %v, want the last judgement", u2)
	}
	// While no new verdict is given, a node of the last one may recover.
	fill("c", 5*time.Millisecond, false)
	if u3 := p.unfit([]string{"a", "b", "c"}, nil, 300); len(u3[""]) != 0 {
		t.Fatalf("c recovered while a and b are slow: %v", u3)
	}
	// And one forgotten (back after it was found down) is out of it.
	fill("a", 5*time.Millisecond, false)
	fill("b", 5*time.Millisecond, false)
	fill("c", time.Second, true)
	if u4 := p.unfit([]string{"a", "b", "c"}, nil, 400); !u4[""]["c"] {
		t.Fatalf("c slow among fast: %v", u4)
	}
	p.forget("c")
	if p.lastUnfit[""]["c"] {
		t.Fatal("a forgotten node stays in the last judgement")
	}
}

// TestHeartbeatsCountTowardAvailability: a heartbeat received is a success
// in the node's window, at most one every half interval however many the
// node sends; once three intervals pass without one, each further interval
// counts one missed heartbeat against its availability, not more however
// often the anchor looks; a node nobody measures gets nothing.
func TestHeartbeatsCountTowardAvailability(t *testing.T) {
	p := &prober{win: map[string]*slo.Window{"svc": {}}, missedMs: map[string]int64{}, heardMs: map[string]int64{}}
	t0 := time.UnixMilli(1_000_000)
	iv := time.Second
	for i := range 200 { // a node flooding heartbeats
		p.heartbeat("svc", t0.Add(time.Duration(i)*time.Millisecond), iv)
	}
	p.heartbeat("stranger", t0, iv)
	if st := p.win["svc"].Stats(); st.Heartbeats != 1 || st.Availability != 1 {
		t.Fatalf("after a flood of heartbeats: %+v", st)
	}
	if _, ok := p.win["stranger"]; ok {
		t.Fatal("a node no probe measures got a window from a heartbeat")
	}
	list := []Member{{Peer: "svc", Role: RoleService, LastSeenMs: t0.UnixMilli()}, {Peer: "anchor", Role: RoleAnchor}}
	p.missedHeartbeats(list, t0.Add(3*iv), iv) // three intervals: not missed yet
	if st := p.win["svc"].Stats(); st.Samples != 1 {
		t.Fatalf("counted a miss within three intervals: %+v", st)
	}
	for i := range 10 { // the anchor looks ten times in one interval
		p.missedHeartbeats(list, t0.Add(3*iv+time.Millisecond+time.Duration(i)*iv/10), iv)
	}
	if st := p.win["svc"].Stats(); st.Heartbeats != 2 || st.Availability != 0.5 {
		t.Fatalf("after one interval missed: %+v", st)
	}
	p.missedHeartbeats(list, t0.Add(4*iv+2*time.Millisecond), iv)
	if st := p.win["svc"].Stats(); st.Heartbeats != 3 {
		t.Fatalf("after two intervals missed: %+v", st)
	}
	p.heartbeat("svc", t0.Add(5*iv), iv)
	list[0].LastSeenMs = t0.Add(5 * iv).UnixMilli()
	p.missedHeartbeats(list, t0.Add(6*iv), iv)
	if st := p.win["svc"].Stats(); st.Heartbeats != 4 || st.Availability != 0.5 {
		t.Fatalf("back: %+v", st)
	}
}
