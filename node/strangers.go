package node

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/wire"
)

// maxStrangerCursors bounds strangerCursors. A cursor it drops costs only
// re-stepping that stream's refused entries once more: each is refused
// again, before anything is copied or run.
const maxStrangerCursors = 1 << 17

// strangerCursors remembers, per instance and stream, how far past the
// instance's offset every entry was refused as a stranger's
// (token.Ready.Refused). Such entries leave no offset on the instance, so
// without this catch-up and gap filling would read and step them again at
// every later entry of their stream. A cursor counts only while the
// stream's offset is the one it was made on: an instance dropped and
// taken up again, which applies its streams from the start, ignores it
// until it stands there again (a stranger's entry is one on every
// replica, every time), and a dropped instance's cursors go only when
// evicted.
// It lives in memory only: after a restart the refused entries are
// stepped once more.
type strangerCursors struct {
	mu      sync.Mutex
	m       map[strangerKey]strangerCursor
	refused prometheus.Counter
}

type strangerKey struct {
	id     wire.InstanceID
	stream string
}

// strangerCursor: every entry after base up to upto was refused.
type strangerCursor struct{ base, upto uint64 }

func newStrangerCursors() *strangerCursors {
	return &strangerCursors{m: map[strangerKey]strangerCursor{}, refused: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "smartlayer_entries_refused_total",
		Help: "Log entries an instance refused as a stranger's (not its issuers', executor's or anchors'), counted once per instance and entry; they leave no trace on it.",
	})}
}

// done is how far the instance, standing at offset in the stream, has gone
// in it: past the offset, the last of the entries refused one after
// another since.
func (c *strangerCursors) done(id wire.InstanceID, stream string, offset uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.m[strangerKey{id, stream}]; ok && cur.base == offset {
		return max(offset, cur.upto)
	}
	return offset
}

// refuse records that the instance, standing at offset, refused the
// stream's entry seq. Like an offset, the cursor trusts its caller to step
// a stream's entries in order (the log leaves out only entries another
// stream holds).
func (c *strangerCursors) refuse(id wire.InstanceID, stream string, offset, seq uint64) {
	k := strangerKey{id, stream}
	c.mu.Lock()
	defer c.mu.Unlock()
	cur, ok := c.m[k]
	if ok && cur.base != offset {
		ok, cur = false, strangerCursor{}
	}
	if seq <= max(offset, cur.upto) {
		return
	}
	if !ok && len(c.m) >= maxStrangerCursors {
		c.evictLocked()
	}
	c.m[k] = strangerCursor{base: offset, upto: seq}
	c.refused.Inc()
}

// evictLocked drops, of a few cursors taken at random (Go's map order),
// the one that saves the least: the fewest entries to step again.
func (c *strangerCursors) evictLocked() {
	var victim strangerKey
	least, seen := uint64(0), 0
	for k, cur := range c.m {
		if n := cur.upto - cur.base; seen == 0 || n < least {
			victim, least = k, n
		}
		if seen++; seen == 4 {
			break
		}
	}
	delete(c.m, victim)
}

// applied forgets the stream's cursor once the instance's own offset moved.
func (c *strangerCursors) applied(id wire.InstanceID, stream string) {
	c.mu.Lock()
	delete(c.m, strangerKey{id, stream})
	c.mu.Unlock()
}

// len is the number of cursors held.
func (c *strangerCursors) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
