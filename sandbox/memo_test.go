package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"
)

const memoModule = `
var loaded = Date.now; // reading the function is not reading the clock
module.exports = {
  queries: {
    pure(state, args, ctx) { return {flight: state.flight, n: args.n, r: Math.random(), r2: ctx.random(), id: ctx.instance}; },
    clock(state, args, ctx) { return {at: ctx.now}; },
    date(state) { return {at: new Date().getTime()}; },
    hasNow(state, args, ctx) { return {has: "now" in ctx}; },
    logs(state, args, ctx) { ctx.log("asked"); return {ok: true}; },
    peer(state, args, ctx) { return ctx.tokens.query("0xabc", "status", {}); },
    big(state, args) { return "x".repeat(args.n); },
    boom() { throw new Error("kaput"); },
  },
};`

type fixedTokens struct{ calls int }

func (f *fixedTokens) QueryToken(context.Context, TokenCall) (*TokenAnswer, error) {
	f.calls++
	return &TokenAnswer{Result: json.RawMessage(fmt.Sprintf(`{"call":%d}`, f.calls))}, nil
}

func memoCall(memo *Memo, name, args string, now int64, tokens TokenQuerier) Call {
	return Call{Kind: KindQuery, Name: name, State: json.RawMessage(`{"flight":"BA1"}`), Args: json.RawMessage(args),
		Env: Env{Instance: "0x01", Now: time.UnixMilli(now), Tokens: tokens}, Memo: memo}
}

// TestMemoAnswersWhatARunWould: a remembered answer is the bytes a fresh run
// gives, with a transcript that replays to them at the later call's time;
// another state, other argument bytes or another instance is not answered
// from memory.
func TestMemoAnswersWhatARunWould(t *testing.T) {
	m, err := Compile("memo.js", []byte(memoModule), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	memo := NewMemo(64, 1<<20)
	ctx := context.Background()
	first, err := m.Run(ctx, memoCall(memo, "pure", `{"n":1}`, 1000, nil))
	if err != nil {
		t.Fatal(err)
	}
	second, err := m.Run(ctx, memoCall(memo, "pure", `{"n":1}`, 2000, nil))
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := memo.Stats(); h != 1 {
		t.Fatalf("hits %d, want 1", h)
	}
	if !first.Pure || !second.Pure {
		t.Fatal("a query that read nothing of the world is not said to be pure")
	}
	fresh, err := m.Run(ctx, memoCall(nil, "pure", `{"n":1}`, 2000, nil))
	if err != nil {
		t.Fatal(err)
	}
	if string(second.Output) != string(fresh.Output) || string(first.Output) != string(fresh.Output) {
		t.Fatalf("remembered %s, fresh %s", second.Output, fresh.Output)
	}
	if second.Transcript.NowMs != 2000 || second.Transcript.Root() != fresh.Transcript.Root() {
		t.Fatalf("the remembered answer's transcript is not a fresh run's: %+v vs %+v", second.Transcript, fresh.Transcript)
	}
	if _, err := Replay(ctx, m, second.Transcript, json.RawMessage(`{"flight":"BA1"}`)); err != nil {
		t.Fatalf("the remembered answer's transcript does not replay: %v", err)
	}
	// Other argument bytes (the seed is derived from them), another state,
	// another instance: each runs.
	for _, c := range []Call{
		memoCall(memo, "pure", `{"n": 1}`, 3000, nil),
		func() Call {
			c := memoCall(memo, "pure", `{"n":1}`, 3000, nil)
			c.State = json.RawMessage(`{"flight":"BA2"}`)
			return c
		}(),
		func() Call { c := memoCall(memo, "pure", `{"n":1}`, 3000, nil); c.Env.Instance = "0x02"; return c }(),
	} {
		res, err := m.Run(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		c.Memo = nil
		want, _ := m.Run(ctx, c)
		if string(res.Output) != string(want.Output) {
			t.Fatalf("%s: %s, want %s", c.Args, res.Output, want.Output)
		}
	}
	if h, _ := memo.Stats(); h != 1 {
		t.Fatalf("hits %d after other inputs, want still 1", h)
	}
}

// TestMemoLeavesTheWorldAlone: a query that reads the clock (ctx.now, Date,
// or asks whether ctx has it), logs, or calls out runs every time; a
// failing one is not remembered either.
func TestMemoLeavesTheWorldAlone(t *testing.T) {
	m, err := Compile("memo.js", []byte(memoModule), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"clock", "date", "hasNow", "logs", "peer", "boom"} {
		memo := NewMemo(64, 1<<20)
		tokens := &fixedTokens{}
		var outs []string
		for i := range 3 {
			res, err := m.Run(ctx, memoCall(memo, name, `{}`, int64(1000*(i+1)), tokens))
			if name == "boom" {
				if err == nil {
					t.Fatal("boom answered")
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if res.Pure {
				t.Fatalf("%s: said to be pure", name)
			}
			outs = append(outs, string(res.Output))
		}
		if h, _ := memo.Stats(); h != 0 || memo.Len() != 0 {
			t.Fatalf("%s: %d hits, %d kept; it read the world and must run each time", name, h, memo.Len())
		}
		switch name {
		case "clock", "date":
			if outs[0] == outs[1] {
				t.Fatalf("%s: the same answer at two times: %v", name, outs)
			}
		case "peer":
			if tokens.calls != 3 {
				t.Fatalf("peer: %d outbound calls, want 3", tokens.calls)
			}
		}
	}
}

// TestMemoBounded: entries and bytes stay within the bounds, the oldest
// going first, and an answer too large for the memo is not kept.
func TestMemoBounded(t *testing.T) {
	m, err := Compile("memo.js", []byte(memoModule), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	memo := NewMemo(8, 64<<10)
	for i := range 20 {
		if _, err := m.Run(ctx, memoCall(memo, "big", fmt.Sprintf(`{"n":%d}`, 10+i), 1000, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if memo.Len() != 8 {
		t.Fatalf("%d kept, want the bound 8", memo.Len())
	}
	// The newest are kept: asking again hits; the oldest went.
	if _, err := m.Run(ctx, memoCall(memo, "big", `{"n":29}`, 1000, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(ctx, memoCall(memo, "big", `{"n":10}`, 1000, nil)); err != nil {
		t.Fatal(err)
	}
	if h, _ := memo.Stats(); h != 1 {
		t.Fatalf("hits %d, want 1 (the newest kept, the oldest gone)", h)
	}
	// Answers of 3 KiB: the byte bound (64 KiB) holds fewer than 8 of them
	// with the entries' overhead; one of 5 KiB is past a sixteenth of it.
	memo = NewMemo(100, 64<<10)
	for i := range 40 {
		if _, err := m.Run(ctx, memoCall(memo, "big", fmt.Sprintf(`{"n":%d}`, 3000+i), 1000, nil)); err != nil {
			t.Fatal(err)
		}
	}
	n, b := memo.kept.Len(), memo.kept.Bytes()
	if b > 64<<10 || n == 0 || n > 21 {
		t.Fatalf("%d entries of %d bytes in a memo of 64 KiB", n, b)
	}
	memo = NewMemo(100, 64<<10)
	if _, err := m.Run(ctx, memoCall(memo, "big", `{"n":5000}`, 1000, nil)); err != nil {
		t.Fatal(err)
	}
	if memo.Len() != 0 {
		t.Fatal("an answer past a sixteenth of the bound was kept")
	}
}

// TestCtxIsEachCallsOwn: what a call hangs on ctx (its prototype can be
// replaced) does not reach the runtime's next call, so a query reading
// nothing else is not answered, fresh or remembered, with another call's
// data and time, and memory it made is not held past its end (found in
// review: ctx was one object per pooled runtime).
func TestCtxIsEachCallsOwn(t *testing.T) {
	const src = `module.exports = {queries: {
	  stash(state, args, ctx) { Object.setPrototypeOf(ctx, {kept: args.v, at: ctx.now, big: "x".repeat(args.n || 0)}); return true; },
	  peek(state, args, ctx) { return {kept: ctx.kept === undefined ? null : ctx.kept, at: ctx.at === undefined ? null : ctx.at}; },
	}};`
	m, err := Compile("stash.js", []byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	memo := NewMemo(64, 1<<20)
	call := func(memo *Memo, name, instance, args string, now int64) *Result {
		t.Helper()
		c := memoCall(memo, name, args, now, nil)
		c.Env.Instance = instance
		res, err := m.Run(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	call(memo, "stash", "0x01", `{"v":"a"}`, 1000)
	first := call(memo, "peek", "0x02", `{}`, 2000)
	call(memo, "stash", "0x01", `{"v":"b"}`, 3000)
	remembered := call(memo, "peek", "0x02", `{}`, 4000)
	fresh := call(nil, "peek", "0x02", `{}`, 4000)
	for _, out := range []json.RawMessage{first.Output, remembered.Output, fresh.Output} {
		if string(out) != `{"kept":null,"at":null}` {
			t.Fatalf("a query read what another instance's call left on ctx: %s", out)
		}
	}
	other, _ := Compile("stash.js", []byte(src), Limits{}) // an anchor's copy
	if _, err := Replay(ctx, other, remembered.Transcript, json.RawMessage(`{"flight":"BA1"}`)); err != nil {
		t.Fatalf("the remembered answer does not replay: %v", err)
	}
	heap := func() uint64 {
		runtime.GC()
		var s runtime.MemStats
		runtime.ReadMemStats(&s)
		return s.HeapAlloc
	}
	before := heap()
	call(nil, "stash", "0x01", `{"v":"c","n":8388608}`, 5000)
	if after := heap(); after > before+4<<20 {
		t.Fatalf("%d MiB a finished call made are still held by its runtime", (after-before)>>20)
	}
	runtime.KeepAlive(m)
}

// TestMemoKeysWhatTheScriptSees: the state's bytes (not its canonical form,
// whose key order differs) and no call with an idempotency key (which a
// query can read) are answered from memory (found in review).
func TestMemoKeysWhatTheScriptSees(t *testing.T) {
	m, err := Compile("k.js", []byte(`module.exports = {queries: {
	  keys(state) { return Object.keys(state); },
	  key(state, args, ctx) { return ctx.idempotencyKey; },
	}};`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	memo := NewMemo(64, 1<<20)
	run := func(name, state, key string, memo *Memo) string {
		t.Helper()
		res, err := m.Run(context.Background(), Call{Kind: KindQuery, Name: name, State: json.RawMessage(state),
			Env: Env{Instance: "0x01", Now: time.UnixMilli(1), IdempotencyKey: key}, Memo: memo})
		if err != nil {
			t.Fatal(err)
		}
		return string(res.Output)
	}
	run("keys", `{"a":1,"b":2}`, "", memo)
	if got := run("keys", `{"b":2,"a":1}`, "", memo); got != `["b","a"]` {
		t.Fatalf("keys of {b, a}: %s", got)
	}
	run("key", `{}`, "one", memo)
	if got := run("key", `{}`, "two", memo); got != `"two"` {
		t.Fatalf("idempotency key two answered %s", got)
	}
	if h, _ := memo.Stats(); h != 0 {
		t.Fatalf("%d hits", h)
	}
}
