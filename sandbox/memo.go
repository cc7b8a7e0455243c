package sandbox

import (
	"encoding/json"
	"sync/atomic"

	"github.com/smartlayer/smartlayer/internal/bounded"
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
	kept         *bounded.FIFO[memoKey, json.RawMessage]
	hits, misses atomic.Uint64
}

type memoKey struct {
	module   Hash
	function string
	instance string
	state    Hash // of the state's bytes, which the script sees
	args     Hash // of the arguments' bytes, from which the seed is derived too
}

// NewMemo returns a memo of at most entries answers and maxBytes bytes of
// answers (both at least 1).
func NewMemo(entries, maxBytes int) *Memo {
	return &Memo{kept: bounded.NewFIFO[memoKey, json.RawMessage](entries, maxBytes)}
}

// Stats returns the hits and misses so far.
func (m *Memo) Stats() (hits, misses uint64) { return m.hits.Load(), m.misses.Load() }

// Len returns the answers held.
func (m *Memo) Len() int { return m.kept.Len() }

func (m *Memo) get(k memoKey) (json.RawMessage, bool) {
	out, ok := m.kept.Get(k)
	if ok {
		m.hits.Add(1)
	} else {
		m.misses.Add(1)
	}
	return out, ok
}

func (m *Memo) put(k memoKey, output json.RawMessage) {
	m.kept.Put(k, output, len(output)+len(k.function)+len(k.instance)+memoOverhead)
}

// memoOverhead is what an entry costs besides its variable bytes: its key
// (in the map and in the ring), its map slot and the entry, roughly.
const memoOverhead = 512
