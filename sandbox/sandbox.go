package sandbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sort"
	"time"

	"github.com/dop251/goja"
	js_ast "github.com/dop251/goja/ast"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// Errors a call can end with; callers test them with errors.Is.
var (
	ErrTimeout       = errors.New("script exceeded its time limit")
	ErrMemory        = errors.New("script exceeded its heap growth limit")
	ErrInputTooLarge = errors.New("script input exceeds the size limit")
	// ErrBadInput: the state or arguments are not JSON a script can take
	// (numbers out of range, nesting past the limit).
	ErrBadInput       = errors.New("script input is not usable JSON")
	ErrOutputTooLarge = errors.New("script output exceeds the size limit")
	ErrTooManyCalls   = errors.New("script made more outbound calls than allowed")
	ErrEgress         = errors.New("script fetched a host its token does not declare")
	ErrNoSuchFunction = errors.New("module has no such function")
	ErrScript         = errors.New("script error")
	ErrModule         = errors.New("invalid service module")
	// ErrNoSuchQuery is ErrNoSuchFunction, kept for callers of queries.
	ErrNoSuchQuery = ErrNoSuchFunction
)

// Limits bound one call.
type Limits struct {
	Timeout      time.Duration // a call's script running time: CPU time of its thread on Linux, wall time elsewhere; waiting on external calls not counted. Its wall time is bounded by wallSlack times this unless the call sets one
	MaxInput     int           // bytes of state plus arguments
	MaxOutput    int           // bytes of the JSON result (and of a new state)
	MaxCallDepth int           // JavaScript call stack depth
	// MaxHeapGrowth bounds a call's memory: what its builtins allocate, by
	// a per-call meter (exact: 2 bytes a string character, 16 an array
	// element, a buffer's bytes; any single string or array past it is
	// refused), and, as a backstop for growth no builtin sees, the process
	// heap's growth during the call (twice this, confirmed by a collection,
	// or four times it).
	MaxHeapGrowth int64
	MaxCalls      int           // outbound calls (fetch, tokens.query) per call
	FetchTimeout  time.Duration // one fetch
	MaxFetchBytes int           // one fetch's response body
	MaxLogs       int           // ctx.log lines kept per call
}

// DefaultLimits are used for any zero field.
var DefaultLimits = Limits{
	Timeout: time.Second, MaxInput: 1 << 20, MaxOutput: 1 << 20, MaxCallDepth: 256,
	MaxHeapGrowth: 256 << 20, MaxCalls: 8, FetchTimeout: 5 * time.Second, MaxFetchBytes: 1 << 20, MaxLogs: 64,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxInput <= 0 {
		l.MaxInput = d.MaxInput
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = d.MaxOutput
	}
	if l.MaxCallDepth <= 0 {
		l.MaxCallDepth = d.MaxCallDepth
	}
	if l.MaxHeapGrowth <= 0 {
		l.MaxHeapGrowth = d.MaxHeapGrowth
	}
	if l.MaxCalls <= 0 {
		l.MaxCalls = d.MaxCalls
	}
	if l.FetchTimeout <= 0 {
		l.FetchTimeout = d.FetchTimeout
	}
	if l.MaxFetchBytes <= 0 {
		l.MaxFetchBytes = d.MaxFetchBytes
	}
	if l.MaxLogs <= 0 {
		l.MaxLogs = d.MaxLogs
	}
	return l
}

// Kind is the sort of function a call runs.
type Kind string

// The functions a module exports.
const (
	KindInit   Kind = "init"   // init(ticket, ctx) -> state
	KindQuery  Kind = "query"  // queries[name](state, args, ctx) -> result
	KindAction Kind = "action" // actions[name](state, args, ctx) -> {state?, result?}
	KindApply  Kind = "apply"  // apply(state, attestation, ctx) -> state
	// KindTrigger runs triggers[name](before, after, ctx) -> boolean: whether
	// a state change starts the trigger's action.
	KindTrigger Kind = "trigger"
	// KindFailure runs failed(state, failure, ctx) -> state: an anchor's
	// failure attestation for one of the instance's actions.
	KindFailure Kind = "failed"
)

// Env is what a call may know of and reach in the world.
type Env struct {
	Instance string    // the token instance ID
	Now      time.Time // ctx.now and Date: the time the caller vouches for
	// Seed of ctx.random and Math.random; nil derives it from the inputs.
	Seed []byte
	// Egress are the hosts ctx.fetch may reach: "api.example.com",
	// "*.example.com", optionally with ":port" (without one, only the
	// scheme's default port).
	Egress  []string
	Fetcher Fetcher      // nil: ctx.fetch is unavailable
	Tokens  TokenQuerier // nil: ctx.tokens.query is unavailable
	// IdempotencyKey of an action: ctx.idempotencyKey, and the
	// Idempotency-Key header of every ctx.fetch that does not set one.
	IdempotencyKey string
	Log            func(line string)
	// EgressAnyPort lets a declared host without a port be fetched on any
	// port (development networks, whose services listen on random ports);
	// otherwise such a host allows only its scheme's default port.
	EgressAnyPort bool
}

// Call is one execution.
type Call struct {
	Kind  Kind
	Name  string // for queries and actions
	State json.RawMessage
	Args  json.RawMessage // args, the ticket (init) or the attestation (apply)
	// StateRoot, when the caller knows it, saves hashing a large state. It
	// must be the Keccak-256 of State's bytes as given (a state kept in its
	// canonical encoding, whose root that is): Memo keys on it.
	StateRoot *Hash
	Env       Env
	// Timeout, when set, bounds this call's wall time, external calls
	// included; the script's own running time stays bounded by the module's
	// limit (which does not count waiting on external calls). FetchTimeout,
	// when set, replaces the module's limit of one external call. Actions
	// wait on the world longer than queries do.
	Timeout, FetchTimeout time.Duration
	// Memo, when set, answers a query from the runs it remembers and
	// remembers this one if it read nothing of the world (see Memo). A
	// call with Env.Seed or Env.IdempotencyKey set is neither.
	Memo *Memo
}

// Result is what a call produced.
type Result struct {
	Output     json.RawMessage
	State      json.RawMessage
	Logs       []string
	Transcript *Transcript
	// Pure: a query whose run read nothing of the world (see Memo), so its
	// answer is what any run on the same inputs gives, at any time.
	Pure bool
}

// Module is a compiled service module with a pool of warm runtimes. It is safe
// for concurrent use; each runtime serves one goroutine at a time, and every
// call instantiates the module afresh, so calls share no state.
type Module struct {
	name     string
	hash     Hash
	prog     *goja.Program
	limits   Limits
	pool     chan *vm
	queries  []string
	actions  []string
	triggers []string
	hasInit  bool
	hasAppl  bool
	hasFail  bool
	// observe, when set (tests), sees each call's script time and metered bytes.
	observe func(ran time.Duration, metered int64, err error)
}

// Compile compiles src and checks it by loading it once, under the same
// limits as a call. The module sets module.exports to {init?, queries:
// {name: fn}, actions?: {name: fn}, triggers?, apply?, failed?}. Its
// top-level code runs again at the start of every call, in a new scope.
func Compile(name string, src []byte, lim Limits) (*Module, error) {
	prog, err := compileModule(name, string(src))
	if err != nil {
		return nil, fmt.Errorf("%w: compile %s: %v", ErrModule, name, err)
	}
	m := &Module{
		name: name, hash: crypto.Keccak256Hash(src), prog: prog,
		limits: lim.withDefaults(), pool: make(chan *vm, 2*runtime.GOMAXPROCS(0)),
	}
	v, err := m.newVM()
	if err != nil {
		return nil, err
	}
	cs := &callState{ctx: context.Background(), limits: m.limits, t: &Transcript{}, rng: rand.New(rand.NewPCG(0, 0))}
	var ex *exportsOf
	err = v.guarded(context.Background(), cs, func() error {
		exo, err := v.instantiate()
		if err != nil {
			return classify(err)
		}
		ex, err = v.list(exo)
		return err
	})
	if observeLoad != nil {
		observeLoad(cs.ran, cs.mem.used, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %w", ErrModule, name, err)
	}
	m.queries, m.actions, m.triggers = ex.queries, ex.actions, ex.triggers
	sort.Strings(m.queries)
	sort.Strings(m.actions)
	sort.Strings(m.triggers)
	m.hasInit, m.hasAppl, m.hasFail = ex.init, ex.apply, ex.failed
	if cs.healthy {
		m.put(v)
	}
	return m, nil
}

// observeLoad, when set (tests), sees each Compile's load like observe.
var observeLoad func(ran time.Duration, metered int64, err error)

// moduleHead and moduleTail wrap a module's source into one function
// expression, called with (module, exports) at the start of every call.
const (
	moduleHead = "(function (module, exports) {"
	moduleTail = "\n})"
)

// compileModule wraps src and checks that the result is exactly one
// function expression: source that closes the wrapper early to run code at
// the top level (where let and const would outlive a call) is refused.
func compileModule(name, src string) (*goja.Program, error) {
	ast, err := goja.Parse(name, moduleHead+src+moduleTail)
	if err != nil {
		return nil, err
	}
	if len(ast.Body) != 1 || len(ast.DeclarationList) != 0 {
		return nil, errors.New("the module closes its wrapper")
	}
	st, ok := ast.Body[0].(*js_ast.ExpressionStatement)
	if !ok {
		return nil, errors.New("the module closes its wrapper")
	}
	if _, ok := st.Expression.(*js_ast.FunctionLiteral); !ok {
		return nil, errors.New("the module closes its wrapper")
	}
	if hasBigInt(reflect.ValueOf(ast)) {
		return nil, errors.New("BigInt literals are not available in the sandbox (goja computes BigInt operators such as ** and << without any bound)")
	}
	return goja.CompileAST(ast, true)
}

// hasBigInt walks a parsed program for a BigInt literal.
func hasBigInt(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return false
		}
		if n, ok := v.Interface().(*js_ast.NumberLiteral); ok {
			_, big := n.Value.(*big.Int)
			return big
		}
		return hasBigInt(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && hasBigInt(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if hasBigInt(v.Index(i)) {
				return true
			}
		}
	}
	return false
}

// Hash is keccak256 of the module source.
func (m *Module) Hash() Hash { return m.hash }

// Queries lists the module's query names, sorted.
func (m *Module) Queries() []string { return append([]string(nil), m.queries...) }

// Actions lists the module's action names, sorted.
func (m *Module) Actions() []string { return append([]string(nil), m.actions...) }

// HasQuery reports whether the module defines the query.
func (m *Module) HasQuery(name string) bool { return has(m.queries, name) }

// HasAction reports whether the module defines the action.
func (m *Module) HasAction(name string) bool { return has(m.actions, name) }

// HasTrigger reports whether the module defines the trigger predicate.
func (m *Module) HasTrigger(name string) bool { return has(m.triggers, name) }

// HasApply reports whether the module applies attestations.
func (m *Module) HasApply() bool { return m.hasAppl }

// HasFailed reports whether the module handles failure attestations.
func (m *Module) HasFailed() bool { return m.hasFail }

func has(list []string, name string) bool {
	i := sort.SearchStrings(list, name)
	return i < len(list) && list[i] == name
}

// CompileBundle reads a bundle's manifest and compiles its service module
// with the limits its TokenScript declares, as a tool outside a node runs
// it (a node's bundle cache also applies the node's own caps).
func CompileBundle(b *tokenscript.Bundle) (*tokenscript.Manifest, *Module, error) {
	man, err := b.Manifest()
	if err != nil {
		return nil, nil, err
	}
	if man.Service == nil {
		return nil, nil, errors.New("the bundle has no Smart Layer <service> element")
	}
	svc := man.Service
	mod, err := Compile(man.Name+"/"+svc.Module, svc.ModuleSource, Limits{Timeout: svc.Timeout, MaxHeapGrowth: svc.Memory})
	if err != nil {
		return nil, nil, err
	}
	return man, mod, nil
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
	res, err := m.Run(ctx, Call{Kind: KindQuery, Name: name, State: state, Args: args, Env: env})
	if err != nil {
		return nil, err
	}
	return res.Output, nil
}

// Init runs init(ticket, ctx) and returns the instance's first state. A module
// without init starts from the ticket itself.
func (m *Module) Init(ctx context.Context, ticket json.RawMessage, env Env) (json.RawMessage, error) {
	if !m.hasInit {
		return ticket, nil
	}
	res, err := m.Run(ctx, Call{Kind: KindInit, Args: ticket, Env: env})
	if err != nil {
		return nil, err
	}
	return res.State, nil
}

// Run executes one call and records its transcript.
func (m *Module) Run(ctx context.Context, c Call) (*Result, error) {
	return m.run(ctx, c, nil)
}

func (m *Module) run(ctx context.Context, c Call, replay []External) (*Result, error) {
	switch c.Kind {
	case KindQuery:
		if !m.HasQuery(c.Name) {
			return nil, fmt.Errorf("%w: query %q", ErrNoSuchFunction, c.Name)
		}
	case KindAction:
		if !m.HasAction(c.Name) {
			return nil, fmt.Errorf("%w: action %q", ErrNoSuchFunction, c.Name)
		}
	case KindApply:
		if !m.hasAppl {
			return nil, fmt.Errorf("%w: apply", ErrNoSuchFunction)
		}
	case KindTrigger:
		if !m.HasTrigger(c.Name) {
			return nil, fmt.Errorf("%w: trigger %q", ErrNoSuchFunction, c.Name)
		}
	case KindInit:
		if !m.hasInit {
			return nil, fmt.Errorf("%w: init", ErrNoSuchFunction)
		}
	case KindFailure:
		if !m.hasFail {
			return nil, fmt.Errorf("%w: failed", ErrNoSuchFunction)
		}
	default:
		return nil, fmt.Errorf("%w: kind %q", ErrNoSuchFunction, c.Kind)
	}
	if len(c.State) == 0 {
		c.State = json.RawMessage("null")
	}
	if len(c.Args) == 0 {
		c.Args = json.RawMessage("null")
	}
	if n := len(c.State) + len(c.Args); n > m.limits.MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrInputTooLarge, n, m.limits.MaxInput)
	}
	// goja's JSON decoder recurses in Go: refuse deep inputs before it.
	for _, in := range []json.RawMessage{c.State, c.Args} {
		if d := jsonDepth(string(in), maxJSONDepth); d > maxJSONDepth {
			return nil, fmt.Errorf("%w: JSON nested deeper than %d", ErrInputTooLarge, maxJSONDepth)
		}
	}
	t := &Transcript{
		ScriptHash: m.hash, Function: string(c.Kind), Instance: c.Env.Instance,
		Args: c.Args, NowMs: c.Env.Now.UnixMilli(), IdempotencyKey: c.Env.IdempotencyKey,
	}
	if c.Name != "" {
		t.Function += ":" + c.Name
	}
	if c.StateRoot != nil {
		t.StateBefore = *c.StateRoot
	} else {
		t.StateBefore = StateRoot(c.State)
	}
	t.Seed = c.Env.Seed
	if t.Seed == nil {
		t.Seed = crypto.Keccak256([]byte(t.Function), []byte(t.Instance), t.StateBefore[:], c.Args)
	}
	// A query's answer may depend on nothing but its inputs (see Memo).
	pureable := replay == nil && c.Kind == KindQuery && c.Env.Seed == nil && c.Env.IdempotencyKey == ""
	var mk memoKey
	memo := c.Memo
	if memo != nil && pureable {
		// The script sees the state's bytes, not its canonical form: the
		// key is their hash, which a given StateRoot is (see Call).
		state := t.StateBefore
		if c.StateRoot == nil {
			state = crypto.Keccak256Hash(c.State)
		}
		mk = memoKey{module: m.hash, function: t.Function, instance: t.Instance, state: state, args: crypto.Keccak256Hash(c.Args)}
		if out, ok := memo.get(mk); ok {
			t.Output, t.StateAfter = out, t.StateBefore
			return &Result{Output: out, State: c.State, Transcript: t, Pure: true}, nil
		}
	} else {
		memo = nil
	}
	v, err := m.get()
	if err != nil {
		return nil, err
	}
	cs := &callState{ctx: ctx, env: c.Env, limits: m.limits, replay: replay, t: t}
	if c.Timeout > 0 {
		cs.wall = c.Timeout
	}
	if c.FetchTimeout > 0 {
		cs.limits.FetchTimeout = c.FetchTimeout
	}
	s0, s1 := binary.BigEndian.Uint64(pad16(t.Seed)[:8]), binary.BigEndian.Uint64(pad16(t.Seed)[8:16])
	cs.rng = rand.New(rand.NewPCG(s0, s1))
	res, err := v.exec(ctx, m, c, cs)
	if m.observe != nil {
		m.observe(cs.ran, cs.mem.used, err)
	}
	if cs.healthy {
		m.put(v)
	}
	if pureable && err == nil && !cs.readClock && len(cs.t.Calls) == 0 && len(cs.logs) == 0 {
		res.Pure = true
		if memo != nil {
			memo.put(mk, res.Output)
		}
	}
	return res, err
}

func pad16(b []byte) []byte {
	if len(b) >= 16 {
		return b
	}
	return append(append([]byte(nil), b...), make([]byte, 16-len(b))...)
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

// canonical compacts JSON so equal values compare equal as bytes.
func canonical(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}
