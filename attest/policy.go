package attest

import (
	"container/heap"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Policy refusals; each has its own error, tested with errors.Is.
var (
	ErrDomain           = errors.New("attestation domain is not pinned")
	ErrFuture           = errors.New("attestation time is in the future")
	ErrExpired          = errors.New("attestation expired")
	ErrTooOld           = errors.New("attestation is older than the policy accepts")
	ErrRevoked          = errors.New("attestation revoked")
	ErrSchemaNotAllowed = errors.New("attestation schema not allowed for this use")
	ErrRecipient        = errors.New("attestation recipient is not the one bound")
	ErrReplayed         = errors.New("attestation already used")
	ErrReplayGuardFull  = errors.New("replay guard full of unexpired attestations")
	ErrNoExpiry         = errors.New("a one-shot attestation needs an expiration time or a policy maximum age")
)

// KnownEASVersions are the EAS contract versions whose EIP-712 domain
// version strings are accepted by default.
var KnownEASVersions = []string{"0.26", "1.0.0", "1.0.1", "1.0.2", "1.1.0", "1.2.0", "1.3.0", "1.4.0"}

// Pin is one accepted EIP-712 domain: chain, EAS contract, version strings.
type Pin struct {
	ChainID  *big.Int
	Contract common.Address
	Versions []string // empty means KnownEASVersions
}

// Revocations answers whether signer revoked uid.
type Revocations interface {
	Revoked(signer common.Address, uid UID) bool
}

// Policy is how a node judges an attestation beyond its signature.
type Policy struct {
	Pins    []Pin
	MaxSkew time.Duration // how far in the future time may be
	MaxAge  time.Duration // 0: any age
	Revoked Revocations   // nil: nothing is revoked
	Replay  *ReplayGuard  // needed for Use.OneShot
}

// Use says what an attestation is checked for.
type Use struct {
	Schemas   []SchemaUID     // the schemas allowed; empty allows any
	Recipient *common.Address // when set, the attestation must be to it
	OneShot   bool            // refuse a second use of the same (signer, uid)
}

// Check verifies s (signature, signer, UID) and applies the policy at now.
func (p *Policy) Check(s *Signed, use Use, now time.Time) error {
	if err := s.Verify(); err != nil {
		return err
	}
	if !p.pinned(s.Domain) {
		return fmt.Errorf("%w: chain %v, contract %s, version %q", ErrDomain, s.Domain.ChainID, s.Domain.VerifyingContract, s.Domain.Version)
	}
	m := &s.Message
	t := time.Unix(int64(m.Time), 0)
	if t.After(now.Add(p.MaxSkew)) {
		return fmt.Errorf("%w: %s is past now %s plus skew %s", ErrFuture, t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), p.MaxSkew)
	}
	if m.ExpirationTime != 0 && !now.Before(time.Unix(int64(m.ExpirationTime), 0)) {
		return fmt.Errorf("%w at %s", ErrExpired, time.Unix(int64(m.ExpirationTime), 0).UTC().Format(time.RFC3339))
	}
	if p.MaxAge > 0 && now.Sub(t) > p.MaxAge {
		return fmt.Errorf("%w: made %s, more than %s ago", ErrTooOld, t.UTC().Format(time.RFC3339), p.MaxAge)
	}
	if len(use.Schemas) > 0 && !slices.Contains(use.Schemas, m.Schema) {
		return fmt.Errorf("%w: %s", ErrSchemaNotAllowed, m.Schema)
	}
	if use.Recipient != nil && *use.Recipient != m.Recipient {
		return fmt.Errorf("%w: to %s, want %s", ErrRecipient, m.Recipient, *use.Recipient)
	}
	if p.Revoked != nil && p.Revoked.Revoked(s.Signer, s.UID) {
		return fmt.Errorf("%w: %s by %s", ErrRevoked, s.UID, s.Signer)
	}
	if use.OneShot {
		if p.Replay == nil {
			return errors.New("policy has no replay guard for a one-shot use")
		}
		var forget time.Time
		switch {
		case m.ExpirationTime != 0:
			forget = time.Unix(int64(m.ExpirationTime), 0)
		case p.MaxAge > 0:
			forget = t.Add(p.MaxAge)
		default:
			return ErrNoExpiry
		}
		// Past forget, the expiry or age check refuses it anyway.
		return p.Replay.Admit(s.Signer, s.UID, forget.Add(p.MaxSkew), now)
	}
	return nil
}

func (p *Policy) pinned(d Domain) bool {
	if d.Name != DomainName || d.ChainID == nil {
		return false
	}
	for _, pin := range p.Pins {
		if pin.ChainID.Cmp(d.ChainID) != 0 || pin.Contract != d.VerifyingContract {
			continue
		}
		vs := pin.Versions
		if len(vs) == 0 {
			vs = KnownEASVersions
		}
		if slices.Contains(vs, d.Version) {
			return true
		}
	}
	return false
}

// ReplayGuard remembers (signer, uid) pairs until they expire. Its memory
// is bounded: when full it forgets what has expired and nothing else, and
// refuses new entries while it is full of unexpired ones.
type ReplayGuard struct {
	mu   sync.Mutex
	max  int
	seen map[replayKey]int64
	q    expiryHeap
}

type replayKey struct {
	signer common.Address
	uid    UID
}

type expiryEntry struct {
	key    replayKey
	forget int64 // unix seconds
}

type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].forget < h[j].forget }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// NewReplayGuard makes a guard that holds at most max entries.
func NewReplayGuard(max int) *ReplayGuard {
	return &ReplayGuard{max: max, seen: map[replayKey]int64{}}
}

// Admit records (signer, uid) until forget, or refuses a pair already held.
func (g *ReplayGuard) Admit(signer common.Address, uid UID, forget, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expire(now)
	k := replayKey{signer, uid}
	if _, ok := g.seen[k]; ok {
		return fmt.Errorf("%w: %s by %s", ErrReplayed, uid, signer)
	}
	if len(g.seen) >= g.max {
		return fmt.Errorf("%w: %d entries", ErrReplayGuardFull, len(g.seen))
	}
	g.seen[k] = forget.Unix()
	heap.Push(&g.q, expiryEntry{k, forget.Unix()})
	return nil
}

// expire forgets entries whose time has passed.
func (g *ReplayGuard) expire(now time.Time) {
	for len(g.q) > 0 && g.q[0].forget < now.Unix() {
		e := heap.Pop(&g.q).(expiryEntry)
		delete(g.seen, e.key)
	}
}

// Len is how many pairs the guard holds.
func (g *ReplayGuard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.seen)
}
