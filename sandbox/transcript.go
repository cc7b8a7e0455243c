package sandbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// Hash is a keccak256 digest.
type Hash = [32]byte

// StateRoot is the digest of a state: keccak256 of its canonical encoding
// (wire.Canonical), the bytes replicas store.
func StateRoot(state json.RawMessage) Hash { return wire.StateRoot(state) }

// External is one call a script made to the world, recorded in order.
type External struct {
	Kind     string          `json:"kind"` // "fetch", "tokens.query" or "tokens.action"
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

// Digests returns the request and response digests, over compact JSON so
// that re-indenting a stored transcript changes nothing.
func (e *External) Digests() (req, resp Hash) {
	return crypto.Keccak256Hash([]byte(e.Kind), canonical(e.Request)), crypto.Keccak256Hash(canonical(e.Response))
}

// Transcript is what an execution did: enough to replay it and to commit to
// it with one Merkle root.
type Transcript struct {
	ScriptHash  Hash            `json:"scriptHash"`
	Function    string          `json:"function"` // "query:status", "action:rebook", "init", "apply"
	Instance    string          `json:"instance"`
	StateBefore Hash            `json:"stateBefore"`
	Args        json.RawMessage `json:"args"`
	NowMs       int64           `json:"nowMs"`
	Seed        hexutil.Bytes   `json:"seed"`
	// IdempotencyKey of an action; a leaf only when set.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// Offsets: where in the attestation log the state before stood, per
	// stream ("topic@publisher": the last sequence number applied), as the
	// instance's offsets (token.Instance.Offsets); none for a state no
	// entry has changed since registration. A leaf only when set. Anchors
	// derive the state at these offsets from their own log and refuse an
	// execution whose state before is not that state.
	Offsets    map[string]uint64 `json:"offsets,omitempty"`
	Calls      []External        `json:"calls"`
	Output     json.RawMessage   `json:"output"`
	StateAfter Hash              `json:"stateAfter"`
}

// Leaves are the transcript's Merkle leaves, in order: script hash,
// function, instance, state before, args, time, seed, the idempotency key
// and the log offsets when set, one leaf per external call (kind, request
// digest, response digest), output, state after.
func (t *Transcript) Leaves() []Hash {
	var now [8]byte
	binary.BigEndian.PutUint64(now[:], uint64(t.NowMs))
	leaves := []Hash{
		leaf("script", t.ScriptHash[:]),
		leaf("function", []byte(t.Function)),
		leaf("instance", []byte(t.Instance)),
		leaf("stateBefore", t.StateBefore[:]),
		leaf("args", canonical(t.Args)),
		leaf("now", now[:]),
		leaf("seed", t.Seed),
	}
	if t.IdempotencyKey != "" {
		leaves = append(leaves, leaf("idempotencyKey", []byte(t.IdempotencyKey)))
	}
	if len(t.Offsets) > 0 {
		leaves = append(leaves, OffsetsLeaf(t.Offsets))
	}
	for _, c := range t.Calls {
		rq, rs := c.Digests()
		leaves = append(leaves, leaf("call", rq[:], rs[:]))
	}
	return append(leaves, leaf("output", canonical(t.Output)), leaf("stateAfter", t.StateAfter[:]))
}

// OffsetsLeaf commits to offsets in stream order: each stream's name,
// length-prefixed, then its sequence number. It is the transcript's leaf
// of its offsets, and names a log position elsewhere too.
func OffsetsLeaf(offsets map[string]uint64) Hash {
	parts := make([][]byte, 0, 2*len(offsets))
	for _, k := range slices.Sorted(maps.Keys(offsets)) {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], uint64(len(k)))
		binary.BigEndian.PutUint64(b[8:], offsets[k])
		parts = append(parts, append(b[:8:8], k...), b[8:])
	}
	return leaf("offsets", parts...)
}

func leaf(tag string, parts ...[]byte) Hash {
	h := crypto.NewKeccakState()
	h.Write([]byte{0})
	h.Write([]byte(tag))
	for _, p := range parts {
		h.Write(p)
	}
	var out Hash
	h.Read(out[:])
	return out
}

// Root is the Merkle root of the leaves: pairs hashed with a 0x01 prefix, an
// odd node carried up.
func (t *Transcript) Root() Hash { return MerkleRoot(t.Leaves()) }

// Execution is what a receipt names of the transcript, whose root the
// caller has (Root).
func (t *Transcript) Execution(root Hash) receipt.Execution {
	return receipt.Execution{Instance: t.Instance, Function: t.Function, Key: t.IdempotencyKey, Args: t.Args, Output: t.Output,
		ScriptHash: t.ScriptHash, StateBefore: t.StateBefore, StateAfter: t.StateAfter, TranscriptRoot: root, AtMs: t.NowMs}
}

// MerkleRoot combines leaves into one root.
func MerkleRoot(level []Hash) Hash {
	if len(level) == 0 {
		return Hash{}
	}
	for len(level) > 1 {
		next := make([]Hash, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			next = append(next, crypto.Keccak256Hash([]byte{1}, level[i][:], level[i+1][:]))
		}
		level = next
	}
	return level[0]
}

// Divergence says where a replay first differs from its transcript.
type Divergence struct {
	Where string // "script", "call 2 request", "call count", "output", "state after", "error"
	Want  string
	Got   string
}

func (d *Divergence) Error() string {
	return fmt.Sprintf("replay diverges at %s: transcript has %s, replay gives %s", d.Where, d.Want, d.Got)
}
