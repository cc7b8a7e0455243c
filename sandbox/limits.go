package sandbox

import (
	"fmt"
	"math"
	"math/big"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/dop251/goja"
)

// How a call's memory is bounded. goja has no memory cap, so every builtin
// that can allocate in proportion to an argument is replaced, before the
// intrinsics are frozen, by a Go wrapper that charges the call's meter with
// what it is about to allocate (2 bytes a string character, 16 an array
// element, the byte length of a buffer) and refuses a single string or array
// past the call's limit: that part is exact and deterministic. Growth that no
// builtin sees (s = s + s, a[i] = x, new objects in a loop) is bounded by a
// backstop: a sampler of the process heap (see watch).
const (
	charBytes      = 2  // a string character, UTF-16 at worst
	elemBytes      = 16 // an array element: one interface value
	entryBytes     = 64 // a Map or Set entry
	backstopFactor = 2
	// hardFactor: past this many times its limit a call is stopped without
	// waiting for a collection to confirm that the growth is live.
	hardFactor = 4
	// backstopGrace: the backstop judges only calls that have run this
	// long. A bomb that no builtin sees (s = s + s) takes hundreds of
	// milliseconds to grow past its limit; an ordinary call is over in well
	// under a millisecond and is never charged with the growth of the calls
	// and nodes that share its process, nor makes the sampler collect.
	backstopGrace = 20 * time.Millisecond
	// smallArray: arrays and maps no longer are left to the backstop.
	smallArray = 64
	// maxJSONDepth bounds the nesting JSON.stringify walks.
	maxJSONDepth = 1000
)

// wallSlack: a call that sets no wall limit of its own is stopped after
// this many times its script budget of wall time, however little CPU time
// its thread was given (a node whose cores are busy slows its scripts
// down by the share of a core they get; this bounds that).
const wallSlack = 8

// regexMatchTimeout bounds one match of a backtracking (regexp2) pattern,
// which goja uses for backreferences and lookaround; goja's own RE2 patterns
// run in linear time. goja answers a timed-out match with "no match", so the
// exec wrapper turns any exec that ran this long into ErrTimeout: a script
// never sees a wrong answer, only its time limit.
const regexMatchTimeout = 100 * time.Millisecond

func init() {
	// regexp2 reads its default when a pattern is compiled; the sandbox is
	// the process's only user of goja and so of regexp2.
	regexp2.DefaultMatchTimeout = regexMatchTimeout
}

// meter counts what one call's builtins allocated.
type meter struct {
	used, limit int64
	arrays      map[*goja.Object]int64 // elements already charged per array (fill)
}

// charge adds n bytes to the call's meter; past the limit it stops the call.
func (v *vm) charge(n int64, what string) {
	cs := v.cur
	if cs == nil || n <= 0 {
		return
	}
	if n > cs.mem.limit-cs.mem.used {
		v.abort(fmt.Errorf("%w: %s needs %d bytes, %d of %d left", ErrMemory, what, n, cs.mem.limit-cs.mem.used, cs.mem.limit))
	}
	cs.mem.used += n
}

// chargeArray charges an array growing to n elements once: filling the same
// array again costs nothing.
func (v *vm) chargeArray(o *goja.Object, n int64, what string) {
	cs := v.cur
	if cs == nil {
		return
	}
	if cs.mem.arrays == nil {
		cs.mem.arrays = map[*goja.Object]int64{}
	}
	if have := cs.mem.arrays[o]; n > have {
		v.charge((n-have)*elemBytes, what)
		cs.mem.arrays[o] = n
	}
}

// abort stops the call with err: the interrupt is set first, so the script
// cannot run a catch or finally block, and the panic unwinds the builtin.
func (v *vm) abort(err error) {
	v.interrupt(err)
	panic(v.r.NewGoError(err))
}

// interrupt stops the runtime with err (once: the first reason is kept).
func (v *vm) interrupt(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stopped.CompareAndSwap(false, true) {
		v.reason = err
		v.r.Interrupt(err)
	}
}

// checkStop aborts a builtin's loop once the call was interrupted: goja
// checks its interrupt flag only between instructions.
func (v *vm) checkStop() {
	if v.stopped.Load() {
		panic(v.r.NewTypeError("interrupted"))
	}
}

func (v *vm) maxElems() int64 {
	if v.cur == nil {
		return 1 << 53
	}
	return v.cur.mem.limit / elemBytes
}

func toLen(val goja.Value) int64 {
	if val == nil || goja.IsUndefined(val) {
		return 0
	}
	f := val.ToFloat()
	switch {
	case math.IsNaN(f) || f <= 0:
		return 0
	case f > 1<<53:
		return 1 << 53
	}
	return int64(f)
}

func strLen(val goja.Value) int64 {
	if s, ok := val.(goja.String); ok {
		return int64(s.Length())
	}
	return 0
}

// relIndex is the spec's relative index of fill, slice and friends.
func relIndex(arg goja.Value, length, dflt int64) int64 {
	if arg == nil || goja.IsUndefined(arg) {
		return dflt
	}
	f := arg.ToFloat()
	if math.IsNaN(f) {
		f = 0
	}
	f = math.Trunc(f)
	if f < 0 {
		return int64(math.Max(float64(length)+f, 0))
	}
	return int64(math.Min(f, float64(length)))
}

// replace swaps o[name] for a Go function that runs pre (which may charge
// or refuse) and then the original.
func (v *vm) replace(o *goja.Object, name string, pre func(this goja.Value, args []goja.Value), post func(this, ret goja.Value)) {
	orig, ok := goja.AssertFunction(o.Get(name))
	if !ok {
		return
	}
	fn := v.r.ToValue(func(call goja.FunctionCall) goja.Value {
		if v.cur != nil {
			v.checkStop()
			if pre != nil {
				pre(call.This, call.Arguments)
			}
		}
		ret, err := orig(call.This, call.Arguments...)
		if err != nil {
			panic(err)
		}
		if post != nil && v.cur != nil {
			post(call.This, ret)
		}
		return ret
	})
	_ = o.DefineDataProperty(name, fn, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// lengthOf reads this.length of an array-like and refuses one longer than
// the call's memory could hold: goja's array builtins loop over every index
// of an array-like without checking for interrupts.
//
// An array-like whose length is a getter is refused: the getter could
// answer this check with a small length and goja's loop with a huge one.
func (v *vm) lengthOf(this goja.Value, what string) int64 {
	o, ok := this.(*goja.Object)
	if !ok {
		return 0
	}
	if o.ClassName() != "Array" && v.lengthGetter != nil {
		if g, err := v.lengthGetter(goja.Undefined(), o); err != nil {
			panic(err)
		} else if g.ToBoolean() {
			panic(v.r.NewTypeError("%s: an array-like whose length is a getter is not allowed in the sandbox", what))
		}
	}
	n := toLen(o.Get("length"))
	if n > v.maxElems() {
		v.abort(fmt.Errorf("%w: %s on %d elements, limit %d", ErrMemory, what, n, v.maxElems()))
	}
	return n
}

func (v *vm) chargeString(ret goja.Value, what string) {
	v.charge(strLen(ret)*charBytes, what)
}

// installMeters replaces the allocating builtins of a fresh runtime.
func (v *vm) installMeters() {
	r := v.r
	obj := func(path string) *goja.Object {
		var o goja.Value = r.GlobalObject()
		for _, p := range strings.Split(path, ".") {
			o = o.ToObject(r).Get(p)
		}
		return o.ToObject(r)
	}
	thisLen := func(this goja.Value) int64 {
		if goja.IsUndefined(this) || goja.IsNull(this) {
			return 0
		}
		return int64(this.ToString().(goja.String).Length())
	}
	postStr := func(what string) func(goja.Value, goja.Value) {
		return func(_, ret goja.Value) { v.chargeString(ret, what) }
	}

	sp := obj("String.prototype")
	v.replace(sp, "repeat", func(this goja.Value, args []goja.Value) {
		n := toLen(goja.Value(argAt(args, 0)))
		if l := thisLen(this); l > 0 && n > 0 {
			if n > v.cur.mem.limit/(l*charBytes) {
				v.abort(fmt.Errorf("%w: String.prototype.repeat of %d × %d characters", ErrMemory, l, n))
			}
			v.charge(l*n*charBytes, "String.prototype.repeat")
		}
	}, nil)
	for _, name := range []string{"padStart", "padEnd"} {
		name := name
		v.replace(sp, name, func(this goja.Value, args []goja.Value) {
			if n := toLen(argAt(args, 0)); n > thisLen(this) {
				v.charge(n*charBytes, "String.prototype."+name)
			}
		}, nil)
	}
	v.replace(sp, "concat", func(this goja.Value, args []goja.Value) {
		n := thisLen(this)
		for _, a := range args {
			n += strLen(a)
		}
		v.charge(n*charBytes, "String.prototype.concat")
	}, nil)
	for _, name := range []string{"replace", "replaceAll"} {
		name := name
		v.replace(sp, name, func(this goja.Value, args []goja.Value) {
			// A string pattern and replacement: the result's length is
			// known before it is built.
			pat, ok1 := argAt(args, 0).(goja.String)
			rep, ok2 := argAt(args, 1).(goja.String)
			if !ok1 || !ok2 || goja.IsUndefined(this) || goja.IsNull(this) {
				return
			}
			s, p := this.String(), pat.String()
			count := int64(1)
			if name == "replaceAll" {
				count = int64(strings.Count(s, p))
			}
			per := int64(rep.Length())
			if strings.Contains(rep.String(), "$") {
				per += int64(len(s)) // $&, $` and $' copy parts of the subject
			}
			v.charge(int64(len(s))*charBytes+count*per*charBytes, "String.prototype."+name)
		}, postStr("String.prototype."+name))
	}
	v.replace(sp, "split", func(this goja.Value, args []goja.Value) {
		sep, ok := argAt(args, 0).(goja.String)
		if !ok || goja.IsUndefined(this) || goja.IsNull(this) {
			return
		}
		s := this.String()
		n := int64(strings.Count(s, sep.String())) + 1
		if lim := argAt(args, 1); !goja.IsUndefined(lim) {
			if l := toLen(lim); l < n {
				n = l
			}
		}
		if n > v.maxElems() {
			v.abort(fmt.Errorf("%w: String.prototype.split into %d parts", ErrMemory, n))
		}
		v.charge(n*elemBytes+int64(len(s))*charBytes, "String.prototype.split")
	}, nil)
	for _, name := range []string{"normalize", "toUpperCase", "toLowerCase", "toLocaleUpperCase", "toLocaleLowerCase", "substring", "slice", "trim"} {
		v.replace(sp, name, nil, postStr("String.prototype."+name))
	}
	so := obj("String")
	for _, name := range []string{"fromCharCode", "fromCodePoint", "raw"} {
		v.replace(so, name, nil, postStr("String."+name))
	}

	ap := obj("Array.prototype")
	elems := func(what string, f func(this *goja.Object, n int64, args []goja.Value)) func(goja.Value, []goja.Value) {
		return func(this goja.Value, args []goja.Value) {
			n := v.lengthOf(this, what)
			if f != nil {
				if o, ok := this.(*goja.Object); ok {
					f(o, n, args)
				}
			}
		}
	}
	v.installSort(ap, stringOrder)
	if tp := obj("Uint8Array").Prototype(); tp != nil {
		if tap, ok := tp.Get("prototype").(*goja.Object); ok {
			v.installSort(tap, numberOrder)
		}
	}
	for _, name := range []string{"at", "copyWithin", "entries", "every", "filter", "find", "findIndex", "findLast", "findLastIndex",
		"flatMap", "forEach", "includes", "indexOf", "keys", "lastIndexOf", "pop", "reduce", "reduceRight", "reverse", "shift",
		"some", "sort", "toString", "values", "toReversed", "toSorted", "with"} {
		v.replace(ap, name, elems("Array.prototype."+name, nil), nil)
	}
	v.replace(ap, "fill", elems("Array.prototype.fill", func(o *goja.Object, n int64, args []goja.Value) {
		start, end := relIndex(argAt(args, 1), n, 0), relIndex(argAt(args, 2), n, n)
		if end > start {
			v.chargeArray(o, end, "Array.prototype.fill")
		}
	}), nil)
	v.installFastFill(ap)
	// Growing an array in place is charged by its high-water mark, so that
	// a queue (push and shift) costs its longest length, not its traffic;
	// arrays of up to smallArray elements are left to the backstop.
	grown := func(what string) func(this, ret goja.Value) {
		return func(this, _ goja.Value) {
			if o, ok := this.(*goja.Object); ok {
				if n := toLen(o.Get("length")); n > smallArray {
					v.chargeArray(o, n, what)
				}
			}
		}
	}
	for _, name := range []string{"push", "unshift", "splice"} {
		v.replace(ap, name, elems("Array.prototype."+name, nil), grown("Array.prototype."+name))
	}
	sliceLike := func(what string) func(o *goja.Object, n int64, args []goja.Value) {
		return func(o *goja.Object, n int64, args []goja.Value) {
			start, end := relIndex(argAt(args, 0), n, 0), relIndex(argAt(args, 1), n, n)
			if what != "Array.prototype.slice" {
				start, end = 0, n
			}
			if end > start {
				v.charge((end-start)*elemBytes, what)
			}
		}
	}
	for _, name := range []string{"slice", "map", "toSpliced"} {
		v.replace(ap, name, elems("Array.prototype."+name, sliceLike("Array.prototype."+name)), nil)
	}
	v.replace(ap, "concat", elems("Array.prototype.concat", func(o *goja.Object, n int64, args []goja.Value) {
		for _, a := range args {
			if ao, ok := a.(*goja.Object); ok && (isArray(ao) || spreadable(ao)) {
				n += v.lengthOf(ao, "Array.prototype.concat")
			} else {
				n++
			}
			if n > v.maxElems() {
				v.abort(fmt.Errorf("%w: Array.prototype.concat of %d elements", ErrMemory, n))
			}
		}
		v.charge(n*elemBytes, "Array.prototype.concat")
	}), nil)
	// flat recurses in Go to its depth argument: deeper than maxJSONDepth
	// counts as maxJSONDepth.
	flat, _ := goja.AssertFunction(ap.Get("flat"))
	_ = ap.DefineDataProperty("flat", r.ToValue(func(call goja.FunctionCall) goja.Value {
		args := call.Arguments
		if d := argAt(args, 0); !goja.IsUndefined(d) && d.ToFloat() > maxJSONDepth {
			args = []goja.Value{r.ToValue(maxJSONDepth)}
		}
		ret, err := flat(call.This, args...)
		if err != nil {
			panic(err)
		}
		return ret
	}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	v.replace(ap, "flat", elems("Array.prototype.flat", func(o *goja.Object, n int64, args []goja.Value) {
		depth := int64(1)
		if d := argAt(args, 0); !goja.IsUndefined(d) {
			depth = min(toLen(d), maxJSONDepth)
		}
		v.charge(v.flatSize(o, depth, 0)*elemBytes, "Array.prototype.flat")
	}), nil)
	v.installJoin(ap)
	depth := 0
	v.replace(ap, "toLocaleString", func(this goja.Value, _ []goja.Value) {
		v.lengthOf(this, "Array.prototype.toLocaleString")
		if depth >= maxJSONDepth {
			v.abort(fmt.Errorf("%w: arrays nested deeper than %d in toLocaleString", ErrScript, maxJSONDepth))
		}
	}, nil)
	tls, _ := goja.AssertFunction(ap.Get("toLocaleString"))
	_ = ap.DefineDataProperty("toLocaleString", r.ToValue(func(call goja.FunctionCall) goja.Value {
		depth++
		defer func() { depth-- }()
		ret, err := tls(call.This, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return ret
	}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	ao := obj("Array")
	v.replace(ao, "from", func(this goja.Value, args []goja.Value) {
		switch a := argAt(args, 0).(type) {
		case *goja.Object:
			v.charge(v.lengthOf(a, "Array.from")*elemBytes, "Array.from")
		case goja.String:
			v.charge(int64(a.Length())*elemBytes, "Array.from")
		}
	}, nil)
	v.replace(ao, "of", func(this goja.Value, args []goja.Value) { v.charge(int64(len(args))*elemBytes, "Array.of") }, nil)

	// Calls that spread an array-like into arguments.
	spread := func(i int, what string) func(goja.Value, []goja.Value) {
		return func(this goja.Value, args []goja.Value) {
			if o, ok := argAt(args, i).(*goja.Object); ok {
				v.charge(v.lengthOf(o, what)*elemBytes, what)
			}
		}
	}
	v.replace(obj("Function.prototype"), "apply", spread(1, "Function.prototype.apply"), nil)
	v.replace(obj("Reflect"), "apply", spread(2, "Reflect.apply"), nil)
	v.replace(obj("Reflect"), "construct", spread(1, "Reflect.construct"), nil)

	// Map and Set entries.
	for _, c := range []struct{ proto, method string }{{"Map.prototype", "set"}, {"Set.prototype", "add"}} {
		what := strings.Replace(c.proto, ".prototype", ".prototype.", 1) + c.method
		v.replace(obj(c.proto), c.method, nil, func(this, _ goja.Value) {
			if o, ok := this.(*goja.Object); ok {
				if n := toLen(o.Get("size")); n > smallArray {
					v.chargeArray(o, n*entryBytes/elemBytes, what)
				}
			}
		})
	}

	// Buffers: the constructors allocate.
	v.meterConstructor("ArrayBuffer", 1)
	for name, size := range map[string]int64{
		"Int8Array": 1, "Uint8Array": 1, "Uint8ClampedArray": 1, "Int16Array": 2, "Uint16Array": 2, "Int32Array": 4,
		"Uint32Array": 4, "Float32Array": 4, "Float64Array": 8, "BigInt64Array": 8, "BigUint64Array": 8,
	} {
		v.meterConstructor(name, size)
	}
	// Iterators: goja drives for-of, spread and Array.from in Go loops
	// that call next without checking for interrupts (a spread of a long
	// string ran for seconds past its budget); next checks.
	if protos, err := r.RunString(`[Object.getPrototypeOf([][Symbol.iterator]()), Object.getPrototypeOf(""[Symbol.iterator]()),
	  Object.getPrototypeOf(new Map()[Symbol.iterator]()), Object.getPrototypeOf(new Set()[Symbol.iterator]()),
	  Object.getPrototypeOf(/a/g[Symbol.matchAll]("a"))]`); err == nil {
		po := protos.ToObject(r)
		for i := int64(0); i < po.Get("length").ToInteger(); i++ {
			if p, ok := po.Get(strconv.FormatInt(i, 10)).(*goja.Object); ok {
				v.replace(p, "next", nil, nil)
			}
		}
	}
	// Own keys: an array or typed array has one per element, each a new
	// string.
	keyed := func(what string) func(goja.Value, []goja.Value) {
		return func(_ goja.Value, args []goja.Value) {
			if o, ok := argAt(args, 0).(*goja.Object); ok {
				v.charge(v.lengthOf(o, what)*2*elemBytes, what)
			}
		}
	}
	for _, name := range []string{"keys", "values", "entries", "getOwnPropertyNames", "getOwnPropertyDescriptors", "assign"} {
		v.replace(obj("Object"), name, keyed("Object."+name), nil)
	}
	v.replace(obj("Reflect"), "ownKeys", keyed("Reflect.ownKeys"), nil)
	// %TypedArray%.from reads a whole array-like before it constructs.
	if ta := obj("Uint8Array").Prototype(); ta != nil {
		v.replace(ta, "from", func(this goja.Value, args []goja.Value) {
			if o, ok := argAt(args, 0).(*goja.Object); ok {
				v.charge(v.lengthOf(o, "TypedArray.from")*elemBytes, "TypedArray.from")
			}
		}, nil)
	}
	ab := obj("ArrayBuffer.prototype")
	v.replace(ab, "slice", nil, func(_, ret goja.Value) {
		if o, ok := ret.(*goja.Object); ok {
			v.charge(toLen(o.Get("byteLength")), "ArrayBuffer.prototype.slice")
		}
	})

	// Regular expressions: every match goes through exec (goja's fast
	// paths are off once exec is replaced), where a timed-out backtracking
	// match becomes ErrTimeout and a stopped call ends its loops.
	rp := obj("RegExp.prototype")
	_ = rp.Delete("compile") // Annex B: recompiles a regex in place
	timed := func(orig goja.Callable) goja.Value {
		return r.ToValue(func(call goja.FunctionCall) goja.Value {
			if v.cur != nil {
				v.checkStop()
			}
			start := time.Now()
			ret, err := orig(call.This, call.Arguments...)
			if err != nil {
				panic(err)
			}
			if v.cur != nil {
				if d := time.Since(start); d >= regexMatchTimeout {
					v.abort(fmt.Errorf("%w: a regular expression ran %s in one call", ErrTimeout, d.Round(time.Millisecond)))
				}
				if o, ok := ret.(*goja.Object); ok {
					v.charge(toLen(o.Get("length"))*elemBytes, "RegExp match")
				}
			}
			return ret
		})
	}
	for _, name := range []string{"exec", "test"} {
		orig, _ := goja.AssertFunction(rp.Get(name))
		_ = rp.DefineDataProperty(name, timed(orig), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	for _, sym := range []*goja.Symbol{goja.SymMatch, goja.SymMatchAll, goja.SymReplace, goja.SymSearch, goja.SymSplit} {
		orig, ok := goja.AssertFunction(rp.GetSymbol(sym))
		if ok {
			_ = rp.DefineDataPropertySymbol(sym, timed(orig), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
	}

	v.installJSON()
}

// spreadable reports whether concat spreads o (Symbol.isConcatSpreadable).
func spreadable(o *goja.Object) bool {
	s := o.GetSymbol(goja.SymIsConcatSpreadable)
	return s != nil && !goja.IsUndefined(s) && s.ToBoolean()
}

// flatSize counts the elements flat(depth) would make of o, refusing as
// soon as the count passes what the call's memory could hold: goja builds
// the whole result before anyone could look at it.
func (v *vm) flatSize(o *goja.Object, depth, have int64) int64 {
	n := v.lengthOf(o, "Array.prototype.flat")
	for i := int64(0); i < n; i++ {
		if i&1023 == 0 {
			v.checkStop()
		}
		if e, ok := o.Get(strconv.FormatInt(i, 10)).(*goja.Object); ok && depth > 0 && v.isArray(e) {
			have = v.flatSize(e, depth-1, have)
		} else {
			have++
		}
		if have > v.maxElems() {
			v.abort(fmt.Errorf("%w: Array.prototype.flat of more than %d elements", ErrMemory, v.maxElems()))
		}
	}
	return have
}

func argAt(args []goja.Value, i int) goja.Value {
	if i < len(args) {
		return args[i]
	}
	return goja.Undefined()
}

func isArray(o *goja.Object) bool { return o.ClassName() == "Array" }

// meterConstructor replaces a buffer constructor (global and prototype's
// constructor) with one that charges the bytes it allocates.
func (v *vm) meterConstructor(name string, bytesPer int64) {
	r := v.r
	origV := r.GlobalObject().Get(name)
	orig, ok := origV.(*goja.Object)
	if !ok {
		return
	}
	proto := orig.Get("prototype").ToObject(r)
	what := "new " + name
	wrapped := r.ToValue(func(call goja.ConstructorCall) *goja.Object {
		if v.cur != nil {
			v.checkStop()
			switch a := argAt(call.Arguments, 0).(type) {
			case *goja.Object:
				if c := a.ClassName(); c != "ArrayBuffer" && !strings.HasSuffix(c, "Array") || isArray(a) {
					n := v.lengthOf(a, what)
					v.charge(n*bytesPer, what)
				}
			default:
				if !goja.IsUndefined(a) {
					n := toLen(a)
					if n > v.cur.mem.limit/bytesPer {
						v.abort(fmt.Errorf("%w: %s(%d)", ErrMemory, name, n))
					}
					v.charge(n*bytesPer, what)
				}
			}
		}
		o, err := r.New(orig, call.Arguments...)
		if err != nil {
			panic(err)
		}
		if call.NewTarget != nil {
			if p, ok := call.NewTarget.Get("prototype").(*goja.Object); ok && p != proto {
				_ = o.SetPrototype(p)
			}
		}
		if c := argAt(call.Arguments, 0); v.cur != nil {
			if src, ok := c.(*goja.Object); ok && strings.HasSuffix(src.ClassName(), "Array") && !isArray(src) {
				v.charge(toLen(o.Get("byteLength")), what) // a copy of another typed array
			}
		}
		return o
	}).ToObject(r)
	_ = wrapped.DefineDataProperty("prototype", proto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	_ = wrapped.SetPrototype(orig.Prototype()) // %TypedArray%.from, of and species
	for _, k := range orig.GetOwnPropertyNames() {
		if k != "prototype" && k != "length" && k != "name" {
			_ = wrapped.DefineDataProperty(k, orig.Get(k), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
	}
	_ = proto.DefineDataProperty("constructor", wrapped, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = r.GlobalObject().DefineDataProperty(name, wrapped, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// installFastFill makes new Array(n).fill(x) fast: goja fills an array with
// holes one property at a time (about half a microsecond an element, ten
// times that under the race detector), so a memory bomb built of filled
// arrays reached its time limit before its memory limit. An ordinary,
// extensible array with nothing but holes is emptied and refilled by
// splice's fast path instead: the same result. Anything else takes the
// metered original.
func (v *vm) installFastFill(ap *goja.Object) {
	r := v.r
	metered, _ := goja.AssertFunction(ap.Get("fill"))
	splice, _ := goja.AssertFunction(ap.Get("splice"))
	objectCtor := r.Get("Object").ToObject(r)
	isExtensible, _ := goja.AssertFunction(objectCtor.Get("isExtensible"))
	fill := func(call goja.FunctionCall) goja.Value {
		o, ok := call.This.(*goja.Object)
		if ok && o.ClassName() == "Array" && o.Prototype() == ap && len(call.Arguments) <= 1 {
			if names := o.GetOwnPropertyNames(); len(names) == 1 && names[0] == "length" {
				if ext, err := isExtensible(goja.Undefined(), o); err == nil && ext.ToBoolean() {
					n := toLen(o.Get("length"))
					if v.cur != nil {
						n = v.lengthOf(o, "Array.prototype.fill")
						v.chargeArray(o, n, "Array.prototype.fill")
					}
					if n > 0 && o.Set("length", 0) == nil && toLen(o.Get("length")) == 0 {
						items := make([]goja.Value, n+2)
						items[0], items[1] = r.ToValue(0), r.ToValue(0)
						val := argAt(call.Arguments, 0)
						for i := range items[2:] {
							items[i+2] = val
						}
						if _, err := splice(o, items...); err != nil {
							panic(err)
						}
						return o
					}
				}
			}
		}
		ret, err := metered(call.This, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return ret
	}
	_ = ap.DefineDataProperty("fill", r.ToValue(fill), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// installJoin replaces Array.prototype.join with a walk that checks for
// interrupts and charges its output as it grows.
func (v *vm) installJoin(ap *goja.Object) {
	r := v.r
	var inJoin map[*goja.Object]bool
	join := func(call goja.FunctionCall) goja.Value {
		o := call.This.ToObject(r)
		n := toLen(o.Get("length"))
		if v.cur != nil {
			n = v.lengthOf(o, "Array.prototype.join")
		}
		sep := goja.String(goja.StringFromUTF16([]uint16{','}))
		if s := call.Argument(0); !goja.IsUndefined(s) {
			sep = s.ToString().(goja.String)
		}
		if inJoin == nil {
			inJoin = map[*goja.Object]bool{}
		}
		if inJoin[o] { // a cycle joins as the empty string
			return goja.StringFromUTF16(nil)
		}
		if len(inJoin) >= maxJSONDepth && v.cur != nil {
			// join calls toString calls join: Go recursion goja does not count.
			v.abort(fmt.Errorf("%w: arrays nested deeper than %d joined", ErrScript, maxJSONDepth))
		}
		inJoin[o] = true
		defer delete(inJoin, o)
		// The separators are certain: charged at once, before any is
		// written, so a wide separator fails at the start, not after
		// seconds of copying.
		if v.cur != nil && n > 1 {
			v.charge((n-1)*int64(sep.Length())*charBytes, "Array.prototype.join's separators")
		}
		var b goja.StringBuilder
		for i := int64(0); i < n; i++ {
			if v.cur != nil && i&1023 == 0 {
				v.checkStop()
			}
			if i > 0 {
				b.WriteString(sep)
			}
			e := o.Get(fmt.Sprint(i))
			if e == nil || goja.IsUndefined(e) || goja.IsNull(e) {
				continue
			}
			es := e.ToString().(goja.String)
			if v.cur != nil {
				v.charge(int64(es.Length())*charBytes, "Array.prototype.join")
			}
			b.WriteString(es)
		}
		return b.String()
	}
	jv := r.ToValue(join)
	_ = ap.DefineDataProperty("join", jv, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	// Typed arrays join as array-likes, with the same meter.
	if tp := r.Get("Uint8Array").ToObject(r).Prototype(); tp != nil {
		if tap, ok := tp.Get("prototype").(*goja.Object); ok {
			_ = tap.DefineDataProperty("join", jv, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
	}
}

// installSort gives sort and toSorted without a comparator (and typed
// arrays') a Go comparator with the default order, which checks for
// interrupts: goja's own sorts n elements in Go without checking, seconds
// for a few million.
func (v *vm) installSort(proto *goja.Object, cmp func(x, y goja.Value) int) {
	r := v.r
	n := 0
	cf := r.ToValue(func(call goja.FunctionCall) goja.Value {
		if n++; n&1023 == 0 && v.cur != nil {
			v.checkStop()
		}
		return r.ToValue(cmp(call.Argument(0), call.Argument(1)))
	})
	for _, name := range []string{"sort", "toSorted"} {
		orig, ok := goja.AssertFunction(proto.Get(name))
		if !ok {
			continue
		}
		_ = proto.DefineDataProperty(name, r.ToValue(func(call goja.FunctionCall) goja.Value {
			args := call.Arguments
			if goja.IsUndefined(argAt(args, 0)) {
				args = []goja.Value{cf}
			}
			ret, err := orig(call.This, args...)
			if err != nil {
				panic(err)
			}
			return ret
		}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
}

// stringOrder is Array.prototype.sort's default order (undefined and holes
// never reach a comparator).
func stringOrder(x, y goja.Value) int {
	return x.ToString().(goja.String).CompareTo(y.ToString().(goja.String))
}

// numberOrder is a typed array's default order: NaN last, -0 before +0.
func numberOrder(x, y goja.Value) int {
	if bx, ok := x.Export().(*big.Int); ok {
		if by, ok := y.Export().(*big.Int); ok {
			return bx.Cmp(by)
		}
	}
	a, b := x.ToFloat(), y.ToFloat()
	switch {
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return 1
	case math.IsNaN(b):
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	case a == 0 && b == 0 && math.Signbit(a) != math.Signbit(b):
		if math.Signbit(a) {
			return -1
		}
		return 1
	}
	return 0
}

// The backstop: goja cannot cap a runtime's memory and Go cannot tell which
// goroutine allocated what, so one goroutine samples the process heap every
// 2 ms. Once the heap has grown, from its lowest point during a call, by
// backstopFactor times the call's limit, it collects garbage (on the side)
// and stops the calls still over; past hardFactor times the limit it stops
// them at once. It catches growth no builtin sees; it is not exact, and a
// call may be charged with a concurrent call's growth (it then fails with
// ErrMemory, which a replay treats as proving nothing).
var watch struct {
	sync.Mutex
	calls   map[*vm]uint64
	start   map[*vm]uint64
	since   map[*vm]time.Time
	running bool
}

var heapMetric = "/memory/classes/heap/objects:bytes"

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// watchHeap registers a call; the returned function unregisters it.
func watchHeap(v *vm, limit int64) func() {
	start := heapBytes()
	watch.Lock()
	if watch.calls == nil {
		watch.calls, watch.start, watch.since = map[*vm]uint64{}, map[*vm]uint64{}, map[*vm]time.Time{}
	}
	watch.calls[v], watch.start[v], watch.since[v] = uint64(limit)*backstopFactor, start, time.Now()
	if !watch.running {
		watch.running = true
		go watchLoop()
	}
	watch.Unlock()
	return func() {
		watch.Lock()
		delete(watch.calls, v)
		delete(watch.start, v)
		delete(watch.since, v)
		watch.Unlock()
	}
}

func watchLoop() {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	var lastGC time.Time
	confirming := make(chan struct{}, 1)
	for range t.C {
		watch.Lock()
		if len(watch.calls) == 0 {
			watch.running = false
			watch.Unlock()
			return
		}
		h := heapBytes()
		soft := overLimit(h, 1)
		stopOver(h, overLimit(h, hardFactor/backstopFactor))
		watch.Unlock()
		if len(soft) == 0 || time.Since(lastGC) < 20*time.Millisecond {
			continue
		}
		select {
		case confirming <- struct{}{}:
		default:
			continue // a collection is already running
		}
		// The sample counts garbage not yet swept: a call that only
		// churns would pass the soft limit. Collect (on the side: the
		// hard limit is still watched meanwhile), then judge on what is
		// live.
		lastGC = time.Now()
		go func() {
			defer func() { <-confirming }()
			runtime.GC()
			watch.Lock()
			h := heapBytes()
			stopOver(h, overLimit(h, 1))
			watch.Unlock()
		}()
	}
}

// stopOver stops the calls the heap has outgrown (watch is locked).
func stopOver(h uint64, over []*vm) {
	for _, v := range over {
		limit, start := watch.calls[v], watch.start[v]
		v.interrupt(fmt.Errorf("%w: the heap grew %d MiB during the call (backstop %d MiB)", ErrMemory, (h-start)>>20, limit>>20))
		delete(watch.calls, v)
	}
}

// overLimit lowers each call's low-water mark to h and lists the calls whose
// growth passed factor times their backstop limit (watch is locked).
func overLimit(h uint64, factor uint64) []*vm {
	var over []*vm
	now := time.Now()
	for v, limit := range watch.calls {
		limit *= factor
		start := watch.start[v]
		if h < start {
			// Others' garbage was freed: count growth from the low.
			start, watch.start[v] = h, h
		}
		if h-start > limit && now.Sub(watch.since[v]) >= backstopGrace {
			over = append(over, v)
		}
	}
	return over
}
