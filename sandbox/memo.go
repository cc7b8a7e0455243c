package sandbox

import (
	"encoding/json"
	"sync"
)

// Memo remembers the answers of queries that depended on nothing but their
// inputs, so that the same query of the same state with the same arguments
// is answered without running the script again.
//
// A query's run is deterministic in its script, function, instance, state
// and arguments (ctx.random and Math.random are seeded from those), except
// for what it reads of the world: the clock (ctx.now, Date), outbound calls
// (ctx.fetch, ctx.tokens) and the node's log (ctx.log). A run that read
// none of them is remembered; one that read any of them never is, and runs
// again each time. Nothing else reaches a call: every call gets a new ctx,
// a new scope of the module and deep-frozen intrinsics. The key holds the
// hash of the state's bytes and of the arguments' bytes, as the script sees
// them (see Call.StateRoot). The answer of a remembered run comes with a transcript
// that differs from a fresh run's only in its time, which the run did not
// read: replaying it gives the same output, so a receipt over it is as
// good as one over a fresh run.
//
// A Memo is bounded in entries and in the bytes of the answers it holds,
// across all the modules that share it; answers above a sixteenth of the
// byte bound are not kept. The oldest entry goes first. It is safe for
// concurrent use.
type Memo struct {
	mu       sync.Mutex
	entries  map[memoKey]*memoEntry
	ring     []memoKey // the keys held, oldest at ring[head]
	head, n  int
	bytes    int
	maxBytes int
	hits     uint64
	misses   uint64
}

type memoKey struct {
	module   Hash
	function string
	instance string
	state    Hash // of the state's bytes, which the script sees
	args     Hash // of the arguments' bytes, from which the seed is derived too
}

type memoEntry struct {
	output json.RawMessage
	size   int // what the entry counts against the byte bound
}

// NewMemo returns a memo of at most entries answers and maxBytes bytes of
// answers (both at least 1).
func NewMemo(entries, maxBytes int) *Memo {
	entries, maxBytes = max(entries, 1), max(maxBytes, 1)
	return &Memo{entries: map[memoKey]*memoEntry{}, ring: make([]memoKey, entries), maxBytes: maxBytes}
}

// Stats returns the hits and misses so far.
func (m *Memo) Stats() (hits, misses uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits, m.misses
}

// Len returns the answers held.
func (m *Memo) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func (m *Memo) get(k memoKey) *memoEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[k]
	if e != nil {
		m.hits++
	} else {
		m.misses++
	}
	return e
}

func (m *Memo) put(k memoKey, e *memoEntry) {
	e.size = len(e.output) + len(k.function) + len(k.instance) + memoOverhead
	if e.size > m.maxBytes/16 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[k]; ok {
		return
	}
	for m.n > 0 && (m.n == len(m.ring) || m.bytes+e.size > m.maxBytes) {
		old := m.ring[m.head]
		m.ring[m.head] = memoKey{}
		m.head, m.n = (m.head+1)%len(m.ring), m.n-1
		m.bytes -= m.entries[old].size
		delete(m.entries, old)
	}
	m.ring[(m.head+m.n)%len(m.ring)] = k
	m.n++
	m.entries[k], m.bytes = e, m.bytes+e.size
}

// memoOverhead is what an entry costs besides its variable bytes: its key
// (in the map and in the ring), its map slot and the entry, roughly.
const memoOverhead = 512
