package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const testModule = `
module.exports = {
  init(ticket, ctx) { return {flight: ticket.flight, seen: ctx.now}; },
  queries: {
    status(state, args, ctx) { return {flight: state.flight, n: (args && args.n) || 0, now: ctx.now, r: Math.random()}; },
    spin() { for (;;) {} },
    deep() { function f(n) { return f(n + 1) + 1; } return f(0); },
    huge() { return "x".repeat(1 << 21); },
    boom() { throw new Error("kaput"); },
    escape() { return [typeof require, typeof process, typeof eval, typeof setTimeout]; },
  },
};`

func compile(t *testing.T, lim Limits) *Module {
	t.Helper()
	m, err := Compile("test.js", []byte(testModule), lim)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestQueryAndInit(t *testing.T) {
	m := compile(t, Limits{})
	env := Env{Instance: "0x01", Now: time.UnixMilli(1700000000000)}
	st, err := m.Init(context.Background(), json.RawMessage(`{"flight":"BA1"}`), env)
	if err != nil {
		t.Fatal(err)
	}
	if string(st) != `{"flight":"BA1","seen":1700000000000}` {
		t.Fatalf("init: %s", st)
	}
	out, err := m.Query(context.Background(), "status", st, json.RawMessage(`{"n":3}`), env)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got["flight"] != "BA1" || got["n"] != float64(3) || got["now"] != float64(1700000000000) {
		t.Fatalf("status: %s", out)
	}
	// Math.random is derived from the inputs: the same call gives the same value.
	out2, _ := m.Query(context.Background(), "status", st, json.RawMessage(`{"n":3}`), env)
	if string(out) != string(out2) {
		t.Fatalf("not deterministic: %s vs %s", out, out2)
	}
	if q := m.Queries(); strings.Join(q, ",") != "boom,deep,escape,huge,spin,status" {
		t.Fatalf("queries: %v", q)
	}
}

func TestHostileCallsFailAndPoolRecovers(t *testing.T) {
	// A second of wall time: enough for the 2 MiB result under the race detector,
	// so that case meets the output limit, not the time limit.
	m := compile(t, Limits{Timeout: time.Second, MaxOutput: 1 << 20})
	env := Env{Instance: "0x01", Now: time.Unix(1, 0)}
	cases := map[string]error{
		"spin": ErrTimeout,
		"deep": ErrScript,
		"huge": ErrOutputTooLarge,
		"boom": ErrScript,
		"nope": ErrNoSuchQuery,
	}
	for q, want := range cases {
		_, err := m.Query(context.Background(), q, json.RawMessage(`{}`), nil, env)
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", q, err, want)
		}
		if _, err := m.Query(context.Background(), "status", json.RawMessage(`{"flight":"X"}`), nil, env); err != nil {
			t.Errorf("status after %s: %v", q, err)
		}
	}
	out, err := m.Query(context.Background(), "escape", json.RawMessage(`{}`), nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `["undefined","undefined","undefined","undefined"]` {
		t.Fatalf("ambient capabilities reachable: %s", out)
	}
	big := json.RawMessage(`"` + strings.Repeat("a", 2<<20) + `"`)
	if _, err := m.Query(context.Background(), "status", big, nil, env); !errors.Is(err, ErrInputTooLarge) {
		t.Fatalf("big input: %v", err)
	}
}

func TestCancelledContextStopsCall(t *testing.T) {
	m := compile(t, Limits{Timeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := m.Query(ctx, "spin", json.RawMessage(`{}`), nil, Env{}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v", err)
	}
}

func TestBadModules(t *testing.T) {
	for name, src := range map[string]string{
		"syntax":     "module.exports = {",
		"no-exports": "var x = 1;",
		"no-queries": "module.exports = {queries: {}};",
		"not-fn":     "module.exports = {queries: {a: 1}};",
		"throws":     "throw new Error('no');",
		"loops":      "for(;;){}",
	} {
		if _, err := Compile(name, []byte(src), Limits{Timeout: 50 * time.Millisecond}); !errors.Is(err, ErrModule) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
