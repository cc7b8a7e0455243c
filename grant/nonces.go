package grant

import (
	"errors"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Presented is what a call presents to be let through: the grant header,
// the proof header and the request the proof covers.
type Presented struct {
	Grant   string
	Proof   string
	Request Request
}

// ErrNonceCacheFull refuses a call when a node holds MaxNonces unexpired
// nonces (an integration signing faster than any honest one would).
var ErrNonceCacheFull = errors.New("too many signed requests in the time window; retry later")

// MaxNonces bounds the nonces a node remembers at once.
const MaxNonces = 200_000

// Nonces remembers the proofs a node has taken within the time window, so
// none is taken twice. It reads no clock: the caller passes now.
type Nonces struct {
	m map[[36]byte]time.Time // signer(20) + nonce(16) -> forget after
}

// NewNonces makes an empty set.
func NewNonces() *Nonces { return &Nonces{m: map[[36]byte]time.Time{}} }

// Use records a proof by signer; ErrProofReplayed if it was taken before.
// Not safe for concurrent use.
func (n *Nonces) Use(signer common.Address, p *Proof, now time.Time) error {
	var k [36]byte
	copy(k[:20], signer[:])
	copy(k[20:], p.Nonce[:])
	if until, ok := n.m[k]; ok && now.Before(until) {
		return ErrProofReplayed
	}
	if len(n.m) >= MaxNonces {
		for key, until := range n.m {
			if !now.Before(until) {
				delete(n.m, key)
			}
		}
		if len(n.m) >= MaxNonces {
			return ErrNonceCacheFull
		}
	}
	// A proof is accepted within MaxSkew of its time either way: after
	// that it is stale, so it need not be remembered longer.
	n.m[k] = time.UnixMilli(p.TimeMs).Add(MaxSkew)
	return nil
}
