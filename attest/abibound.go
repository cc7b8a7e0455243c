package attest

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
)

// Bounds on schemas, checked before any data is decoded. go-ethereum's ABI
// decoder follows every offset it reads, so an array whose entries all point
// at one large string decodes to entries times that string: the layout is
// checked first (below) and the schema's shape is bounded here.
const (
	MaxSchemaText  = 4096 // bytes of a schema string
	MaxSchemaDepth = 4    // nesting of arrays and tuples in one field
	MaxSchemaData  = 1 << 20
)

// checkLayout walks data as the canonical ABI encoding of types and refuses
// any other layout before go-ethereum's decoder allocates for it: every
// offset must point exactly where the canonical encoding puts the next tail
// (so no two values share bytes and nothing points backwards or past the
// end), every length must fit in the bytes that remain, and nothing may
// follow the last tail. The values decoded are then bounded by the input:
// each element of a dynamic array has at least one word of its own.
func checkLayout(types []abi.Type, data []byte) error {
	if len(data) > MaxSchemaData {
		return fmt.Errorf("%d bytes of data, limit %d", len(data), MaxSchemaData)
	}
	w := layoutWalker{data: data}
	end, err := w.seq(len(types), func(i int) abi.Type { return types[i] }, 0)
	if err != nil {
		return err
	}
	if end != len(data) {
		return fmt.Errorf("%d bytes after the encoding", len(data)-end)
	}
	return nil
}

type layoutWalker struct {
	data  []byte
	words int // words visited, bounded by the input's length
}

// word reads the 32-byte big-endian word at pos as a length or offset that
// must fit in the data.
func (w *layoutWalker) word(pos int) (int, error) {
	if pos < 0 || pos+32 > len(w.data) {
		return 0, fmt.Errorf("word at %d past the end (%d bytes)", pos, len(w.data))
	}
	b := w.data[pos : pos+32]
	for _, c := range b[:24] {
		if c != 0 {
			return 0, fmt.Errorf("length or offset at %d out of range", pos)
		}
	}
	v := new(big.Int).SetBytes(b[24:])
	if !v.IsInt64() || v.Int64() > int64(len(w.data)) {
		return 0, fmt.Errorf("length or offset at %d out of range", pos)
	}
	return int(v.Int64()), nil
}

// seq walks n values (types given by at) encoded as a tuple starting at base
// and returns where its last tail ends.
func (w *layoutWalker) seq(n int, at func(int) abi.Type, base int) (int, error) {
	head := 0
	for i := 0; i < n; i++ {
		head += headSize(at(i))
		if base+head > len(w.data) {
			return 0, fmt.Errorf("%d values need more than the %d bytes left", n, len(w.data)-base)
		}
	}
	pos, tail := base, base+head
	for i := 0; i < n; i++ {
		t := at(i)
		w.words++
		if w.words > len(w.data)/32+1 {
			return 0, fmt.Errorf("encoding visits more words than it has")
		}
		if !isDynamic(t) {
			pos += headSize(t)
			continue
		}
		off, err := w.word(pos)
		if err != nil {
			return 0, err
		}
		if base+off != tail {
			return 0, fmt.Errorf("offset at %d points to %d, not to the next value at %d", pos, base+off, tail)
		}
		if tail, err = w.dynamic(t, tail); err != nil {
			return 0, err
		}
		pos += 32
	}
	return tail, nil
}

// dynamic walks one dynamic value at pos and returns where it ends.
func (w *layoutWalker) dynamic(t abi.Type, pos int) (int, error) {
	switch t.T {
	case abi.StringTy, abi.BytesTy:
		n, err := w.word(pos)
		if err != nil {
			return 0, err
		}
		end := pos + 32 + (n+31)/32*32
		if end > len(w.data) {
			return 0, fmt.Errorf("%d bytes at %d run past the end", n, pos)
		}
		return end, nil
	case abi.SliceTy:
		n, err := w.word(pos)
		if err != nil {
			return 0, err
		}
		if hs := headSize(*t.Elem); hs == 0 || n > (len(w.data)-pos-32)/hs {
			return 0, fmt.Errorf("array of %d at %d does not fit in the data", n, pos)
		}
		return w.seq(n, func(int) abi.Type { return *t.Elem }, pos+32)
	case abi.ArrayTy:
		return w.seq(t.Size, func(int) abi.Type { return *t.Elem }, pos)
	case abi.TupleTy:
		return w.seq(len(t.TupleElems), func(i int) abi.Type { return *t.TupleElems[i] }, pos)
	}
	return 0, fmt.Errorf("type %s is not dynamic", t.String())
}

func isDynamic(t abi.Type) bool {
	switch t.T {
	case abi.StringTy, abi.BytesTy, abi.SliceTy:
		return true
	case abi.ArrayTy:
		return isDynamic(*t.Elem)
	case abi.TupleTy:
		for _, e := range t.TupleElems {
			if isDynamic(*e) {
				return true
			}
		}
	}
	return false
}

// headSize is the bytes a value takes in its tuple's head: one word for a
// dynamic value, its whole encoding for a static one.
func headSize(t abi.Type) int {
	if isDynamic(t) {
		return 32
	}
	switch t.T {
	case abi.ArrayTy:
		return t.Size * headSize(*t.Elem)
	case abi.TupleTy:
		n := 0
		for _, e := range t.TupleElems {
			n += headSize(*e)
		}
		return n
	}
	return 32
}

// checkShape bounds a field's type: its nesting, and static sizes that no
// data could fill (a fixed array of zero or of millions of elements).
func checkShape(t abi.Type, depth int) error {
	if depth > MaxSchemaDepth {
		return fmt.Errorf("nested deeper than %d", MaxSchemaDepth)
	}
	switch t.T {
	case abi.SliceTy:
		return checkShape(*t.Elem, depth+1)
	case abi.ArrayTy:
		if t.Size <= 0 || t.Size > MaxSchemaData/32 {
			return fmt.Errorf("fixed array of %d elements", t.Size)
		}
		if err := checkShape(*t.Elem, depth+1); err != nil {
			return err
		}
		if headSize(t) > MaxSchemaData {
			return fmt.Errorf("fixed array of %d bytes", headSize(t))
		}
	case abi.TupleTy:
		if len(t.TupleElems) == 0 {
			return fmt.Errorf("empty tuple")
		}
		for _, e := range t.TupleElems {
			if err := checkShape(*e, depth+1); err != nil {
				return err
			}
		}
		if headSize(t) > MaxSchemaData {
			return fmt.Errorf("tuple of %d bytes", headSize(t))
		}
	}
	return nil
}
