package node

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
)

// TestCreditProofOnlyThePayers: a call on credit must be proved by the
// channel's payer, under a session MAC. A stranger's signed proof is refused and leaves no
// trace (its nonce is not taken, and so no session is opened either:
// strangers cannot fill the node's tables by naming someone's channel);
// the payer's is taken once.
func TestCreditProofOnlyThePayers(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleService, key)
	g := n.service.grants
	payer, _ := crypto.GenerateKey()
	stranger, _ := crypto.GenerateKey()
	now := time.Now()
	r := grant.Request{Method: "POST", Path: "/v1/tokens/0x01/query/status", Body: []byte("{}")}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	strangers, err := grant.Sign(stranger, r, now, nonce)
	if err != nil {
		t.Fatal(err)
	}
	payers, err := grant.Sign(payer, r, now, nonce)
	if err != nil {
		t.Fatal(err)
	}
	want := crypto.PubkeyToAddress(payer.PublicKey)
	if err := g.provedBy(grant.Presented{Request: r}, want, now); err == nil {
		t.Fatal("an unproved call passed")
	}
	if err := g.provedBy(grant.Presented{Proof: strangers, Request: r}, want, now); err == nil {
		t.Fatal("a stranger's proof passed")
	}
	// The stranger's nonce was not taken: the same proof, where the
	// stranger is the one wanted, is taken (it would be refused as a
	// replay had the refusal kept it).
	if err := g.provedBy(grant.Presented{Proof: strangers, Request: r}, crypto.PubkeyToAddress(stranger.PublicKey), now); err != nil {
		t.Fatalf("a refused proof left its nonce taken: %v", err)
	}
	// A signed proof could be shown to another node within its window:
	// a call on credit needs the session's MAC.
	if err := n.service.callerOf(grant.Presented{Proof: payers, Request: r}, want)(want); err == nil || !strings.Contains(err.Error(), "session MAC") {
		t.Fatalf("a credit under a signature: %v", err)
	}
	if err := g.provedBy(grant.Presented{Proof: payers, Request: r}, want, now); err != nil {
		t.Fatalf("the payer's proof: %v", err)
	}
	if err := g.provedBy(grant.Presented{Proof: payers, Request: r}, want, now); !errors.Is(err, grant.ErrProofReplayed) {
		t.Fatalf("the payer's proof again: %v", err)
	}
}

// TestSignedPaidQueryOpensASession: a paid query that needs no grant has
// its signed proof taken (learn), so the payer's next calls, on credit,
// may be proved by the session's MAC; before that, a MAC is refused as
// session-unknown (which the node answers 401, so the client signs again).
func TestSignedPaidQueryOpensASession(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleService, key)
	g := n.service.grants
	payer, _ := crypto.GenerateKey()
	want := crypto.PubkeyToAddress(payer.PublicKey)
	now := time.Now()
	r := grant.Request{Method: "POST", Path: "/v1/tokens/0x01/query/status", Body: []byte("{}")}
	session, err := grant.SessionKey(payer, &n.key.ECDSA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	macProof := func() grant.Presented {
		var nonce [16]byte
		_, _ = rand.Read(nonce[:])
		return grant.Presented{Proof: grant.SignMAC(session, want, r, now, nonce), Request: r}
	}
	if err := g.provedBy(macProof(), want, now); !errors.Is(err, grant.ErrSessionUnknown) {
		t.Fatalf("a MAC before any signed call: %v", err)
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	signed, err := grant.Sign(payer, r, now, nonce)
	if err != nil {
		t.Fatal(err)
	}
	g.learn(grant.Presented{Proof: signed, Request: r}, now)
	if err := g.provedBy(macProof(), want, now); err != nil {
		t.Fatalf("a MAC after a signed paid query: %v", err)
	}
	if err := g.provedBy(grant.Presented{Proof: signed, Request: r}, want, now); !errors.Is(err, grant.ErrProofReplayed) {
		t.Fatalf("the signed proof learn took, again: %v", err)
	}
}
