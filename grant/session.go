package grant

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
)

// Sessions make the proof of a call cheaper than a signature. The first
// call a caller (an integration, or an owner) signs to a node, once it is
// let through, gives the node the caller's public key; both then derive a
// session key by ECDH of the caller's key and the node's (secp256k1, the
// node's key is in its peer ID). Later calls to that node may carry an
// HMAC-SHA256 under the session key over the same request digest instead
// of a signature: "t=<unix ms>;n=<nonce>;a=<caller address>;m=<hmac>". The
// time window and the once-only nonce apply as to signatures. A MAC proves
// the caller to this node only, so a call a node forwards (full fallback
// mode) must be signed.

// ErrSessionUnknown refuses a MAC proof from a caller this node holds no
// session with (it never let a signed call of it through, or forgot it).
var ErrSessionUnknown = errors.New("no session with this caller on this node: sign the request (s=) to establish one")

const sessionDomain = "smartlayer/session/v1"

// SessionKey derives the key a caller and a node share from one's private
// key and the other's public key (the same from either side).
func SessionKey(priv *ecdsa.PrivateKey, pub *ecdsa.PublicKey) ([32]byte, error) {
	return attest.SharedKey(sessionDomain, priv, pub)
}

func mac(key [32]byte, d common.Hash) []byte {
	m := hmac.New(sha256.New, key[:])
	m.Write(d[:])
	return m.Sum(nil)
}

// SignMAC makes the proof header for a request by caller, under the
// session key it shares with the node it sends the request to.
func SignMAC(key [32]byte, caller common.Address, r Request, now time.Time, nonce [16]byte) string {
	tMs := now.UnixMilli()
	return fmt.Sprintf("t=%d;n=%s;a=%s;m=%s", tMs, hex.EncodeToString(nonce[:]), hex.EncodeToString(caller[:]),
		hex.EncodeToString(mac(key, digest(r, tMs, nonce))))
}

// MaxSessions bounds the sessions a node keeps; past it they are all
// forgotten (callers then sign once more).
const MaxSessions = 100_000

// Sessions are a node's session keys by caller address.
type Sessions struct {
	node *ecdsa.PrivateKey
	mu   sync.Mutex
	m    map[common.Address][32]byte
}

// NewSessions keeps the sessions of the node whose key is node.
func NewSessions(node *ecdsa.PrivateKey) *Sessions {
	return &Sessions{node: node, m: map[common.Address][32]byte{}}
}

// Learn keeps a session with the caller whose signature p carried; call it
// only once the call was let through (an ECDH per new caller is not spent
// on strangers).
func (s *Sessions) Learn(p *Proof) {
	if p == nil || p.pub == nil {
		return
	}
	addr := crypto.PubkeyToAddress(*p.pub)
	s.mu.Lock()
	_, ok := s.m[addr]
	s.mu.Unlock()
	if ok {
		return
	}
	k, err := SessionKey(s.node, p.pub)
	if err != nil {
		return
	}
	s.mu.Lock()
	if len(s.m) >= MaxSessions {
		for a := range s.m { // one out, whichever the map gives first: a flood of new callers does not end every session at once
			delete(s.m, a)
			break
		}
	}
	s.m[addr] = k
	s.mu.Unlock()
}

func (s *Sessions) key(a common.Address) ([32]byte, bool) {
	if s == nil {
		return [32]byte{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.m[a]
	return k, ok
}

// CallerSessions are the sessions a caller (an integration, an owner, or a
// node calling for a token) holds with nodes, by node peer ID: the caller
// side of Sessions.
type CallerSessions struct {
	mu sync.Mutex
	m  map[string][32]byte
}

// Proof makes the proof header of r, by key, for the node whose peer ID is
// to ("" when not known, or a node that forwards the call: then always a
// signature): a session MAC when a session with that node is open, a
// signature otherwise (signed; Open the session once the node let the
// signed call through). nonce is the caller's fresh random once-only
// value (this package draws no random numbers).
func (s *CallerSessions) Proof(key *ecdsa.PrivateKey, to string, r Request, now time.Time, nonce [16]byte) (proof string, signed bool, err error) {
	if k, ok := s.get(to); ok {
		return SignMAC(k, crypto.PubkeyToAddress(key.PublicKey), r, now, nonce), false, nil
	}
	proof, err = Sign(key, r, now, nonce)
	return proof, true, err
}

// Has reports whether a session with node to is open (the caller's calls
// to it carry a MAC, not a signature).
func (s *CallerSessions) Has(to string) bool {
	_, ok := s.get(to)
	return ok
}

func (s *CallerSessions) get(to string) ([32]byte, bool) {
	if to == "" {
		return [32]byte{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.m[to]
	return k, ok
}

// Open derives the session key between key and the node to, whose public
// key is pub, unless one is open.
func (s *CallerSessions) Open(key *ecdsa.PrivateKey, to string, pub *ecdsa.PublicKey) {
	if _, ok := s.get(to); ok || to == "" {
		return
	}
	k, err := SessionKey(key, pub)
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.m == nil || len(s.m) >= MaxSessions {
		s.m = map[string][32]byte{}
	}
	s.m[to] = k
	s.mu.Unlock()
}

// Forget drops the session with node to (it answered session-unknown: it
// restarted, or forgot its sessions).
func (s *CallerSessions) Forget(to string) {
	s.mu.Lock()
	delete(s.m, to)
	s.mu.Unlock()
}
