package slo

import (
	"testing"
	"time"
)

func fill(w *Window, from int64, n int, lat time.Duration, ok bool) int64 {
	for i := 0; i < n; i++ {
		w.Add(Sample{AtMs: from, Latency: lat, Answered: ok, OK: ok, TimedOut: !ok})
		from += 1000
	}
	return from
}

func TestWindowStats(t *testing.T) {
	var w Window
	if st := w.Stats(); st.Samples != 0 || st.Availability != 0 {
		t.Fatalf("empty: %+v", st)
	}
	for i := 1; i <= 100; i++ {
		w.Add(Sample{AtMs: int64(i), Latency: time.Duration(i) * time.Millisecond, Answered: true, OK: i%10 != 0})
	}
	st := w.Stats()
	// Latency over the last 32 (69..100 ms); availability over all 100.
	if st.Samples != 100 || st.P50Ms != 84 || st.P95Ms != 99 || st.P99Ms != 100 || st.LastMs != 100 {
		t.Fatalf("%+v", st)
	}
	if st.Availability != 0.9 || st.ErrorRate != 0.1 {
		t.Fatalf("availability %v, error rate %v", st.Availability, st.ErrorRate)
	}
	fill(&w, 200, AvailabilitySamples, time.Millisecond, true)
	if st := w.Stats(); st.Samples != AvailabilitySamples || st.Availability != 1 || st.P99Ms != 1 {
		t.Fatalf("after the window turned over: %+v", st)
	}
	var lost Window
	lost.Add(Sample{AtMs: 1, Latency: 5 * time.Second, TimedOut: true})
	if st := lost.Stats(); st.Availability != 0 || st.ErrorRate != 0 || st.P50Ms != 5000 {
		t.Fatalf("a timed-out probe: %+v", st)
	}
	// Refused probes (a node restarting) count against availability only.
	var down Window
	fill(&down, 0, LatencySamples-3, 10*time.Millisecond, true)
	for i := range 3 {
		down.Add(Sample{AtMs: int64(100 + i), Latency: time.Millisecond})
	}
	if st := down.Stats(); st.P99Ms != 10 || st.Availability >= 1 {
		t.Fatalf("refused probes: %+v", st)
	}
	var j Judge
	if !j.Meets("n", Target{Latency: 100 * time.Millisecond}, down.Stats(), 200) {
		t.Fatal("refused probes failed a latency target")
	}
}

// A node fails a latency target as soon as its window shows it, and meets
// it again only when well within it and Hold after it last failed.
func TestJudgeHysteresis(t *testing.T) {
	target := Target{Latency: time.Second}
	j := Judge{Hold: 10 * time.Second}
	var w Window
	now := fill(&w, 0, MinSamples-1, 3*time.Second, true)
	if !j.Meets("n", target, w.Stats(), now) {
		t.Fatal("judged on fewer than MinSamples samples")
	}
	now = fill(&w, now, 1, 3*time.Second, true)
	if j.Meets("n", target, w.Stats(), now) {
		t.Fatal("a node answering in 3 s meets a 1 s target")
	}
	// Fast again, but just under the bound: not within the margin.
	now = fill(&w, now, LatencySamples, 900*time.Millisecond, true)
	if j.Meets("n", target, w.Stats(), now) {
		t.Fatal("recovered at 900 ms, above the 800 ms margin")
	}
	failedAt := now
	now = fill(&w, now, LatencySamples, 100*time.Millisecond, true)
	if got := j.Meets("n", target, w.Stats(), failedAt+5000); got {
		t.Fatal("recovered before Hold passed")
	}
	if !j.Meets("n", target, w.Stats(), now+10_000) {
		t.Fatal("not recovered after Hold, well within the target")
	}
	// Another node, another target: judged apart.
	if !j.Meets("m", target, w.Stats(), now) || !j.Meets("n", Target{}, Stats{}, now) {
		t.Fatal("judged apart")
	}
}

func TestJudgeAvailability(t *testing.T) {
	target := Target{Availability: 0.99}
	var j Judge
	var w Window
	now := fill(&w, 0, 60, time.Millisecond, true)
	now = fill(&w, now, 5, 0, false)
	if !j.Meets("n", target, w.Stats(), now) {
		t.Fatal("judged on 65 samples, fewer than a 99% target needs")
	}
	now = fill(&w, now, 40, time.Millisecond, true)
	if j.Meets("n", target, w.Stats(), now) {
		t.Fatalf("5 of 105 probes lost meets 99%%: %+v", w.Stats())
	}
	now = fill(&w, now, AvailabilitySamples, time.Millisecond, true)
	if !j.Meets("n", target, w.Stats(), now) {
		t.Fatal("a clean window does not recover")
	}
	j.Forget("n")
	if len(j.failing) != 0 {
		t.Fatal("Forget left state")
	}
}

func TestTargetKey(t *testing.T) {
	for want, tg := range map[string]Target{"": {}, "p95<=1s,avail>=0.99": {Latency: time.Second, Availability: 0.99},
		"p95<=250ms": {Latency: 250 * time.Millisecond}, "avail>=0.995": {Availability: 0.995}} {
		if got := tg.Key(); got != want {
			t.Errorf("%+v: key %q, want %q", tg, got, want)
		}
	}
}

// A node whose probes time out fails even a latency bound above the
// probe's timeout; availability recovers only inside the margin.
func TestJudgeTimeoutsAndAvailabilityMargin(t *testing.T) {
	var w Window
	now := fill(&w, 0, 20, 10*time.Millisecond, true)
	for i := range 4 {
		w.Add(Sample{AtMs: now + int64(i), Latency: 5 * time.Second, TimedOut: true})
	}
	var j Judge
	if j.Meets("n", Target{Latency: time.Minute}, w.Stats(), now) {
		t.Fatal("timed-out probes meet a 1 m bound")
	}
	// 95%: fails below 95%, recovers at 96% or more.
	target := Target{Availability: 0.95}
	var a Window
	now = fill(&a, 0, 7, 0, false)
	now = fill(&a, now, AvailabilitySamples-7, time.Millisecond, true) // 94.5%
	if j.Meets("m", target, a.Stats(), now) {
		t.Fatalf("%.3f meets 95%%", a.Stats().Availability)
	}
	now = fill(&a, now, 1, time.Millisecond, true) // 6 lost: 95.3%
	if j.Meets("m", target, a.Stats(), now) {
		t.Fatalf("recovered at %.3f, under the margin's 96%%", a.Stats().Availability)
	}
	now = fill(&a, now, 1, time.Millisecond, true) // 5 lost: 96.1%
	if !j.Meets("m", target, a.Stats(), now) {
		t.Fatalf("not recovered at %.3f", a.Stats().Availability)
	}
}

// Sampling calls and forwarded receipts' fetches count toward availability
// and error rate, not toward the answer-time percentiles: a node whose
// probes answer fast but which fails the anchor's calls loses
// availability, and a slow bulk sampling call does not make it look slow.
func TestCallsCountTowardAvailabilityOnly(t *testing.T) {
	var w Window
	now := fill(&w, 0, 40, 2*time.Millisecond, true) // probes: fast, all answered
	for i := range 40 {
		src := Sampled
		if i%2 == 1 {
			src = Forwarded
		}
		// Slow when they answer, and most fail (unreachable, or an error).
		w.Add(Sample{Source: src, AtMs: now, Latency: 3 * time.Second, Answered: i%4 == 0, OK: false, TimedOut: i%4 == 2})
		now += 1000
	}
	st := w.Stats()
	if st.SampledCalls != 20 || st.ForwardedReceipts != 20 || st.Samples != 80 {
		t.Fatalf("sources: %+v", st)
	}
	if st.P99Ms != 2 {
		t.Fatalf("p99 %v ms: the calls' answer times were counted", st.P99Ms)
	}
	if st.Availability != 0.5 || st.ErrorRate != 10.0/50 {
		t.Fatalf("availability %v, error rate %v; want 0.5 and 0.2", st.Availability, st.ErrorRate)
	}
	var j Judge
	if j.Meets("n", Target{Availability: 0.9}, st, now) {
		t.Fatal("a node failing half the anchor's calls met 90% availability")
	}
	if !j.Meets("n", Target{Latency: 10 * time.Millisecond}, st, now) {
		t.Fatal("a node whose probes answer in 2 ms failed a 10 ms latency target")
	}
}
