package sandbox

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// errJSONCap is how the stringify walk reports that its output passed its cap.
var errJSONCap = errors.New("output cap")

// jsonWalk is one JSON.stringify: a walk that checks for interrupts at every
// value, bounds its depth and stops once its output passes a cap, where
// goja's own recursion could run for seconds, build a gigabyte or exhaust
// the Go stack. Primitives are quoted and formatted by goja's stringify, so
// the text is the same.
type jsonWalk struct {
	v        *vm
	replacer goja.Callable
	props    []goja.Value // the property list of an array replacer
	gap      string
	indent   string
	stack    map[*goja.Object]bool
	depth    int
	b        goja.StringBuilder
	size     int64
	cap      int64
	charge   bool

	lastPlain string // the last long string found plain
}

func (w *jsonWalk) write(s string) {
	w.size += int64(len(s))
	w.grew(int64(len(s)))
	w.b.WriteUTF8String(s)
}

func (w *jsonWalk) writeS(s goja.String) {
	w.size += int64(s.Length())
	w.grew(int64(s.Length()))
	w.b.WriteString(s)
}

func (w *jsonWalk) grew(n int64) {
	if w.size > w.cap {
		panic(errJSONCap)
	}
	if w.charge {
		w.v.charge(n*charBytes, "JSON.stringify")
	}
}

// prim writes a primitive: common ones directly, others (strings that need
// escaping, BigInt, wrapper objects) with goja's stringify.
func (w *jsonWalk) prim(val goja.Value) {
	switch x := val.(type) {
	case goja.String:
		if s := x.String(); w.plain(s) {
			w.write(`"`)
			w.writeS(x) // no quoted copy, no second scan
			w.write(`"`)
			return
		}
	case *goja.Object:
	default:
		if goja.IsNull(val) {
			w.write("null")
			return
		}
		switch exportKind(val) {
		case reflect.Bool:
			w.write(strconv.FormatBool(val.ToBoolean()))
			return
		case reflect.Int64:
			w.write(strconv.FormatInt(val.ToInteger(), 10))
			return
		case reflect.Float64:
			if f := val.ToFloat(); math.IsNaN(f) || math.IsInf(f, 0) {
				w.write("null")
			} else {
				w.write(val.String())
			}
			return
		}
	}
	w.primGoja(val)
}

func exportKind(val goja.Value) reflect.Kind {
	if t := val.ExportType(); t != nil {
		return t.Kind()
	}
	return reflect.Invalid
}

// plain is plainASCII of s, remembered for the last long string: a wide
// value repeats one string many times, and the walk reads each character
// once, not once a copy.
func (w *jsonWalk) plain(s string) bool {
	if len(s) < 64 {
		return plainASCII(s)
	}
	if s == w.lastPlain {
		return true
	}
	if !plainASCII(s) {
		return false
	}
	w.lastPlain = s
	return true
}

// plainASCII: printable ASCII with nothing JSON escapes.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (w *jsonWalk) primGoja(val goja.Value) {
	out, err := w.v.origStringify(goja.Undefined(), val)
	if err != nil {
		panic(err)
	}
	if s, ok := out.(goja.String); ok {
		w.writeS(s)
	}
}

// prep applies toJSON and the replacer to holder[key]; false means the value
// is omitted (undefined, a function or a symbol).
func (w *jsonWalk) prep(holder *goja.Object, key string, val goja.Value) (goja.Value, bool) {
	r := w.v.r
	if w.v.cur != nil {
		w.v.checkStop()
	}
	if o, ok := val.(*goja.Object); ok {
		if fn, ok := goja.AssertFunction(o.Get("toJSON")); ok {
			var err error
			if val, err = fn(o, r.ToValue(key)); err != nil {
				panic(err)
			}
		}
	} else if et := exportType(val); et == "*big.Int" {
		if fn, ok := goja.AssertFunction(val.ToObject(r).Get("toJSON")); ok {
			var err error
			if val, err = fn(val, r.ToValue(key)); err != nil {
				panic(err)
			}
		}
	}
	if w.replacer != nil {
		var err error
		if val, err = w.replacer(holder, r.ToValue(key), val); err != nil {
			panic(err)
		}
	}
	if val == nil || goja.IsUndefined(val) {
		return nil, false
	}
	if _, isSym := val.(*goja.Symbol); isSym {
		return nil, false
	}
	if o, ok := val.(*goja.Object); ok {
		if _, callable := goja.AssertFunction(o); callable {
			return nil, false
		}
	}
	return val, true
}

func exportType(val goja.Value) string {
	if val == nil {
		return ""
	}
	if et := val.ExportType(); et != nil {
		return et.String()
	}
	return ""
}

// emit writes a prepared value.
func (w *jsonWalk) emit(val goja.Value) {
	r := w.v.r
	o, ok := val.(*goja.Object)
	if !ok {
		w.prim(val)
		return
	}
	switch o.ClassName() {
	case "Number", "String", "Boolean", "BigInt":
		w.primGoja(o)
		return
	}
	if w.stack[o] {
		panic(r.NewTypeError("Converting circular structure to JSON"))
	}
	if w.depth >= maxJSONDepth {
		w.v.abort(fmt.Errorf("%w: JSON.stringify nesting deeper than %d", ErrScript, maxJSONDepth))
	}
	w.stack[o] = true
	w.depth++
	stepback := w.indent
	w.indent += w.gap
	if w.v.isArray(o) {
		w.array(o, stepback)
	} else {
		w.object(o, stepback)
	}
	w.indent = stepback
	w.depth--
	delete(w.stack, o)
}

func (w *jsonWalk) object(o *goja.Object, stepback string) {
	var keys []string
	if w.props != nil {
		for _, p := range w.props {
			keys = append(keys, p.String())
		}
	} else {
		keys = o.Keys()
	}
	w.write("{")
	n := 0
	for _, k := range keys {
		val, ok := w.prep(o, k, o.Get(k))
		if !ok {
			continue
		}
		if n > 0 {
			w.write(",")
		}
		if w.gap != "" {
			w.write("\n" + w.indent)
		}
		w.prim(w.v.r.ToValue(k))
		w.write(":")
		if w.gap != "" {
			w.write(" ")
		}
		w.emit(val)
		n++
	}
	if n > 0 && w.gap != "" {
		w.write("\n" + stepback)
	}
	w.write("}")
}

func (w *jsonWalk) array(o *goja.Object, stepback string) {
	n := w.v.lengthOf(o, "JSON.stringify")
	w.write("[")
	for i := int64(0); i < n; i++ {
		if i > 0 {
			w.write(",")
		}
		if w.gap != "" {
			w.write("\n" + w.indent)
		}
		k := strconv.FormatInt(i, 10)
		if val, ok := w.prep(o, k, o.Get(k)); ok {
			w.emit(val)
		} else {
			w.write("null")
		}
	}
	if n > 0 && w.gap != "" {
		w.write("\n" + stepback)
	}
	w.write("]")
}

// stringify runs the walk; limit caps the output in characters.
func (v *vm) stringify(val, replacer, space goja.Value, limit int64, charge bool) (goja.Value, error) {
	r := v.r
	w := &jsonWalk{v: v, stack: map[*goja.Object]bool{}, cap: limit, charge: charge}
	if ro, ok := replacer.(*goja.Object); ok {
		if fn, ok := goja.AssertFunction(ro); ok {
			w.replacer = fn
		} else if v.isArray(ro) {
			seen := map[string]bool{}
			w.props = []goja.Value{}
			for i, n := int64(0), v.lengthOf(ro, "JSON.stringify"); i < n; i++ {
				e := ro.Get(fmt.Sprint(i))
				switch x := e.(type) {
				case *goja.Object:
					if c := x.ClassName(); c != "String" && c != "Number" {
						continue
					}
				case goja.String:
				default:
					if e == nil || e.ExportType() == nil || e.ExportType().Kind().String() != "float64" && e.ExportType().Kind().String() != "int64" {
						continue
					}
				}
				if s := e.String(); !seen[s] {
					seen[s] = true
					w.props = append(w.props, r.ToValue(s))
				}
			}
		}
	}
	if so, ok := space.(*goja.Object); ok {
		switch so.ClassName() {
		case "Number":
			space = so.ToNumber()
		case "String":
			space = so.ToString()
		}
	}
	if s, ok := space.(goja.String); ok {
		g := s.String()
		if len([]rune(g)) > 10 {
			g = string([]rune(g)[:10])
		}
		w.gap = g
	} else if space != nil && !goja.IsUndefined(space) && !goja.IsNull(space) {
		if et := space.ExportType(); et != nil && (et.Kind().String() == "int64" || et.Kind().String() == "float64") {
			n := space.ToInteger()
			if n > 10 {
				n = 10
			}
			if n > 0 {
				w.gap = strings.Repeat(" ", int(n))
			}
		}
	}
	holder := r.NewObject()
	_ = holder.Set("", val)
	var out goja.Value = goja.Undefined()
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == errJSONCap {
					err = errJSONCap
					return
				}
				panic(p)
			}
		}()
		if pv, ok := w.prep(holder, "", val); ok {
			w.emit(pv)
			out = w.b.String()
		}
		return nil
	}()
	return out, err
}

// jsonDepth is the deepest nesting of arrays and objects in JSON text (0
// for a scalar); it stops counting past limit.
func jsonDepth(b string, limit int) int {
	depth, max, inStr, esc := 0, 0, false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '[' || c == '{':
			if depth++; depth > max {
				if max = depth; max > limit {
					return max
				}
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return max
}

// installJSON replaces JSON.stringify with the walk, and puts a depth check
// and the meter before JSON.parse, whose decoder recurses in Go.
func (v *vm) installJSON() {
	r := v.r
	js := r.Get("JSON").ToObject(r)
	parse, _ := goja.AssertFunction(js.Get("parse"))
	syntaxError := r.Get("SyntaxError")
	_ = js.DefineDataProperty("parse", r.ToValue(func(call goja.FunctionCall) goja.Value {
		if v.cur != nil {
			v.checkStop()
			if s, ok := call.Argument(0).(goja.String); ok {
				text := s.String()
				if jsonDepth(text, maxJSONDepth) > maxJSONDepth {
					e, _ := r.New(syntaxError, r.ToValue(fmt.Sprintf("JSON.parse: nested deeper than %d", maxJSONDepth)))
					panic(e)
				}
				v.charge(int64(len(text))*elemBytes/2, "JSON.parse")
			}
		}
		ret, err := parse(call.This, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return ret
	}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	v.origStringify, _ = goja.AssertFunction(js.Get("stringify"))
	v.origIsArray, _ = goja.AssertFunction(r.Get("Array").ToObject(r).Get("isArray"))
	_ = js.DefineDataProperty("stringify", r.ToValue(func(call goja.FunctionCall) goja.Value {
		limit := int64(1) << 40
		if v.cur != nil {
			limit = (v.cur.mem.limit - v.cur.mem.used) / charBytes
		}
		out, err := v.stringify(call.Argument(0), call.Argument(1), call.Argument(2), limit, v.cur != nil)
		if err != nil {
			v.abort(fmt.Errorf("%w: JSON.stringify output passed %d characters", ErrMemory, limit))
		}
		return out
	}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	// The sandbox's own conversion of a result: the output limit, uncharged.
	v.toJSONFn, _ = goja.AssertFunction(r.ToValue(func(call goja.FunctionCall) goja.Value {
		out, err := v.stringify(call.Argument(0), goja.Undefined(), goja.Undefined(), call.Argument(1).ToInteger(), false)
		if err != nil {
			return goja.Null()
		}
		return out
	}))
}

func (v *vm) isArray(o *goja.Object) bool {
	switch o.ClassName() {
	case "Array":
		return true
	case "Object": // perhaps a Proxy of an array
	default:
		return false
	}
	ok, err := v.origIsArray(goja.Undefined(), o)
	return err == nil && ok.ToBoolean()
}
