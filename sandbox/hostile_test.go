package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/dop251/goja"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileModule holds every known way out of a call's budget.
const hostileModule = `
function toc(big) { var c = 0; return {get length() { return c++ ? big : 1; }}; }
module.exports = {
  queries: {
    ok(state, args) { return {ok: true, args: args}; },
    regex() { return /^(a+)+\1?$/.test("a".repeat(40) + "!"); },
    regexLoop() { var r = 0; for (;;) r += /^(a|b)*\1c/.test("ab".repeat(200)) ? 1 : 0; },
    join() { return new Array(1e8).join("x").length; },
    joinWide() { return new Array(1e6).join("x".repeat(100)).length; },
    deepStringify() { var o = {}; for (var i = 0; i < 1e5; i++) o = {a: o}; return JSON.stringify(o).length; },
    // Long leaves: the output reaches its bound after a few hundred values
    // (a walk of short ones is per-value work the timer may stop first).
    wideStringify() { var o = ["x".repeat(1e5)]; for (var i = 0; i < 40; i++) o = [o, o]; return JSON.stringify(o).length; },
    repeat() { return "x".repeat(1 << 30).length; },
    padStart() { return "x".padStart(1 << 30).length; },
    replaceAll() { var s = "x".repeat(1e6); return s.replaceAll("", s).length; },
    typedFill() { return new Uint8Array(1 << 30).fill(1).length; },
    typedViaProto() { var C = Object.getPrototypeOf(new Uint8Array(1)).constructor; return new C(1 << 30).length; },
    arrayBuffer() { return new ArrayBuffer(1 << 30).byteLength; },
    arrayFill() { return new Array(1e9).fill(0).length; },
    arrayLike() { return Array.prototype.indexOf.call({length: 2 ** 53 - 1}, 1); },
    arrayFrom() { return Array.from({length: 1e9}).length; },
    applyBig() { return String.fromCharCode.apply(null, {length: 1e9}).length; },
    strbomb() { var s = "x"; for (;;) s = s + s; },
    bomb() { var a = []; for (;;) a.push(new Array(1e5).fill(1)); },
    fnCtor() { return (function () {}).constructor("return 1")(); },
    genCtor() { return Object.getPrototypeOf(function* () {}).constructor("yield 1")().next().value; },
    asyncCtor() { return typeof Object.getPrototypeOf(async function () {}).constructor("return 1"); },
    globalFn() { return Function("return 1")(); },
    bigInt() { return [typeof BigInt, typeof BigInt64Array, typeof new DataView(new ArrayBuffer(8)).getBigInt64]; },
    spin() { for (;;) {} },
    typedSort() {
      var seed = new Float64Array(1024), a = new Float64Array(3 << 20);
      for (var i = 0; i < seed.length; i++) seed[i] = Math.random();
      for (var k = 0; k < a.length; k += seed.length) a.set(seed, k);
      return a.sort().length;
    },
    arraySort() {
      var seed = [], a = [];
      for (var i = 0; i < 1024; i++) seed.push(String(Math.random()));
      for (var k = 0; k < 1000; k++) a.push.apply(a, seed);
      return a.sort().length;
    },
    deepJoin() { var a = []; for (var i = 0; i < 1e5; i++) a = [a]; return String(a).length; },
    deepParse() { return JSON.parse("[".repeat(3e5) + "]".repeat(3e5)).length; },
    concatSpread() { var o = {length: 1e9}; o[Symbol.isConcatSpreadable] = true; return [].concat(o).length; },
    flatBig() { var b = new Array(1e5).fill(0); return new Array(1e3).fill(b).flat().length; },
    typedFrom() { return Uint8Array.from({length: 1e9}).length; },
    spreadString() { var s = "x".repeat(1e7); for (;;) [...s]; },
    typedKeys() { return Object.keys(new Uint8Array(3e7)).length; },
    fromString() { return Array.from("x".repeat(1e7)).length; },
    flatDeep() { var a = [1]; for (var i = 0; i < 1e4; i++) a = [a]; return a.flat(Infinity).length; },
    // A length getter that answers the sandbox's check small and goja's
    // loop huge.
    getterIndexOf() { return Array.prototype.indexOf.call(toc(2 ** 40), 1); },
    getterReverse() { return Array.prototype.reverse.call(toc(2 ** 40)).length; },
    getterEvery() { return Array.prototype.every.call(toc(3e7), function () { return true; }); },
    getterSlice() { return Array.prototype.slice.call(toc(2e7)).length; },
    getterTyped() { return new Uint8Array(toc(1e9)).length; },
    getterFill() { return Array.prototype.fill.call(toc(3e7), 7).length; },
    getterApply() { return Math.max.apply(null, toc(2e7)); },
    getterConstruct() { return Reflect.construct(Array, toc(1e7)).length; },
    getterFrom() { return Array.from(toc(2e7)).length; },
    getterInherited() { var p = toc(2 ** 40), o = Object.create(p); return Array.prototype.includes.call(o, 1); },
    regexCompile() { return new RegExp("(?=x)" + "(a|b|c|d)".repeat(300000)).test("a"); },
    regexViaCtor() { return new (/x/.constructor)("(a|b)".repeat(300000)).source.length; },
    regexViaMatch() { return "abc".match("(a|b)".repeat(300000)); },
    regexOK() { return [new RegExp("a+b").test("aab"), RegExp("c").test("c"), "xay".search("a"), /q/ instanceof RegExp, "aXbX".match(new RegExp("X", "g")).length]; },
    arrayLikeOK() { return [Array.prototype.indexOf.call({length: 2, 0: 5, 1: 1}, 1), Array.prototype.slice.call(new Uint8Array([1, 2])).length]; },
  },
};`

type observed struct {
	mu      sync.Mutex
	ran     time.Duration
	metered int64
}

func (o *observed) see(ran time.Duration, metered int64, _ error) {
	o.mu.Lock()
	o.ran, o.metered = ran, metered
	o.mu.Unlock()
}

func (o *observed) get() (time.Duration, int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ran, o.metered
}

// hostileLimits: budgets large enough that the race detector on two busy
// cores does not matter; each case must stop within twice its time budget
// by the sandbox's own measure of script time.
var hostileLimits = Limits{Timeout: 2 * time.Second, MaxHeapGrowth: 32 << 20}

// TestHostileModule runs every known budget escape: each is refused with its
// own error, stops within twice its budget, and the module answers an
// ordinary query afterwards.
func TestHostileModule(t *testing.T) {
	var obs observed
	modules := map[int64]*Module{}
	module := func(heap int64) *Module {
		if modules[heap] == nil {
			lim := hostileLimits
			lim.MaxHeapGrowth = heap
			m, err := Compile("hostile.js", []byte(hostileModule), lim)
			if err != nil {
				t.Fatal(err)
			}
			m.observe = obs.see
			modules[heap] = m
		}
		return modules[heap]
	}
	cases := []struct {
		name      string
		want, alt error // alt: a second answer as right as the first
		heap      int64 // the heap budget, if not hostileLimits'
	}{
		// regexLoop allocates 800 bytes a round ("ab".repeat(200)) on a
		// regular expression that takes some microseconds: which of its two
		// bounds stops it first depends on the machine's speed.
		{"regex", ErrTimeout, nil, 0}, {"regexLoop", ErrTimeout, ErrMemory, 0},
		{"join", ErrMemory, nil, 0}, {"joinWide", ErrMemory, nil, 0},
		// wideStringify's output is charged as it grows: on a small budget,
		// so the race detector on two loaded cores cannot make the walk
		// (not the meter) the first bound it meets.
		{"deepStringify", ErrScript, nil, 0}, {"wideStringify", ErrMemory, nil, 4 << 20},
		{"repeat", ErrMemory, nil, 0}, {"padStart", ErrMemory, nil, 0}, {"replaceAll", ErrMemory, nil, 0},
		{"typedFill", ErrMemory, nil, 0}, {"typedViaProto", ErrMemory, nil, 0}, {"arrayBuffer", ErrMemory, nil, 0},
		{"arrayFill", ErrMemory, nil, 0}, {"arrayLike", ErrMemory, nil, 0}, {"arrayFrom", ErrMemory, nil, 0}, {"applyBig", ErrMemory, nil, 0},
		{"strbomb", ErrMemory, nil, 0}, {"bomb", ErrMemory, nil, 0},
		{"fnCtor", ErrScript, nil, 0}, {"genCtor", ErrScript, nil, 0}, {"asyncCtor", ErrScript, nil, 0}, {"globalFn", ErrScript, nil, 0},
		{"spin", ErrTimeout, nil, 0},
		{"typedSort", ErrTimeout, nil, 0}, {"arraySort", ErrTimeout, nil, 0}, {"deepJoin", ErrScript, nil, 0}, {"deepParse", ErrScript, nil, 0},
		// A spread, or Array.from over a string's iterator, is growth no
		// builtin sees: the heap backstop stops it, or the timer first on a
		// machine slow enough (both within budget).
		{"spreadString", ErrTimeout, ErrMemory, 0}, {"typedKeys", ErrMemory, nil, 0}, {"fromString", ErrMemory, ErrTimeout, 0},
		{"concatSpread", ErrMemory, nil, 0}, {"flatBig", ErrMemory, nil, 0}, {"typedFrom", ErrMemory, nil, 0},
		{"getterIndexOf", ErrScript, nil, 0}, {"getterReverse", ErrScript, nil, 0}, {"getterEvery", ErrScript, nil, 0}, {"getterSlice", ErrScript, nil, 0},
		{"getterTyped", ErrScript, nil, 0}, {"getterFill", ErrScript, nil, 0}, {"getterApply", ErrScript, nil, 0}, {"getterConstruct", ErrScript, nil, 0},
		{"getterFrom", ErrScript, nil, 0}, {"getterInherited", ErrScript, nil, 0},
		{"regexCompile", ErrScript, nil, 0}, {"regexViaCtor", ErrScript, nil, 0}, {"regexViaMatch", ErrScript, nil, 0},
	}
	env := Env{Instance: "0x01", Now: time.Unix(1, 0)}
	for _, c := range cases {
		heap := hostileLimits.MaxHeapGrowth
		if c.heap != 0 {
			heap = c.heap
		}
		m := module(heap)
		_, err := m.Query(context.Background(), c.name, nil, nil, env)
		ran, metered := obs.get()
		if !errors.Is(err, c.want) && (c.alt == nil || !errors.Is(err, c.alt)) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		if ran > 2*hostileLimits.Timeout {
			t.Errorf("%s: ran %s, budget %s", c.name, ran, hostileLimits.Timeout)
		}
		t.Logf("| %s | %v | %s | %d KiB metered of %d MiB |", c.name, err, ran.Round(time.Millisecond), metered>>10, heap>>20)
		out, err := m.Query(context.Background(), "ok", nil, json.RawMessage(`[1]`), env)
		if err != nil || string(out) != `{"ok":true,"args":[1]}` {
			t.Errorf("query after %s: %v %s", c.name, err, out)
		}
	}
	m := module(hostileLimits.MaxHeapGrowth)
	// BigInt cannot be made at all.
	if out, err := m.Query(context.Background(), "bigInt", nil, nil, env); err != nil || string(out) != `["undefined","undefined","undefined"]` {
		t.Errorf("bigInt: %v %s", err, out)
	}
	// flat's depth is capped, not refused.
	if out, err := m.Query(context.Background(), "flatDeep", nil, nil, env); err != nil || string(out) != "1" {
		t.Errorf("flatDeep: %v %s", err, out)
	}
	// Inputs nested deeper than JSON.stringify writes are refused before
	// goja's recursive decoder sees them.
	deep := json.RawMessage(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))
	if _, err := m.Query(context.Background(), "ok", nil, deep, env); !errors.Is(err, ErrInputTooLarge) {
		t.Errorf("deep input: %v", err)
	}
}

// TestHostileModuleLoad: a module's top-level code runs under a call's
// limits, at Compile and at every call.
func TestHostileModuleLoad(t *testing.T) {
	var obs observed
	observeLoad = obs.see
	defer func() { observeLoad = nil }()
	for _, c := range []struct {
		name, src string
		want      error
	}{
		{"loadBomb", `var a = []; for (;;) a.push(new Array(1e5).fill(1));`, ErrMemory},
		{"loadStrBomb", `var s = "x"; for (;;) s = s + s;`, ErrMemory},
		{"loadRepeat", `var s = "x".repeat(1 << 30);`, ErrMemory},
		{"loadLoop", `for (;;) {}`, ErrTimeout},
		{"loadFunction", `var f = (function () {}).constructor("return 1");`, ErrScript},
		{"bigIntPow", `var x = 3n ** 100000000n;`, nil},
		{"bigIntShift", `module.exports = {queries: {q() { return String(1n << 10000000000n); }}};`, nil},
		{"escapeWrapper", "}); let n = 0; (function () {", nil},
		{"escapeWrapper2", "}) + (function () {", nil},
	} {
		_, err := Compile(c.name, []byte(c.src), hostileLimits)
		ran, metered := obs.get()
		if !errors.Is(err, ErrModule) || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v and %v", c.name, err, ErrModule, c.want)
		}
		if ran > 2*hostileLimits.Timeout {
			t.Errorf("%s: ran %s, budget %s", c.name, ran, hostileLimits.Timeout)
		}
		t.Logf("| %s | %v | %s | %d KiB metered of %d MiB |", c.name, err, ran.Round(time.Millisecond), metered>>10, hostileLimits.MaxHeapGrowth>>20)
	}
}

// statefulModule tries every way to carry state from one call to the next.
const statefulModule = `
let n = 0;
const cache = {hits: 0};
var counter = (function () { let c = 0; return function () { return ++c; }; })();
function attempt(f) { try { return f(); } catch (e) { return "refused"; } }
module.exports = {
  queries: {
    carry(state, args, ctx) {
      n++;
      cache.hits++;
      const self = module.exports.queries.carry;
      self.calls = (self.calls || 0) + 1;
      const iterProto = Object.getPrototypeOf([][Symbol.iterator]());
      const getter = Object.getOwnPropertyDescriptor(Object.prototype, "__proto__").get;
      return {
        n: n, hits: cache.hits, closure: counter(), calls: self.calls,
        ctxAdd: attempt(function () { ctx.extra = (ctx.extra || 0) + 1; return ctx.extra; }),
        ctxFn: attempt(function () { ctx.log.x = (ctx.log.x || 0) + 1; return ctx.log.x; }),
        tokens: attempt(function () { ctx.tokens.x = (ctx.tokens.x || 0) + 1; return ctx.tokens.x; }),
        global: attempt(function () { globalThis.leak = (globalThis.leak || 0) + 1; return globalThis.leak; }),
        proto: attempt(function () { Object.prototype.leak = 1; return 1; }),
        iter: attempt(function () { iterProto.leak = (iterProto.leak || 0) + 1; return iterProto.leak; }),
        getter: attempt(function () { getter.leak = (getter.leak || 0) + 1; return getter.leak; }),
        sym: attempt(function () { const f = Symbol.prototype[Symbol.toPrimitive]; f.leak = (f.leak || 0) + 1; return f.leak; }),
        date: attempt(function () { return Date.prototype.setTime(Date.prototype.getTime() + 1); }),
        regexCompile: typeof RegExp.prototype.compile,
        mathRandom: Math.random(),
        now: Date.now(),
      };
    },
  },
};`

// TestNoStateBetweenCalls: a module that tries to carry state between calls
// gets the same result on every call, on every runtime, and in a replay.
func TestNoStateBetweenCalls(t *testing.T) {
	m, err := Compile("stateful.js", []byte(statefulModule), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Instance: "0x01", Now: time.UnixMilli(1_800_000_000_000)}
	first, err := m.Run(context.Background(), Call{Kind: KindQuery, Name: "carry", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.Unmarshal(first.Output, &got)
	for k, want := range map[string]any{"n": 1.0, "hits": 1.0, "closure": 1.0, "calls": 1.0, "ctxAdd": "refused", "ctxFn": "refused",
		"tokens": "refused", "global": "refused", "proto": "refused", "iter": "refused", "getter": "refused", "sym": "refused",
		"date": "refused", "regexCompile": "undefined"} {
		if got[k] != want {
			t.Errorf("%s: got %v, want %v (%s)", k, got[k], want, first.Output)
		}
	}
	// Many calls, several at a time (so several runtimes), all the same.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 16; i++ {
				res, err := m.Run(context.Background(), Call{Kind: KindQuery, Name: "carry", Env: env})
				if err != nil {
					errs <- err
					return
				}
				if string(res.Output) != string(first.Output) {
					errs <- fmt.Errorf("call differs: %s vs %s", res.Output, first.Output)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// A replay, on this module and on a fresh one, gives the same output.
	for _, mm := range []*Module{m, mustCompile(t, "stateful.js", statefulModule)} {
		if _, err := Replay(context.Background(), mm, first.Transcript, nil); err != nil {
			t.Fatalf("replay: %v", err)
		}
	}
}

func mustCompile(t *testing.T, name, src string) *Module {
	t.Helper()
	m, err := Compile(name, []byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStringifyMatchesGoja: the metered JSON.stringify writes what goja's
// own did.
func TestStringifyMatchesGoja(t *testing.T) {
	const src = `module.exports = {queries: {
  cmp(state, args) {
    var vals = [
      {a: 1, b: [1, "x", null, undefined, function () {}, true], c: undefined, d: {e: -0, f: 1e21, g: NaN}},
      [new Number(3), new String("s"), new Boolean(false), {toJSON: function (k) { return "key:" + k; }}],
      "\u2028\ud800\"\\\n", {nested: {deeper: [[], {}]}}, [undefined], undefined, null, new Date(0),
    ];
    var out = [];
    vals.forEach(function (v) {
      out.push(JSON.stringify(v));
      out.push(JSON.stringify(v, null, 2));
      out.push(JSON.stringify(v, null, "--"));
      out.push(JSON.stringify(v, ["a", "b", "nested", 0]));
      out.push(JSON.stringify(v, function (k, x) { return typeof x === "number" ? x + 1 : x; }, 1));
    });
    var cyc = {}; cyc.self = cyc;
    try { JSON.stringify(cyc); out.push("no error"); } catch (e) { out.push(e instanceof TypeError); }
    return out;
  },
}};`
	m := mustCompile(t, "json.js", src)
	out, err := m.Query(context.Background(), "cmp", nil, nil, Env{})
	if err != nil {
		t.Fatal(err)
	}
	// The same walk through goja's own stringify, in a bare runtime.
	want := bareGojaEval(t, src)
	if string(out) != want {
		t.Fatalf("metered stringify differs:\n got %s\nwant %s", out, want)
	}
	if !strings.Contains(string(out), `true]`) {
		t.Fatalf("cycle not refused: %s", out)
	}
}

func bareGojaEval(t *testing.T, src string) string {
	t.Helper()
	r := goja.New()
	module := r.NewObject()
	_ = module.Set("exports", r.NewObject())
	_ = r.Set("module", module)
	if _, err := r.RunString(src); err != nil {
		t.Fatal(err)
	}
	v, err := r.RunString(`JSON.stringify(module.exports.queries.cmp(null, null))`)
	if err != nil {
		t.Fatal(err)
	}
	return v.String()
}

// TestArrayLikesStillWork: array-likes with a data length, and typed arrays
// (whose length is the intrinsic getter), pass the length-getter check.
func TestArrayLikesStillWork(t *testing.T) {
	m, err := Compile("hostile.js", []byte(hostileModule), hostileLimits)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Query(context.Background(), "arrayLikeOK", nil, nil, Env{Instance: "0x01", Now: time.Unix(1, 0)})
	if err != nil || string(out) != "[1,2]" {
		t.Fatalf("got %s, %v", out, err)
	}
	// Regular expressions of ordinary size behave as before.
	out, err = m.Query(context.Background(), "regexOK", nil, nil, Env{Instance: "0x01", Now: time.Unix(1, 0)})
	if err != nil || string(out) != "[true,true,1,true,2]" {
		t.Fatalf("regexOK: got %s, %v", out, err)
	}
}
