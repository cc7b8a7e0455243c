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
	if sec-n.next > int64(len(n.buckets))+1 {
		// A long way behind (idle, or the clock jumped): visit the buckets
		// there are rather than every second in between.
		for b := range n.buckets {
			if b < sec {
				n.dropBucket(b)
			}
		}
		n.next = sec
		return
	}
	for ; n.next < sec; n.next++ {
		n.dropBucket(n.next)
	}
}

// dropBucket forgets the entries kept until second b (an entry renewed
// since, into a later bucket, stays).
func (n *Nonces) dropBucket(b int64) {
	for _, k := range n.buckets[b] {
		if until, ok := n.m[k]; ok && bucketOf(until) == b {
			delete(n.m, k)
			var a common.Address
			copy(a[:], k[:20])
			if n.signers[a]--; n.signers[a] <= 0 {
				delete(n.signers, a)
			}
		}
	}
	delete(n.buckets, b)
}

// bucketOf is the second after which an entry kept until t is forgotten.
func bucketOf(t time.Time) int64 { return t.Unix() + 1 }

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
	if _, renewed := n.m[k]; !renewed {
		n.signers[signer]++
	}
	sec := max(bucketOf(until), n.next) // a clock that stepped back still gets pruned
	if sec != bucketOf(until) {
		until = time.Unix(sec-1, 0)
	}
	n.m[k] = until
	n.buckets[sec] = append(n.buckets[sec], k)
	return nil
}
