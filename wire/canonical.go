package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/ethereum/go-ethereum/crypto"
)

// Canonical is the one encoding of a token's state (and of every JSON value
// a root commits to): object keys sorted, no whitespace, strings escaped as
// JSON.stringify escapes them (no HTML escaping), numbers with the text
// they came with. Replicas store these bytes, and StateRoot hashes them, so
// the root in a transcript, a receipt, GET /state and /consistency is the
// hash of bytes every replica keeps.
func Canonical(v json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("canonical: data after the JSON value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// CanonicalOr is Canonical, or v unchanged when v is not one JSON value (a
// root over it then still commits to its bytes).
func CanonicalOr(v json.RawMessage) json.RawMessage {
	c, err := Canonical(v)
	if err != nil {
		return v
	}
	return c
}

// StateRoot is the Keccak-256 of a state's canonical encoding.
func StateRoot(state json.RawMessage) [32]byte { return crypto.Keccak256Hash(CanonicalOr(state)) }

// SameJSON reports whether two JSON texts are the same value written with
// other whitespace (key order counts).
func SameJSON(a, b json.RawMessage) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}
