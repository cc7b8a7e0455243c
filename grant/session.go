package grant

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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
//
// A nonce must be remembered for the time window, and a node remembers a
// bounded number of them (Nonces): a caller making more than a few hundred
// calls a second to one node would be turned away. So a session call may
// instead be numbered: "t=<unix ms>;c=<counter>;o=<nonce>;a=<caller
// address>;m=<hmac>". o is the nonce of the signed call that opened the
// session, which opened a replay window on the node; c counts the caller's
// calls in that window from 1; the MAC, under a domain of its own, covers
// both (so a c= cannot be swapped for an n=, nor moved to another window).
// The node takes each number once among the 2,048 highest of the window
// (replayWindow), a few hundred bytes whatever the rate. A window exists
// only while the node holds the session: it is made by taking its signed
// call's nonce, which the node takes once and which is stale a minute
// later, so a window forgotten is never made again, and neither are the
// numbered calls it took. Several processes sharing a key each open a
// window of their own (at most maxWindows a caller).

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

// countedDomain starts what a numbered session call's MAC covers.
const countedDomain = "smartlayer/session-counted/v1\n"

func sessionMAC(key [32]byte, d common.Hash, p *Proof) []byte {
	if !p.Counted {
		return mac(key, d)
	}
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(countedDomain))
	m.Write(p.Opened[:])
	m.Write(d[:])
	return m.Sum(nil)
}

// counterNonce is the nonce a numbered call's digest covers.
func counterNonce(c uint64) (n [16]byte) {
	binary.BigEndian.PutUint64(n[:8], c)
	return n
}

// SignCounted makes the proof header of a numbered session call: counter
// is the caller's next number (from 1) in the window its signed call with
// nonce opened opened.
func SignCounted(key [32]byte, caller common.Address, r Request, now time.Time, opened [16]byte, counter uint64) string {
	tMs := now.UnixMilli()
	p := &Proof{Counted: true, Opened: opened}
	return fmt.Sprintf("t=%d;c=%d;o=%s;a=%s;m=%s", tMs, counter, hex.EncodeToString(opened[:]), hex.EncodeToString(caller[:]),
		hex.EncodeToString(sessionMAC(key, digest(r, tMs, counterNonce(counter)), p)))
}

// windowSize is how many numbers below the highest a session's replay
// window still takes (calls in flight at once may arrive out of order).
const windowSize = 2048

// replayWindow takes each counter once: the highest seen, and those of
// the windowSize below it not taken yet (a bit each, by counter modulo
// windowSize).
type replayWindow struct {
	top  uint64
	bits [windowSize / 64]uint64
}

func (w *replayWindow) take(c uint64) bool {
	if c > w.top {
		if c-w.top >= windowSize {
			w.bits = [windowSize / 64]uint64{}
		} else {
			for x := w.top + 1; x < c; x++ {
				w.bits[x%windowSize/64] &^= 1 << (x % 64)
			}
		}
		w.top = c
		w.bits[c%windowSize/64] |= 1 << (c % 64)
		return true
	}
	if w.top-c >= windowSize || c == 0 {
		return false
	}
	bit := uint64(1) << (c % 64)
	if w.bits[c%windowSize/64]&bit != 0 {
		return false
	}
	w.bits[c%windowSize/64] |= bit
	return true
}

// SignMAC makes the proof header for a request by caller, under the
// session key it shares with the node it sends the request to.
func SignMAC(key [32]byte, caller common.Address, r Request, now time.Time, nonce [16]byte) string {
	tMs := now.UnixMilli()
	return fmt.Sprintf("t=%d;n=%s;a=%s;m=%s", tMs, hex.EncodeToString(nonce[:]), hex.EncodeToString(caller[:]),
		hex.EncodeToString(mac(key, digest(r, tMs, nonce))))
}

// MaxSessions bounds the sessions a node keeps, and their windows of
// numbered calls in all; past it another caller's is forgotten (it then
// signs once more).
const MaxSessions = 100_000

// Sessions are a node's session keys by caller address.
type Sessions struct {
	node    *ecdsa.PrivateKey
	mu      sync.Mutex
	m       map[common.Address]*session
	windows int // in all sessions: at most MaxSessions, as the sessions
}

type session struct {
	key     [32]byte
	windows map[[16]byte]*replayWindow // by the nonce of the signed call that opened each
	order   [][16]byte                 // the windows' nonces, oldest first
}

// maxWindows bounds the windows of one caller (processes sharing a key,
// and the signed calls a process sends side by side before its first
// answer opens its session; it keeps the first): a new one drops the
// oldest.
const maxWindows = 16

// NewSessions keeps the sessions of the node whose key is node.
func NewSessions(node *ecdsa.PrivateKey) *Sessions {
	return &Sessions{node: node, m: map[common.Address]*session{}}
}

// Use takes a numbered call's counter (a counted proof whose MAC Signer
// checked) in its window: refused as from no session when the node holds
// no such window, as replayed when the number was taken or is below it.
func (s *Sessions) Use(p *Proof) error {
	if !p.Counted {
		return fmt.Errorf("%w: not a numbered call", ErrProofMalformed)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[p.Addr]
	if !ok {
		return ErrSessionUnknown
	}
	w, ok := ss.windows[p.Opened]
	switch {
	case !ok:
		return ErrSessionUnknown
	case !w.take(p.Counter):
		return ErrProofReplayed
	}
	return nil
}

// Learn keeps a session with the caller whose signature p carried, and
// opens a window of numbered calls under p's nonce; call it only once the
// call was let through and its nonce taken (an ECDH per new caller is not
// spent on strangers, and no window is opened twice).
func (s *Sessions) Learn(p *Proof) {
	if p == nil || p.pub == nil {
		return
	}
	addr := crypto.PubkeyToAddress(*p.pub)
	s.mu.Lock()
	ss, ok := s.m[addr]
	s.mu.Unlock()
	var k [32]byte
	haveKey := !ok
	if haveKey {
		var err error
		if k, err = SessionKey(s.node, p.pub); err != nil {
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok = s.m[addr]; !ok && !haveKey {
		return // dropped meanwhile: the caller's next call signs again
	}
	// Sessions and windows in all are bounded: one other caller's out,
	// whichever the map gives first (a flood of new callers does not end
	// every session at once).
	for dropped := true; dropped && (s.windows >= MaxSessions || !ok && len(s.m) >= MaxSessions); {
		dropped = false
		for a, old := range s.m {
			if a != addr {
				s.windows -= len(old.windows)
				delete(s.m, a)
				dropped = true
				break
			}
		}
	}
	if !ok {
		ss = &session{key: k, windows: map[[16]byte]*replayWindow{}}
		s.m[addr] = ss
	}
	if _, ok := ss.windows[p.Nonce]; ok {
		return
	}
	if len(ss.order) >= maxWindows {
		delete(ss.windows, ss.order[0])
		ss.order = ss.order[1:]
		s.windows--
	}
	ss.windows[p.Nonce] = &replayWindow{}
	ss.order = append(ss.order, p.Nonce)
	s.windows++
}

func (s *Sessions) key(a common.Address) ([32]byte, bool) {
	if s == nil {
		return [32]byte{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[a]
	if !ok {
		return [32]byte{}, false
	}
	return ss.key, true
}

// CallerSessions are the sessions a caller (an integration, an owner, or a
// node calling for a token) holds with nodes, by node peer ID: the caller
// side of Sessions.
type CallerSessions struct {
	mu sync.Mutex
	m  map[string]*callerSession
}

type callerSession struct {
	key    [32]byte
	opened [16]byte      // the nonce of the signed call that opened it
	next   atomic.Uint64 // the last counter used
}

// Proof makes the proof header of r, by key, for the node whose peer ID is
// to ("" when not known, or a node that forwards the call: then always a
// signature): a numbered session MAC when a session with that node is
// open, a signature otherwise (signed; Open the session with its nonce
// once the node let the signed call through). nonce is the caller's fresh
// random once-only value for a signature (this package draws no random
// numbers).
func (s *CallerSessions) Proof(key *ecdsa.PrivateKey, to string, r Request, now time.Time, nonce [16]byte) (proof string, signed bool, err error) {
	if cs, ok := s.get(to); ok {
		return SignCounted(cs.key, crypto.PubkeyToAddress(key.PublicKey), r, now, cs.opened, cs.next.Add(1)), false, nil
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

func (s *CallerSessions) get(to string) (*callerSession, bool) {
	if to == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.m[to]
	return cs, ok
}

// Open derives the session key between key and the node to, whose public
// key is pub, after the node let through the call key signed with nonce
// opened (which opened a window of numbered calls there), unless one is
// open.
func (s *CallerSessions) Open(key *ecdsa.PrivateKey, to string, pub *ecdsa.PublicKey, opened [16]byte) {
	if _, ok := s.get(to); ok || to == "" {
		return
	}
	k, err := SessionKey(key, pub)
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.m == nil || len(s.m) >= MaxSessions {
		s.m = map[string]*callerSession{}
	}
	if _, ok := s.m[to]; !ok {
		s.m[to] = &callerSession{key: k, opened: opened}
	}
	s.mu.Unlock()
}

// Forget drops the session with node to (it answered session-unknown: it
// restarted, or forgot its sessions).
func (s *CallerSessions) Forget(to string) {
	s.mu.Lock()
	delete(s.m, to)
	s.mu.Unlock()
}
