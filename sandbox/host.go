package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// FetchRequest is what a script asks ctx.fetch for.
type FetchRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// FetchResponse is what ctx.fetch answers. A network failure is a response
// with status 0 and an error, which the script sees and the transcript keeps.
type FetchResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`
	Error   string            `json:"error,omitempty"`
	// Failure is the UID of an anchor's failure attestation: the call
	// failed on the executor and on the anchor it asked to route it.
	Failure string `json:"failure,omitempty"`
}

// Fetcher performs a script's outbound HTTP requests.
type Fetcher interface {
	Fetch(ctx context.Context, req *FetchRequest, maxBody int) *FetchResponse
}

// TokenQuerier answers another token's query (inter-node collaboration).
type TokenQuerier interface {
	QueryToken(ctx context.Context, instance, name string, args json.RawMessage) (json.RawMessage, error)
}

// HTTPFetcher is the live Fetcher: plain net/http.
type HTTPFetcher struct{ Client *http.Client }

// fetchClient keeps connections to the hosts scripts call: many actions in
// flight reach the same API, more than net/http's default of two idle
// connections per host would keep.
var fetchClient = &http.Client{Transport: &http.Transport{
	Proxy: http.ProxyFromEnvironment, MaxIdleConns: 256, MaxIdleConnsPerHost: 64,
	IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second, ForceAttemptHTTP2: true,
}}

// Fetch performs req with ctx's deadline.
func (f HTTPFetcher) Fetch(ctx context.Context, req *FetchRequest, maxBody int) *FetchResponse {
	c := f.Client
	if c == nil {
		c = fetchClient
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, strings.NewReader(req.Body))
	if err != nil {
		return &FetchResponse{Error: err.Error()}
	}
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	resp, err := c.Do(hr)
	if err != nil {
		return &FetchResponse{Error: err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxBody)+1))
	out := &FetchResponse{Status: resp.StatusCode, Headers: map[string]string{}}
	if err != nil {
		out.Error = err.Error()
	}
	if len(body) > maxBody {
		body = body[:maxBody]
		out.Error = fmt.Sprintf("response body cut at %d bytes", maxBody)
	}
	out.Body = string(body)
	for _, k := range []string{"Content-Type", "Location", "Retry-After"} {
		if v := resp.Header.Get(k); v != "" {
			out.Headers[k] = v
		}
	}
	return out
}

// checkEgress allows http(s) URLs whose host is declared ("*.example.com"
// allows its subdomains).
func checkEgress(raw string, allowed []string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("%w: %q is not an http(s) URL", ErrEgress, raw)
	}
	h := strings.ToLower(u.Hostname())
	for _, a := range allowed {
		a = strings.ToLower(a)
		if h == a || strings.HasPrefix(a, "*.") && strings.HasSuffix(h, a[1:]) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s (declared: %v)", ErrEgress, h, allowed)
}

// The heap watchdog: goja cannot cap a runtime's memory, so calls register
// here and one goroutine samples the heap every few milliseconds,
// interrupting a call once the heap has grown past its limit since it began.
// The heap is the process's, so this bounds a runaway script, not exact bytes.
var watch struct {
	sync.Mutex
	calls   map[*goja.Runtime]watched
	running bool
}

type watched struct {
	start, limit uint64
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func heapBytes() uint64 {
	s := make([]metrics.Sample, 1)
	s[0].Name = heapSample[0].Name
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// watchHeap registers a call; the returned function unregisters it.
func watchHeap(r *goja.Runtime, limit int64) func() {
	start := heapBytes()
	watch.Lock()
	if watch.calls == nil {
		watch.calls = map[*goja.Runtime]watched{}
	}
	watch.calls[r] = watched{start: start, limit: uint64(limit)}
	if !watch.running {
		watch.running = true
		go watchLoop()
	}
	watch.Unlock()
	return func() {
		watch.Lock()
		delete(watch.calls, r)
		watch.Unlock()
	}
}

func watchLoop() {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		watch.Lock()
		if len(watch.calls) == 0 {
			watch.running = false
			watch.Unlock()
			return
		}
		h := heapBytes()
		for r, w := range watch.calls {
			if h > w.start && h-w.start > w.limit {
				r.Interrupt(fmt.Errorf("%w: heap grew %d MiB, limit %d MiB", ErrMemory, (h-w.start)>>20, w.limit>>20))
				delete(watch.calls, r)
			}
		}
		watch.Unlock()
	}
}

// Replay re-runs a transcript on state: external calls are answered from the
// transcript, and the first difference (script, state before, a call's
// request, the number of calls, output, state after) is reported as a
// *Divergence error.
func Replay(ctx context.Context, m *Module, t *Transcript, state json.RawMessage) (*Result, error) {
	if t.ScriptHash != m.hash {
		return nil, &Divergence{Where: "script", Want: fmt.Sprintf("%x", t.ScriptHash), Got: fmt.Sprintf("%x", m.hash)}
	}
	if len(state) == 0 {
		state = json.RawMessage("null")
	}
	if got := StateRoot(state); got != t.StateBefore {
		return nil, &Divergence{Where: "state before", Want: fmt.Sprintf("%x", t.StateBefore), Got: fmt.Sprintf("%x", got)}
	}
	kind, name, _ := strings.Cut(t.Function, ":")
	c := Call{Kind: Kind(kind), Name: name, State: state, Args: t.Args,
		Env: Env{Instance: t.Instance, Now: time.UnixMilli(t.NowMs), Seed: t.Seed, IdempotencyKey: t.IdempotencyKey}}
	replay := t.Calls
	if replay == nil {
		replay = []External{}
	}
	res, err := m.run(ctx, c, replay)
	if err != nil {
		var d *Divergence
		if errors.As(err, &d) {
			return nil, d
		}
		if errors.Is(err, ErrTimeout) || errors.Is(err, ErrMemory) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			// The replaying machine ran out of time or memory: that proves
			// nothing about the transcript.
			return nil, err
		}
		return nil, &Divergence{Where: "error", Want: "success", Got: err.Error()}
	}
	rt := res.Transcript
	switch {
	case len(rt.Calls) != len(t.Calls):
		return res, &Divergence{Where: "call count", Want: fmt.Sprint(len(t.Calls)), Got: fmt.Sprint(len(rt.Calls))}
	case string(canonical(rt.Output)) != string(canonical(t.Output)):
		return res, &Divergence{Where: "output", Want: string(t.Output), Got: string(rt.Output)}
	case rt.StateAfter != t.StateAfter:
		return res, &Divergence{Where: "state after", Want: fmt.Sprintf("%x", t.StateAfter), Got: fmt.Sprintf("%x", rt.StateAfter)}
	}
	return res, nil
}

// CheckEgress reports whether raw is an http(s) URL whose host is among the
// declared ones: what ctx.fetch allows, for nodes that make a call on a
// script's behalf (an anchor routing an executor's call).
func CheckEgress(raw string, allowed []string) error { return checkEgress(raw, allowed) }
