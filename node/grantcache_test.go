package node

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/wire"
)

// TestStrangersGrantsNotCached: a grant is kept in the node's cache only
// once a call under it went through. A stranger's self-signed grant checks
// as an attestation and then fails; 10,000 of them used to clear the cache
// of every grant in use.
func TestStrangersGrantsNotCached(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleAnchor, key)
	g := newGrants(n, &revocations{n: n, m: map[[52]byte]bool{}})
	owner, _ := crypto.GenerateKey()
	stranger, _ := crypto.GenerateKey()
	id := wire.InstanceID{7}
	now := time.Now()
	call := func(by *ecdsa.PrivateKey, nonce byte) error {
		s, err := attest.SignGrant(by, n.domain, id, crypto.PubkeyToAddress(by.PublicKey), []string{"query:status"}, now.Add(time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		header, _ := json.Marshal(s)
		r := grant.Request{Method: "POST", Path: "/v1/tokens/" + id.String() + "/query/status", Body: []byte("{}")}
		proof, err := grant.Sign(by, r, now, [16]byte{nonce})
		if err != nil {
			t.Fatal(err)
		}
		return g.check(grant.Presented{Grant: string(header), Proof: proof, Request: r}, crypto.PubkeyToAddress(owner.PublicKey), id, "query:status", now)
	}
	if err := call(stranger, 1); !errors.Is(err, grant.ErrNotOwner) {
		t.Fatalf("a stranger's own grant: %v", err)
	}
	if len(g.cache) != 0 {
		t.Fatalf("a refused grant was cached: %d", len(g.cache))
	}
	if err := call(owner, 2); err != nil {
		t.Fatalf("the owner's grant to itself: %v", err)
	}
	if len(g.cache) != 1 {
		t.Fatalf("%d grants cached after a call under one went through", len(g.cache))
	}
}

// TestNumberedCallsPastTheNonceQuota: an integration's numbered session
// calls to a node are not held to the nonces a node remembers per signer
// (grant.MaxNoncesPerSigner within the time window): at the rate a busy
// website queries one node, nonces turned it away after a few seconds
// (found when faster answers made the query benchmark do it). None of them
// is remembered as a nonce, and a replay of one is still refused.
func TestNumberedCallsPastTheNonceQuota(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleAnchor, key)
	g := newGrants(n, &revocations{n: n, m: map[[52]byte]bool{}})
	owner, _ := crypto.GenerateKey()
	who := crypto.PubkeyToAddress(owner.PublicKey)
	id := wire.InstanceID{7}
	now := time.Now()
	s, err := attest.SignGrant(owner, n.domain, id, who, []string{"query:status"}, now.Add(time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	header, _ := json.Marshal(s)
	r := grant.Request{Method: "POST", Path: "/v1/tokens/" + id.String() + "/query/status", Body: []byte("{}")}
	call := func(proof string) error {
		return g.check(grant.Presented{Grant: string(header), Proof: proof, Request: r}, who, id, "query:status", now)
	}
	signed, _ := grant.Sign(owner, r, now, [16]byte{1})
	if err := call(signed); err != nil {
		t.Fatal(err)
	}
	sk, _ := grant.SessionKey(owner, &key.ECDSA.PublicKey)
	calls := grant.MaxNoncesPerSigner + 5000
	for c := 1; c <= calls; c++ {
		if err := call(grant.SignCounted(sk, who, r, now, [16]byte{1}, uint64(c))); err != nil {
			t.Fatalf("numbered call %d of %d: %v", c, calls, err)
		}
	}
	if err := call(grant.SignCounted(sk, who, r, now, [16]byte{1}, uint64(calls))); !errors.Is(err, grant.ErrProofReplayed) {
		t.Fatalf("a numbered call again: %v", err)
	}
	g.nmu.Lock()
	held := g.nonces.Len()
	g.nmu.Unlock()
	if held != 1 {
		t.Fatalf("%d nonces remembered; want only the signed call's", held)
	}
}
