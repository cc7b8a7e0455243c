package grant

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
)

// TestSessionMAC: a caller and a node derive one session key from either
// side; a node takes a MAC proof only from a caller whose signed call it
// learned, only for the request it covers, and refuses a MAC made under
// another node's session or forged.
func TestSessionMAC(t *testing.T) {
	caller, _ := crypto.GenerateKey()
	node, _ := crypto.GenerateKey()
	other, _ := crypto.GenerateKey()
	who := crypto.PubkeyToAddress(caller.PublicKey)
	k1, err := SessionKey(caller, &node.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := SessionKey(node, &caller.PublicKey)
	if k1 != k2 {
		t.Fatal("the two sides derive different keys")
	}
	now := time.Unix(1_800_000_000, 0)
	req := Request{Method: "POST", Path: "/v1/tokens/0x01/query/status", Body: []byte(`{}`)}
	h := SignMAC(k1, who, req, now, [16]byte{7})
	if len(h) > maxProofHeader {
		t.Fatalf("a MAC header of %d bytes", len(h))
	}
	p, err := ParseProof(h)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSessions(node)
	if _, err := p.Signer(req, now, s); !errors.Is(err, ErrSessionUnknown) {
		t.Fatalf("a MAC before any signed call: %v", err)
	}
	if _, err := p.Signer(req, now, nil); !errors.Is(err, ErrSessionUnknown) {
		t.Fatalf("a MAC where none is accepted: %v", err)
	}
	// A signed call, let through, opens the session.
	sh, _ := Sign(caller, req, now, [16]byte{1})
	sp, _ := ParseProof(sh)
	if got, err := sp.Signer(req, now, s); err != nil || got != who {
		t.Fatalf("signed: %s %v", got, err)
	}
	s.Learn(sp)
	if got, err := p.Signer(req, now, s); err != nil || got != who {
		t.Fatalf("MAC after the session: %s %v", got, err)
	}
	if _, err := p.Signer(Request{Method: "POST", Path: req.Path, Body: []byte(`{"x":1}`)}, now, s); !errors.Is(err, ErrProofMalformed) {
		t.Fatalf("a MAC for another body: %v", err)
	}
	if _, err := p.Signer(req, now.Add(2*MaxSkew), s); !errors.Is(err, ErrProofStale) {
		t.Fatalf("a stale MAC: %v", err)
	}
	// Under another node's session the MAC does not hold here.
	k3, _ := SessionKey(caller, &other.PublicKey)
	p3, _ := ParseProof(SignMAC(k3, who, req, now, [16]byte{8}))
	if _, err := p3.Signer(req, now, s); !errors.Is(err, ErrProofMalformed) {
		t.Fatalf("another node's session: %v", err)
	}
	// Claiming to be the caller without its key.
	forged, _ := ParseProof(SignMAC([32]byte{1}, who, req, now, [16]byte{9}))
	if _, err := forged.Signer(req, now, s); !errors.Is(err, ErrProofMalformed) {
		t.Fatalf("forged: %v", err)
	}
	// Both a signature and a MAC, or half a MAC, do not parse.
	for _, bad := range []string{h + ";s=" + strings.Repeat("00", 65), strings.Split(h, ";m=")[0]} {
		if _, err := ParseProof(bad); !errors.Is(err, ErrProofMalformed) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}

// TestNumberedSessionCalls: a numbered session call (c=) is taken once in
// the window its signed call opened (o=), out of order within it, never
// below it; its MAC does not pass for a nonce call with the same bytes or
// in another window. Two processes sharing a key each number in their own
// window. A window the node forgot is not made again, so the calls it took
// stay refused (found in review: a session opened again by another signed
// call of the caller took them all again).
func TestNumberedSessionCalls(t *testing.T) {
	caller, _ := crypto.GenerateKey()
	node, _ := crypto.GenerateKey()
	who := crypto.PubkeyToAddress(caller.PublicKey)
	k, _ := SessionKey(caller, &node.PublicKey)
	now := time.Unix(1_800_000_000, 0)
	req := Request{Method: "POST", Path: "/v1/tokens/0x01/query/status", Body: []byte(`{}`)}
	s, nonces := NewSessions(node), NewNonces()
	take := func(h string) error {
		t.Helper()
		p, err := ParseProof(h)
		if err != nil {
			return err
		}
		signer, err := p.Signer(req, now, s)
		if err != nil {
			return err
		}
		if p.Counted {
			return s.Use(p)
		}
		if err := nonces.Use(signer, signer, p, now); err != nil {
			return err
		}
		s.Learn(p)
		return nil
	}
	a, b := [16]byte{1}, [16]byte{2}
	if err := take(SignCounted(k, who, req, now, a, 5)); !errors.Is(err, ErrSessionUnknown) {
		t.Fatalf("a numbered call with no session: %v", err)
	}
	opening, _ := Sign(caller, req, now, a)
	if err := take(opening); err != nil {
		t.Fatal(err)
	}
	for _, c := range []uint64{5, 7, 6, 3000} {
		if err := take(SignCounted(k, who, req, now, a, c)); err != nil {
			t.Fatalf("counter %d: %v", c, err)
		}
	}
	for _, c := range []uint64{5, 7, 3000, 3000 - windowSize} {
		if err := take(SignCounted(k, who, req, now, a, c)); !errors.Is(err, ErrProofReplayed) {
			t.Fatalf("counter %d again, or below the window: %v", c, err)
		}
	}
	if err := take(SignCounted(k, who, req, now, a, 3000-windowSize+1)); err != nil {
		t.Fatalf("the window's lowest number: %v", err)
	}
	// A second process with the same key opens a window of its own and
	// numbers from 1; the first goes on.
	if err := take(SignCounted(k, who, req, now, b, 1)); !errors.Is(err, ErrSessionUnknown) {
		t.Fatalf("a window no signed call opened: %v", err)
	}
	second, _ := Sign(caller, req, now, b)
	if err := take(second); err != nil {
		t.Fatal(err)
	}
	for c := uint64(1); c <= 3; c++ {
		if err := take(SignCounted(k, who, req, now, b, c)); err != nil {
			t.Fatalf("the second process's call %d: %v", c, err)
		}
		if err := take(SignCounted(k, who, req, now, a, 3000+c)); err != nil {
			t.Fatalf("the first process's call after the second's: %v", err)
		}
	}
	// The MAC of c=9 does not pass as n= of the same bytes, nor in window b.
	h := SignCounted(k, who, req, now, a, 9)
	n := counterNonce(9)
	swapped := strings.Replace(strings.Replace(h, "c=9", "n="+hex.EncodeToString(n[:]), 1), ";o="+hex.EncodeToString(a[:]), "", 1)
	if err := take(swapped); !errors.Is(err, ErrProofMalformed) {
		t.Fatalf("a numbered call's MAC as a nonce call's: %v", err)
	}
	if err := take(strings.Replace(h, hex.EncodeToString(a[:]), hex.EncodeToString(b[:]), 1)); !errors.Is(err, ErrProofMalformed) {
		t.Fatalf("a numbered call moved to another window: %v", err)
	}
	for _, bad := range []string{h + ";n=" + hex.EncodeToString(n[:]), strings.Replace(h, "c=9", "c=0", 1),
		strings.Replace(h, ";o="+hex.EncodeToString(a[:]), "", 1), "t=1;c=3;o=" + hex.EncodeToString(a[:]) + ";s=" + strings.Repeat("00", 65)} {
		if _, err := ParseProof(bad); !errors.Is(err, ErrProofMalformed) {
			t.Fatalf("%s: %v", bad, err)
		}
	}
	// The node forgets the session; the caller's other signed call (one it
	// sent another replica, say) opens a new one; the calls window a took
	// are not taken again.
	s.mu.Lock()
	s.windows -= len(s.m[who].windows)
	delete(s.m, who)
	s.mu.Unlock()
	other, _ := Sign(caller, req, now, [16]byte{3})
	if err := take(other); err != nil {
		t.Fatal(err)
	}
	if err := take(SignCounted(k, who, req, now, a, 5)); !errors.Is(err, ErrSessionUnknown) {
		t.Fatalf("a forgotten window's call taken again: %v", err)
	}
	if err := take(opening); !errors.Is(err, ErrProofReplayed) {
		t.Fatalf("the forgotten window's opening call taken again: %v", err)
	}
	// The caller side numbers from 1 in the window its signed call opened.
	var cs CallerSessions
	cs.Open(caller, "node", &node.PublicKey, [16]byte{3})
	got, signed, err := cs.Proof(caller, "node", req, now, [16]byte{})
	if err != nil || signed || !strings.Contains(got, "c=1;o="+hex.EncodeToString([]byte{3})) {
		t.Fatalf("caller proof %q signed %v %v", got, signed, err)
	}
	if err := take(got); err != nil {
		t.Fatalf("the caller's numbered call: %v", err)
	}
}

// TestSessionWindowsBounded: windows per caller and in all stay bounded.
func TestSessionWindowsBounded(t *testing.T) {
	node, _ := crypto.GenerateKey()
	caller, _ := crypto.GenerateKey()
	req := Request{Method: "POST", Path: "/p", Body: []byte(`{}`)}
	now := time.Unix(1_800_000_000, 0)
	s := NewSessions(node)
	for i := range maxWindows + 5 {
		h, _ := Sign(caller, req, now, [16]byte{byte(i)})
		p, _ := ParseProof(h)
		if _, err := p.Signer(req, now, s); err != nil {
			t.Fatal(err)
		}
		s.Learn(p)
	}
	s.mu.Lock()
	ss := s.m[crypto.PubkeyToAddress(caller.PublicKey)]
	n, total := len(ss.windows), s.windows
	_, oldest := ss.windows[[16]byte{5}]
	_, newest := ss.windows[[16]byte{maxWindows + 4}]
	_, dropped := ss.windows[[16]byte{4}]
	s.mu.Unlock()
	if n != maxWindows || total != maxWindows {
		t.Fatalf("%d windows of one caller, %d in all; want %d", n, total, maxWindows)
	}
	if !oldest || !newest || dropped {
		t.Fatal("not the oldest windows dropped")
	}
}
