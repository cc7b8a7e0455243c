// Package slo is what anchors measure of service nodes and whether a node
// meets a token's service level (the <sl:sla latency availability> of its
// TokenScript): each anchor probes every live service node now and then
// (node/probe.go), keeps the last samples in a Window per node, and a Judge
// says, with hysteresis, which nodes fail which targets. Placement gives a
// node that fails a token's target none of that token's instances, and a
// node that fails the network's own floor (it runs hot) none at all.
//
// The package is a pure core: samples carry their time, nothing here reads
// a clock, starts a goroutine or does I/O.
package slo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Sample is one measurement of a service node by an anchor: a probe of its
// HTTP API (the node's answer time as an integration sees it), or one of
// the anchor's own calls to the node that it makes anyway: a sampling call
// (ProtoSample) or the fetch of the execution behind a receipt an
// integration forwarded; or a heartbeat the node sent or missed. The calls
// and heartbeats count toward availability and error rate only: their
// answer time depends on how much the anchor asks for and they go over
// p2p, not the path integrations use.
type Sample struct {
	Source Source
	AtMs   int64
	// Latency: how long the answer took; a probe that timed out counts as
	// the probe's timeout.
	Latency  time.Duration
	Answered bool // an answer came
	OK       bool // and it was a success (2xx)
	// TimedOut: no answer within the probe's timeout (a node too slow to
	// answer). A probe refused or reset (a node down or restarting) counts
	// against availability only, not against latency.
	TimedOut bool
}

// Source says what a sample measured.
type Source uint8

// Sources of samples.
const (
	Probe     Source = iota // GET /v1/health over HTTP
	Sampled                 // a sampling call
	Forwarded               // the execution behind a forwarded receipt
	// Heartbeat: a heartbeat the node sent (a success; at most one every
	// half interval), or a heartbeat interval that passed without one once
	// three were missed (not answered): availability only.
	Heartbeat
)

// Window sizes: latency percentiles over the last LatencySamples probes
// (recent: a node that turns slow is seen within them), availability and
// error rate over the last AvailabilitySamples (enough to tell 99% apart).
const (
	LatencySamples      = 32
	AvailabilitySamples = 128
)

// Window is a node's last AvailabilitySamples samples.
type Window struct {
	s    [AvailabilitySamples]Sample
	n    int // samples held
	next int // where the next one goes
}

// Add keeps a sample, dropping the oldest when full.
func (w *Window) Add(s Sample) {
	w.s[w.next] = s
	w.next = (w.next + 1) % len(w.s)
	w.n = min(w.n+1, len(w.s))
}

// last returns the newest k samples held (fewer if fewer are held).
func (w *Window) last(k int) []Sample {
	k = min(k, w.n)
	out := make([]Sample, 0, k)
	for i := 1; i <= k; i++ {
		out = append(out, w.s[(w.next-i+len(w.s))%len(w.s)])
	}
	return out
}

// Stats are a node's measured service level, as /v1/network shows it.
type Stats struct {
	// Samples held (at most AvailabilitySamples).
	Samples int `json:"samples"`
	// Answer-time percentiles over the last LatencySamples probes held, in
	// milliseconds.
	P50Ms float64 `json:"p50Ms"`
	P95Ms float64 `json:"p95Ms"`
	P99Ms float64 `json:"p99Ms"`
	// ErrorRate: the share of answers that were errors; Availability: the
	// share of samples answered with a success. Both over all samples held,
	// probes and calls.
	ErrorRate    float64 `json:"errorRate"`
	Availability float64 `json:"availability"`
	// SampledCalls and ForwardedReceipts: how many of the samples held
	// are sampling calls and fetches of forwarded receipts' executions
	// (the rest are probes).
	SampledCalls      int `json:"sampledCalls"`
	ForwardedReceipts int `json:"forwardedReceipts"`
	// Heartbeats: how many of the samples held are heartbeats received or
	// missed.
	Heartbeats int `json:"heartbeats"`
	// LastMs is when the newest sample was taken.
	LastMs int64 `json:"lastMs"`
	p95    time.Duration
	// p95TimedOut: the 95th percentile is a probe that timed out.
	p95TimedOut bool
	timed       int // samples behind the percentiles
}

// Stats computes the window's figures.
func (w *Window) Stats() Stats {
	st := Stats{Samples: w.n}
	if w.n == 0 {
		return st
	}
	all := w.last(w.n)
	st.LastMs = all[0].AtMs
	answered, ok := 0, 0
	for _, s := range all {
		if s.Answered {
			answered++
		}
		if s.OK {
			ok++
		}
		switch s.Source {
		case Sampled:
			st.SampledCalls++
		case Forwarded:
			st.ForwardedReceipts++
		case Heartbeat:
			st.Heartbeats++
		}
	}
	st.Availability = float64(ok) / float64(len(all))
	if answered > 0 {
		st.ErrorRate = float64(answered-ok) / float64(answered)
	}
	// A timed-out probe took at least the timeout: it ranks above every
	// answer, and a percentile that falls on one is above any bound.
	var lat []Sample
	for _, s := range all {
		if s.Source == Probe && (s.Answered || s.TimedOut) {
			lat = append(lat, s)
			if len(lat) == LatencySamples {
				break
			}
		}
	}
	st.timed = len(lat)
	if len(lat) == 0 {
		return st
	}
	slices.SortStableFunc(lat, func(a, b Sample) int {
		if a.TimedOut != b.TimedOut {
			if a.TimedOut {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Latency, b.Latency)
	})
	pct := func(p float64) Sample {
		// nearest rank: the smallest value with at least p of them at or below
		i := int(p*float64(len(lat))+0.999999) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p95 := pct(0.95)
	st.p95, st.p95TimedOut = p95.Latency, p95.TimedOut
	st.P50Ms, st.P95Ms, st.P99Ms = ms(pct(0.50).Latency), ms(st.p95), ms(pct(0.99).Latency)
	return st
}

// Target is a service level a node must keep: a token's SLA, or the
// network's floor for every node (a node below it runs hot).
type Target struct {
	Latency      time.Duration // the 95th percentile's bound (0: none)
	Availability float64       // the least share of probes answered well (0: none)
}

// Key names the target, as placement classes instances by it.
func (t Target) Key() string {
	var parts []string
	if t.Latency > 0 {
		parts = append(parts, "p95<="+t.Latency.String())
	}
	if t.Availability > 0 {
		parts = append(parts, fmt.Sprintf("avail>=%g", t.Availability))
	}
	return strings.Join(parts, ",")
}

// The Judge's rules.
const (
	// MinSamples a window must hold (answered or timed out, of the last
	// LatencySamples) before the node can fail a latency target; an availability target needs enough samples to tell it
	// (1/(1-a) of them, at least MinSamples, at most AvailabilitySamples).
	MinSamples = 10
	// RecoverMargin: a node that failed a latency target meets it again
	// only with its 95th percentile under this share of the bound.
	RecoverMargin = 0.8
)

// Judge says whether nodes meet targets, with hysteresis so placement does
// not flap: a node fails a target as soon as its window shows it, and
// meets it again only once its window is well within it (RecoverMargin)
// and Hold has passed since it last failed.
type Judge struct {
	Hold    time.Duration
	failing map[failKey]int64 // since, in ms: the last time it was seen failing
}

type failKey struct {
	node string
	t    Target
}

// Meets reports whether node, with the measured st, meets t at nowMs.
func (j *Judge) Meets(node string, t Target, st Stats, nowMs int64) bool {
	if t == (Target{}) {
		return true
	}
	k := failKey{node, t}
	since, failing := j.failing[k]
	bad := fails(t, st, 1)
	if !failing {
		if !bad {
			return true
		}
		if j.failing == nil {
			j.failing = map[failKey]int64{}
		}
		j.failing[k] = nowMs
		return false
	}
	if bad || fails(t, st, RecoverMargin) {
		j.failing[k] = nowMs
		return false
	}
	if nowMs-since < j.Hold.Milliseconds() {
		return false
	}
	delete(j.failing, k)
	return true
}

// Fails reports whether st falls short of t now, without hysteresis.
func Fails(t Target, st Stats) bool { return t != (Target{}) && fails(t, st, 1) }

// Forget drops what the judge holds of node (it left the network).
func (j *Judge) Forget(node string) {
	for k := range j.failing {
		if k.node == node {
			delete(j.failing, k)
		}
	}
}

// fails reports whether st falls short of t with its latency bound scaled
// by margin; too few samples to tell fail nothing. A 95th percentile that
// is a timed-out probe fails any latency bound (even one above the probe's
// timeout).
// The margin scales the availability target's allowed unavailability
// alike (99% recovers at 99.2%).
func fails(t Target, st Stats, margin float64) bool {
	if t.Latency > 0 && st.timed >= MinSamples && (st.p95TimedOut || float64(st.p95) > margin*float64(t.Latency)) {
		return true
	}
	if t.Availability > 0 && st.Samples >= availabilitySamples(t.Availability) && st.Availability < 1-(1-t.Availability)*margin {
		return true
	}
	return false
}

// availabilitySamples is how many samples tell availability a.
func availabilitySamples(a float64) int {
	if a >= 1 {
		return AvailabilitySamples
	}
	return min(AvailabilitySamples, max(MinSamples, int(1/(1-a)+0.5)))
}
