package grant

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// A proof names its signer only for the request it was made for, within
// the time window, and once.
func TestProofBindsRequestTimeAndNonce(t *testing.T) {
	key, _ := crypto.GenerateKey()
	who := crypto.PubkeyToAddress(key.PublicKey)
	now := time.Unix(1_800_000_000, 0)
	req := Request{Method: "POST", Path: "/v1/tokens/0x01/query/status", Body: []byte(`{}`)}
	h, err := Sign(key, req, now, [16]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseProof(h)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Signer(req, now.Add(10*time.Second), nil); err != nil || got != who {
		t.Fatalf("signer %s %v", got, err)
	}
	for _, other := range []Request{
		{Method: "GET", Path: req.Path, Body: req.Body},
		{Method: req.Method, Path: "/v1/tokens/0x02/query/status", Body: req.Body},
		{Method: req.Method, Path: req.Path, Body: []byte(`{"x":1}`)},
	} {
		if got, _ := p.Signer(other, now, nil); got == who {
			t.Fatalf("a proof for one request named its signer for %+v", other)
		}
	}
	if _, err := p.Signer(req, now.Add(2*MaxSkew), nil); !errors.Is(err, ErrProofStale) {
		t.Fatalf("a stale proof: %v", err)
	}
	n := NewNonces()
	if err := n.Use(who, who, p, now); err != nil {
		t.Fatal(err)
	}
	if err := n.Use(who, who, p, now.Add(time.Second)); !errors.Is(err, ErrProofReplayed) {
		t.Fatalf("a replayed proof: %v", err)
	}
	for _, bad := range []string{"", "t=1;n=00", "t=x;n=" + "00000000000000000000000000000000" + ";s=00", string(make([]byte, 300))} {
		if _, err := ParseProof(bad); err == nil {
			t.Fatalf("%q parsed", bad)
		}
	}
}

// The nonce set forgets entries as their time passes, and one signer's
// flood fills only its own quota.
func TestNoncesExpireAndQuota(t *testing.T) {
	n := NewNonces()
	now := time.Unix(1_800_000_000, 0)
	a, b := common.Address{1}, common.Address{2}
	for i := 0; i < MaxNoncesPerSigner; i++ {
		var nonce [16]byte
		binary.BigEndian.PutUint64(nonce[:], uint64(i))
		if err := n.Use(a, a, &Proof{TimeMs: now.UnixMilli(), Nonce: nonce}, now); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	if err := n.Use(a, a, &Proof{TimeMs: now.UnixMilli(), Nonce: [16]byte{0xff}}, now); !errors.Is(err, ErrNonceCacheFull) {
		t.Fatalf("past the signer's quota: %v", err)
	}
	if err := n.Use(b, b, &Proof{TimeMs: now.UnixMilli(), Nonce: [16]byte{0xff}}, now); err != nil {
		t.Fatalf("another signer: %v", err)
	}
	later := now.Add(MaxSkew + 2*time.Second)
	if err := n.Use(a, a, &Proof{TimeMs: later.UnixMilli(), Nonce: [16]byte{0xff}}, later); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if len(n.m) != 1 {
		t.Fatalf("%d entries kept after the window, want 1", len(n.m))
	}
	// At exactly MaxSkew a proof is still taken (Signer), so it is still
	// remembered.
	p := &Proof{TimeMs: now.UnixMilli(), Nonce: [16]byte{7}}
	_ = NewNonces().Use(a, a, p, now)
	m := NewNonces()
	_ = m.Use(a, a, p, now)
	if err := m.Use(a, a, p, now.Add(MaxSkew)); !errors.Is(err, ErrProofReplayed) {
		t.Fatalf("a replay at the window's edge: %v", err)
	}
}

// An owner who grants many keys of its own cannot fill the set: the calls
// on its tokens share one quota, whoever signs them (found in review).
func TestNoncesOwnerQuota(t *testing.T) {
	n := NewNonces()
	now := time.Unix(1_800_000_000, 0)
	owner, k1, k2, other := common.Address{9}, common.Address{1}, common.Address{2}, common.Address{3}
	use := func(signer, owner common.Address, i int) error {
		var nonce [16]byte
		binary.BigEndian.PutUint64(nonce[:], uint64(i))
		return n.Use(signer, owner, &Proof{TimeMs: now.UnixMilli(), Nonce: nonce}, now)
	}
	for i := 0; i < MaxNoncesPerSigner; i++ {
		signer := k1
		if i%2 == 1 {
			signer = k2
		}
		if err := use(signer, owner, i); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	if err := use(k1, owner, MaxNoncesPerSigner); !errors.Is(err, ErrNonceCacheFull) {
		t.Fatalf("past the owner's quota: %v", err)
	}
	if err := use(k1, other, MaxNoncesPerSigner+1); err != nil {
		t.Fatalf("the same key on another owner's token: %v", err)
	}
	later := now.Add(MaxSkew + 2*time.Second)
	if err := n.Use(k2, owner, &Proof{TimeMs: later.UnixMilli(), Nonce: [16]byte{0xee}}, later); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if len(n.counts) != 2 { // k2 and the owner, one entry each
		t.Fatalf("counts after the window: %v", n.counts)
	}
}
