package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/egress"
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
// An error is the call's failure (the module's ctx.tokens.query throws);
// it is recorded in the transcript like an answer.
type TokenQuerier interface {
	QueryToken(ctx context.Context, call TokenCall) (*TokenAnswer, error)
}

// TokenCall is one ctx.tokens.query(instance, name, args, {grant}), as the
// transcript records its request.
type TokenCall struct {
	// Caller is the calling instance (Env.Instance); not recorded: the
	// transcript is the caller's own.
	Caller   string          `json:"-"`
	Instance string          `json:"instance"`
	Name     string          `json:"name"`
	Args     json.RawMessage `json:"args"`
	// Grant: the callee owner's grant to the calling token, as the module
	// passed it ("" for none).
	Grant string `json:"grant,omitempty"`
	// Key, for ctx.tokens.action: the callee action's idempotency key,
	// made from the calling action's and the call's place in it, so the
	// calling action's retries and failovers start the callee's once.
	// Empty for a query.
	Key string `json:"key,omitempty"`
}

// IsAction reports whether the call starts an action (ctx.tokens.action).
func (c TokenCall) IsAction() bool { return c.Key != "" }

// Kind is the transcript's kind of the call: "tokens.action" or
// "tokens.query".
func (c TokenCall) Kind() string {
	if c.IsAction() {
		return "tokens.action"
	}
	return "tokens.query"
}

// RecordTokenCall is a call to another token and how it ended as a
// transcript records it: the request, and the answer or, when the call
// failed, an answer holding its error.
func RecordTokenCall(call TokenCall, ans *TokenAnswer, err error) External {
	if err != nil {
		ans = &TokenAnswer{Error: err.Error()}
	}
	rq, _ := json.Marshal(call)
	rs, _ := json.Marshal(ans)
	return External{Kind: call.Kind(), Request: rq, Response: rs}
}

// TokenActionKeyPrefix starts every TokenActionKey; nodes take such keys
// only from a token's call.
const TokenActionKeyPrefix = "tok-"

// TokenActionKey is the idempotency key of the n-th ctx.tokens.action
// (from 1) of the calling action (its name; a client key runs once per
// action) run under key on instance caller.
func TokenActionKey(caller, action, key string, n int) string {
	return fmt.Sprintf("%s%x", TokenActionKeyPrefix, crypto.Keccak256([]byte("smartlayer/token-action/v2"), []byte(caller), []byte{0}, []byte(action), []byte{0},
		[]byte(key), []byte{0}, []byte(strconv.Itoa(n)))[:16])
}

// TokenAnswer is a token query's answer, as the transcript records it: the
// callee's output and the receipt its node signed for it (JSON, checked by
// the querier before it answers), or the error that failed the call.
type TokenAnswer struct {
	Result  json.RawMessage `json:"result,omitempty"`
	Receipt json.RawMessage `json:"receipt,omitempty"`
	// Record is the callee's anchor-signed placement record the call was
	// routed by: the receipt's node must be one of its replicas.
	Record json.RawMessage `json:"record,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// HTTPFetcher is the live Fetcher: every call goes through package egress,
// which checks each hop (the first URL and every redirect: http(s) only, a
// declared host, an allowed port) and, unless AllowPrivate, the address each
// connection reaches. The declared hosts are the call's Env.Egress (carried
// in the context ctx.fetch passes), else Hosts, else the request URL's own
// host and port alone.
type HTTPFetcher struct {
	// Client is ignored: kept so that existing literals compile. Every
	// fetch uses egress's pooled, checking clients.
	Client *http.Client
	// AllowPrivate lets calls reach loopback, private and link-local
	// addresses: development networks and tests only.
	AllowPrivate bool
	// AnyPort lets a declared host without a port be reached on any port
	// (development networks).
	AnyPort bool
	// Hosts are the declared hosts when the context carries none.
	Hosts []string
}

type egressKey struct{}

type egressHosts struct {
	hosts   []string
	anyPort bool
}

// withEgress hands a call's declared hosts to its Fetcher through ctx.
func withEgress(ctx context.Context, hosts []string, anyPort bool) context.Context {
	return context.WithValue(ctx, egressKey{}, egressHosts{hosts, anyPort})
}

// EgressFromContext returns the declared hosts ctx.fetch put in the
// context of a Fetcher's call (for Fetchers that forward it elsewhere).
func EgressFromContext(ctx context.Context) (hosts []string, anyPort, ok bool) {
	e, ok := ctx.Value(egressKey{}).(egressHosts)
	return e.hosts, e.anyPort, ok
}

// Policy is the egress policy of a call made with ctx.
func (f HTTPFetcher) Policy(ctx context.Context, rawURL string) egress.Policy {
	p := egress.Policy{Hosts: f.Hosts, AllowPrivate: f.AllowPrivate, AnyPort: f.AnyPort}
	if hosts, anyPort, ok := EgressFromContext(ctx); ok {
		p.Hosts, p.AnyPort = hosts, anyPort || f.AnyPort
	} else if len(p.Hosts) == 0 {
		if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
			h := u.Host
			if u.Port() == "" {
				h = net.JoinHostPort(u.Hostname(), map[bool]string{true: "443", false: "80"}[u.Scheme == "https"])
			}
			p.Hosts = []string{h}
		}
	}
	return p
}

// Fetch performs req with ctx's deadline.
func (f HTTPFetcher) Fetch(ctx context.Context, req *FetchRequest, maxBody int) *FetchResponse {
	hdr := http.Header{}
	for k, v := range req.Headers {
		hdr.Set(k, v)
	}
	resp, err := egress.Fetch(ctx, f.Policy(ctx, req.URL), &egress.Request{Method: req.Method, URL: req.URL, Header: hdr, Body: []byte(req.Body)}, maxBody)
	if err != nil {
		if resp == nil {
			return &FetchResponse{Error: err.Error()}
		}
	}
	out := &FetchResponse{Status: resp.Status, Headers: map[string]string{}, Body: string(resp.Body)}
	if err != nil {
		out.Error = err.Error()
	}
	if resp.Truncated {
		out.Error = fmt.Sprintf("response body cut at %d bytes", maxBody)
	}
	for _, k := range []string{"Content-Type", "Location", "Retry-After"} {
		if v := resp.Header.Get(k); v != "" {
			out.Headers[k] = v
		}
	}
	return out
}

// checkEgress is the pre-check of ctx.fetch: an http(s) URL whose host is
// declared ("*.example.com" allows its subdomains) on an allowed port.
func checkEgress(raw string, allowed []string, anyPort bool) error {
	if err := egress.Check(raw, egress.Policy{Hosts: allowed, AnyPort: anyPort, AllowPrivate: true}); err != nil {
		return fmt.Errorf("%w: %v", ErrEgress, err)
	}
	return nil
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
