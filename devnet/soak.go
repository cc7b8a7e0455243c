package devnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// SoakOptions configure a soak run (Soak): the chaos run's workload on a
// devnet of processes, without faults, sampled at intervals.
type SoakOptions struct {
	Seed     uint64
	Duration time.Duration
	Interval time.Duration
	Net      Options // Procs and Binary required
	Out      io.Writer
}

// SoakSample is one interval of a soak run: the nodes' resources (from
// their own /metrics) and the integration's query latency.
type SoakSample struct {
	AtS float64 `json:"atS"`
	// MaxRSSMiB is the largest resident set of one node; RSSMiB, the nodes'
	// Goroutines and OpenFDs are totals over the nodes.
	MaxRSSMiB  float64 `json:"maxRssMiB"`
	RSSMiB     float64 `json:"rssMiB"`
	Goroutines int     `json:"goroutines"`
	OpenFDs    int     `json:"openFds"`
	// Queries answered in the interval, and their latency.
	Queries    int     `json:"queries"`
	QueryP50Ms float64 `json:"queryP50Ms"`
	QueryP99Ms float64 `json:"queryP99Ms"`
}

// SoakReport is a soak run's samples and its verdict on growth.
type SoakReport struct {
	Seed    uint64       `json:"seed"`
	Samples []SoakSample `json:"samples"`
	// Growth per hour of each series: the median of the last third of the
	// samples against the median of the middle third (the first third is
	// warm-up), scaled to an hour.
	Growth map[string]float64 `json:"growthPerHour"`
	Checks []Check            `json:"checks"`
	Judged bool               `json:"judged"` // long enough to judge growth (10 samples, 10 minutes)
}

// OK reports whether no check failed.
func (r *SoakReport) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// latencies collects the query latencies of one interval.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// take returns the interval's latencies, sorted, and starts the next.
func (l *latencies) take() []time.Duration {
	l.mu.Lock()
	d := l.d
	l.d = nil
	l.mu.Unlock()
	slices.Sort(d)
	return d
}

func quantileMs(d []time.Duration, q float64) float64 {
	if len(d) == 0 {
		return 0
	}
	return float64(d[min(len(d)-1, int(q*float64(len(d))))].Microseconds()) / 1000
}

// Soak runs the flight scenario (statuses, queries, actions) on a devnet
// of processes for o.Duration, samples every node's memory, goroutines and
// open files and the query latency every o.Interval, and judges whether
// any of them grows.
func Soak(ctx context.Context, o SoakOptions) (*SoakReport, error) {
	if !o.Net.Procs || o.Net.Binary == "" {
		return nil, errors.New("soak needs a devnet of processes (Procs, Binary)")
	}
	if o.Duration <= 0 || o.Interval <= 0 || o.Interval > o.Duration {
		return nil, errors.New("soak needs a duration, and an interval above zero and no longer than it")
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	o.Net.Progress = nil
	fmt.Fprintf(out, "soak: seed %d; %d anchors, %d service nodes as processes, %d tickets; %s, sampled every %s\n",
		o.Seed, o.Net.Anchors, o.Net.Services, o.Net.Tickets, o.Duration, o.Interval)
	d, err := Start(ctx, o.Net)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	r := &chaosRun{d: d, o: ChaosOptions{Seed: o.Seed, Net: o.Net}, out: out, published: map[string]Ticket{},
		acked: map[string]ackedStatus{}, actions: map[string]actionAck{}, lat: &latencies{}}
	r.t0 = time.Now()
	fctx, stop := context.WithTimeout(ctx, o.Duration)
	defer stop()
	wg := r.workload(fctx)
	rep := &SoakReport{Seed: o.Seed}
	fmt.Fprintf(out, "%8s %10s %10s %10s %8s %8s %10s %10s\n", "t", "rss MiB", "max node", "goroutines", "fds", "queries", "p50 ms", "p99 ms")
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	for fctx.Err() == nil {
		select {
		case <-fctx.Done():
			continue
		case <-t.C:
		}
		s, err := r.sample(ctx)
		if err != nil {
			fmt.Fprintf(out, "  sample at %.0fs: %v\n", time.Since(r.t0).Seconds(), err)
			continue
		}
		rep.Samples = append(rep.Samples, s)
		fmt.Fprintf(out, "%7.0fs %10.1f %10.1f %10d %8d %8d %10.2f %10.2f\n", s.AtS, s.RSSMiB, s.MaxRSSMiB, s.Goroutines, s.OpenFDs, s.Queries, s.QueryP50Ms, s.QueryP99Ms)
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	rep.judge(o.Duration)
	return rep, nil
}

// sample reads every node's /metrics and the interval's latencies.
func (r *chaosRun) sample(ctx context.Context) (SoakSample, error) {
	s := SoakSample{AtS: time.Since(r.t0).Seconds()}
	for _, n := range r.nodes() {
		m, err := metricsOf(ctx, n.http)
		if err != nil {
			return s, fmt.Errorf("%s %d: %w", n.role, n.i, err)
		}
		rss := m["process_resident_memory_bytes"] / (1 << 20)
		s.RSSMiB += rss
		s.MaxRSSMiB = max(s.MaxRSSMiB, rss)
		s.Goroutines += int(m["go_goroutines"])
		s.OpenFDs += int(m["process_open_fds"])
	}
	lat := r.lat.take()
	s.Queries, s.QueryP50Ms, s.QueryP99Ms = len(lat), quantileMs(lat, 0.5), quantileMs(lat, 0.99)
	return s, nil
}

// metricsOf reads the unlabelled gauges of a node's /metrics.
func metricsOf(ctx context.Context, base string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("/metrics: %w", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		if ms := f.GetMetric(); len(ms) == 1 && len(ms[0].GetLabel()) == 0 && ms[0].GetGauge() != nil {
			out[name] = ms[0].GetGauge().GetValue()
		}
	}
	return out, nil
}

// judge computes each series' growth per hour and, for a run of at least
// ten samples and ten minutes, checks it against bounds a leak would pass:
// goroutines and open files may not grow by more than a quarter, memory
// by more than half, the p99 query latency may not double.
func (r *SoakReport) judge(dur time.Duration) {
	n := len(r.Samples)
	r.Growth = map[string]float64{}
	if n < 3 {
		r.Checks = append(r.Checks, Check{Name: "growth", OK: true, Detail: fmt.Sprintf("too short to judge: %d samples", n)})
		return
	}
	mid, last := r.Samples[n/3:2*n/3], r.Samples[2*n/3:]
	span := (last[len(last)/2].AtS - mid[len(mid)/2].AtS) / 3600
	med := func(ss []SoakSample, f func(SoakSample) float64) float64 {
		v := make([]float64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	series := []struct {
		name  string
		f     func(SoakSample) float64
		ratio float64
		slack float64
	}{
		{"goroutines", func(s SoakSample) float64 { return float64(s.Goroutines) }, 1.25, 40},
		{"open files", func(s SoakSample) float64 { return float64(s.OpenFDs) }, 1.25, 20},
		{"resident memory (MiB)", func(s SoakSample) float64 { return s.RSSMiB }, 1.5, 20},
		{"query p99 (ms)", func(s SoakSample) float64 { return s.QueryP99Ms }, 2, 5},
	}
	r.Judged = n >= 10 && dur >= 10*time.Minute
	for _, s := range series {
		a, b := med(mid, s.f), med(last, s.f)
		if span > 0 {
			r.Growth[s.name] = (b - a) / span
		}
		c := Check{Name: s.name + " bounded", OK: true, Detail: fmt.Sprintf("%.1f in the middle third, %.1f in the last (%+.1f an hour)", a, b, r.Growth[s.name])}
		if r.Judged && b > a*s.ratio+s.slack {
			c.OK = false
			c.Detail += fmt.Sprintf(": above %.2fx + %.0f", s.ratio, s.slack)
		}
		if !r.Judged {
			c.Detail += " (not judged: under 10 samples or 10 minutes)"
		}
		r.Checks = append(r.Checks, c)
	}
}
