package grant

import (
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
)

// FuzzProof: any X-Smartlayer-Signature header parses and is checked
// without a panic; a proof that recovers a signer for one request does not
// for another.
func FuzzProof(f *testing.F) {
	key, _ := crypto.GenerateKey()
	now := time.Unix(1_800_000_000, 0)
	req := Request{Method: "POST", Path: "/v1/tokens/0x01/query/status", Body: []byte(`{}`)}
	h, err := Sign(key, req, now, [16]byte{1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(h)
	f.Add("t=1;n=00000000000000000000000000000000;a=0000000000000000000000000000000000000001;m=00")
	f.Add(";;;=;t=;n=;s=")
	sessions := NewSessions(key)
	// The signed call opens a session and a window of numbered calls, so
	// numbered headers reach the window.
	if p, err := ParseProof(h); err != nil {
		f.Fatal(err)
	} else if _, err := p.Signer(req, now, sessions); err != nil {
		f.Fatal(err)
	} else {
		sessions.Learn(p)
	}
	sk, _ := SessionKey(key, &key.PublicKey)
	f.Add(SignCounted(sk, crypto.PubkeyToAddress(key.PublicKey), req, now, [16]byte{1}, 1))
	f.Add("t=1;c=18446744073709551616;o=00000000000000000000000000000001;a=0000000000000000000000000000000000000001;m=00")
	f.Fuzz(func(t *testing.T, h string) {
		p, err := ParseProof(h)
		if err != nil {
			return
		}
		signer, err := p.Signer(req, now, sessions)
		if err != nil {
			return
		}
		if p.Counted {
			_ = sessions.Use(p) // any number, taken or not, without a panic
		}
		other := req
		other.Body = []byte(`{"x":1}`)
		if again, err := p.Signer(other, now, sessions); err == nil && again == signer {
			t.Fatalf("a proof for one request recovers the same signer %s for another", signer)
		}
	})
}

// FuzzGrant: any attestation offered as a grant parses without a panic.
func FuzzGrant(f *testing.F) {
	f.Add([]byte(`{"sig":{"domain":{},"message":{"data":"0x"}},"signer":"0x0000000000000000000000000000000000000001"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := attest.Parse(b)
		if err != nil {
			return
		}
		g, err := Parse(s)
		if err != nil {
			return
		}
		if g.Signer != s.Signer {
			t.Fatalf("a grant's signer %s is not its attestation's %s", g.Signer, s.Signer)
		}
	})
}
