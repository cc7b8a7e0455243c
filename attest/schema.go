package attest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// ErrSchema marks a schema string or data that does not fit its schema.
var ErrSchema = errors.New("schema")

// Schema is a parsed EAS schema string such as "string flight,uint32 delay".
type Schema struct {
	Text string
	args abi.Arguments
}

// ParseSchema parses a comma-separated list of "type name" fields. This
// version reads elementary types and their arrays (tuples come later).
func ParseSchema(text string) (*Schema, error) {
	s := &Schema{Text: text}
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("%w: empty schema", ErrSchema)
	}
	seen := map[string]bool{}
	for i, part := range strings.Split(text, ",") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return nil, fmt.Errorf("%w: field %d %q: want \"type name\"", ErrSchema, i, strings.TrimSpace(part))
		}
		typ, name := f[0], f[1]
		if seen[name] {
			return nil, fmt.Errorf("%w: field %q appears twice", ErrSchema, name)
		}
		seen[name] = true
		t, err := abi.NewType(typ, "", nil)
		if err != nil {
			return nil, fmt.Errorf("%w: field %q: type %q: %v", ErrSchema, name, typ, err)
		}
		s.args = append(s.args, abi.Argument{Name: name, Type: t})
	}
	return s, nil
}

// UID returns the schema's UID for a resolver and revocability.
func (s *Schema) UID(resolver common.Address, revocable bool) SchemaUID {
	return SchemaUIDOf(s.Text, resolver, revocable)
}

// Fields returns the field names in order.
func (s *Schema) Fields() []string {
	out := make([]string, len(s.args))
	for i, a := range s.args {
		out[i] = a.Name
	}
	return out
}

// Encode ABI-encodes a JSON object keyed by field name.
func (s *Schema) Encode(obj map[string]any) ([]byte, error) {
	vals := make([]any, len(s.args))
	for i, a := range s.args {
		raw, ok := obj[a.Name]
		if !ok {
			return nil, fmt.Errorf("%w: missing field %q", ErrSchema, a.Name)
		}
		v, err := toGo(a.Type, raw)
		if err != nil {
			return nil, fmt.Errorf("%w: field %q: %v", ErrSchema, a.Name, err)
		}
		vals[i] = v
	}
	for k := range obj {
		if _, ok := s.index(k); !ok {
			return nil, fmt.Errorf("%w: unknown field %q", ErrSchema, k)
		}
	}
	b, err := s.args.Pack(vals...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	return b, nil
}

func (s *Schema) index(name string) (int, bool) {
	for i, a := range s.args {
		if a.Name == name {
			return i, true
		}
	}
	return 0, false
}

// Decode ABI-decodes data into a JSON-ready object keyed by field name.
// Integers wider than 53 bits come out as decimal strings.
func (s *Schema) Decode(data []byte) (map[string]any, error) {
	vals, err := s.args.Unpack(data)
	if err != nil {
		return nil, fmt.Errorf("%w: decode: %v", ErrSchema, err)
	}
	out := make(map[string]any, len(vals))
	for i, a := range s.args {
		out[a.Name] = toJSON(vals[i])
	}
	return out, nil
}

func toGo(t abi.Type, raw any) (any, error) {
	switch t.T {
	case abi.StringTy:
		v, ok := raw.(string)
		if !ok {
			return nil, fmt.Errorf("want a string")
		}
		return v, nil
	case abi.BoolTy:
		v, ok := raw.(bool)
		if !ok {
			return nil, fmt.Errorf("want a boolean")
		}
		return v, nil
	case abi.AddressTy:
		v, ok := raw.(string)
		if !ok || !common.IsHexAddress(v) {
			return nil, fmt.Errorf("want a 0x address")
		}
		return common.HexToAddress(v), nil
	case abi.BytesTy:
		v, ok := raw.(string)
		if !ok {
			return nil, fmt.Errorf("want 0x hex bytes")
		}
		return hexutil.Decode(v)
	case abi.FixedBytesTy:
		v, ok := raw.(string)
		if !ok {
			return nil, fmt.Errorf("want 0x hex bytes")
		}
		b, err := decodeHexN(v, t.Size)
		if err != nil {
			return nil, err
		}
		arr := reflectArray(t, b)
		return arr, nil
	case abi.IntTy, abi.UintTy:
		n, err := toBig(raw)
		if err != nil {
			return nil, err
		}
		return fitInt(t, n)
	case abi.SliceTy, abi.ArrayTy:
		list, ok := raw.([]any)
		if !ok {
			return nil, fmt.Errorf("want an array")
		}
		if t.T == abi.ArrayTy && len(list) != t.Size {
			return nil, fmt.Errorf("want %d elements, got %d", t.Size, len(list))
		}
		return buildSlice(t, list)
	}
	return nil, fmt.Errorf("type %s is not supported yet", t.String())
}

func toBig(raw any) (*big.Int, error) {
	switch v := raw.(type) {
	case float64:
		if v != float64(int64(v)) {
			return nil, fmt.Errorf("want an integer, got %v", v)
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

func fitInt(t abi.Type, n *big.Int) (any, error) {
	if t.T == abi.UintTy && n.Sign() < 0 {
		return nil, fmt.Errorf("negative value for %s", t.String())
	}
	bits := t.Size
	if t.T == abi.UintTy && n.BitLen() > bits || t.T == abi.IntTy && n.BitLen() > bits-1 {
		return nil, fmt.Errorf("value %s overflows %s", n, t.String())
	}
	if bits > 64 {
		return n, nil
	}
	switch {
	case t.T == abi.UintTy && bits == 8:
		return uint8(n.Uint64()), nil
	case t.T == abi.UintTy && bits == 16:
		return uint16(n.Uint64()), nil
	case t.T == abi.UintTy && bits == 32:
		return uint32(n.Uint64()), nil
	case t.T == abi.UintTy && bits == 64:
		return n.Uint64(), nil
	case t.T == abi.IntTy && bits == 8:
		return int8(n.Int64()), nil
	case t.T == abi.IntTy && bits == 16:
		return int16(n.Int64()), nil
	case t.T == abi.IntTy && bits == 32:
		return int32(n.Int64()), nil
	case t.T == abi.IntTy && bits == 64:
		return n.Int64(), nil
	}
	return n, nil
}

func toJSON(v any) any {
	switch x := v.(type) {
	case *big.Int:
		if x.IsInt64() && x.Int64() < 1<<53 && x.Int64() > -(1<<53) {
			return x.Int64()
		}
		return x.String()
	case uint64:
		if x < 1<<53 {
			return x
		}
		return new(big.Int).SetUint64(x).String()
	case int64:
		if x < 1<<53 && x > -(1<<53) {
			return x
		}
		return big.NewInt(x).String()
	case common.Address:
		return x.Hex()
	case []byte:
		return hexutil.Encode(x)
	case string, bool, uint8, uint16, uint32, int8, int16, int32:
		return x
	}
	return reflectToJSON(v)
}
