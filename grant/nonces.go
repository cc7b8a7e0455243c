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
// nonces, or MaxNoncesPerSigner of one signer (an integration or owner
// signing faster than any honest one would): that signer waits, the others
// do not.
var ErrNonceCacheFull = errors.New("too many signed requests in the time window; retry later")

// Bounds of the nonces a node remembers at once: in all, and of one signer.
const (
	MaxNonces          = 200_000
	MaxNoncesPerSigner = 20_000
)

// Nonces remembers the proofs a node has taken within the time window, so
// none is taken twice. Entries expire by the second they were kept for
// (no scan of the whole set). It reads no clock: the caller passes now.
type Nonces struct {
	m       map[[36]byte]time.Time // signer(20) + nonce(16) -> remembered until
	signers map[common.Address]int // entries per signer
	buckets map[int64][][36]byte   // expiry second -> keys
	next    int64                  // the first second not pruned yet
}

// NewNonces makes an empty set.
func NewNonces() *Nonces {
	return &Nonces{m: map[[36]byte]time.Time{}, signers: map[common.Address]int{}, buckets: map[int64][][36]byte{}}
}

// prune forgets the entries whose second has passed.
func (n *Nonces) prune(now time.Time) {
	sec := now.Unix()
	if n.next == 0 || n.next > sec {
		if n.next == 0 {
			n.next = sec - int64(2*MaxSkew/time.Second)
		}
		if n.next > sec {
			return
		}
	}
	for ; n.next < sec; n.next++ {
		for _, k := range n.buckets[n.next] {
			if _, ok := n.m[k]; ok {
				delete(n.m, k)
				var a common.Address
				copy(a[:], k[:20])
				if n.signers[a]--; n.signers[a] <= 0 {
					delete(n.signers, a)
				}
			}
		}
		delete(n.buckets, n.next)
	}
}

// Use records a proof by signer; ErrProofReplayed if it was taken before.
// Not safe for concurrent use.
func (n *Nonces) Use(signer common.Address, p *Proof, now time.Time) error {
	n.prune(now)
	var k [36]byte
	copy(k[:20], signer[:])
	copy(k[20:], p.Nonce[:])
	if until, ok := n.m[k]; ok && !now.After(until) {
		return ErrProofReplayed
	}
	if len(n.m) >= MaxNonces || n.signers[signer] >= MaxNoncesPerSigner {
		return ErrNonceCacheFull
	}
	// A proof is accepted within MaxSkew of its time either way (Signer):
	// after that it is stale, so it need not be remembered longer.
	until := time.UnixMilli(p.TimeMs).Add(MaxSkew)
	n.m[k] = until
	n.signers[signer]++
	sec := until.Unix() + 1 // pruned once this second has passed
	n.buckets[sec] = append(n.buckets[sec], k)
	return nil
}
