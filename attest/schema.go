package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// ErrSchema marks a schema string or data that does not fit its schema.
var ErrSchema = errors.New("schema")

// Schema is a parsed EAS schema string, such as
// "string flight,uint32 delay,(string name,uint8 age)[] people".
type Schema struct {
	Text string
	args abi.Arguments
}

// ParseSchema parses an EAS schema string: comma-separated "type name"
// fields where a type is an elementary ABI type, a tuple "(type name,...)"
// (or "tuple(...)"), either with array suffixes, and "ipfsHash" means bytes32.
func ParseSchema(text string) (*Schema, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("%w: empty schema", ErrSchema)
	}
	if len(text) > MaxSchemaText {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrSchema, len(text), MaxSchemaText)
	}
	params, err := parseParams(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	s := &Schema{Text: text}
	seen := map[string]bool{}
	for _, p := range params {
		if seen[p.Name] {
			return nil, fmt.Errorf("%w: field %q appears twice", ErrSchema, p.Name)
		}
		seen[p.Name] = true
		t, err := abi.NewType(p.Type, "", p.Components)
		if err != nil {
			return nil, fmt.Errorf("%w: field %q: type %q: %v", ErrSchema, p.Name, p.Type, err)
		}
		if err := checkType(t); err != nil {
			return nil, fmt.Errorf("%w: field %q: %v", ErrSchema, p.Name, err)
		}
		if err := checkShape(t, 0); err != nil {
			return nil, fmt.Errorf("%w: field %q: %v", ErrSchema, p.Name, err)
		}
		s.args = append(s.args, abi.Argument{Name: p.Name, Type: t})
	}
	return s, nil
}

// checkType refuses what go-ethereum's parser lets through but Solidity has
// no such type for, such as uint7.
func checkType(t abi.Type) error {
	switch t.T {
	case abi.IntTy, abi.UintTy:
		if t.Size == 0 || t.Size%8 != 0 || t.Size > 256 {
			return fmt.Errorf("%s is not a Solidity integer type", t.String())
		}
	case abi.SliceTy, abi.ArrayTy:
		return checkType(*t.Elem)
	case abi.TupleTy:
		for i, e := range t.TupleElems {
			if t.TupleRawNames[i] == "" {
				return fmt.Errorf("tuple field %d has no name", i)
			}
			if err := checkType(*e); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitTop splits at commas outside parentheses.
func splitTop(s string) ([]string, error) {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced ')' at %d", i)
			}
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced '('")
	}
	return append(out, s[start:]), nil
}

func parseParams(s string) ([]abi.ArgumentMarshaling, error) {
	parts, err := splitTop(s)
	if err != nil {
		return nil, err
	}
	out := make([]abi.ArgumentMarshaling, 0, len(parts))
	for i, p := range parts {
		am, err := parseParam(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("field %d %q: %v", i, strings.TrimSpace(p), err)
		}
		out = append(out, am)
	}
	return out, nil
}

func parseParam(p string) (abi.ArgumentMarshaling, error) {
	var am abi.ArgumentMarshaling
	if strings.HasPrefix(p, "tuple(") {
		p = p[len("tuple"):]
	}
	if strings.HasPrefix(p, "(") {
		depth, end := 0, -1
		for i, c := range p {
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
				if depth == 0 {
					end = i
					break
				}
			}
		}
		if end < 0 {
			return am, fmt.Errorf("unbalanced '('")
		}
		comps, err := parseParams(p[1:end])
		if err != nil {
			return am, err
		}
		rest := strings.Fields(p[end+1:])
		suffix := ""
		if len(rest) > 0 && strings.HasPrefix(rest[0], "[") {
			suffix, rest = rest[0], rest[1:]
		}
		if len(rest) != 1 {
			return am, fmt.Errorf("want \"(...)%s name\"", suffix)
		}
		am.Type, am.Name, am.Components = "tuple"+suffix, rest[0], comps
		return am, nil
	}
	f := strings.Fields(p)
	if len(f) != 2 {
		return am, fmt.Errorf("want \"type name\"")
	}
	am.Type, am.Name = f[0], f[1]
	if am.Type == "ipfsHash" {
		am.Type = "bytes32"
	}
	return am, nil
}

// UID returns the schema's UID for a resolver and revocability.
func (s *Schema) UID(resolver common.Address, revocable bool) SchemaUID {
	return SchemaUIDOf(s.Text, resolver, revocable)
}

// Types is the fields' canonical ABI types joined by commas, as an event's
// or a function's signature lists them: "string,string,uint32,string".
func (s *Schema) Types() string {
	out := make([]string, len(s.args))
	for i, a := range s.args {
		out[i] = a.Type.String()
	}
	return strings.Join(out, ",")
}

// Fields returns the field names in order.
func (s *Schema) Fields() []string {
	out := make([]string, len(s.args))
	for i, a := range s.args {
		out[i] = a.Name
	}
	return out
}

// Encode ABI-encodes a JSON object keyed by field name. Integers may be JSON
// numbers or decimal (or 0x) strings; bytes are 0x hex; tuples are objects.
func (s *Schema) Encode(obj map[string]any) ([]byte, error) {
	vals := make([]any, len(s.args))
	known := map[string]bool{}
	for i, a := range s.args {
		known[a.Name] = true
		raw, ok := obj[a.Name]
		if !ok {
			return nil, fmt.Errorf("%w: missing field %q", ErrSchema, a.Name)
		}
		v, err := toGo(a.Type, raw)
		if err != nil {
			return nil, fmt.Errorf("%w: field %q: %v", ErrSchema, a.Name, err)
		}
		vals[i] = v.Interface()
	}
	for k := range obj {
		if !known[k] {
			return nil, fmt.Errorf("%w: unknown field %q", ErrSchema, k)
		}
	}
	b, err := s.args.Pack(vals...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	return b, nil
}

// EncodeJSON encodes a JSON object text.
func (s *Schema) EncodeJSON(js []byte) ([]byte, error) {
	var obj map[string]any
	d := json.NewDecoder(strings.NewReader(string(js)))
	d.UseNumber()
	if err := d.Decode(&obj); err != nil {
		return nil, fmt.Errorf("%w: data is not a JSON object: %v", ErrSchema, err)
	}
	return s.Encode(obj)
}

// Decode ABI-decodes data into a JSON-ready object keyed by field name.
// Integers that fit in 53 bits are numbers, wider ones decimal strings.
func (s *Schema) Decode(data []byte) (map[string]any, error) {
	types := make([]abi.Type, len(s.args))
	for i, a := range s.args {
		types[i] = a.Type
	}
	if err := checkLayout(types, data); err != nil {
		return nil, fmt.Errorf("%w: data is not a canonical encoding of %q: %v", ErrSchema, s.Text, err)
	}
	vals, err := s.args.Unpack(data)
	if err != nil {
		return nil, fmt.Errorf("%w: decode: %v", ErrSchema, err)
	}
	// Unpack reads what it needs and ignores the rest: data of another
	// schema can pass it. Only the canonical encoding is accepted.
	if again, err := s.args.Pack(vals...); err != nil || !bytes.Equal(again, data) {
		return nil, fmt.Errorf("%w: data is not an encoding of %q", ErrSchema, s.Text)
	}
	out := make(map[string]any, len(vals))
	for i, a := range s.args {
		out[a.Name] = fromGo(a.Type, reflect.ValueOf(vals[i]))
	}
	return out, nil
}

func toGo(t abi.Type, raw any) (reflect.Value, error) {
	fail := func(format string, a ...any) (reflect.Value, error) {
		return reflect.Value{}, fmt.Errorf(format, a...)
	}
	switch t.T {
	case abi.StringTy:
		v, ok := raw.(string)
		if !ok {
			return fail("want a string")
		}
		return reflect.ValueOf(v), nil
	case abi.BoolTy:
		v, ok := raw.(bool)
		if !ok {
			return fail("want a boolean")
		}
		return reflect.ValueOf(v), nil
	case abi.AddressTy:
		v, ok := raw.(string)
		if !ok || !common.IsHexAddress(v) {
			return fail("want a 0x address")
		}
		return reflect.ValueOf(common.HexToAddress(v)), nil
	case abi.BytesTy:
		v, ok := raw.(string)
		if !ok {
			return fail("want 0x hex bytes")
		}
		b, err := hexutil.Decode(v)
		if err != nil {
			return fail("%v", err)
		}
		return reflect.ValueOf(b), nil
	case abi.FixedBytesTy:
		v, ok := raw.(string)
		if !ok {
			return fail("want 0x hex bytes")
		}
		b, err := decodeHexN(v, t.Size)
		if err != nil {
			return fail("%v", err)
		}
		arr := reflect.New(t.GetType()).Elem()
		reflect.Copy(arr, reflect.ValueOf(b))
		return arr, nil
	case abi.IntTy, abi.UintTy:
		n, err := toBig(raw)
		if err != nil {
			return fail("%v", err)
		}
		return fitInt(t, n)
	case abi.SliceTy, abi.ArrayTy:
		list, ok := raw.([]any)
		if !ok {
			return fail("want an array")
		}
		var v reflect.Value
		if t.T == abi.ArrayTy {
			if len(list) != t.Size {
				return fail("want %d elements, got %d", t.Size, len(list))
			}
			v = reflect.New(t.GetType()).Elem()
		} else {
			v = reflect.MakeSlice(t.GetType(), len(list), len(list))
		}
		for i, e := range list {
			ev, err := toGo(*t.Elem, e)
			if err != nil {
				return fail("[%d]: %v", i, err)
			}
			v.Index(i).Set(ev)
		}
		return v, nil
	case abi.TupleTy:
		obj, ok := raw.(map[string]any)
		if !ok {
			return fail("want an object with fields %v", t.TupleRawNames)
		}
		v := reflect.New(t.GetType()).Elem()
		for i, name := range t.TupleRawNames {
			e, ok := obj[name]
			if !ok {
				return fail("missing field %q", name)
			}
			ev, err := toGo(*t.TupleElems[i], e)
			if err != nil {
				return fail(".%s: %v", name, err)
			}
			v.Field(i).Set(ev)
		}
		if len(obj) != len(t.TupleRawNames) {
			return fail("unknown fields: want only %v", t.TupleRawNames)
		}
		return v, nil
	}
	return fail("type %s is not supported", t.String())
}

func toBig(raw any) (*big.Int, error) {
	switch v := raw.(type) {
	case float64:
		if v != float64(int64(v)) || v > 1<<53 || v < -(1<<53) {
			return nil, fmt.Errorf("want an integer (as a string past 2^53), got %v", v)
		}
		return big.NewInt(int64(v)), nil
	case json.Number:
		n, ok := new(big.Int).SetString(v.String(), 10)
		if !ok {
			return nil, fmt.Errorf("want an integer, got %s", v)
		}
		return n, nil
	case string:
		base, s := 10, v
		if strings.HasPrefix(s, "0x") {
			base, s = 16, s[2:]
		}
		n, ok := new(big.Int).SetString(s, base)
		if !ok {
			return nil, fmt.Errorf("want an integer, got %q", v)
		}
		return n, nil
	}
	return nil, fmt.Errorf("want an integer")
}

func fitInt(t abi.Type, n *big.Int) (reflect.Value, error) {
	if t.T == abi.UintTy && n.Sign() < 0 {
		return reflect.Value{}, fmt.Errorf("negative value for %s", t.String())
	}
	bits := t.Size
	lim := bits
	if t.T == abi.IntTy {
		lim = bits - 1
		if n.Sign() < 0 && new(big.Int).Add(n, big.NewInt(1)).BitLen() <= lim {
			lim = n.BitLen() // -2^(bits-1) fits
		}
	}
	if n.BitLen() > lim {
		return reflect.Value{}, fmt.Errorf("value %s overflows %s", n, t.String())
	}
	gt := t.GetType()
	switch gt.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return reflect.ValueOf(n.Uint64()).Convert(gt), nil
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return reflect.ValueOf(n.Int64()).Convert(gt), nil
	}
	return reflect.ValueOf(n), nil
}

const maxSafeJSON = 1 << 53

func fromGo(t abi.Type, v reflect.Value) any {
	switch t.T {
	case abi.IntTy, abi.UintTy:
		var n *big.Int
		switch v.Kind() {
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			n = new(big.Int).SetUint64(v.Uint())
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			n = big.NewInt(v.Int())
		default:
			n = v.Interface().(*big.Int)
		}
		if n.IsInt64() && n.Int64() < maxSafeJSON && n.Int64() > -maxSafeJSON {
			return n.Int64()
		}
		return n.String()
	case abi.AddressTy:
		return v.Interface().(common.Address).Hex()
	case abi.BytesTy:
		return hexutil.Encode(v.Bytes())
	case abi.FixedBytesTy:
		b := make([]byte, v.Len())
		reflect.Copy(reflect.ValueOf(b), v)
		return hexutil.Encode(b)
	case abi.SliceTy, abi.ArrayTy:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = fromGo(*t.Elem, v.Index(i))
		}
		return out
	case abi.TupleTy:
		out := make(map[string]any, len(t.TupleRawNames))
		for i, name := range t.TupleRawNames {
			out[name] = fromGo(*t.TupleElems[i], v.Field(i))
		}
		return out
	}
	return v.Interface()
}
