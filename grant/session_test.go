package grant

import (
	"encoding/hex"
	"errors"
	"fmt"
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
// its session's window, out of order within it, never below it, never
// from before the signed call that opened the session, and its MAC does
// not pass for a nonce call with the same bytes; the caller numbers its
// calls from the time it opened the session, so a caller that restarted
// is not refused as a replay of its earlier numbers.
func TestNumberedSessionCalls(t *testing.T) {
	caller, _ := crypto.GenerateKey()
	node, _ := crypto.GenerateKey()
	who := crypto.PubkeyToAddress(caller.PublicKey)
	k, _ := SessionKey(caller, &node.PublicKey)
	now := time.Unix(1_800_000_000, 0)
	req := Request{Method: "POST", Path: "/v1/tokens/0x01/query/status", Body: []byte(`{}`)}
	s := NewSessions(node)
	take := func(h string, at time.Time) error {
		t.Helper()
		p, err := ParseProof(h)
		if err != nil {
			return err
		}
		if _, err := p.Signer(req, at, s); err != nil {
			return err
		}
		return s.Use(p)
	}
	if err := take(SignCounted(k, who, req, now, 5), now); !errors.Is(err, ErrSessionUnknown) {
		t.Fatalf("a numbered call with no session: %v", err)
	}
	sh, _ := Sign(caller, req, now, [16]byte{1})
	sp, _ := ParseProof(sh)
	if _, err := sp.Signer(req, now, s); err != nil {
		t.Fatal(err)
	}
	s.Learn(sp)
	for _, c := range []uint64{5, 7, 6, 3000} {
		if err := take(SignCounted(k, who, req, now, c), now); err != nil {
			t.Fatalf("counter %d: %v", c, err)
		}
	}
	for _, c := range []uint64{5, 7, 3000, 3000 - windowSize} {
		if err := take(SignCounted(k, who, req, now, c), now); !errors.Is(err, ErrProofReplayed) {
			t.Fatalf("counter %d again, or below the window: %v", c, err)
		}
	}
	if err := take(SignCounted(k, who, req, now, 3000-windowSize+1), now); err != nil {
		t.Fatalf("the window's lowest number: %v", err)
	}
	if err := take(SignCounted(k, who, req, now.Add(-time.Second), 4000), now); !errors.Is(err, ErrProofStale) {
		t.Fatalf("a numbered call made before its session opened: %v", err)
	}
	// The MAC of c=9 does not pass as n= of the same bytes.
	h := SignCounted(k, who, req, now, 9)
	n := counterNonce(9)
	swapped := strings.Replace(h, "c=9", "n="+hex.EncodeToString(n[:]), 1)
	if err := take(swapped, now); !errors.Is(err, ErrProofMalformed) {
		t.Fatalf("a numbered call's MAC as a nonce call's: %v", err)
	}
	for _, bad := range []string{h + ";n=" + hex.EncodeToString(n[:]), strings.Replace(h, "c=9", "c=0", 1), "t=1;c=3;s=" + strings.Repeat("00", 65)} {
		if _, err := ParseProof(bad); !errors.Is(err, ErrProofMalformed) {
			t.Fatalf("%s: %v", bad, err)
		}
	}
	// The caller side numbers from the time it opened the session.
	var cs CallerSessions
	cs.Open(caller, "node", &node.PublicKey, now)
	got, signed, err := cs.Proof(caller, "node", req, now, [16]byte{})
	if err != nil || signed || !strings.Contains(got, fmt.Sprintf("c=%d;", now.UnixMicro()+1)) {
		t.Fatalf("caller proof %q signed %v %v", got, signed, err)
	}
	if err := take(got, now); err != nil {
		t.Fatalf("the caller's numbered call: %v", err)
	}
}
