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
// every later entry of their stream. It lives in memory only: after a
// restart the refused entries are stepped once more.
type strangerCursors struct {
	mu      sync.Mutex
	m       map[strangerKey]uint64
	refused prometheus.Counter
}

type strangerKey struct {
	id     wire.InstanceID
	stream string
}

func newStrangerCursors() *strangerCursors {
	return &strangerCursors{m: map[strangerKey]uint64{}, refused: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "smartlayer_entries_refused_total",
		Help: "Log entries an instance refused as a stranger's (not its issuers', executor's or anchors'), counted once per instance and entry; they leave no trace on it.",
	})}
}

// done is how far the instance has gone in the stream: its offset, or past
// it the last of the entries refused one after another since.
func (c *strangerCursors) done(id wire.InstanceID, stream string, offset uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(offset, c.m[strangerKey{id, stream}])
}

// refuse records that the instance refused the stream's entry seq. Like an
// offset, the cursor trusts its caller to step a stream's entries in order
// (the log leaves out only entries another stream holds).
func (c *strangerCursors) refuse(id wire.InstanceID, stream string, offset, seq uint64) {
	k := strangerKey{id, stream}
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq <= max(offset, c.m[k]) {
		return
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= maxStrangerCursors {
		for old := range c.m { // any one: Go's map order is random
			delete(c.m, old)
			break
		}
	}
	c.m[k] = seq
	c.refused.Inc()
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
