package sandbox

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"time"

	"github.com/dop251/goja"
	"github.com/ethereum/go-ethereum/crypto"
)

// Errors a call can end with; callers test them with errors.Is.
var (
	ErrTimeout        = errors.New("script exceeded its time limit")
	ErrInputTooLarge  = errors.New("script input exceeds the size limit")
	ErrOutputTooLarge = errors.New("script output exceeds the size limit")
	ErrNoSuchQuery    = errors.New("module has no such query")
	ErrScript         = errors.New("script error")
	ErrModule         = errors.New("invalid service module")
)

// Limits bound one call.
type Limits struct {
	Timeout      time.Duration // wall time of one call
	MaxInput     int           // bytes of state plus arguments
	MaxOutput    int           // bytes of the JSON result
	MaxCallDepth int           // JavaScript call stack depth
}

// DefaultLimits are used for any zero field.
var DefaultLimits = Limits{Timeout: time.Second, MaxInput: 1 << 20, MaxOutput: 1 << 20, MaxCallDepth: 256}

func (l Limits) withDefaults() Limits {
	if l.Timeout <= 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	if l.MaxInput <= 0 {
		l.MaxInput = DefaultLimits.MaxInput
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultLimits.MaxOutput
	}
	if l.MaxCallDepth <= 0 {
		l.MaxCallDepth = DefaultLimits.MaxCallDepth
	}
	return l
}

// Env is what a call may know of the world: values derived from its inputs.
type Env struct {
	Instance string    // the token instance ID
	Now      time.Time // ctx.now, the time the caller vouches for
}

// Module is a compiled service module with a pool of warm runtimes. It is safe
// for concurrent use; each runtime serves one goroutine at a time.
type Module struct {
	name    string
	hash    [32]byte
	prog    *goja.Program
	limits  Limits
	pool    chan *vm
	queries []string
	hasInit bool
}

type vm struct {
	r         *goja.Runtime
	queries   map[string]goja.Callable
	init      goja.Callable
	parse     goja.Callable
	stringify goja.Callable
}

// Compile compiles src and checks it by loading it once. The module must set
// module.exports to an object with a "queries" object of functions
// (state, args, ctx) -> result, and may have init(ticket, ctx) -> state.
func Compile(name string, src []byte, lim Limits) (*Module, error) {
	prog, err := goja.Compile(name, string(src), true)
	if err != nil {
		return nil, fmt.Errorf("%w: compile %s: %v", ErrModule, name, err)
	}
	m := &Module{
		name:   name,
		hash:   crypto.Keccak256Hash(src),
		prog:   prog,
		limits: lim.withDefaults(),
		pool:   make(chan *vm, 2*runtime.GOMAXPROCS(0)),
	}
	v, err := m.newVM()
	if err != nil {
		return nil, err
	}
	for q := range v.queries {
		m.queries = append(m.queries, q)
	}
	sort.Strings(m.queries)
	m.hasInit = v.init != nil
	m.put(v)
	return m, nil
}

// Hash is keccak256 of the module source.
func (m *Module) Hash() [32]byte { return m.hash }

// Queries lists the module's query names, sorted.
func (m *Module) Queries() []string { return append([]string(nil), m.queries...) }

// HasQuery reports whether the module defines the query.
func (m *Module) HasQuery(name string) bool {
	i := sort.SearchStrings(m.queries, name)
	return i < len(m.queries) && m.queries[i] == name
}

func (m *Module) newVM() (*vm, error) {
	r := goja.New()
	r.SetMaxCallStackSize(m.limits.MaxCallDepth)
	// No ambient capabilities: goja has no require, process or timers; take
	// away the few globals that reach outside the call.
	for _, g := range []string{"eval"} {
		_ = r.GlobalObject().Delete(g)
	}
	module := r.NewObject()
	exports := r.NewObject()
	_ = module.Set("exports", exports)
	_ = r.Set("module", module)
	_ = r.Set("exports", exports)

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
	v := &vm{r: r, queries: map[string]goja.Callable{}}
	if qv := exo.Get("queries"); qv != nil && !goja.IsUndefined(qv) {
		qo := qv.ToObject(r)
		for _, k := range qo.Keys() {
			fn, ok := goja.AssertFunction(qo.Get(k))
			if !ok {
				return nil, fmt.Errorf("%w: queries.%s is not a function", ErrModule, k)
			}
			v.queries[k] = fn
		}
	}
	if len(v.queries) == 0 {
		return nil, fmt.Errorf("%w: %s exports no queries", ErrModule, m.name)
	}
	if iv := exo.Get("init"); iv != nil && !goja.IsUndefined(iv) {
		fn, ok := goja.AssertFunction(iv)
		if !ok {
			return nil, fmt.Errorf("%w: init is not a function", ErrModule)
		}
		v.init = fn
	}
	js := r.Get("JSON").ToObject(r)
	v.parse, _ = goja.AssertFunction(js.Get("parse"))
	v.stringify, _ = goja.AssertFunction(js.Get("stringify"))
	return v, nil
}

func (m *Module) get() (*vm, error) {
	select {
	case v := <-m.pool:
		return v, nil
	default:
		return m.newVM()
	}
}

func (m *Module) put(v *vm) {
	select {
	case m.pool <- v:
	default:
	}
}

// Query runs queries[name](state, args, ctx) and returns its JSON result.
func (m *Module) Query(ctx context.Context, name string, state, args json.RawMessage, env Env) (json.RawMessage, error) {
	if !m.HasQuery(name) {
		return nil, fmt.Errorf("%w: %q", ErrNoSuchQuery, name)
	}
	return m.call(ctx, func(v *vm) goja.Callable { return v.queries[name] }, env, state, args)
}

// Init runs init(ticket, ctx) and returns the instance's first state. A module
// without init starts from the ticket itself.
func (m *Module) Init(ctx context.Context, ticket json.RawMessage, env Env) (json.RawMessage, error) {
	if !m.hasInit {
		return ticket, nil
	}
	return m.call(ctx, func(v *vm) goja.Callable { return v.init }, env, ticket)
}

func (m *Module) call(ctx context.Context, pick func(*vm) goja.Callable, env Env, inputs ...json.RawMessage) (out json.RawMessage, err error) {
	size := 0
	for _, in := range inputs {
		size += len(in)
	}
	if size > m.limits.MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrInputTooLarge, size, m.limits.MaxInput)
	}
	v, err := m.get()
	if err != nil {
		return nil, err
	}
	healthy := false
	defer func() {
		if healthy {
			v.r.ClearInterrupt()
			m.put(v)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, m.limits.Timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { v.r.Interrupt(ErrTimeout) })
	defer stop()

	// Math.random is seeded from the inputs, on first use only.
	var rng *rand.Rand
	v.r.SetRandSource(func() float64 {
		if rng == nil {
			h := crypto.NewKeccakState()
			h.Write([]byte(env.Instance))
			for _, in := range inputs {
				h.Write(in)
			}
			var seed [16]byte
			h.Read(seed[:])
			rng = rand.New(rand.NewPCG(binary.BigEndian.Uint64(seed[:8]), binary.BigEndian.Uint64(seed[8:])))
		}
		return rng.Float64()
	})
	now := env.Now
	v.r.SetTimeSource(func() time.Time { return now })

	args := make([]goja.Value, 0, len(inputs)+1)
	for _, in := range inputs {
		if len(in) == 0 {
			in = json.RawMessage("null")
		}
		pv, err := v.parse(goja.Undefined(), v.r.ToValue(string(in)))
		if err != nil {
			return nil, fmt.Errorf("%w: input is not JSON: %v", ErrScript, jsError(err))
		}
		args = append(args, pv)
	}
	cx := v.r.NewObject()
	_ = cx.Set("now", now.UnixMilli())
	_ = cx.Set("instance", env.Instance)
	args = append(args, cx)

	res, err := pick(v)(goja.Undefined(), args...)
	if err != nil {
		return nil, classify(err)
	}
	sv, err := v.stringify(goja.Undefined(), res)
	if err != nil {
		return nil, classify(err)
	}
	if goja.IsUndefined(sv) {
		out = json.RawMessage("null")
	} else {
		s := sv.String()
		if len(s) > m.limits.MaxOutput {
			return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrOutputTooLarge, len(s), m.limits.MaxOutput)
		}
		out = json.RawMessage(s)
	}
	healthy = true
	return out, nil
}

// classify maps a goja error to this package's errors.
func classify(err error) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if e, ok := ie.Value().(error); ok {
			return e
		}
		return ErrTimeout
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return fmt.Errorf("%w: call depth limit reached", ErrScript)
	}
	return fmt.Errorf("%w: %v", ErrScript, jsError(err))
}

func jsError(err error) string {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return ex.Value().String()
	}
	return err.Error()
}
