package attlog

import (
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// Errors of entries and streams; callers test them with errors.Is.
var (
	ErrBadEntry  = errors.New("malformed log entry")
	ErrSignature = errors.New("log entry not signed by its publisher")
	ErrFork      = errors.New("log entry forks its stream")
	ErrReplayed  = errors.New("attestation already in the stream")
	ErrTopic     = errors.New("bad topic")
)

// MaxTopicLen bounds a topic name.
const MaxTopicLen = 256

// CheckTopic validates a topic name: "<schema UID>/<key>", printable, no
// spaces, bounded.
func CheckTopic(t string) error {
	if len(t) == 0 || len(t) > MaxTopicLen {
		return fmt.Errorf("%w: %d bytes, want 1..%d", ErrTopic, len(t), MaxTopicLen)
	}
	// The grammar keeps every topic printable and free of NUL, which the
	// store uses to end a topic in its keys: no topic is a prefix of
	// another's keys, whatever its name.
	for i := 0; i < len(t); i++ {
		if !topicChar(t[i]) {
			return fmt.Errorf("%w: %q: byte %d (0x%02x) is not allowed; a topic is <schema uid>/<key> where the key has letters, digits and -._~:@+=,;!$&'()*/", ErrTopic, t, i, t[i])
		}
	}
	i := strings.IndexByte(t, '/')
	if i != 66 || !strings.HasPrefix(t, "0x") || len(t) == 67 {
		return fmt.Errorf("%w: %q: want <schema uid>/<key> with a key", ErrTopic, t)
	}
	if _, err := hexutil.Decode(t[:66]); err != nil {
		return fmt.Errorf("%w: %q: schema uid: %v", ErrTopic, t, err)
	}
	return nil
}

func topicChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:@+=,;!$&'()*/", c) >= 0
}

// Entry is one attestation in a publisher's stream on a topic.
type Entry struct {
	Topic       string          `json:"topic"`
	Publisher   common.Address  `json:"publisher"`
	Seq         uint64          `json:"seq"`  // 1, 2, 3, ...
	Prev        common.Hash     `json:"prev"` // hash of entry Seq-1, zero for the first
	Attestation json.RawMessage `json:"attestation"`
	Signature   hexutil.Bytes   `json:"signature"` // the publisher's, over Hash

	// memo keeps the hash Verify computed, for the hashes every later step
	// of the entry's way takes (its head, the fork check); it is used only
	// while the fields it was computed from are unchanged.
	memo *hashMemo
	// raw is the entry's JSON as it arrived (SetRaw), stored as is.
	raw []byte
}

type hashMemo struct {
	topic     string
	publisher common.Address
	seq       uint64
	prev      common.Hash
	att       *byte // the attestation's first byte and length
	attLen    int
	h         common.Hash
}

func (e *Entry) memoFits() bool {
	m := e.memo
	return m != nil && m.topic == e.Topic && m.publisher == e.Publisher && m.seq == e.Seq && m.prev == e.Prev &&
		m.attLen == len(e.Attestation) && len(e.Attestation) > 0 && m.att == &e.Attestation[0]
}

// SetRaw records the JSON the entry was decoded from, to store as it
// came: it must be that JSON (the decoder's input), unchanged.
func (e *Entry) SetRaw(b []byte) { e.raw = b }

// Raw is the JSON the entry was decoded from, if SetRaw recorded it.
func (e *Entry) Raw() []byte { return e.raw }

const entryDomain = "smartlayer/attlog-entry/v1"

// Hash commits to everything but the signature.
func (e *Entry) Hash() common.Hash {
	if e.memoFits() {
		return e.memo.h
	}
	return e.hash()
}

func (e *Entry) hash() common.Hash {
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], e.Seq)
	return crypto.Keccak256Hash([]byte(entryDomain), []byte{byte(len(e.Topic))}, []byte(e.Topic),
		e.Publisher[:], seq[:], e.Prev[:], crypto.Keccak256(e.Attestation))
}

// Sign sets the publisher and signature.
func (e *Entry) Sign(key *ecdsa.PrivateKey) error {
	e.Publisher = crypto.PubkeyToAddress(key.PublicKey)
	e.memo, e.raw = nil, nil
	h := e.hash()
	sig, err := crypto.Sign(h[:], key)
	if err != nil {
		return err
	}
	e.Signature = sig
	return nil
}

// Verify checks the shape of the entry and its publisher's signature.
func (e *Entry) Verify() error {
	if err := CheckTopic(e.Topic); err != nil {
		return err
	}
	if e.Seq == 0 || len(e.Attestation) == 0 || (e.Seq == 1) != (e.Prev == common.Hash{}) {
		return fmt.Errorf("%w: seq %d, prev %s", ErrBadEntry, e.Seq, e.Prev)
	}
	if len(e.Signature) != 65 {
		return fmt.Errorf("%w: %d-byte signature", ErrSignature, len(e.Signature))
	}
	if !compactJSON(e.Attestation) {
		// Stored entries are JSON, which writes an attestation compact and
		// HTML-escaped: one in any other form would be stored as bytes its
		// signature does not cover.
		return fmt.Errorf("%w: the attestation must be compact JSON as encoding/json writes it", ErrBadEntry)
	}
	h := e.hash()
	pub, err := crypto.SigToPub(h[:], e.Signature)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if crypto.PubkeyToAddress(*pub) != e.Publisher {
		return fmt.Errorf("%w: signed by %s", ErrSignature, crypto.PubkeyToAddress(*pub))
	}
	e.memo = &hashMemo{topic: e.Topic, publisher: e.Publisher, seq: e.Seq, prev: e.Prev, att: &e.Attestation[0], attLen: len(e.Attestation), h: h}
	return nil
}

// StreamID names one publisher's stream on a topic.
type StreamID struct {
	Topic     string
	Publisher common.Address
}

func (s StreamID) String() string { return s.Topic + "@" + s.Publisher.Hex() }

// ID returns the entry's stream.
func (e *Entry) ID() StreamID { return StreamID{e.Topic, e.Publisher} }

// compactJSON reports whether JSON text is as encoding/json writes a raw
// message: no whitespace outside strings, and none of <, >, & or U+2028,
// U+2029 unescaped anywhere. (Whether it is JSON at all is the decoder's
// question.)
func compactJSON(b []byte) bool {
	in := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '<' || c == '>' || c == '&':
			return false
		case c == 0xe2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xa8 || b[i+2] == 0xa9):
			return false
		case in && c == '\\':
			i++ // the escaped byte is not a quote
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}
