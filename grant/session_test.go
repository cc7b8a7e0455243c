package grant

import (
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
