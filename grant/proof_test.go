package grant

import (
	"errors"
	"testing"
	"time"

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
	if got, err := p.Signer(req, now.Add(10*time.Second)); err != nil || got != who {
		t.Fatalf("signer %s %v", got, err)
	}
	for _, other := range []Request{
		{Method: "GET", Path: req.Path, Body: req.Body},
		{Method: req.Method, Path: "/v1/tokens/0x02/query/status", Body: req.Body},
		{Method: req.Method, Path: req.Path, Body: []byte(`{"x":1}`)},
	} {
		if got, _ := p.Signer(other, now); got == who {
			t.Fatalf("a proof for one request named its signer for %+v", other)
		}
	}
	if _, err := p.Signer(req, now.Add(2*MaxSkew)); !errors.Is(err, ErrProofStale) {
		t.Fatalf("a stale proof: %v", err)
	}
	n := NewNonces()
	if err := n.Use(who, p, now); err != nil {
		t.Fatal(err)
	}
	if err := n.Use(who, p, now.Add(time.Second)); !errors.Is(err, ErrProofReplayed) {
		t.Fatalf("a replayed proof: %v", err)
	}
	for _, bad := range []string{"", "t=1;n=00", "t=x;n=" + "00000000000000000000000000000000" + ";s=00", string(make([]byte, 300))} {
		if _, err := ParseProof(bad); err == nil {
			t.Fatalf("%q parsed", bad)
		}
	}
}
