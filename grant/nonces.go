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
	// Caller: a token calling another (wire.CallerHeader and friends), as
	// presented; the node checks it.
	Caller Caller
	// Payment is the call's payment promise (wire.PaymentHeader), which
	// the node checks when the call is priced.
	Payment string
}

// Caller is a calling token as a request presents it: its instance, its
// placement record (base64url JSON) and the chain of calls in progress.
type Caller struct {
	Instance string
	Record   string
	Chain    string
}

// Signer reads the presented proof and recovers who signed the request,
// within the time window at now; a session MAC is checked against
// sessions (nil refuses one).
func (p Presented) Signer(now time.Time, sessions *Sessions) (common.Address, *Proof, error) {
	pr, err := ParseProof(p.Proof)
	if err != nil {
		return common.Address{}, nil, err
	}
	signer, err := pr.Signer(p.Request, now, sessions)
	return signer, pr, err
}

// ErrNonceCacheFull refuses a call when its signer (or the owner of the
// token it is for) holds MaxNoncesPerSigner unexpired nonces (signing
// faster than any honest one would), or, once the node holds MaxNonces,
// when the calls on that owner's tokens hold their fair share of them
// (MaxNonces over the owners counted, at least minShare), or when the node
// holds twice MaxNonces: those wait, the others do not.
var ErrNonceCacheFull = errors.New("too many signed requests in the time window; retry later")

// Bounds of the nonces a node remembers at once: in all, and of one signer.
const (
	MaxNonces          = 200_000
	MaxNoncesPerSigner = 20_000
	// minShare is the least an owner's tokens may hold once the set is
	// full (MaxNonces): the share falls as owners are added.
	minShare = 256
)

// Nonces remembers the proofs a node has taken within the time window, so
// none is taken twice. Entries expire by the second they were kept for
// (no scan of the whole set). It reads no clock: the caller passes now.
type Nonces struct {
	m       map[[36]byte]nonceEntry // signer(20) + nonce(16) -> its entry
	counts  map[common.Address]int  // entries per signer, and per token owner
	owners  map[common.Address]int  // entries per token owner (a signer's own call: the signer)
	buckets map[int64][][36]byte    // expiry second -> keys
	next    int64                   // the first second not pruned yet
}

type nonceEntry struct {
	until time.Time      // remembered until
	owner common.Address // the owner whose token the call was for (the signer's own call: the signer)
}

// NewNonces makes an empty set.
func NewNonces() *Nonces {
	return &Nonces{m: map[[36]byte]nonceEntry{}, counts: map[common.Address]int{}, owners: map[common.Address]int{}, buckets: map[int64][][36]byte{}}
}

func (n *Nonces) count(a common.Address, d int) {
	if n.counts[a] += d; n.counts[a] <= 0 {
		delete(n.counts, a)
	}
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
		if e, ok := n.m[k]; ok && bucketOf(e.until) == b {
			delete(n.m, k)
			var a common.Address
			copy(a[:], k[:20])
			n.count(a, -1)
			if e.owner != a {
				n.count(e.owner, -1)
			}
			if n.owners[e.owner]--; n.owners[e.owner] <= 0 {
				delete(n.owners, e.owner)
			}
		}
	}
	delete(n.buckets, b)
}

// bucketOf is the second after which an entry kept until t is forgotten.
func bucketOf(t time.Time) int64 { return t.Unix() + 1 }

// Use records a proof by signer for a call on owner's token (the owner's
// own call: owner is the signer); ErrProofReplayed if it was taken before.
// Both the signer and the owner have a quota (MaxNoncesPerSigner): an
// owner who grants many keys of its own cannot fill the set either.
// Not safe for concurrent use.
func (n *Nonces) Use(signer, owner common.Address, p *Proof, now time.Time) error {
	n.prune(now)
	var k [36]byte
	copy(k[:20], signer[:])
	copy(k[20:], p.Nonce[:])
	old, renewed := n.m[k]
	if renewed && !now.After(old.until) {
		return ErrProofReplayed
	}
	if len(n.m) >= 2*MaxNonces || n.counts[signer] >= MaxNoncesPerSigner || owner != signer && n.counts[owner] >= MaxNoncesPerSigner {
		return ErrNonceCacheFull
	}
	if len(n.m) >= MaxNonces {
		// Full: only the calls on tokens of an owner under its share go
		// on, so a few owners of tokens of their own, each within its
		// quota (and each key it grants signing once), cannot fill the set
		// and keep every other signer out. The share is by owner, and at
		// least minShare: signers are as many as an owner makes keys.
		share := max(minShare, MaxNonces/max(1, len(n.owners)))
		if n.owners[owner] >= share {
			return ErrNonceCacheFull
		}
	}
	// A proof is accepted within MaxSkew of its time either way (Signer):
	// after that it is stale, so it need not be remembered longer.
	until := time.UnixMilli(p.TimeMs).Add(MaxSkew)
	if renewed {
		if old.owner != signer {
			n.count(old.owner, -1)
		}
		if n.owners[old.owner]--; n.owners[old.owner] <= 0 {
			delete(n.owners, old.owner)
		}
	} else {
		n.count(signer, 1)
	}
	n.owners[owner]++
	if owner != signer {
		n.count(owner, 1)
	}
	sec := max(bucketOf(until), n.next) // a clock that stepped back still gets pruned
	if sec != bucketOf(until) {
		until = time.Unix(sec-1, 0)
	}
	n.m[k] = nonceEntry{until: until, owner: owner}
	n.buckets[sec] = append(n.buckets[sec], k)
	return nil
}

// Len returns the nonces remembered.
func (n *Nonces) Len() int { return len(n.m) }
