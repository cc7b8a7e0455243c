package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// vm is one warm runtime: intrinsics metered and frozen, the module's code
// compiled but not instantiated. Every call instantiates the module afresh
// (its top-level code runs in a new function scope) and gets a new frozen
// ctx, so nothing a call does is seen by the next one.
type vm struct {
	r             *goja.Runtime
	factory       goja.Callable // function (module, exports) { <module source> }
	parse         goja.Callable
	origStringify goja.Callable
	origIsArray   goja.Callable
	toJSONFn      goja.Callable
	freeze        goja.Callable // Object.freeze
	// lengthGetter reports whether an object's "length" is a script's
	// getter (an accessor other than the typed arrays' own).
	lengthGetter goja.Callable
	host         map[string]goja.Value
	tokens       *goja.Object
	cur          *callState
	stopped      atomic.Bool // interrupted during the current call
	mu           sync.Mutex
	reason       error // why, when stopped
}

// callState is what the host API of one call sees.
type callState struct {
	ctx     context.Context
	env     Env
	limits  Limits
	rng     *rand.Rand
	t       *Transcript
	logs    []string
	replay  []External // when replaying: the recorded answers
	healthy bool       // the runtime may go back to the pool
	// wall bounds the whole call; clock, the script's own running time
	// (limits.Timeout), which stands still while an external call waits.
	wall  time.Duration
	clock *scriptClock
	mem   meter
	ran   time.Duration // the script's running time, external calls not counted
	ext   time.Duration // time spent waiting on external calls
	// readClock: the call read the time (ctx.now or Date), so its answer
	// depends on more than its inputs.
	readClock bool
}

// scriptClock interrupts a runtime once the script has run for its budget,
// not counting the time it spent waiting on external calls. Running time
// is read from read: the CPU time of the thread the script runs on where
// the system has that clock (lockThreadClock), else the wall clock. Its
// timer is set for what is left of the budget; when it goes off and the
// thread has not run that long (it waited for a core), it is set again
// for the rest.
//
// While an external call waits (ctx.fetch, ctx.tokens.*), the script's
// goroutine is let go of its thread: a goroutine locked to a thread that
// blocks on the network costs two thread switches at every wake-up (the
// HTTP client's hand-offs between its goroutines are many), which made an
// inter-token call several times slower than the call itself. On resume
// it is locked again, to whichever thread it runs on then, and that
// thread's clock is read from there on.
type scriptClock struct {
	mu   sync.Mutex
	v    *vm
	read func() time.Duration
	// lock locks the calling goroutine to its thread and returns that
	// thread's clock (nil: none, the wall clock is used) and the unlock.
	lock                func() (read func() time.Duration, unlock func())
	unlock              func()
	unlocked            bool          // let go of its thread while paused
	left                time.Duration // of the budget, at since
	since               time.Duration // read() when the current stretch began
	t                   *time.Timer
	paused, fired, done bool
}

// startClock starts the clock of a call on the calling goroutine, which it
// locks to its thread through lock until release.
func startClock(v *vm, budget time.Duration, lock func() (func() time.Duration, func())) *scriptClock {
	c := &scriptClock{v: v, left: budget, lock: lock}
	c.relock()
	c.mu.Lock() // fire waits for c.t
	defer c.mu.Unlock()
	c.since = c.read()
	c.t = time.AfterFunc(budget, c.fire)
	return c
}

// relock locks the goroutine to its thread and reads that thread's clock
// from now on.
func (c *scriptClock) relock() {
	read, unlock := c.lock()
	if read == nil {
		start := time.Now()
		read = func() time.Duration { return time.Since(start) }
	}
	c.mu.Lock()
	c.read, c.unlock = read, unlock
	c.mu.Unlock()
}

// release lets the goroutine go of its thread, once the clock is stopped.
func (c *scriptClock) release() {
	if !c.unlocked {
		c.unlock()
	}
}

func (c *scriptClock) fire() {
	c.mu.Lock()
	if c.done || c.fired || c.paused {
		c.mu.Unlock()
		return
	}
	if rest := c.left - (c.read() - c.since); rest > 0 {
		c.t.Reset(rest)
		c.mu.Unlock()
		return
	}
	c.fired = true
	c.mu.Unlock()
	c.v.interrupt(ErrTimeout)
}

// pause stops the clock while an external call waits, and lets the
// goroutine go of its thread.
func (c *scriptClock) pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused || c.fired || c.done {
		return
	}
	c.paused = true
	c.t.Stop()
	c.left -= c.read() - c.since
	c.unlock()
	c.unlocked = true
}

// resume starts it again with what is left of the budget, on the thread
// the goroutine runs on now.
func (c *scriptClock) resume() {
	if c.unlocked {
		c.relock()
		c.unlocked = false
	}
	c.mu.Lock()
	if !c.paused || c.fired || c.done {
		c.mu.Unlock()
		return
	}
	c.paused = false
	// The stretch starts now, on this thread's clock (since was read
	// from the thread the goroutine ran on before the pause).
	c.since = c.read()
	if c.left <= 0 {
		c.mu.Unlock()
		c.fire()
		return
	}
	c.t.Reset(c.left)
	c.mu.Unlock()
}

// stop ends the clock and returns the script's running time; ok false
// means it fired, so the runtime may still hold an interrupt and must not
// be reused.
func (c *scriptClock) stop(budget time.Duration) (ran time.Duration, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	left := c.left
	if !c.paused && !c.done {
		left -= c.read() - c.since
	}
	c.done = true
	c.t.Stop()
	return budget - left, !c.fired
}

// freezeJS deep-freezes everything reachable from its arguments: data
// values, getters and setters, symbol-keyed properties and prototypes.
// Called with the global object and the intrinsics no global names
// (iterator and generator prototypes, %ThrowTypeError%...).
const freezeJS = `(function (roots) {
  "use strict";
  var seen = new Set(), todo = roots.slice();
  while (todo.length) {
    var o = todo.pop();
    if (o === null || (typeof o !== "object" && typeof o !== "function") || seen.has(o)) continue;
    seen.add(o);
    Object.freeze(o);
    todo.push(Object.getPrototypeOf(o));
    var keys = Reflect.ownKeys(o);
    for (var i = 0; i < keys.length; i++) {
      var d = Object.getOwnPropertyDescriptor(o, keys[i]);
      if (!d) continue;
      if ("value" in d) todo.push(d.value); else { todo.push(d.get); todo.push(d.set); }
    }
  }
})`

// hiddenJS makes one of each intrinsic that no global property leads to.
const hiddenJS = `(function () {
  "use strict";
  function* g() {}
  async function a() {}
  var out = [[][Symbol.iterator](), new Map()[Symbol.iterator](), new Set()[Symbol.iterator](), ""[Symbol.iterator](),
    /a/g[Symbol.matchAll]("a"), g, g(), a, Promise.resolve(), (function () { return arguments; })(),
    Object.getOwnPropertyDescriptor(Function.prototype, "caller")];
  try { out.push(eval("(async function* () {})")); } catch (e) {}
  return out;
})`

// lengthGetterJS is run once per runtime, before anything is frozen or any
// module runs: it keeps the intrinsics it uses and the typed arrays' own
// length getter, which is native and stable.
const lengthGetterJS = `(function (gpo, gopd, tal) {
  return function (o) {
    for (var p = o; p !== null; p = gpo(p)) {
      var d = gopd(p, "length");
      if (d) return ("get" in d || "set" in d) && d.get !== tal;
    }
    return false;
  };
})(Object.getPrototypeOf, Object.getOwnPropertyDescriptor,
   Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), "length").get)`

// MaxRegExpSource bounds the source of a regular expression made at run
// time: compiling one is native work that no interrupt reaches (a
// 1.2M-character pattern took 2 s and 250 MB). Literals are bounded by the
// module's size.
const MaxRegExpSource = 16 << 10

// regexpGuardJS puts a RegExp constructor that refuses long sources in
// front of the intrinsic one (and in its prototype's constructor, and in
// String.prototype.match, matchAll and search, which make one from a
// string), before anything is frozen.
var regexpGuardJS = `(function (g, max) {
  var R = g.RegExp, S = g.String, construct = g.Reflect.construct, isR = function (p) {
    try { return p !== null && typeof p === "object" && p instanceof R; } catch (e) { return false; }
  };
  function check(p) {
    if (isR(p)) return;
    var n = S(p === undefined ? "" : p).length;
    if (n > max) throw new SyntaxError("a regular expression of " + n + " characters; the sandbox allows " + max);
  }
  function RegExp(pattern, flags) {
    check(pattern);
    return new.target ? construct(R, arguments, new.target) : R.apply(undefined, arguments);
  }
  RegExp.prototype = R.prototype;
  g.Object.defineProperty(R.prototype, "constructor", {value: RegExp, writable: true, configurable: true, enumerable: false});
  g.Object.defineProperty(g, "RegExp", {value: RegExp, writable: true, configurable: true, enumerable: false});
  var sp = S.prototype;
  ["match", "matchAll", "search"].forEach(function (name) {
    var orig = sp[name];
    g.Object.defineProperty(sp, name, {value: {[name](re) { check(re); return orig.apply(this, arguments); }}[name], writable: true, configurable: true, enumerable: false});
  });
  var compile = R.prototype.compile;
  if (compile) g.Object.defineProperty(R.prototype, "compile", {value: function compile_(p, f) { check(p); return compile.apply(this, arguments); }, writable: true, configurable: true, enumerable: false});
})(globalThis, ` + fmt.Sprint(MaxRegExpSource) + `)`

// noCode stands in for the Function constructors: scripts may not compile
// code at run time (the transcript names only the module).
func noCode(r *goja.Runtime) goja.Value {
	return r.ToValue(func(goja.FunctionCall) goja.Value {
		panic(r.NewTypeError("code generation from strings is disabled in the sandbox"))
	})
}

func (m *Module) newVM() (*vm, error) {
	r := goja.New()
	r.SetMaxCallStackSize(m.limits.MaxCallDepth)
	v := &vm{r: r}
	g := r.GlobalObject()
	hidden, err := r.RunString(hiddenJS)
	if err != nil {
		return nil, fmt.Errorf("%w: setup: %v", ErrModule, err)
	}
	hfn, _ := goja.AssertFunction(hidden)
	roots, err := hfn(goja.Undefined())
	if err != nil {
		return nil, fmt.Errorf("%w: setup: %v", ErrModule, err)
	}
	// No ambient capabilities: goja has no require, process or timers; eval
	// and the Function constructors would compile code the transcript
	// cannot name. The constructors stay reachable as "constructor" of
	// every function, so each is replaced where it is found.
	_ = g.Delete("eval")
	// No BigInt: goja computes its operators (**, <<, *) without any bound,
	// one instruction taking minutes or gigabytes. Literals are refused at
	// Compile; these are the other ways to make one.
	for _, name := range []string{"BigInt", "BigInt64Array", "BigUint64Array"} {
		_ = g.Delete(name)
	}
	dv := g.Get("DataView").ToObject(r).Get("prototype").ToObject(r)
	for _, name := range []string{"getBigInt64", "getBigUint64", "setBigInt64", "setBigUint64"} {
		_ = dv.Delete(name)
	}
	fnProto := g.Get("Function").ToObject(r).Get("prototype").ToObject(r)
	block := noCode(r).ToObject(r)
	_ = block.DefineDataProperty("prototype", fnProto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	_ = g.DefineDataProperty("Function", block, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = fnProto.DefineDataProperty("constructor", block, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	ro := roots.ToObject(r)
	for i, n := int64(0), ro.Get("length").ToInteger(); i < n; i++ {
		fo, ok := ro.Get(fmt.Sprint(i)).(*goja.Object)
		if !ok {
			continue
		}
		if _, isFn := goja.AssertFunction(fo); !isFn {
			continue
		}
		if p := fo.Prototype(); p != nil && p != fnProto {
			// %GeneratorFunction.prototype%, %AsyncFunction.prototype%...
			b := noCode(r).ToObject(r)
			_ = b.DefineDataProperty("prototype", p, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
			_ = p.DefineDataProperty("constructor", b, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
	}
	v.parse, _ = goja.AssertFunction(r.Get("JSON").ToObject(r).Get("parse"))
	v.freeze, _ = goja.AssertFunction(r.Get("Object").ToObject(r).Get("freeze"))
	lg, err := r.RunString(lengthGetterJS)
	if err != nil {
		return nil, fmt.Errorf("%w: setup: %v", ErrModule, err)
	}
	v.lengthGetter, _ = goja.AssertFunction(lg)
	if _, err := r.RunString(regexpGuardJS); err != nil {
		return nil, fmt.Errorf("%w: setup: %v", ErrModule, err)
	}
	v.installMeters()
	v.bindHost()
	r.SetRandSource(func() float64 {
		if v.cur == nil {
			return 0
		}
		return v.cur.rng.Float64()
	})

	fz, err := r.RunString(freezeJS)
	if err != nil {
		return nil, fmt.Errorf("%w: freeze: %v", ErrModule, jsError(err))
	}
	freezeAll, _ := goja.AssertFunction(fz)
	all := []any{g, roots, v.tokens}
	for _, h := range v.host {
		all = append(all, h)
	}
	if _, err := freezeAll(goja.Undefined(), r.ToValue(all)); err != nil {
		return nil, fmt.Errorf("%w: freeze: %v", ErrModule, jsError(err))
	}
	// The module's code: one function expression (checked at Compile).
	fv, err := r.RunProgram(m.prog)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %v", ErrModule, m.name, jsError(err))
	}
	v.factory, _ = goja.AssertFunction(fv)
	if v.factory == nil {
		return nil, fmt.Errorf("%w: %s is not a module", ErrModule, m.name)
	}
	return v, nil
}

// bindHost makes ctx and its functions once per runtime (frozen with the
// intrinsics).
func (v *vm) bindHost() {
	r := v.r
	v.host = map[string]goja.Value{
		"random": r.ToValue(func(goja.FunctionCall) goja.Value { return r.ToValue(v.cur.rng.Float64()) }),
		"log": r.ToValue(func(call goja.FunctionCall) goja.Value {
			cs := v.cur
			parts := make([]string, len(call.Arguments))
			for i, a := range call.Arguments {
				parts[i] = a.String()
				if len(parts[i]) > 1024 {
					parts[i] = parts[i][:1024]
				}
			}
			line := strings.Join(parts, " ")
			if len(line) > 1024 {
				line = line[:1024] + "…"
			}
			if len(cs.logs) < cs.limits.MaxLogs {
				cs.logs = append(cs.logs, line)
				if cs.env.Log != nil {
					cs.env.Log(line)
				}
			}
			return goja.Undefined()
		}),
		"fetch": r.ToValue(func(call goja.FunctionCall) goja.Value { return v.fetch(call) }),
	}
	v.tokens = r.NewObject()
	_ = v.tokens.Set("query", func(call goja.FunctionCall) goja.Value { return v.tokenQuery(call) })
	_ = v.tokens.Set("action", func(call goja.FunctionCall) goja.Value { return v.tokenAction(call) })
}

// hostCtx is ctx: one object per call whose members read the current
// call, and which refuses every write (a TypeError in strict code).
type hostCtx struct{ v *vm }

var ctxKeys = []string{"now", "instance", "idempotencyKey", "random", "log", "fetch", "tokens"}

func (c hostCtx) Get(key string) goja.Value {
	v := c.v
	switch key {
	case "now", "instance", "idempotencyKey":
		cs := v.cur
		if cs == nil {
			return goja.Undefined()
		}
		switch key {
		case "now":
			cs.readClock = true
			return v.r.ToValue(cs.env.Now.UnixMilli())
		case "instance":
			return v.r.ToValue(cs.env.Instance)
		default:
			return v.r.ToValue(cs.env.IdempotencyKey)
		}
	case "tokens":
		return v.tokens
	}
	if h, ok := v.host[key]; ok {
		return h
	}
	return nil
}

func (c hostCtx) Set(string, goja.Value) bool { return false }
func (c hostCtx) Has(key string) bool         { return c.Get(key) != nil }
func (c hostCtx) Delete(string) bool          { return false }
func (c hostCtx) Keys() []string              { return append([]string(nil), ctxKeys...) }

// fail stops the call with err: an interrupt, which the script cannot catch.
func (v *vm) fail(err error) goja.Value {
	v.interrupt(err)
	return goja.Undefined()
}

// external records (or, replaying, answers) one outbound call.
func (v *vm) external(kind string, req any, do func() (any, error)) (json.RawMessage, error) {
	cs := v.cur
	if len(cs.t.Calls) >= cs.limits.MaxCalls {
		return nil, fmt.Errorf("%w: limit %d", ErrTooManyCalls, cs.limits.MaxCalls)
	}
	rq, _ := json.Marshal(req)
	i := len(cs.t.Calls)
	var resp json.RawMessage
	if cs.replay != nil {
		if i >= len(cs.replay) {
			return nil, &Divergence{Where: "call count", Want: fmt.Sprint(len(cs.replay)), Got: fmt.Sprintf("a call %d", i+1)}
		}
		rec := cs.replay[i]
		if rec.Kind != kind || string(canonical(rec.Request)) != string(canonical(rq)) {
			return nil, &Divergence{Where: fmt.Sprintf("call %d request", i+1), Want: string(rec.Request), Got: string(rq)}
		}
		resp = rec.Response
	} else {
		out, err := func() (any, error) {
			// Resumed however the call ends: a panic a script catches must
			// not leave its clock stopped.
			cs.clock.pause()
			t0 := time.Now()
			defer func() {
				cs.ext += time.Since(t0)
				cs.clock.resume()
			}()
			return do()
		}()
		if err != nil {
			return nil, err
		}
		resp, _ = json.Marshal(out)
	}
	cs.t.Calls = append(cs.t.Calls, External{Kind: kind, Request: rq, Response: resp})
	return resp, nil
}

// fetch is ctx.fetch(url, {method, headers, body}): synchronous, to declared
// hosts only, with a timeout; it answers {status, headers, body, error}.
func (v *vm) fetch(call goja.FunctionCall) goja.Value {
	cs := v.cur
	req := &FetchRequest{Method: "GET", URL: call.Argument(0).String()}
	if o := call.Argument(1); !goja.IsUndefined(o) && !goja.IsNull(o) {
		// Options cross the boundary as JSON, like every other value.
		js, err := v.stringify(o, goja.Undefined(), goja.Undefined(), int64(cs.limits.MaxInput), false)
		if err != nil {
			return v.fail(fmt.Errorf("%w: ctx.fetch options exceed %d bytes", ErrInputTooLarge, cs.limits.MaxInput))
		}
		if err := json.Unmarshal([]byte(js.String()), req); err != nil {
			panic(v.r.NewTypeError("ctx.fetch options: %v", err))
		}
		if req.Method == "" {
			req.Method = "GET"
		}
		req.URL = call.Argument(0).String()
	}
	if k := cs.env.IdempotencyKey; k != "" {
		if req.Headers == nil {
			req.Headers = map[string]string{}
		}
		if _, set := req.Headers["Idempotency-Key"]; !set {
			req.Headers["Idempotency-Key"] = k
		}
	}
	// A replay answers from the transcript, where the request must match.
	if cs.replay == nil {
		if err := checkEgress(req.URL, cs.env.Egress, cs.env.EgressAnyPort); err != nil {
			return v.fail(err)
		}
	}
	resp, err := v.external("fetch", req, func() (any, error) {
		if cs.env.Fetcher == nil {
			return nil, fmt.Errorf("%w: no fetcher on this node", ErrEgress)
		}
		ctx, cancel := context.WithTimeout(withEgress(cs.ctx, cs.env.Egress, cs.env.EgressAnyPort), cs.limits.FetchTimeout)
		defer cancel()
		return cs.env.Fetcher.Fetch(ctx, req, cs.limits.MaxFetchBytes), nil
	})
	if err != nil {
		return v.fail(err)
	}
	pv, err := v.parseJSON(string(resp))
	if err != nil {
		return v.fail(fmt.Errorf("%w: recorded response: %v", ErrScript, err))
	}
	v.charge(int64(len(resp))*charBytes, "ctx.fetch response")
	return pv
}

// tokenQuery is ctx.tokens.query(instance, name, args, {grant}).
func (v *vm) tokenQuery(call goja.FunctionCall) goja.Value { return v.tokenCall(call, "tokens.query") }

// tokenAction is ctx.tokens.action(instance, name, args, {grant}): from an
// action only, it starts another token's action (once: its idempotency key
// is made from this action's and the call's place in it) and returns its
// result.
func (v *vm) tokenAction(call goja.FunctionCall) goja.Value {
	return v.tokenCall(call, "tokens.action")
}

func (v *vm) tokenCall(call goja.FunctionCall, kind string) goja.Value {
	cs := v.cur
	what := "ctx." + kind
	tc := TokenCall{Caller: cs.env.Instance, Instance: call.Argument(0).String(), Name: call.Argument(1).String(), Args: json.RawMessage("null")}
	if kind == "tokens.action" {
		// From an action, or from apply or failed (whose calls the
		// instance's executor makes once, keyed by the entry).
		action, isAction := strings.CutPrefix(cs.t.Function, "action:")
		if !isAction && (cs.t.Function == string(KindApply) || cs.t.Function == string(KindFailure)) {
			// "@apply", "@failed": no action's name, so no client's call
			// of an action shares these keys.
			action, isAction = "@"+cs.t.Function, true
		}
		if !isAction || cs.env.IdempotencyKey == "" {
			panic(v.r.NewTypeError("ctx.tokens.action can be called from an action, apply or failed only"))
		}
		n := 1
		for _, c := range cs.t.Calls {
			if c.Kind == kind {
				n++
			}
		}
		tc.Key = TokenActionKey(cs.env.Instance, action, cs.env.IdempotencyKey, n)
	}
	if a := call.Argument(2); !goja.IsUndefined(a) {
		s, err := v.stringify(a, goja.Undefined(), goja.Undefined(), int64(cs.limits.MaxInput), false)
		if err != nil {
			return v.fail(fmt.Errorf("%w: %s args exceed %d bytes", ErrInputTooLarge, what, cs.limits.MaxInput))
		}
		if !goja.IsUndefined(s) {
			tc.Args = json.RawMessage(s.String())
		}
	}
	if o := call.Argument(3); !goja.IsUndefined(o) && !goja.IsNull(o) {
		obj := o.ToObject(v.r)
		if g := obj.Get("grant"); g != nil && !goja.IsUndefined(g) && !goja.IsNull(g) {
			tc.Grant = g.String()
			if len(tc.Grant) > maxTokenGrant {
				return v.fail(fmt.Errorf("%w: %s grant exceeds %d bytes", ErrInputTooLarge, what, maxTokenGrant))
			}
		}
	}
	resp, err := v.external(kind, tc, func() (any, error) {
		if cs.env.Tokens == nil {
			return &TokenAnswer{Error: what + " is not available here"}, nil
		}
		ans, err := cs.env.Tokens.QueryToken(cs.ctx, tc)
		if errors.Is(err, ErrNoAnswer) {
			return nil, err // the run stops: no replica makes this call itself
		}
		if err != nil {
			return &TokenAnswer{Error: err.Error()}, nil
		}
		return ans, nil
	})
	if err != nil {
		return v.fail(err)
	}
	var ans TokenAnswer
	_ = json.Unmarshal(resp, &ans)
	if ans.Error != "" {
		panic(v.r.NewGoError(fmt.Errorf("%s(%s, %s): %s", what, tc.Instance, tc.Name, ans.Error)))
	}
	pv, err := v.parseJSON(string(ans.Result))
	if err != nil {
		return v.fail(fmt.Errorf("%w: %s result: %v", ErrScript, what, err))
	}
	v.charge(int64(len(ans.Result)+len(ans.Receipt))*charBytes, what+" response")
	return pv
}

// maxTokenGrant bounds the grant a module passes to ctx.tokens.query (a
// grant header in any form is well under it).
const maxTokenGrant = 8 << 10

// parseJSON parses JSON text from outside the script (a response, a
// recorded one when replaying): nested no deeper than JSON.stringify writes.
func (v *vm) parseJSON(text string) (goja.Value, error) {
	if jsonDepth(text, maxJSONDepth) > maxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d", maxJSONDepth)
	}
	return v.parse(goja.Undefined(), v.r.ToValue(text))
}

// guarded runs f as the runtime's current call under its limits: time (wall
// and script clock), the memory meter and the heap backstop. It reports
// whether the runtime may be reused.
func (v *vm) guarded(ctx context.Context, cs *callState, f func() error) (err error) {
	r := v.r
	v.cur = cs
	v.stopped.Store(false)
	cs.mem.limit = cs.limits.MaxHeapGrowth
	// The script's budget is its running time on its thread's CPU clock;
	// the wall limit, the call's own or wallSlack times that budget, is
	// the backstop (a node starved of cores still ends every call).
	cs.clock = startClock(v, cs.limits.Timeout, lockThreadClock)
	wall := cs.wall
	if wall <= 0 {
		wall = cs.limits.Timeout
		if hasThreadClock {
			wall *= wallSlack
		}
	}
	ctx, cancel := context.WithTimeout(ctx, wall)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { v.interrupt(ErrTimeout) })
	unwatch := watchHeap(v, cs.limits.MaxHeapGrowth)
	now := cs.env.Now
	r.SetTimeSource(func() time.Time { cs.readClock = true; return now })
	defer func() {
		// After unwatch no backstop interrupt can come; a timer that
		// already fired may still, so that runtime is not reused.
		unwatch()
		ran, clean := cs.clock.stop(cs.limits.Timeout)
		cs.ran = ran
		cs.clock.release() // after the clock's last read of this thread
		if !stop() || !clean {
			cs.healthy = false
		}
		r.ClearInterrupt()
		v.cur = nil
		cs.mem.arrays = nil
	}()
	err = f()
	if err != nil {
		if why := v.stoppedBy(); why != nil {
			// A limit stopped the call, whatever error unwound it.
			err = why
		}
		// A runtime stopped by a limit may hold half-done work: drop it.
		cs.healthy = !isLimit(err) && !v.stopped.Load()
	} else {
		cs.healthy = !v.stopped.Load()
	}
	return err
}

// instantiate runs the module's top-level code in a new scope and returns
// its exports.
func (v *vm) instantiate() (*goja.Object, error) {
	r := v.r
	module, exports := r.NewObject(), r.NewObject()
	_ = module.Set("exports", exports)
	if _, err := v.factory(exports, module, exports); err != nil {
		return nil, err
	}
	ex := module.Get("exports")
	if ex == nil || goja.IsUndefined(ex) || goja.IsNull(ex) {
		return nil, errors.New("the module does not set module.exports")
	}
	return ex.ToObject(r), nil
}

// exportsOf lists what a module exports (at Compile).
type exportsOf struct {
	queries, actions, triggers []string
	init, apply, failed        bool
}

func (v *vm) list(exo *goja.Object) (*exportsOf, error) {
	r := v.r
	out := &exportsOf{}
	for _, table := range []struct {
		key string
		dst *[]string
	}{{"queries", &out.queries}, {"actions", &out.actions}, {"triggers", &out.triggers}} {
		tv := exo.Get(table.key)
		if tv == nil || goja.IsUndefined(tv) {
			continue
		}
		to := tv.ToObject(r)
		for _, k := range to.Keys() {
			if _, ok := goja.AssertFunction(to.Get(k)); !ok {
				return nil, fmt.Errorf("%s.%s is not a function", table.key, k)
			}
			*table.dst = append(*table.dst, k)
		}
	}
	if len(out.queries) == 0 {
		return nil, errors.New("the module exports no queries")
	}
	for name, dst := range map[string]*bool{"init": &out.init, "apply": &out.apply, "failed": &out.failed} {
		if fv := exo.Get(name); fv != nil && !goja.IsUndefined(fv) {
			if _, ok := goja.AssertFunction(fv); !ok {
				return nil, fmt.Errorf("%s is not a function", name)
			}
			*dst = true
		}
	}
	return out, nil
}

// function finds the function a call runs in a fresh instance's exports.
func (v *vm) function(exo *goja.Object, c Call) (goja.Callable, error) {
	var fv goja.Value
	table := map[Kind]string{KindQuery: "queries", KindAction: "actions", KindTrigger: "triggers"}[c.Kind]
	if table != "" {
		if tv := exo.Get(table); tv != nil && !goja.IsUndefined(tv) && !goja.IsNull(tv) {
			fv = tv.ToObject(v.r).Get(c.Name)
		}
	} else {
		fv = exo.Get(string(c.Kind))
	}
	fn, ok := goja.AssertFunction(fv)
	if !ok {
		return nil, fmt.Errorf("%w: %s %q in this instance", ErrNoSuchFunction, c.Kind, c.Name)
	}
	return fn, nil
}

// stoppedBy is the reason the current call was interrupted, if it was.
func (v *vm) stoppedBy() error {
	if !v.stopped.Load() {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.reason
}

// exec runs one call on this runtime.
func (v *vm) exec(ctx context.Context, m *Module, c Call, cs *callState) (res *Result, err error) {
	err = v.guarded(ctx, cs, func() error {
		res, err = v.call(m, c, cs)
		return err
	})
	return res, err
}

func (v *vm) call(m *Module, c Call, cs *callState) (*Result, error) {
	r := v.r
	exo, err := v.instantiate()
	if err != nil {
		return nil, classify(err)
	}
	fn, err := v.function(exo, c)
	if err != nil {
		return nil, err
	}
	parse := func(b json.RawMessage) (goja.Value, error) {
		pv, err := v.parse(goja.Undefined(), r.ToValue(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%w: %w: %.200s", ErrScript, ErrBadInput, jsError(err))
		}
		return pv, nil
	}
	var args []goja.Value
	if c.Kind != KindInit {
		st, err := parse(c.State)
		if err != nil {
			return nil, err
		}
		args = append(args, st)
	}
	a, err := parse(c.Args)
	if err != nil {
		return nil, err
	}
	// A new ctx each call: a script can replace a dynamic object's
	// prototype (goja allows it), and what it hung there would reach the
	// runtime's next calls, outside their limits and their transcripts.
	args = append(args, a, r.NewDynamicObject(hostCtx{v}))

	ret, err := fn(goja.Undefined(), args...)
	if err != nil {
		return nil, classify(err)
	}
	out, state := ret, goja.Value(nil)
	switch c.Kind {
	case KindInit, KindApply, KindFailure:
		out, state = ret, ret
	case KindAction:
		out = goja.Undefined()
		if o, ok := ret.(*goja.Object); ok {
			out = o.Get("result")
			state = o.Get("state")
		}
		if out == nil {
			out = goja.Undefined()
		}
	}
	res := &Result{Logs: cs.logs, Transcript: cs.t}
	if res.Output, err = v.toJSON(out, m.limits.MaxOutput); err != nil {
		return nil, err
	}
	res.State = c.State
	if state != nil && !goja.IsUndefined(state) {
		if res.State, err = v.toJSON(state, m.limits.MaxOutput); err != nil {
			return nil, err
		}
	}
	cs.t.Output = res.Output
	if c.Kind == KindQuery || c.Kind == KindTrigger {
		cs.t.StateAfter = cs.t.StateBefore
	} else {
		cs.t.StateAfter = StateRoot(res.State)
	}
	return res, nil
}

func (v *vm) toJSON(val goja.Value, limit int) (json.RawMessage, error) {
	sv, err := v.toJSONFn(goja.Undefined(), val, v.r.ToValue(limit))
	if err != nil {
		return nil, classify(err)
	}
	if goja.IsNull(sv) {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrOutputTooLarge, limit)
	}
	if goja.IsUndefined(sv) {
		return json.RawMessage("null"), nil
	}
	s := sv.String()
	if len(s) > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrOutputTooLarge, len(s), limit)
	}
	return json.RawMessage(s), nil
}

func isLimit(err error) bool {
	for _, e := range []error{ErrTimeout, ErrMemory, ErrTooManyCalls, ErrEgress, ErrInputTooLarge} {
		if errors.Is(err, e) {
			return true
		}
	}
	var d *Divergence
	return errors.As(err, &d)
}
