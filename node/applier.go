package node

import (
	"context"
	"encoding/binary"
	"runtime"
	"sync/atomic"

	"github.com/smartlayer/smartlayer/wire"
)

// applier runs every change to a held instance (applying entries, catching
// up, a newer record, a drop) on one goroutine per shard of instance IDs.
// One instance's changes happen one at a time, in the order they were
// queued; instances of different shards apply in parallel; the log's order
// lock is held only while entries are queued, not while scripts run.
//
// Before the node starts, changes run at once on the caller's goroutine.
type applier struct {
	shards  []chan func()
	started atomic.Bool
	ctx     context.Context
}

// applyShards: a few per core, so one slow script holds up few others.
var applyShards = max(4, 2*runtime.GOMAXPROCS(0))

// shardQueue is each shard's queue length; a full queue makes delivery
// wait, which slows the log instead of growing memory.
const shardQueue = 1024

func newApplier() *applier {
	a := &applier{shards: make([]chan func(), applyShards)}
	for i := range a.shards {
		a.shards[i] = make(chan func(), shardQueue)
	}
	return a
}

// start runs the shards' goroutines until ctx ends.
func (a *applier) start(ctx context.Context, spawn func(func())) {
	a.ctx = ctx
	for _, ch := range a.shards {
		ch := ch
		spawn(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case f := <-ch:
					f()
				}
			}
		})
	}
	a.started.Store(true)
}

func (a *applier) shard(id wire.InstanceID) chan func() {
	return a.shards[binary.BigEndian.Uint32(id[:4])%uint32(len(a.shards))]
}

// enqueue queues f on id's shard; it reports false when the node stopped.
func (a *applier) enqueue(id wire.InstanceID, f func()) bool {
	if !a.started.Load() {
		f()
		return true
	}
	select {
	case a.shard(id) <- f:
		return true
	case <-a.ctx.Done():
		return false
	}
}

// run runs f on id's shard, after what is queued there, and waits for it.
func (a *applier) run(id wire.InstanceID, f func()) {
	done := make(chan struct{})
	if !a.enqueue(id, func() { f(); close(done) }) {
		return
	}
	select {
	case <-done:
	case <-a.ctx.Done():
	}
}

// settle waits until what is queued for id now has run.
func (a *applier) settle(id wire.InstanceID) { a.run(id, func() {}) }
