package sampling

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
)

// The archive's own encoding of an execution (without its state, kept
// apart): length-prefixed fields in a fixed order, hashes as their 32
// bytes. The wire's JSON writes a transcript's hashes as arrays of numbers
// and a receipt's as hex; encoding every answer that way cost a node more
// than the rest of keeping it.

const archiveCodec = 1 // the encoding's version, its first byte

type enc struct{ b []byte }

func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) bytes(p []byte)   { e.uvarint(uint64(len(p))); e.b = append(e.b, p...) }
func (e *enc) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) fixed(p []byte)   { e.b = append(e.b, p...) }

// encodeArchived encodes k (its Transcript and Receipt must be set; its
// State is not encoded).
func encodeArchived(k *Kept) []byte {
	t, r := k.Transcript, k.Receipt
	e := &enc{b: make([]byte, 0, 512+len(t.Args)+len(t.Output))}
	e.fixed([]byte{archiveCodec})
	e.str(k.Bundle)
	e.fixed(t.ScriptHash[:])
	e.str(t.Function)
	e.str(t.Instance)
	e.fixed(t.StateBefore[:])
	e.bytes(t.Args)
	e.varint(t.NowMs)
	e.bytes(t.Seed)
	e.str(t.IdempotencyKey)
	e.uvarint(uint64(len(t.Offsets)))
	for s, seq := range t.Offsets {
		e.str(s)
		e.uvarint(seq)
	}
	e.uvarint(uint64(len(t.Calls)))
	for _, c := range t.Calls {
		e.str(c.Kind)
		e.bytes(c.Request)
		e.bytes(c.Response)
	}
	e.bytes(t.Output)
	e.fixed(t.StateAfter[:])
	e.str(r.Instance)
	e.str(r.Function)
	for _, h := range []common.Hash{r.Request, r.Output, r.ScriptHash, r.StateBefore, r.StateRoot, r.TranscriptRoot} {
		e.fixed(h[:])
	}
	e.uvarint(r.Fencing)
	e.fixed(r.Node[:])
	e.varint(r.AtMs)
	e.uvarint(r.Index)
	e.uvarint(uint64(len(r.Proof)))
	for _, h := range r.Proof {
		e.fixed(h[:])
	}
	e.fixed(r.Root[:])
	e.bytes(r.Sig)
	e.bytes(r.Quote)
	e.str(r.Kind)
	return e.b
}

var errArchived = errors.New("not an archived execution")

type dec struct {
	b   []byte
	err error
}

func (d *dec) take(n uint64) []byte {
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errArchived
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *dec) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errArchived
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errArchived
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a number of items each at least min bytes long: no more
// than the bytes left could hold.
func (d *dec) count(min uint64) int {
	n := d.uvarint()
	if n > uint64(len(d.b))/min || n > math.MaxInt32 {
		d.err = errArchived
		return 0
	}
	return int(n)
}

func (d *dec) bytes() []byte {
	p := d.take(d.uvarint())
	if len(p) == 0 {
		return nil
	}
	return append([]byte(nil), p...)
}

func (d *dec) str() string           { return string(d.take(d.uvarint())) }
func (d *dec) hash() (h common.Hash) { copy(h[:], d.take(32)); return h }

// decodeArchived reads what encodeArchived wrote.
func decodeArchived(b []byte) (Kept, error) {
	if len(b) == 0 || b[0] != archiveCodec {
		return Kept{}, errArchived
	}
	d := &dec{b: b[1:]}
	k := Kept{Transcript: &sandbox.Transcript{}, Receipt: &receipt.Receipt{}}
	t, r := k.Transcript, k.Receipt
	k.Bundle = d.str()
	t.ScriptHash = d.hash()
	t.Function = d.str()
	t.Instance = d.str()
	t.StateBefore = d.hash()
	t.Args = d.bytes()
	t.NowMs = d.varint()
	t.Seed = d.bytes()
	t.IdempotencyKey = d.str()
	if n := d.count(2); n > 0 {
		t.Offsets = make(map[string]uint64, n)
		for range n {
			s := d.str()
			t.Offsets[s] = d.uvarint()
		}
	}
	t.Calls = make([]sandbox.External, d.count(3))
	for i := range t.Calls {
		t.Calls[i] = sandbox.External{Kind: d.str(), Request: d.bytes(), Response: d.bytes()}
	}
	t.Output = d.bytes()
	t.StateAfter = d.hash()
	r.Instance = d.str()
	r.Function = d.str()
	for _, h := range []*common.Hash{&r.Request, &r.Output, &r.ScriptHash, &r.StateBefore, &r.StateRoot, &r.TranscriptRoot} {
		*h = d.hash()
	}
	r.Fencing = d.uvarint()
	copy(r.Node[:], d.take(20))
	r.AtMs = d.varint()
	r.Index = d.uvarint()
	if n := d.count(32); n > 0 {
		r.Proof = make([]common.Hash, n)
		for i := range r.Proof {
			r.Proof[i] = d.hash()
		}
	}
	r.Root = d.hash()
	r.Sig = d.bytes()
	r.Quote = d.bytes()
	r.Kind = d.str()
	if d.err != nil || len(d.b) != 0 {
		return Kept{}, errArchived
	}
	return k, nil
}
