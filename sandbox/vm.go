package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// vm is one warm runtime with the module loaded and its host API bound.
type vm struct {
	r         *goja.Runtime
	queries   map[string]goja.Callable
	actions   map[string]goja.Callable
	triggers  map[string]goja.Callable
	init      goja.Callable
	apply     goja.Callable
	failed    goja.Callable
	parse     goja.Callable
	stringify goja.Callable
	ctxObj    *goja.Object
	cur       *callState
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
	// (limits.Timeout), which stands still while an external call waits;
	// nil when the wall limit is no longer than that budget.
	wall  time.Duration
	clock *scriptClock
}

// scriptClock interrupts a runtime once the script has run for its budget,
// not counting the time it spent waiting on external calls.
type scriptClock struct {
	mu          sync.Mutex
	r           *goja.Runtime
	left        time.Duration
	since       time.Time
	t           *time.Timer
	fired, done bool
}

func startClock(r *goja.Runtime, budget time.Duration) *scriptClock {
	c := &scriptClock{r: r, left: budget, since: time.Now()}
	c.t = time.AfterFunc(budget, c.fire)
	return c
}

func (c *scriptClock) fire() {
	c.mu.Lock()
	if c.done || c.fired {
		c.mu.Unlock()
		return
	}
	c.fired = true
	c.mu.Unlock()
	c.r.Interrupt(ErrTimeout)
}

// pause stops the clock while an external call waits.
func (c *scriptClock) pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.Stop() {
		c.left -= time.Since(c.since)
	}
}

// resume starts it again with what is left of the budget.
func (c *scriptClock) resume() {
	c.mu.Lock()
	if c.fired || c.done {
		c.mu.Unlock()
		return
	}
	if c.left <= 0 {
		c.mu.Unlock()
		c.fire()
		return
	}
	c.since = time.Now()
	c.t = time.AfterFunc(c.left, c.fire)
	c.mu.Unlock()
}

// stop ends the clock; false means it fired, so the runtime may still hold
// an interrupt and must not be reused.
func (c *scriptClock) stop() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	c.t.Stop()
	return !c.fired
}

// freezeJS freezes every intrinsic and the global object after the module
// has loaded, so no call can tamper with what the next call sees.
const freezeJS = `(function (g) {
  "use strict";
  var seen = new Set();
  function deep(o) {
    if (o === null || (typeof o !== "object" && typeof o !== "function") || seen.has(o)) return;
    seen.add(o);
    Object.freeze(o);
    Object.getOwnPropertyNames(o).forEach(function (k) {
      var d = Object.getOwnPropertyDescriptor(o, k);
      if (d && "value" in d) deep(d.value);
    });
    deep(Object.getPrototypeOf(o));
  }
  deep(g);
})(globalThis);`

func (m *Module) newVM() (*vm, error) {
	r := goja.New()
	r.SetMaxCallStackSize(m.limits.MaxCallDepth)
	// No ambient capabilities: goja has no require, process or timers; eval
	// and Function would compile code the transcript cannot name.
	for _, g := range []string{"eval"} {
		_ = r.GlobalObject().Delete(g)
	}
	v := &vm{r: r, queries: map[string]goja.Callable{}, actions: map[string]goja.Callable{}, triggers: map[string]goja.Callable{}}
	module := r.NewObject()
	_ = module.Set("exports", r.NewObject())
	_ = r.Set("module", module)
	timer := time.AfterFunc(m.limits.Timeout, func() { r.Interrupt(ErrTimeout) })
	_, err := r.RunProgram(m.prog)
	timer.Stop()
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %v", ErrModule, m.name, jsError(err))
	}
	r.ClearInterrupt()
	ex := module.Get("exports")
	if ex == nil || goja.IsUndefined(ex) || goja.IsNull(ex) {
		return nil, fmt.Errorf("%w: %s does not set module.exports", ErrModule, m.name)
	}
	exo := ex.ToObject(r)
	for _, table := range []struct {
		key string
		dst map[string]goja.Callable
	}{{"queries", v.queries}, {"actions", v.actions}, {"triggers", v.triggers}} {
		tv := exo.Get(table.key)
		if tv == nil || goja.IsUndefined(tv) {
			continue
		}
		to := tv.ToObject(r)
		for _, k := range to.Keys() {
			fn, ok := goja.AssertFunction(to.Get(k))
			if !ok {
				return nil, fmt.Errorf("%w: %s.%s is not a function", ErrModule, table.key, k)
			}
			table.dst[k] = fn
		}
	}
	if len(v.queries) == 0 {
		return nil, fmt.Errorf("%w: %s exports no queries", ErrModule, m.name)
	}
	for name, dst := range map[string]*goja.Callable{"init": &v.init, "apply": &v.apply, "failed": &v.failed} {
		if fv := exo.Get(name); fv != nil && !goja.IsUndefined(fv) {
			fn, ok := goja.AssertFunction(fv)
			if !ok {
				return nil, fmt.Errorf("%w: %s is not a function", ErrModule, name)
			}
			*dst = fn
		}
	}
	js := r.Get("JSON").ToObject(r)
	v.parse, _ = goja.AssertFunction(js.Get("parse"))
	v.stringify, _ = goja.AssertFunction(js.Get("stringify"))
	v.bindHost()
	if _, err := r.RunString(freezeJS); err != nil {
		return nil, fmt.Errorf("%w: freeze: %v", ErrModule, jsError(err))
	}
	return v, nil
}

// bindHost makes the ctx object once per runtime: its members read the
// current call's state.
func (v *vm) bindHost() {
	r := v.r
	c := r.NewObject()
	getter := func(f func(cs *callState) any) goja.Value {
		return r.ToValue(func(goja.FunctionCall) goja.Value { return r.ToValue(f(v.cur)) })
	}
	_ = c.DefineAccessorProperty("now", getter(func(cs *callState) any { return cs.env.Now.UnixMilli() }), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = c.DefineAccessorProperty("instance", getter(func(cs *callState) any { return cs.env.Instance }), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = c.DefineAccessorProperty("idempotencyKey", getter(func(cs *callState) any { return cs.env.IdempotencyKey }), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = c.Set("random", func(goja.FunctionCall) goja.Value { return r.ToValue(v.cur.rng.Float64()) })
	_ = c.Set("log", func(call goja.FunctionCall) goja.Value {
		cs := v.cur
		parts := make([]string, len(call.Arguments))
		for i, a := range call.Arguments {
			parts[i] = a.String()
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
	})
	_ = c.Set("fetch", func(call goja.FunctionCall) goja.Value { return v.fetch(call) })
	tokens := r.NewObject()
	_ = tokens.Set("query", func(call goja.FunctionCall) goja.Value { return v.tokenQuery(call) })
	_ = c.Set("tokens", tokens)
	v.ctxObj = c
	r.SetRandSource(func() float64 {
		if v.cur == nil {
			return 0
		}
		return v.cur.rng.Float64()
	})
}

// fail stops the call with err: an interrupt, which the script cannot catch.
func (v *vm) fail(err error) goja.Value {
	v.r.Interrupt(err)
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
		if cs.clock != nil {
			cs.clock.pause()
		}
		out, err := do()
		if cs.clock != nil {
			cs.clock.resume()
		}
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
		js, err := v.stringify(goja.Undefined(), o)
		if err != nil {
			panic(err)
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
		if err := checkEgress(req.URL, cs.env.Egress); err != nil {
			return v.fail(err)
		}
	}
	resp, err := v.external("fetch", req, func() (any, error) {
		if cs.env.Fetcher == nil {
			return nil, fmt.Errorf("%w: no fetcher on this node", ErrEgress)
		}
		ctx, cancel := context.WithTimeout(cs.ctx, cs.limits.FetchTimeout)
		defer cancel()
		return cs.env.Fetcher.Fetch(ctx, req, cs.limits.MaxFetchBytes), nil
	})
	if err != nil {
		return v.fail(err)
	}
	pv, err := v.parse(goja.Undefined(), v.r.ToValue(string(resp)))
	if err != nil {
		return v.fail(fmt.Errorf("%w: recorded response: %v", ErrScript, err))
	}
	return pv
}

// tokenQuery is ctx.tokens.query(instance, name, args).
func (v *vm) tokenQuery(call goja.FunctionCall) goja.Value {
	cs := v.cur
	id, name := call.Argument(0).String(), call.Argument(1).String()
	args := json.RawMessage("null")
	if a := call.Argument(2); !goja.IsUndefined(a) {
		s, err := v.stringify(goja.Undefined(), a)
		if err != nil {
			panic(err)
		}
		args = json.RawMessage(s.String())
	}
	req := map[string]any{"instance": id, "name": name, "args": args}
	resp, err := v.external("tokens.query", req, func() (any, error) {
		if cs.env.Tokens == nil {
			return map[string]any{"error": "ctx.tokens.query is not available here"}, nil
		}
		out, err := cs.env.Tokens.QueryToken(cs.ctx, id, name, args)
		if err != nil {
			return map[string]any{"error": err.Error()}, nil
		}
		return map[string]any{"result": out}, nil
	})
	if err != nil {
		return v.fail(err)
	}
	var ans struct {
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	_ = json.Unmarshal(resp, &ans)
	if ans.Error != "" {
		panic(v.r.NewGoError(fmt.Errorf("ctx.tokens.query(%s, %s): %s", id, name, ans.Error)))
	}
	pv, err := v.parse(goja.Undefined(), v.r.ToValue(string(ans.Result)))
	if err != nil {
		return v.fail(err)
	}
	return pv
}

// exec runs one call on this runtime.
func (v *vm) exec(ctx context.Context, m *Module, c Call, cs *callState) (*Result, error) {
	r := v.r
	v.cur = cs
	defer func() { v.cur = nil }()
	wall := cs.wall
	if wall <= 0 {
		wall = cs.limits.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, wall)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { r.Interrupt(ErrTimeout) })
	if wall > cs.limits.Timeout {
		// Only a call allowed longer than its script's budget needs a
		// clock of its own: otherwise the wall limit is the tighter one.
		cs.clock = startClock(r, cs.limits.Timeout)
	}
	unwatch := watchHeap(r, m.limits.MaxHeapGrowth)
	defer func() {
		// After unwatch no watchdog interrupt can come; a timer that
		// already fired may still, so that runtime is not reused.
		unwatch()
		clean := cs.clock == nil || cs.clock.stop()
		if !stop() || !clean {
			cs.healthy = false
		}
		r.ClearInterrupt()
	}()
	now := c.Env.Now
	r.SetTimeSource(func() time.Time { return now })

	parse := func(b json.RawMessage) (goja.Value, error) {
		pv, err := v.parse(goja.Undefined(), r.ToValue(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%w: input is not JSON: %v", ErrScript, jsError(err))
		}
		return pv, nil
	}
	var fn goja.Callable
	var args []goja.Value
	switch c.Kind {
	case KindInit:
		fn = v.init
	case KindQuery:
		fn = v.queries[c.Name]
	case KindAction:
		fn = v.actions[c.Name]
	case KindApply:
		fn = v.apply
	case KindTrigger:
		fn = v.triggers[c.Name]
	case KindFailure:
		fn = v.failed
	}
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
	args = append(args, a, v.ctxObj)

	ret, err := fn(goja.Undefined(), args...)
	if err != nil {
		err = classify(err)
		// A runtime stopped by a limit may hold half-done work: drop it.
		cs.healthy = !isLimit(err)
		return nil, err
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
		cs.healthy = true
		return nil, err
	}
	res.State = c.State
	if state != nil && !goja.IsUndefined(state) {
		if res.State, err = v.toJSON(state, m.limits.MaxOutput); err != nil {
			cs.healthy = true
			return nil, err
		}
	}
	cs.t.Output = res.Output
	if c.Kind == KindQuery || c.Kind == KindTrigger {
		cs.t.StateAfter = cs.t.StateBefore
	} else {
		cs.t.StateAfter = StateRoot(res.State)
	}
	cs.healthy = true
	return res, nil
}

func (v *vm) toJSON(val goja.Value, limit int) (json.RawMessage, error) {
	sv, err := v.stringify(goja.Undefined(), val)
	if err != nil {
		return nil, classify(err)
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
	for _, e := range []error{ErrTimeout, ErrMemory, ErrTooManyCalls, ErrEgress} {
		if errors.Is(err, e) {
			return true
		}
	}
	var d *Divergence
	return errors.As(err, &d)
}
