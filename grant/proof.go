package grant

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// A grant is not a bearer token: every call made under it proves that the
// caller holds the integration key the grant names, by a signature over the
// request (method, path, body, time and a nonce) in the proof header
// (wire.SignatureHeader). A token's owner proves the same way that a call
// is their own, with no grant.

// Proof refusals.
var (
	ErrProofMissing   = errors.New("a call under a grant must be signed by the grant's integration key (X-Smartlayer-Signature)")
	ErrProofMalformed = errors.New("malformed request signature")
	ErrProofStale     = errors.New("request signature outside the accepted time window")
	ErrProofReplayed  = errors.New("request signature already used")
	ErrNotHolder      = errors.New("the request is not signed by the integration the grant names")
)

// MaxSkew is how far a proof's time may be from the node's clock.
const MaxSkew = time.Minute

// Request is what a proof covers.
type Request struct {
	Method string
	Path   string // with the query string, as sent
	Body   []byte
	Key    string // an action's Idempotency-Key header ("" for none)
}

// Proof is a decoded request proof: a signature, or a session MAC by the
// caller Addr (session.go).
type Proof struct {
	TimeMs int64
	Nonce  [16]byte
	Sig    []byte
	Addr   common.Address
	MAC    []byte
	// Counted: a session MAC numbered by the caller's counter (c=) in the
	// window its signed call with nonce Opened (o=) opened, which takes
	// each number once, instead of a random nonce the node must remember;
	// Nonce then holds the counter.
	Counted bool
	Counter uint64
	Opened  [16]byte
	// pub is the signer's key, once Signer recovered it.
	pub *ecdsa.PublicKey
}

func digest(r Request, tMs int64, nonce [16]byte) common.Hash {
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(tMs))
	bh := crypto.Keccak256Hash(r.Body)
	return crypto.Keccak256Hash([]byte("smartlayer/request/v1\n"), []byte(r.Method), []byte{0}, []byte(r.Path), []byte{0},
		bh[:], t[:], nonce[:], []byte(r.Key))
}

// Sign makes the proof header for a request by key at now, with a nonce.
func Sign(key *ecdsa.PrivateKey, r Request, now time.Time, nonce [16]byte) (string, error) {
	tMs := now.UnixMilli()
	d := digest(r, tMs, nonce)
	sig, err := crypto.Sign(d[:], key)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("t=%d;n=%s;s=%s", tMs, hex.EncodeToString(nonce[:]), hex.EncodeToString(sig)), nil
}

// maxProofHeader bounds the header before it is parsed.
const maxProofHeader = 256

// ParseProof reads a proof header.
func ParseProof(h string) (*Proof, error) {
	if h == "" {
		return nil, ErrProofMissing
	}
	if len(h) > maxProofHeader {
		return nil, fmt.Errorf("%w: %d bytes", ErrProofMalformed, len(h))
	}
	p := &Proof{}
	var haveT, haveN, haveA, haveO bool
	for _, part := range strings.Split(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: t: %v", ErrProofMalformed, err)
			}
			p.TimeMs, haveT = t, true
		case "n":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != 16 {
				return nil, fmt.Errorf("%w: n: want 32 hex digits", ErrProofMalformed)
			}
			if p.Counted {
				return nil, fmt.Errorf("%w: n and c both given", ErrProofMalformed)
			}
			copy(p.Nonce[:], b)
			haveN = true
		case "s":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != 65 {
				return nil, fmt.Errorf("%w: s: want 130 hex digits", ErrProofMalformed)
			}
			p.Sig = b
		case "c":
			c, err := strconv.ParseUint(v, 10, 64)
			if err != nil || c == 0 {
				return nil, fmt.Errorf("%w: c: want a counter from 1", ErrProofMalformed)
			}
			p.Counted, p.Counter, haveN = true, c, true
			p.Nonce = counterNonce(c)
		case "o":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != 16 {
				return nil, fmt.Errorf("%w: o: want 32 hex digits", ErrProofMalformed)
			}
			copy(p.Opened[:], b)
			haveO = true
		case "a":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != common.AddressLength {
				return nil, fmt.Errorf("%w: a: want 40 hex digits", ErrProofMalformed)
			}
			p.Addr, haveA = common.BytesToAddress(b), true
		case "m":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("%w: m: want 64 hex digits", ErrProofMalformed)
			}
			p.MAC = b
		}
	}
	signed, maced := p.Sig != nil, haveA && p.MAC != nil
	if !haveT || !haveN || signed == maced || signed && p.Counted || p.Counted != haveO {
		return nil, fmt.Errorf("%w: want t=<unix ms>;n=<nonce>;s=<signature>, or t;n (or c=<counter>;o=<opening nonce>);a=<caller address>;m=<session MAC>", ErrProofMalformed)
	}
	return p, nil
}

// Signer recovers who signed the request, after checking the proof's time
// against now. A session MAC is checked under the caller's key in
// sessions (nil: a MAC is refused, as in a call a node forwards).
func (p *Proof) Signer(r Request, now time.Time, sessions *Sessions) (common.Address, error) {
	if d := now.Sub(time.UnixMilli(p.TimeMs)); d > MaxSkew || d < -MaxSkew {
		return common.Address{}, fmt.Errorf("%w: signed at %s, now %s", ErrProofStale, time.UnixMilli(p.TimeMs).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	d := digest(r, p.TimeMs, p.Nonce)
	if p.MAC != nil {
		k, ok := sessions.key(p.Addr)
		if !ok {
			return common.Address{}, ErrSessionUnknown
		}
		if !hmac.Equal(sessionMAC(k, d, p), p.MAC) {
			return common.Address{}, fmt.Errorf("%w: the session MAC does not match the request", ErrProofMalformed)
		}
		return p.Addr, nil
	}
	pub, err := crypto.SigToPub(d[:], p.Sig)
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: %v", ErrProofMalformed, err)
	}
	p.pub = pub
	return crypto.PubkeyToAddress(*pub), nil
}
