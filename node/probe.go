package node

import (
	"context"
	"io"
	"maps"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/slo"
	"github.com/smartlayer/smartlayer/wire"
)

// Measured service levels: every network.probe_interval an anchor asks each
// live service node's HTTP API for GET /v1/health, as an integration would
// reach it (its advertised address), and keeps the answer time and whether
// it came (package slo). Its own calls to the node count too (observe):
// each sampling call, and the fetch of the execution behind a receipt an
// integration forwarded (one a node a sampling round), toward availability
// and error rate; so do its heartbeats, received or missed. The placement loop asks the judge which nodes fail
// which token's SLA, or the network's floor (network.hot_latency), and
// places accordingly. No figure a node reports of itself enters; the
// probed endpoint is still the node's own, so a node could answer it fast
// while serving queries slowly.

// prober is an anchor's measurements of the service nodes.
type prober struct {
	hc      *http.Client
	timeout time.Duration
	hot     slo.Target // the floor every node must keep

	mu       sync.Mutex
	win      map[string]*slo.Window
	inflight map[string]bool
	judge    slo.Judge
	// p50: each node's median answer time as of its last sample, for
	// ordering route answers.
	p50 map[string]float64
	// gen: for a node with a probe in flight, the forgets since it began
	// (a probe begun before one is not kept).
	gen map[string]uint64
	// lastUnfit is the last judgement made (unfit keeps it while most
	// nodes look too slow at once).
	lastUnfit map[string]map[string]bool
	// missedMs, heardMs: per node, when a missed heartbeat and one
	// received were last counted.
	missedMs, heardMs map[string]int64
}

func newProber(n *Node) *prober {
	c := n.cfg.Network
	return &prober{
		// A probe follows no redirect: a node must not point anchors'
		// measurements at another host.
		hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute}},
		timeout: c.ProbeTimeout.Duration,
		hot:     slo.Target{Latency: c.HotLatency.Duration},
		win:     map[string]*slo.Window{}, inflight: map[string]bool{}, p50: map[string]float64{}, gen: map[string]uint64{},
		missedMs: map[string]int64{}, heardMs: map[string]int64{},
		judge: slo.Judge{Hold: c.SLAHold.Duration},
	}
}

// probeLoop probes every live service node each interval until ctx ends;
// a node whose last probe has not come back is not probed again until it
// does (its sample then counts the whole wait, up to the timeout).
func (a *anchorRole) probeLoop(ctx context.Context) {
	every(ctx, a.n.cfg.Network.ProbeInterval.Duration, func() {
		list, _ := a.n.members.snapshot()
		live := map[string]bool{}
		for _, mb := range list {
			if mb.Role != RoleService || mb.State != wire.StateUp || mb.HTTP == "" {
				continue
			}
			live[mb.Peer] = true
			gen, ok := a.probe.start(mb.Peer)
			if !ok {
				continue
			}
			a.n.spawn(func() { a.probe.once(ctx, mb.Peer, mb.HTTP, gen, a.n.now) })
		}
		a.probe.keepOnly(live, list)
	})
}

// start marks a probe of peer in flight; false if one is already. gen is
// peer's generation the probe belongs to.
func (p *prober) start(peer string) (gen uint64, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight[peer] {
		return 0, false
	}
	p.inflight[peer] = true
	return p.gen[peer], true
}

// keepOnly drops the windows of nodes no longer members at all (a node
// down keeps its window: it is judged on it when it comes back).
func (p *prober) keepOnly(live map[string]bool, list []Member) {
	members := make(map[string]bool, len(list))
	for _, mb := range list {
		members[mb.Peer] = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for peer := range p.win {
		if !members[peer] && !live[peer] {
			p.forgetLocked(peer)
			p.judge.Forget(peer) // gone from the network: nothing judged is kept
		}
	}
}

// forget drops what was measured of peer: a node back after it was found
// down is measured afresh. What the judge holds stays: a node that failed a
// level meets it again only Hold after it last failed, however often it
// comes and goes.
func (p *prober) forget(peer string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forgetLocked(peer)
}

func (p *prober) forgetLocked(peer string) {
	if p.inflight[peer] {
		p.gen[peer]++ // the probe in flight began before: not kept
	}
	delete(p.win, peer)
	delete(p.p50, peer)
	delete(p.missedMs, peer)
	delete(p.heardMs, peer)
	if p.lastUnfit != nil {
		// A copy: placement may be reading the map handed out last.
		last := map[string]map[string]bool{}
		for class, cs := range p.lastUnfit {
			kept := maps.Clone(cs)
			delete(kept, peer)
			last[class] = kept
		}
		p.lastUnfit = last
	}
}

// once probes one node and keeps the sample.
func (p *prober) once(ctx context.Context, peer, base string, gen uint64, now func() time.Time) {
	defer func() {
		p.mu.Lock()
		delete(p.inflight, peer)
		delete(p.gen, peer) // a generation lives as long as its probe
		p.mu.Unlock()
	}()
	start := time.Now()
	s := slo.Sample{Latency: p.timeout}
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, strings.TrimRight(base, "/")+"/v1/health", nil)
	if err == nil {
		var resp *http.Response
		if resp, err = p.hc.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			s.Answered, s.OK = true, resp.StatusCode < 300
			s.Latency = min(time.Since(start), p.timeout)
		}
	}
	if ctx.Err() != nil {
		return // stopping: not the node's fault
	}
	// No answer in time is a slow node; a refused or reset connection is
	// a node down or restarting: availability only.
	s.TimedOut = !s.Answered && cctx.Err() != nil
	s.AtMs = now().UnixMilli()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen[peer] != gen {
		return // measured before it was forgotten
	}
	w := p.win[peer]
	if w == nil {
		w = &slo.Window{}
		p.win[peer] = w
	}
	w.Add(s)
	if s.OK {
		p.p50[peer] = w.Stats().P50Ms
	} else {
		p.p50[peer] = math.Inf(1) // its last probe failed: tried last
	}
}

// observe keeps what one of this anchor's calls to a service node showed
// (sampling.Deps.Observe): the node's availability and error rate count
// it; its answer time, and the order of route answers, stay the probes'.
// Only a node the probes measure is added to (a node forgotten as a call
// to it went on is not measured again from that call).
func (p *prober) observe(peer string, s slo.Sample) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w := p.win[peer]; w != nil {
		w.Add(s)
	}
}

// heartbeat counts a service node's heartbeat, received now, toward its
// availability: at most one every half interval (a node that sends more
// does not crowd out the probes' samples).
func (p *prober) heartbeat(peer string, now time.Time, interval time.Duration) {
	nowMs := now.UnixMilli()
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.missedMs, peer)
	if last, ok := p.heardMs[peer]; ok && nowMs-last < interval.Milliseconds()/2 {
		return
	}
	if w := p.win[peer]; w != nil {
		w.Add(slo.Sample{Source: slo.Heartbeat, AtMs: nowMs, Answered: true, OK: true})
		p.heardMs[peer] = nowMs
	}
}

// missedHeartbeats counts, against the availability of each service node
// whose last heartbeat is more than three intervals old (a node sends one
// each interval, to every anchor in turn, so one late anchor delays the
// next), one missed heartbeat per interval.
func (p *prober) missedHeartbeats(list []Member, now time.Time, interval time.Duration) {
	nowMs := now.UnixMilli()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, mb := range list {
		if mb.Role != RoleService || nowMs-mb.LastSeenMs <= 3*interval.Milliseconds() || nowMs-p.missedMs[mb.Peer] < interval.Milliseconds() {
			continue
		}
		if w := p.win[mb.Peer]; w != nil {
			w.Add(slo.Sample{Source: slo.Heartbeat, AtMs: nowMs})
			p.missedMs[mb.Peer] = nowMs
		}
	}
}

// order sorts a route's replicas as an integration should try them: up
// before the others, then by the median answer time this anchor measured
// (fastest first; a replica not measured yet ranks with the fastest, so it
// gets tried; one whose last probe failed ranks last); the record's order
// breaks ties.
func (p *prober) order(reps []wire.Replica) {
	p.mu.Lock()
	defer p.mu.Unlock()
	orderReplicas(reps, func(peer string) float64 { return p.p50[peer] })
}

func orderReplicas(reps []wire.Replica, p50 func(string) float64) {
	rank := func(r wire.Replica) int {
		if r.State == wire.StateUp {
			return 0
		}
		return 1
	}
	sort.SliceStable(reps, func(i, j int) bool {
		if a, b := rank(reps[i]), rank(reps[j]); a != b {
			return a < b
		}
		return p50(reps[i].Peer) < p50(reps[j].Peer)
	})
}

// unfit judges every candidate against the floor and each class's target,
// as PlanInput.Unfit wants them, and keeps what failed for /v1/network.
func (p *prober) unfit(cands []string, classes map[string]slo.Target, nowMs int64) map[string]map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]map[string]bool{}
	mark := func(class, c string) {
		if out[class] == nil {
			out[class] = map[string]bool{}
		}
		out[class][c] = true
	}
	keys := make([]string, 0, len(classes))
	for k := range classes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	stats := map[string]slo.Stats{}
	hot := 0
	for _, c := range cands {
		if w := p.win[c]; w != nil {
			stats[c] = w.Stats()
			if slo.Fails(p.hot, stats[c]) {
				hot++
			}
		}
	}
	if len(stats) >= 2 && 2*hot > len(stats) {
		// Most nodes too slow at once says more of this anchor (cut off,
		// or starved itself) than of them: no new verdict. The last ones
		// stand for the nodes still measured, but each may recover.
		last := map[string]map[string]bool{}
		for class, cs := range p.lastUnfit {
			t, ok := classes[class]
			if class == "" {
				t, ok = p.hot, true
			}
			for c := range cs {
				if st, measured := stats[c]; ok && measured && !p.judge.Meets(c, t, st, nowMs) {
					if last[class] == nil {
						last[class] = map[string]bool{}
					}
					last[class][c] = true
				}
			}
		}
		p.lastUnfit = last
		return last
	}
	defer func() { p.lastUnfit = out }()
	for _, c := range cands {
		st, ok := stats[c]
		if !ok {
			continue // not measured yet: nothing known against it
		}
		if !p.judge.Meets(c, p.hot, st, nowMs) {
			mark("", c)
		}
		for _, k := range keys {
			if !p.judge.Meets(c, classes[k], st, nowMs) {
				mark(k, c)
			}
		}
	}
	return out
}

// fingerprint is a stable text of an Unfit map, for the plan's basis.
func fingerprint(unfit map[string]map[string]bool) string {
	var parts []string
	for class, cs := range unfit {
		for c := range cs {
			parts = append(parts, class+"="+c)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ";")
}

// NodeLevel is one service node's measured service level in /v1/network.
type NodeLevel struct {
	slo.Stats
	// Failing lists the service levels (slo.Target keys) the node failed
	// at the last plan; "" is the network's floor (it runs hot).
	Failing []string `json:"failing,omitempty"`
}

// levels is every measured node's service level.
func (p *prober) levels() map[string]NodeLevel {
	p.mu.Lock()
	defer p.mu.Unlock()
	failing := map[string][]string{}
	for class, cs := range p.lastUnfit {
		for c := range cs {
			failing[c] = append(failing[c], class)
		}
	}
	out := make(map[string]NodeLevel, len(p.win))
	for peer, w := range p.win {
		f := failing[peer]
		sort.Strings(f)
		out[peer] = NodeLevel{Stats: w.Stats(), Failing: f}
	}
	return out
}

var (
	descLatency      = prometheus.NewDesc("smartlayer_service_latency_seconds", "Service nodes' answer time to this anchor's probes (over the last slo.LatencySamples), by quantile.", []string{"node", "quantile"}, nil)
	descAvailability = prometheus.NewDesc("smartlayer_service_availability", "Share of this anchor's probes each service node answered with a success (over the last slo.AvailabilitySamples).", []string{"node"}, nil)
	descErrorRate    = prometheus.NewDesc("smartlayer_service_error_ratio", "Share of each service node's answers to this anchor's probes that were errors.", []string{"node"}, nil)
	descFailing      = prometheus.NewDesc("smartlayer_service_levels_failed", "Service levels (token SLAs and the network's floor) each service node failed at the last plan.", []string{"node"}, nil)
)

// Describe and Collect make the measurements Prometheus metrics.
func (p *prober) Describe(ch chan<- *prometheus.Desc) {
	ch <- descLatency
	ch <- descAvailability
	ch <- descErrorRate
	ch <- descFailing
}

func (p *prober) Collect(ch chan<- prometheus.Metric) {
	for peer, l := range p.levels() {
		for q, v := range map[string]float64{"0.5": l.P50Ms, "0.95": l.P95Ms, "0.99": l.P99Ms} {
			ch <- prometheus.MustNewConstMetric(descLatency, prometheus.GaugeValue, v/1000, peer, q)
		}
		ch <- prometheus.MustNewConstMetric(descAvailability, prometheus.GaugeValue, l.Availability, peer)
		ch <- prometheus.MustNewConstMetric(descErrorRate, prometheus.GaugeValue, l.ErrorRate, peer)
		ch <- prometheus.MustNewConstMetric(descFailing, prometheus.GaugeValue, float64(len(l.Failing)), peer)
	}
}
