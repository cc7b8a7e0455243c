package attest

import (
	"fmt"
	"reflect"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// reflectArray builds the [N]byte value go-ethereum's ABI packer expects.
func reflectArray(t abi.Type, b []byte) any {
	v := reflect.New(t.GetType()).Elem()
	reflect.Copy(v, reflect.ValueOf(b))
	return v.Interface()
}

// buildSlice builds a typed slice or array of converted elements.
func buildSlice(t abi.Type, list []any) (any, error) {
	var v reflect.Value
	if t.T == abi.ArrayTy {
		v = reflect.New(t.GetType()).Elem()
	} else {
		v = reflect.MakeSlice(t.GetType(), len(list), len(list))
	}
	for i, raw := range list {
		e, err := toGo(*t.Elem, raw)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		v.Index(i).Set(reflect.ValueOf(e))
	}
	return v.Interface(), nil
}

// reflectToJSON turns decoded fixed bytes, arrays and slices into JSON values.
func reflectToJSON(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(b), rv)
			return hexutil.Encode(b)
		}
		fallthrough
	case reflect.Slice:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = toJSON(rv.Index(i).Interface())
		}
		return out
	}
	return fmt.Sprint(v)
}
