package node

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"sync"

	"github.com/smartlayer/smartlayer/wire"
)

// applier runs every change to a held instance (creating it, applying
// entries, catching up, a newer record, a drop) on one goroutine per shard
// of instance IDs. One instance's changes happen one at a time, in the order
// they were queued; instances of different shards apply in parallel; the
// log's order lock is held only while entries are queued, not while scripts
// run.
//
// Before start, changes run at once on the caller's goroutine, one at a
// time; start waits for the one running.
type applier struct {
	shards  []chan func()
	mu      sync.Mutex // guards started, and serialises changes before it
	started bool
	ctx     context.Context
}

// applyShards: a few per core, so one slow script holds up few others.
var applyShards = max(4, 2*runtime.GOMAXPROCS(0))

// shardQueue is each shard's queue length; a full queue makes delivery
// wait, which slows the log instead of growing memory.
const shardQueue = 1024

// errStopping answers a change asked for while the node stops.
var errStopping = errors.New("the node is stopping")

func newApplier() *applier {
	a := &applier{shards: make([]chan func(), applyShards)}
	for i := range a.shards {
		a.shards[i] = make(chan func(), shardQueue)
	}
	return a
}

// start runs the shards' goroutines until ctx ends. A task still queued
// when ctx ends is dropped, never run with a cancelled context: what it
// would have applied is caught up on from the log at the next start.
func (a *applier) start(ctx context.Context, spawn func(func())) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.started {
		return
	}
	a.ctx = ctx
	for _, ch := range a.shards {
		ch := ch
		spawn(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case f := <-ch:
					if ctx.Err() != nil {
						return
					}
					f()
				}
			}
		})
	}
	a.started = true
}

func (a *applier) shard(id wire.InstanceID) chan func() {
	return a.shards[binary.BigEndian.Uint32(id[:4])%uint32(len(a.shards))]
}

// enqueue queues f on id's shard; it reports false when the node stopped.
func (a *applier) enqueue(id wire.InstanceID, f func()) bool {
	a.mu.Lock()
	if !a.started {
		defer a.mu.Unlock()
		f()
		return true
	}
	ctx := a.ctx
	a.mu.Unlock()
	select {
	case a.shard(id) <- f:
		return true
	case <-ctx.Done():
		return false
	}
}

// run runs f on id's shard, after what is queued there, and returns its
// error; errStopping when the node stops first (f may then never run).
func (a *applier) run(id wire.InstanceID, f func() error) error {
	done := make(chan error, 1)
	if !a.enqueue(id, func() { done <- f() }) {
		return errStopping
	}
	a.mu.Lock()
	ctx := a.ctx
	a.mu.Unlock()
	if ctx == nil { // ran inline, before start
		return <-done
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errStopping
	}
}

// runFor is run for a change that answers yes or no (was it held, did it
// drop): the answer comes back over a channel, never through a variable
// the caller shares, since f may still run after a stopping node's run has
// returned errStopping (and its answer is then dropped).
func (a *applier) runFor(id wire.InstanceID, f func() (bool, error)) (bool, error) {
	res := make(chan bool, 1)
	err := a.run(id, func() error {
		ok, err := f()
		res <- ok
		return err
	})
	if errors.Is(err, errStopping) {
		return false, err
	}
	select {
	case ok := <-res:
		return ok, err
	default:
		return false, err
	}
}

// settle waits until what is queued for id now has run.
func (a *applier) settle(id wire.InstanceID) { _ = a.run(id, func() error { return nil }) }
