// Package bench measures the network against a baseline measured in the same
// run: what a centralised web server would do with the same script and data.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/devnet"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
)

// QueryOptions configure the query benchmark.
type QueryOptions struct {
	Duration    time.Duration // per measured run
	Warmup      time.Duration
	Concurrency int
	// Slow, when set, adds two runs on a devnet started with
	// Options.Delayable: the SDK with route cache as it is, then with
	// service node 0 (a replica of most tickets) slowed by Slow.
	Slow time.Duration
	// InterToken, on a devnet with lounge passes, adds a run of the
	// passes' tickets' status queries and the passes' entry queries, each
	// of which reads its ticket's status (an inter-token call), in turn.
	InterToken bool
}

// Stats are the figures of one run.
type Stats struct {
	Name       string        `json:"name"`
	Ops        int           `json:"ops"`
	Errors     int           `json:"errors"`
	Throughput float64       `json:"opsPerSecond"`
	P50        time.Duration `json:"p50"`
	P99        time.Duration `json:"p99"`
}

// QueryResult holds the baseline and the network runs.
type QueryResult struct {
	Tickets     int   `json:"tickets"`
	Concurrency int   `json:"concurrency"`
	Baseline    Stats `json:"baseline"`
	Cached      Stats `json:"routeCachedQuery"`
	Uncached    Stats `json:"routeEveryCallQuery"`
	// With QueryOptions.Slow: every service node behind its delay proxy,
	// none slowed, then service node 0 slowed.
	Slow      time.Duration `json:"slow,omitempty"`
	NoneSlow  *Stats        `json:"noneSlowed,omitempty"`
	OneSlowed *Stats        `json:"oneSlowed,omitempty"`
	// With QueryOptions.InterToken: the passes' tickets queried directly,
	// and the passes' entry queries that read them.
	Passes       int    `json:"passes,omitempty"`
	TicketStatus *Stats `json:"passTicketsStatus,omitempty"`
	PassEntry    *Stats `json:"passEntry,omitempty"`
}

// Query measures status queries of every ticket of a running devnet: through
// the Go SDK with its route cache, with a route lookup before every query,
// and against a plain net/http server in this process running the same goja
// status function over the same ticket states.
func Query(ctx context.Context, d *devnet.Devnet, o QueryOptions) (*QueryResult, error) {
	if o.Concurrency <= 0 || o.Duration <= 0 {
		return nil, errors.New("bench: concurrency and duration must be positive")
	}
	ids := make([]string, len(d.Info.Tickets))
	grants := make(map[string]http.Header, len(ids))
	for i, t := range d.Info.Tickets {
		ids[i] = t.Instance
		grants[t.Instance] = t.Header()
	}
	if len(ids) == 0 {
		return nil, errors.New("bench: the devnet has no tickets")
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * o.Concurrency, MaxIdleConnsPerHost: o.Concurrency, IdleConnTimeout: time.Minute}, Timeout: 10 * time.Second}
	anchors := make([]string, len(d.Info.Anchors))
	for i, a := range d.Info.Anchors {
		anchors[i] = a.HTTP
	}
	cached := client.New(anchors, hc)
	cached.RouteTTL = time.Hour
	uncached := client.New(anchors, hc)
	uncached.RouteTTL = 0
	// Calls under a grant are signed by the integration the grants name.
	cached.Key, uncached.Key = d.Client.Key, d.Client.Key
	// On a devnet whose calls are paid for, from the integration's channel.
	cached.Payer, uncached.Payer = d.Client.Payer, d.Client.Payer

	// The baseline serves the very states the network answers with.
	states := make(map[string]json.RawMessage, len(ids))
	for _, id := range ids {
		out, err := cached.QueryWith(ctx, id, "status", nil, grants[id])
		if err != nil {
			return nil, fmt.Errorf("bench: prime %s: %w", id, err)
		}
		states[id] = out
	}
	base, err := startBaseline(states)
	if err != nil {
		return nil, err
	}
	defer base.Close()

	res := &QueryResult{Tickets: len(ids), Concurrency: o.Concurrency}
	res.Baseline = measure(ctx, "baseline: net/http + goja", ids, o, func(ctx context.Context, id string) error {
		return post(ctx, hc, base.url+"/q/"+id)
	})
	res.Cached = measure(ctx, "network: route (cached) + query", ids, o, func(ctx context.Context, id string) error {
		_, err := cached.QueryWith(ctx, id, "status", nil, grants[id])
		return err
	})
	res.Uncached = measure(ctx, "network: route + query every call", ids, o, func(ctx context.Context, id string) error {
		_, err := uncached.QueryWith(ctx, id, "status", nil, grants[id])
		return err
	})
	if o.InterToken {
		passes := d.Info.LoungePasses
		if len(passes) == 0 {
			return nil, errors.New("bench: --inter-token needs a devnet with lounge passes")
		}
		var tickets, pids []string
		entry := map[string]map[string]string{}
		for _, p := range passes {
			tickets, pids = append(tickets, p.Ticket), append(pids, p.Instance)
			entry[p.Instance] = p.EntryArgs()
			if _, err := cached.Query(ctx, p.Instance, "entry", entry[p.Instance]); err != nil {
				return nil, fmt.Errorf("bench: prime pass %s: %w", p.Instance, err)
			}
		}
		res.Passes = len(passes)
		// One run, the two kinds of query in turn, so that both meet the
		// same background work and the same calls in flight.
		both := interleaved(ctx, o, probe{"network: the passes' tickets' status", tickets, func(ctx context.Context, id string) error {
			_, err := cached.QueryWith(ctx, id, "status", nil, grants[id])
			return err
		}}, probe{"inter-token: pass entry reads ticket", pids, func(ctx context.Context, id string) error {
			_, err := cached.Query(ctx, id, "entry", entry[id])
			return err
		}})
		res.TicketStatus, res.PassEntry = &both[0], &both[1]
	}
	if o.Slow > 0 {
		// A fresh client for each run: what it learnt of the replicas'
		// answer times starts from nothing.
		run := func(name string) *Stats {
			c := client.New(anchors, hc)
			c.RouteTTL, c.Key, c.Payer = time.Hour, d.Client.Key, d.Client.Payer
			s := measure(ctx, name, ids, o, func(ctx context.Context, id string) error {
				_, err := c.QueryWith(ctx, id, "status", nil, grants[id])
				return err
			})
			return &s
		}
		res.Slow = o.Slow
		res.NoneSlow = run("network: cached, none slowed")
		if err := d.SetHTTPDelay(0, o.Slow); err != nil {
			return nil, err
		}
		res.OneSlowed = run(fmt.Sprintf("network: cached, one replica +%s", o.Slow))
		_ = d.SetHTTPDelay(0, 0)
	}
	return res, nil
}

func post(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// measure runs op on ids in turn from o.Concurrency clients, for
// o.Warmup and then o.Duration, and returns the second's figures.
func measure(ctx context.Context, name string, ids []string, o QueryOptions, op func(context.Context, string) error) Stats {
	return interleaved(ctx, o, probe{name, ids, op})[0]
}

// probe is one kind of call a run makes: op on each of ids in turn.
type probe struct {
	name string
	ids  []string
	op   func(context.Context, string) error
}

// interleaved runs o.Concurrency clients for o.Warmup and then
// o.Duration, each making the probes' calls in turn (one of the first, one
// of the second, ...), and returns each probe's figures: the probes are
// measured under the same conditions (the same background work, the same
// mix of calls in flight), which runs one after another are not. Each
// probe's throughput is its share of the run's.
func interleaved(ctx context.Context, o QueryOptions, probes ...probe) []Stats {
	if o.Warmup > 0 {
		collect(ctx, o.Concurrency, o.Warmup, probes...)
	}
	lats, errs := collect(ctx, o.Concurrency, o.Duration, probes...)
	out := make([]Stats, len(probes))
	for j, lat := range lats {
		out[j] = statsOf(probes[j].name, lat, errs[j], o.Duration)
	}
	return out
}

// collect runs concurrency clients for d, each calling the probes in
// turn, and returns each probe's latencies and errors.
func collect(ctx context.Context, concurrency int, d time.Duration, probes ...probe) ([][]time.Duration, []int) {
	n := len(probes)
	var mu sync.Mutex
	all, errs := make([][]time.Duration, n), make([]int, n)
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			lat, e, calls := make([][]time.Duration, n), make([]int, n), make([]int, n)
			for it := w; time.Now().Before(end) && ctx.Err() == nil; it++ {
				j := it % n
				p := probes[j]
				id := p.ids[(w+calls[j]*concurrency)%len(p.ids)]
				calls[j]++
				t0 := time.Now()
				if err := p.op(ctx, id); err != nil {
					e[j]++
					continue
				}
				lat[j] = append(lat[j], time.Since(t0))
			}
			mu.Lock()
			for j := range n {
				all[j] = append(all[j], lat[j]...)
				errs[j] += e[j]
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	return all, errs
}

// statsOf is what latencies measured over d say (lat is sorted here).
func statsOf(name string, lat []time.Duration, errs int, d time.Duration) Stats {
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	s := Stats{Name: name, Ops: len(lat), Errors: errs, Throughput: float64(len(lat)) / d.Seconds()}
	if len(lat) > 0 {
		s.P50 = lat[len(lat)/2]
		s.P99 = lat[len(lat)*99/100]
	}
	return s
}

// baseline is a plain net/http server running the module's status function in
// goja, one warm runtime per concurrent request, as a web server would.
type baseline struct {
	srv *http.Server
	url string
}

type rawVM struct {
	status, parse, stringify goja.Callable
	r                        *goja.Runtime
}

func startBaseline(states map[string]json.RawMessage) (*baseline, error) {
	src := string(flightticket.Files()["service.js"])
	prog, err := goja.Compile("service.js", src, true)
	if err != nil {
		return nil, err
	}
	newVM := func() (*rawVM, error) {
		r := goja.New()
		module := r.NewObject()
		_ = module.Set("exports", r.NewObject())
		_ = r.Set("module", module)
		if _, err := r.RunProgram(prog); err != nil {
			return nil, err
		}
		q := module.Get("exports").ToObject(r).Get("queries").ToObject(r)
		st, _ := goja.AssertFunction(q.Get("status"))
		js := r.Get("JSON").ToObject(r)
		p, _ := goja.AssertFunction(js.Get("parse"))
		s, _ := goja.AssertFunction(js.Get("stringify"))
		return &rawVM{status: st, parse: p, stringify: s, r: r}, nil
	}
	pool := sync.Pool{New: func() any { v, _ := newVM(); return v }}
	if v := pool.Get(); v == nil || v.(*rawVM) == nil {
		return nil, errors.New("baseline: module does not load")
	} else {
		pool.Put(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /q/{id}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		st, ok := states[r.PathValue("id")]
		if !ok {
			http.Error(w, "unknown", http.StatusNotFound)
			return
		}
		v := pool.Get().(*rawVM)
		defer pool.Put(v)
		state, err := v.parse(goja.Undefined(), v.r.ToValue(string(st)))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		args, err := v.parse(goja.Undefined(), v.r.ToValue(string(body)))
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		ctxObj := v.r.NewObject()
		_ = ctxObj.Set("now", time.Now().UnixMilli())
		out, err := v.status(goja.Undefined(), state, args, ctxObj)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		s, _ := v.stringify(goja.Undefined(), out)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, s.String())
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &baseline{srv: &http.Server{Handler: mux}, url: "http://" + ln.Addr().String()}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

func (b *baseline) Close() { _ = b.srv.Close() }

// Report formats a result with the ratios against the baseline.
func (r *QueryResult) Report() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "query benchmark: %d tickets, %d concurrent clients\n\n", r.Tickets, r.Concurrency)
	fmt.Fprintf(&sb, "  %-36s %10s %10s %10s %8s %10s %9s\n", "run", "ops/s", "p50", "p99", "errors", "thr ratio", "p50 ratio")
	for _, s := range []Stats{r.Baseline, r.Cached, r.Uncached} {
		fmt.Fprintf(&sb, "  %-36s %10.0f %10s %10s %8d %10.2f %9.2f\n", s.Name, s.Throughput,
			s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Errors,
			s.Throughput/r.Baseline.Throughput, float64(s.P50)/float64(r.Baseline.P50))
	}
	thr := r.Cached.Throughput / r.Baseline.Throughput
	p50 := float64(r.Cached.P50) / float64(r.Baseline.P50)
	fmt.Fprintf(&sb, "\n  target (route cached + query): throughput >= 0.50x baseline: %.2fx %s; p50 <= 2x baseline: %.2fx %s\n",
		thr, verdict(thr >= 0.5), p50, verdict(p50 <= 2))
	if r.TicketStatus != nil && r.PassEntry != nil {
		compare(&sb, fmt.Sprintf("%d lounge passes, each of whose entry queries reads its ticket's status through ctx.tokens.query", r.Passes),
			r.TicketStatus, r.PassEntry, "inter-token query p50 <= 3x a plain query", float64(r.PassEntry.P50)/float64(r.TicketStatus.P50), 3)
	}
	if r.NoneSlow != nil && r.OneSlowed != nil {
		compare(&sb, fmt.Sprintf("every service node behind a delay proxy; service node 0 (a replica of most tickets) slowed by %s", r.Slow),
			r.NoneSlow, r.OneSlowed, "p99 with one replica slowed <= 1.5x none slowed", float64(r.OneSlowed.P99)/float64(r.NoneSlow.P99), 1.5)
	}
	return sb.String()
}

// compare reports two runs of the same run and the ratio the target
// bounds (at most bound), with the second run's errors (none wanted).
func compare(sb *strings.Builder, title string, base, measured *Stats, target string, ratio, bound float64) {
	fmt.Fprintf(sb, "\n  %s:\n", title)
	for _, s := range []*Stats{base, measured} {
		fmt.Fprintf(sb, "  %-36s %10.0f %10s %10s %8d\n", s.Name, s.Throughput, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Errors)
	}
	fmt.Fprintf(sb, "  target: %s: %.2fx %s; errors %d %s\n", target, ratio, verdict(ratio <= bound), measured.Errors, verdict(measured.Errors == 0))
}

func verdict(ok bool) string {
	if ok {
		return "(met)"
	}
	return "(NOT met)"
}
