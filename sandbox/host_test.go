package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const hostModule = `
module.exports = {
  init(ticket, ctx) { return {flight: ticket.flight, n: 0}; },
  queries: {
    status(state) { return state; },
    echo(state, args) { return args; },
    rand(state, args, ctx) { return [ctx.random(), Math.random(), Date.now(), ctx.now]; },
    other(state, args, ctx) { return ctx.tokens.query(args.id, "status", {x: 1}, {grant: args.grant}); },
    startFromQuery(state, args, ctx) { return ctx.tokens.action(args.id, "go", {}); },
  },
  actions: {
    rebook(state, args, ctx) {
      ctx.log("rebooking", state.flight);
      var r = ctx.fetch(args.url, {method: "POST", headers: {"Idempotency-Key": ctx.instance}, body: JSON.stringify({flight: state.flight})});
      return {state: {flight: state.flight, n: state.n + 1, booking: r.status === 200 ? JSON.parse(r.body).id : null}, result: r.status};
    },
    evil(state, args, ctx) { try { ctx.fetch("https://evil.example/x"); } catch (e) {} return {result: "escaped"}; },
    many(state, args, ctx) { for (var i = 0; i < 100; i++) ctx.fetch(args.url); return {}; },
    bomb() { var a = []; for (;;) a.push(new Array(1e5).fill(1)); },
    strbomb() { var s = "x"; for (;;) s = s + s; },
    tamper() { Object.prototype.hacked = true; return {}; },
    tamperArray() { Array.prototype.push = function () {}; return {}; },
    globals() { globalThis.leak = 1; return {}; },
    grab() { return {result: [typeof require, typeof process, typeof eval, typeof setTimeout, typeof globalThis.fetch]}; },
    startTwo(state, args, ctx) {
      return {state: state, result: [ctx.tokens.action(args.id, "go", {n: 1}, {grant: "g"}), ctx.tokens.action(args.id, "go", {n: 2})]};
    },
  },
  apply(state, att, ctx) { return {flight: state.flight, n: state.n, delay: att.delayMinutes}; },
};`

func hotelServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		key := r.Header.Get("Idempotency-Key") + "......"
		fmt.Fprintf(w, `{"id":"bk-%s"}`, key[:6])
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func hostEnv(srv *httptest.Server) Env {
	u, _ := url.Parse(srv.URL)
	// The test servers are on loopback: declared with their port, reached
	// with AllowPrivate.
	return Env{Instance: "0xabcdef01", Now: time.UnixMilli(1_800_000_000_000), Egress: []string{u.Host}, Fetcher: HTTPFetcher{AllowPrivate: true}}
}

func TestActionFetchTranscriptReplay(t *testing.T) {
	m, err := Compile("host.js", []byte(hostModule), Limits{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv, hits := hotelServer(t)
	env := hostEnv(srv)
	var logged []string
	env.Log = func(s string) { logged = append(logged, s) }
	state := json.RawMessage(`{"flight":"BA117","n":0}`)
	res, err := m.Run(context.Background(), Call{Kind: KindAction, Name: "rebook", State: state, Args: json.RawMessage(`{"url":"` + srv.URL + `/book"}`), Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Output) != "200" || string(res.State) != `{"flight":"BA117","n":1,"booking":"bk-0xabcd"}` || hits.Load() != 1 {
		t.Fatalf("result %s state %s hits %d", res.Output, res.State, hits.Load())
	}
	if len(logged) != 1 || logged[0] != "rebooking BA117" || len(res.Logs) != 1 {
		t.Fatalf("logs %v", logged)
	}
	tr := res.Transcript
	if len(tr.Calls) != 1 || tr.Calls[0].Kind != "fetch" || !strings.Contains(string(tr.Calls[0].Request), "Idempotency-Key") {
		t.Fatalf("transcript calls %+v", tr.Calls)
	}
	if tr.StateBefore != StateRoot(state) || tr.StateAfter != StateRoot(res.State) || tr.ScriptHash != m.Hash() {
		t.Fatal("transcript roots")
	}
	root := tr.Root()

	// Replay on a freshly compiled module (another runtime, as on another
	// machine) reproduces output and state without calling the hotel.
	m2, _ := Compile("host.js", []byte(hostModule), Limits{})
	rr, err := Replay(context.Background(), m2, tr, state)
	if err != nil {
		t.Fatal(err)
	}
	if rr.Transcript.Root() != root || string(rr.State) != string(res.State) || hits.Load() != 1 {
		t.Fatalf("replay differs or called out: hits %d", hits.Load())
	}

	// Tampered transcripts diverge exactly where they were changed.
	js, _ := json.Marshal(tr)
	tamper := func(f func(t *Transcript)) *Transcript {
		var c Transcript
		_ = json.Unmarshal(js, &c)
		f(&c)
		return &c
	}
	cases := map[string]struct {
		t     *Transcript
		state json.RawMessage
		where string
	}{
		"response": {tamper(func(c *Transcript) { c.Calls[0].Response = json.RawMessage(`{"status":500,"body":""}`) }), state, "output"},
		"request":  {tamper(func(c *Transcript) { c.Args = json.RawMessage(`{"url":"` + srv.URL + `/other"}`) }), state, "call 1 request"},
		"no call":  {tamper(func(c *Transcript) { c.Calls = nil }), state, "call count"},
		"output":   {tamper(func(c *Transcript) { c.Output = json.RawMessage(`201`) }), state, "output"},
		"after":    {tamper(func(c *Transcript) { c.StateAfter[0] ^= 1 }), state, "state after"},
		"before":   {tr, json.RawMessage(`{"flight":"BA117","n":5}`), "state before"},
		"script":   {tamper(func(c *Transcript) { c.ScriptHash[0] ^= 1 }), state, "script"},
	}
	for name, c := range cases {
		_, err := Replay(context.Background(), m2, c.t, c.state)
		var d *Divergence
		if !errors.As(err, &d) || d.Where != c.where {
			t.Errorf("%s: got %v, want divergence at %s", name, err, c.where)
		}
	}
	// The Merkle root commits to every part.
	for name, f := range map[string]func(c *Transcript){
		"args": func(c *Transcript) { c.Args = json.RawMessage(`{}`) }, "now": func(c *Transcript) { c.NowMs++ },
		"seed": func(c *Transcript) { c.Seed[0] ^= 1 }, "call": func(c *Transcript) { c.Calls[0].Response = json.RawMessage(`1`) },
		"function": func(c *Transcript) { c.Function = "action:x" }, "instance": func(c *Transcript) { c.Instance = "0x" },
	} {
		if tamper(f).Root() == root {
			t.Errorf("root ignores %s", name)
		}
	}
}

func TestDeterministicAcrossRuntimes(t *testing.T) {
	env := Env{Instance: "0x01", Now: time.UnixMilli(1_700_000_000_123)}
	var first *Result
	for i := 0; i < 3; i++ {
		m, err := Compile("host.js", []byte(hostModule), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := m.Run(context.Background(), Call{Kind: KindQuery, Name: "rand", State: json.RawMessage(`{}`), Args: json.RawMessage(`{"k":1}`), Env: env})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
			var v []float64
			_ = json.Unmarshal(res.Output, &v)
			if v[2] != 1_700_000_000_123 || v[3] != 1_700_000_000_123 || v[0] == v[1] {
				t.Fatalf("time or random: %s", res.Output)
			}
			continue
		}
		if string(res.Output) != string(first.Output) || res.Transcript.Root() != first.Transcript.Root() {
			t.Fatalf("runtime %d differs: %s vs %s", i, res.Output, first.Output)
		}
	}
	// Other inputs give other random numbers.
	m, _ := Compile("host.js", []byte(hostModule), Limits{})
	res, _ := m.Run(context.Background(), Call{Kind: KindQuery, Name: "rand", State: json.RawMessage(`{}`), Args: json.RawMessage(`{"k":2}`), Env: env})
	if string(res.Output) == string(first.Output) {
		t.Fatal("random does not depend on the inputs")
	}
}

type fakeTokens map[string]string

func (f fakeTokens) QueryToken(_ context.Context, c TokenCall) (*TokenAnswer, error) {
	if v, ok := f[c.Instance]; ok {
		return &TokenAnswer{Result: json.RawMessage(v)}, nil
	}
	return nil, errors.New("unknown token")
}

func TestTokensQueryAndApply(t *testing.T) {
	m, _ := Compile("host.js", []byte(hostModule), Limits{})
	env := Env{Instance: "0x01", Tokens: fakeTokens{"0xcar": `{"insured":true}`}}
	res, err := m.Run(context.Background(), Call{Kind: KindQuery, Name: "other", Args: json.RawMessage(`{"id":"0xcar"}`), Env: env})
	if err != nil || string(res.Output) != `{"insured":true}` || len(res.Transcript.Calls) != 1 || res.Transcript.Calls[0].Kind != "tokens.query" {
		t.Fatalf("tokens.query: %v %s", err, res.Output)
	}
	rr, err := Replay(context.Background(), m, res.Transcript, nil)
	if err != nil || string(rr.Output) != `{"insured":true}` {
		t.Fatalf("replay of tokens.query: %v", err)
	}
	if _, err := m.Run(context.Background(), Call{Kind: KindQuery, Name: "other", Args: json.RawMessage(`{"id":"0xnone"}`), Env: env}); !errors.Is(err, ErrScript) {
		t.Fatalf("unknown token: %v", err)
	}
	st, err := m.Run(context.Background(), Call{Kind: KindApply, State: json.RawMessage(`{"flight":"X","n":2}`), Args: json.RawMessage(`{"delayMinutes":190}`), Env: env})
	if err != nil || string(st.State) != `{"flight":"X","n":2,"delay":190}` {
		t.Fatalf("apply: %v %s", err, st.State)
	}
}

// callTokens records the calls the module makes.
type callTokens struct{ got *[]TokenCall }

func (c callTokens) QueryToken(_ context.Context, tc TokenCall) (*TokenAnswer, error) {
	*c.got = append(*c.got, tc)
	return &TokenAnswer{Result: json.RawMessage(`{"key":"` + tc.Key + `"}`)}, nil
}

// ctx.tokens.action: from an action only, each call under its own key made
// from the action's key and its place (the same on a retry), recorded, and
// replayed without calling.
func TestTokensAction(t *testing.T) {
	m, err := Compile("host.js", []byte(hostModule), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []TokenCall
	env := Env{Instance: "0x01", Tokens: callTokens{&got}, IdempotencyKey: "k1"}
	if _, err := m.Run(context.Background(), Call{Kind: KindQuery, Name: "startFromQuery", Args: json.RawMessage(`{"id":"0xcar"}`), Env: Env{Instance: "0x01", Tokens: callTokens{&got}}}); err == nil || len(got) != 0 {
		t.Fatalf("ctx.tokens.action from a query: %v, %d calls", err, len(got))
	}
	res, err := m.Run(context.Background(), Call{Kind: KindAction, Name: "startTwo", State: json.RawMessage(`{}`), Args: json.RawMessage(`{"id":"0xcar"}`), Env: env})
	if err != nil || len(got) != 2 {
		t.Fatalf("startTwo: %v, %d calls", err, len(got))
	}
	k1, k2 := TokenActionKey("0x01", "startTwo", "k1", 1), TokenActionKey("0x01", "startTwo", "k1", 2)
	if got[0].Key != k1 || got[1].Key != k2 || k1 == k2 || got[0].Grant != "g" || !got[0].IsAction() {
		t.Fatalf("calls %+v", got)
	}
	if TokenActionKey("0x01", "startTwo", "k2", 1) == k1 || TokenActionKey("0x02", "startTwo", "k1", 1) == k1 || TokenActionKey("0x01", "other", "k1", 1) == k1 || len(k1) > 200 {
		t.Fatal("keys are not per caller and action key")
	}
	if len(res.Transcript.Calls) != 2 || res.Transcript.Calls[0].Kind != "tokens.action" {
		t.Fatalf("recorded %+v", res.Transcript.Calls)
	}
	again, _ := m.Run(context.Background(), Call{Kind: KindAction, Name: "startTwo", State: json.RawMessage(`{}`), Args: json.RawMessage(`{"id":"0xcar"}`), Env: env})
	if got[2].Key != k1 || got[3].Key != k2 || string(again.Output) != string(res.Output) {
		t.Fatalf("a retry of the action: %+v", got[2:])
	}
	rr, err := Replay(context.Background(), m, res.Transcript, json.RawMessage(`{}`))
	if err != nil || string(rr.Output) != string(res.Output) || len(got) != 4 {
		t.Fatalf("replay: %v %s, %d calls", err, rr.Output, len(got))
	}
}

// grantTokens records the grants the module passes.
type grantTokens struct{ got *[]string }

func (g grantTokens) QueryToken(_ context.Context, c TokenCall) (*TokenAnswer, error) {
	*g.got = append(*g.got, c.Grant)
	return &TokenAnswer{Result: json.RawMessage(`{}`)}, nil
}

// The grant a module passes to ctx.tokens.query reaches the querier (and
// the transcript); one over 8 KiB is refused before anything is called.
func TestTokensQueryGrant(t *testing.T) {
	m, _ := Compile("host.js", []byte(hostModule), Limits{})
	var got []string
	env := Env{Instance: "0x01", Tokens: grantTokens{&got}}
	res, err := m.Run(context.Background(), Call{Kind: KindQuery, Name: "other", Args: json.RawMessage(`{"id":"0xcar","grant":"g1"}`), Env: env})
	if err != nil || len(got) != 1 || got[0] != "g1" || !strings.Contains(string(res.Transcript.Calls[0].Request), `"grant":"g1"`) {
		t.Fatalf("grant passed: %v %v %+v", err, got, res)
	}
	huge, _ := json.Marshal(map[string]string{"id": "0xcar", "grant": strings.Repeat("g", maxTokenGrant+1)})
	if _, err := m.Run(context.Background(), Call{Kind: KindQuery, Name: "other", Args: huge, Env: env}); !errors.Is(err, ErrInputTooLarge) || len(got) != 1 {
		t.Fatalf("a %d-byte grant: %v, querier called %d times", maxTokenGrant+1, err, len(got))
	}
}

// TestHostileActions: each is stopped with its own error, and the next call
// on the same module still works.
func TestHostileActions(t *testing.T) {
	srv, _ := hotelServer(t)
	m, err := Compile("host.js", []byte(hostModule), Limits{Timeout: 3 * time.Second, MaxHeapGrowth: 64 << 20, MaxCalls: 3})
	if err != nil {
		t.Fatal(err)
	}
	env := hostEnv(srv)
	cases := map[string]error{
		"evil":        ErrEgress,
		"many":        ErrTooManyCalls,
		"bomb":        ErrMemory,
		"strbomb":     ErrMemory,
		"tamper":      ErrScript,
		"tamperArray": ErrScript,
		"globals":     ErrScript,
	}
	for name, want := range cases {
		_, err := m.Run(context.Background(), Call{Kind: KindAction, Name: name, State: json.RawMessage(`{"flight":"X","n":0}`), Args: json.RawMessage(`{"url":"` + srv.URL + `"}`), Env: env})
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
		out, err := m.Query(context.Background(), "echo", json.RawMessage(`{}`), json.RawMessage(`[1,2]`), env)
		if err != nil || string(out) != "[1,2]" {
			t.Errorf("query after %s: %v %s", name, err, out)
		}
	}
	res, err := m.Run(context.Background(), Call{Kind: KindAction, Name: "grab", Env: env})
	if err != nil || string(res.Output) != `["undefined","undefined","undefined","undefined","undefined"]` {
		t.Fatalf("ambient capabilities: %v %s", err, res.Output)
	}
	// Prototype tampering did not stick.
	out, _ := m.Query(context.Background(), "echo", nil, json.RawMessage(`{}`), env)
	if strings.Contains(string(out), "hacked") {
		t.Fatal("tampering leaked into the next call")
	}
}

// FuzzValueBridge sends arbitrary JSON through the JS/Go boundary: what comes
// back is the same JSON value.
func FuzzValueBridge(f *testing.F) {
	m, err := Compile("host.js", []byte(hostModule), Limits{})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{`{}`, `[1,"a",null,true,{"b":[1.5e300,-0]}]`, `"\u2028\ud83d\ude00"`, `123456789012345678901234567890`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var want any
		if json.Unmarshal(in, &want) != nil {
			return
		}
		out, err := m.Query(context.Background(), "echo", nil, in, Env{})
		if err != nil {
			if errors.Is(err, ErrInputTooLarge) || errors.Is(err, ErrOutputTooLarge) {
				return
			}
			t.Fatalf("echo %s: %v", in, err)
		}
		var got any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("output %s is not JSON: %v", out, err)
		}
		if !reflect.DeepEqual(normalize(want), normalize(got)) {
			t.Fatalf("bridge changed %s into %s", in, out)
		}
	})
}

// normalize maps -0 to 0: JSON.stringify writes -0 as 0.
func normalize(v any) any {
	switch x := v.(type) {
	case float64:
		if x == 0 {
			return 0.0
		}
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalize(x[k])
		}
	}
	return v
}

func TestIdempotencyKeyAndFailureHandler(t *testing.T) {
	const src = `module.exports = {
  queries: {status(s) { return s; }},
  actions: {
    book(state, args, ctx) {
      var a = ctx.fetch(args.url);
      var b = ctx.fetch(args.url, {headers: {"Idempotency-Key": "mine"}});
      return {state: {key: ctx.idempotencyKey}, result: [JSON.parse(a.body).id, JSON.parse(b.body).id]};
    },
    slow(state, args, ctx) { var r = ctx.fetch(args.url); return {result: r.status}; },
    spin(state, args, ctx) { ctx.fetch(args.url); for (;;) {} },
  },
  failed(state, f, ctx) { return {rebooking: "failed", failure: f.uid}; },
};`
	m, err := Compile("idem.js", []byte(src), Limits{Timeout: 200 * time.Millisecond, FetchTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !m.HasFailed() {
		t.Fatal("failed handler not found")
	}
	srv, _ := hotelServer(t)
	env := hostEnv(srv)
	env.IdempotencyKey = "K-123456"
	args := json.RawMessage(`{"url":"` + srv.URL + `"}`)
	res, err := m.Run(context.Background(), Call{Kind: KindAction, Name: "book", Args: args, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	// The sandbox adds the action's key; a script's own header wins.
	if string(res.Output) != `["bk-K-1234","bk-mine.."]` || string(res.State) != `{"key":"K-123456"}` {
		t.Fatalf("output %s state %s", res.Output, res.State)
	}
	// The key is part of the transcript: replay reproduces the request.
	if _, err := Replay(context.Background(), m, res.Transcript, json.RawMessage("null")); err != nil {
		t.Fatal(err)
	}
	c := *res.Transcript
	c.IdempotencyKey = "other"
	if c.Root() == res.Transcript.Root() {
		t.Fatal("root ignores the idempotency key")
	}
	var d *Divergence
	if _, err := Replay(context.Background(), m, &c, json.RawMessage("null")); !errors.As(err, &d) {
		t.Fatalf("replay with another key: %v", err)
	}

	fr, err := m.Run(context.Background(), Call{Kind: KindFailure, State: json.RawMessage(`{"rebooking":"pending"}`), Args: json.RawMessage(`{"uid":"0x01"}`), Env: env})
	if err != nil || string(fr.State) != `{"rebooking":"failed","failure":"0x01"}` {
		t.Fatalf("failed handler: %v %s", err, fr.State)
	}

	// Per-call limits: a slow server outlasts the module's fetch timeout
	// but not a call's own.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
	}))
	t.Cleanup(slow.Close)
	senv := hostEnv(slow)
	sargs := json.RawMessage(`{"url":"` + slow.URL + `"}`)
	r1, err := m.Run(context.Background(), Call{Kind: KindAction, Name: "slow", Args: sargs, Env: senv})
	if err != nil || string(r1.Output) != "0" {
		t.Fatalf("module limits: %v %s", err, r1.Output)
	}
	// The slow server answers after 150 ms: more than the module's 200 ms
	// script budget allows if waiting counted, but waiting does not.
	slowModule, _ := Compile("idem.js", []byte(src), Limits{Timeout: 100 * time.Millisecond, FetchTimeout: 50 * time.Millisecond})
	r2, err := slowModule.Run(context.Background(), Call{Kind: KindAction, Name: "slow", Args: sargs, Env: senv, Timeout: time.Second, FetchTimeout: time.Second})
	if err != nil || string(r2.Output) != "200" {
		t.Fatalf("call limits: %v %v", err, r2)
	}
	// A script that spins after its call is stopped by its own budget, not
	// by the call's long wall limit.
	start := time.Now()
	_, err = slowModule.Run(context.Background(), Call{Kind: KindAction, Name: "spin", Args: sargs, Env: senv, Timeout: 10 * time.Second, FetchTimeout: time.Second})
	if !errors.Is(err, ErrTimeout) || time.Since(start) > 2*time.Second {
		t.Fatalf("spinning action: %v after %s", err, time.Since(start))
	}
}
