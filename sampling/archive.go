package sampling

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/store"
)

// Archive keeps every execution a node signed a receipt for, in the node's
// store, for the network's transcript retention: whoever holds a receipt
// can fetch the execution behind it that long, and an anchor holds a node
// that cannot produce it at fault (Verifier, forwarded receipts). The ring
// keeps the newest in memory; the archive is what makes the promise hold
// whatever the node's traffic, at a disk cost of the node's answer rate
// times the retention times an execution's size (its state is kept once
// per time bucket, however many executions ran on it).
//
// Executions are kept in time buckets of a quarter of the retention, by
// their receipt's time; a bucket is dropped whole once all of it is past
// the retention (so an execution is kept between the retention and a
// quarter more). Add hands an execution to the writer (Run), which stores
// them in batches without waiting for the disk (a crash of the machine,
// not of the process, may lose the last moments); a full queue makes Add
// wait: a node does not answer faster than it can keep what it answered.
type Archive struct {
	st        *store.Store
	retention time.Duration
	bucketMs  int64
	log       *slog.Logger
	now       func() time.Time
	in        chan archived
	// states written, by bucket and root (the writer's alone).
	states map[stateKey]bool

	// maxBytes bounds what the archive holds (its keys and values as
	// written); held counts it by bucket, what an earlier run archived
	// included (Run counts it first).
	maxBytes int64
	mu       sync.Mutex
	held     map[uint64]int64
	total    int64
}

type stateKey struct {
	bucket uint64
	root   common.Hash
}

// Archive keys, on service nodes:
//
//	ka/ bucket(8) leaf(32) -> the execution a receipt vouches for, without its state (encodeArchived)
//	ks/ bucket(8) root(32) -> a state executions of the bucket ran on
const (
	PrefixArchive      = "ka/"
	PrefixArchiveState = "ks/"
)

func bucketKey(prefix string, bucket uint64, h common.Hash) []byte {
	return store.Key(prefix, binary.BigEndian.AppendUint64(nil, bucket), h[:])
}

// archiveQueue bounds the executions waiting for the writer.
const archiveQueue = 4096

// NewArchive keeps executions in st for retention, up to about maxBytes.
func NewArchive(st *store.Store, retention time.Duration, maxBytes int64, log *slog.Logger, now func() time.Time) *Archive {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Archive{st: st, retention: retention, bucketMs: max(retention.Milliseconds()/4, 1000), log: log, now: now,
		in: make(chan archived, archiveQueue), states: map[stateKey]bool{}, maxBytes: maxBytes, held: map[uint64]int64{}}
}

// Full reports whether the archive holds its bound: a node then takes no
// new query until the oldest bucket is dropped, rather than answer one it
// could not keep.
func (a *Archive) Full() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.total >= a.maxBytes
}

// Bytes is about what the archive holds.
func (a *Archive) Bytes() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.total
}

func (a *Archive) bucket(atMs int64) uint64 { return uint64(max(atMs, 0) / a.bucketMs) }

// archived is an execution queued for the writer with its receipt's leaf.
type archived struct {
	Kept
	leaf common.Hash
}

// Add queues an execution with a receipt for the writer, with the
// receipt's leaf (Ring.Add's); one without a receipt (an applied run,
// before an anchor samples it) is not archived. It waits while the queue
// is full, or until ctx ends.
func (a *Archive) Add(ctx context.Context, k Kept, leaf common.Hash) {
	if k.Receipt == nil || k.Transcript == nil {
		return
	}
	e := archived{k, leaf}
	select {
	case a.in <- e: // queued whenever there is room, even while stopping
		return
	default:
	}
	select {
	case a.in <- e:
	case <-ctx.Done():
	}
}

// Find is the archived execution a receipt (its leaf) vouches for, looked
// for in the buckets the retention keeps, newest first.
func (a *Archive) Find(leaf common.Hash) (Kept, bool) {
	now := a.now()
	lo := a.bucket(now.Add(-a.retention).UnixMilli()) // the oldest bucket prune keeps
	for b := a.bucket(now.Add(receipt.MaxSkew).UnixMilli()) + 1; b > lo; {
		b--
		v, err := a.st.Get(bucketKey(PrefixArchive, b, leaf))
		if err != nil {
			continue
		}
		k, err := decodeArchived(v)
		if err != nil || k.Receipt.Leaf() != leaf {
			return Kept{}, false
		}
		if k.State, err = a.st.Get(bucketKey(PrefixArchiveState, b, k.Transcript.StateBefore)); err != nil {
			return Kept{}, false
		}
		return k, true
	}
	return Kept{}, false
}

// archiveBatch bounds the executions one write commits.
const archiveBatch = 1024

// archiveEvery is how often the writer stores what is queued: one commit
// (one write to Pebble's log) for all the answers of that time, not one
// an answer, and no wake-up of the writer for each.
const archiveEvery = 10 * time.Millisecond

// Run writes queued executions every archiveEvery until ctx ends (then
// what is queued), and drops the buckets past the retention every bucket's
// length.
func (a *Archive) Run(ctx context.Context) {
	a.recount()
	prune := time.NewTicker(time.Duration(a.bucketMs) * time.Millisecond)
	defer prune.Stop()
	flush := time.NewTicker(archiveEvery)
	defer flush.Stop()
	batch := make([]archived, 0, archiveBatch)
	drain := func() { // what is queued now, not what keeps coming: pruning gets its turn
		for n := len(a.in); n > 0; n -= len(batch) {
			batch = batch[:0]
			for len(batch) < min(n, archiveBatch) {
				batch = append(batch, <-a.in)
			}
			a.write(batch)
		}
	}
	for {
		select {
		case <-flush.C:
			drain()
		case <-prune.C:
			a.prune()
		case <-ctx.Done():
			drain()
			return
		}
	}
}

func (a *Archive) write(ks []archived) {
	type kv struct {
		bucket uint64
		key, b []byte
	}
	out := make([]kv, 0, 2*len(ks))
	var states []stateKey // written by this batch, marked once it is stored
	for _, k := range ks {
		b := a.bucket(k.Receipt.AtMs)
		if sk := (stateKey{b, k.Transcript.StateBefore}); !a.states[sk] && !slices.Contains(states, sk) {
			state := k.State
			if len(state) == 0 {
				state = json.RawMessage("null")
			}
			if sandbox.StateRoot(state) != k.Transcript.StateBefore {
				a.log.Error("an execution to archive does not carry the state it ran on", "receipt", k.leaf)
				continue
			}
			states = append(states, sk)
			out = append(out, kv{b, bucketKey(PrefixArchiveState, b, sk.root), state})
		}
		out = append(out, kv{b, bucketKey(PrefixArchive, b, k.leaf), encodeArchived(&k.Kept)})
	}
	err := a.st.Batch(false, func(w store.Writes) {
		for _, e := range out {
			w.Set(e.key, e.b)
		}
	})
	if err != nil {
		if !errors.Is(err, store.ErrClosed) {
			a.log.Error("cannot archive executions", "err", err)
		}
		return
	}
	for _, sk := range states {
		a.states[sk] = true
	}
	a.mu.Lock()
	for _, e := range out {
		n := int64(len(e.key) + len(e.b))
		a.held[e.bucket] += n
		a.total += n
	}
	a.mu.Unlock()
}

// recount drops what is past the retention and counts what an earlier run
// archived within it, so that the bound holds across restarts (and the
// states stored are not written again).
func (a *Archive) recount() {
	a.prune()
	held := map[uint64]int64{}
	var total int64
	for _, p := range []string{PrefixArchive, PrefixArchiveState} {
		err := a.st.Each([]byte(p), func(k, v []byte) error {
			if len(k) != len(p)+8+common.HashLength {
				return nil
			}
			b := binary.BigEndian.Uint64(k[len(p):])
			if p == PrefixArchiveState {
				a.states[stateKey{b, common.BytesToHash(k[len(p)+8:])}] = true
			}
			n := int64(len(k) + len(v))
			held[b] += n
			total += n
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrClosed) {
			a.log.Error("cannot count the archived executions", "err", err)
		}
	}
	a.mu.Lock()
	for b, n := range held {
		a.held[b] += n
	}
	a.total += total
	a.mu.Unlock()
}

// prune drops the buckets wholly past the retention.
func (a *Archive) prune() {
	keep := a.bucket(a.now().Add(-a.retention).UnixMilli()) // the oldest bucket still (partly) within it
	for _, p := range []string{PrefixArchive, PrefixArchiveState} {
		end := store.Key(p, binary.BigEndian.AppendUint64(nil, keep))
		if err := a.st.DeleteRange([]byte(p), end); err != nil && !errors.Is(err, store.ErrClosed) {
			a.log.Error("cannot prune archived executions", "err", err)
			return
		}
	}
	for sk := range a.states {
		if sk.bucket < keep {
			delete(a.states, sk)
		}
	}
	a.mu.Lock()
	for b, n := range a.held {
		if b < keep {
			a.total -= n
			delete(a.held, b)
		}
	}
	a.mu.Unlock()
}
