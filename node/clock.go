package node

import (
	crand "crypto/rand"
	"math/rand/v2"
	"sync"
	"time"
)

// now reads the node's clock (Deps.Now, else the wall clock): what grants,
// registrations, votes, heartbeats, placement and log entries are judged
// by. Metrics of elapsed time read the wall clock whatever it is.
func (n *Node) now() time.Time {
	if n.deps.Now != nil {
		return n.deps.Now()
	}
	return time.Now()
}

// lockedRand is a node's random source: ChaCha8 seeded once, safe for the
// node's goroutines. Which transcripts are sampled and which answers are
// re-executed come from it, so in production it is seeded from
// crypto/rand: a node must not be able to predict what is checked.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newLockedRand(seed *[32]byte) *lockedRand {
	var s [32]byte
	if seed != nil {
		s = *seed
	} else {
		_, _ = crand.Read(s[:]) // never fails (crypto/rand panics instead)
	}
	return &lockedRand{r: rand.New(rand.NewChaCha8(s))}
}

// Float64 is a number in [0, 1).
func (l *lockedRand) Float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

// Perm is a random permutation of [0, n).
func (l *lockedRand) Perm(n int) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Perm(n)
}
