package sampling

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/store"
)

// Archive keeps every execution a node signed a receipt for, in the node's
// store, for the network's transcript retention: whoever holds a receipt
// can fetch the execution behind it that long, and an anchor holds a node
// that cannot produce it at fault (Verifier, forwarded receipts). The ring
// keeps the newest in memory; the archive is what makes the promise hold
// whatever the node's traffic, at a disk cost of the node's answer rate
// times the retention times an execution's size.
//
// Add hands an execution to the writer (Run), which stores them in
// batches without waiting for the disk (a crash of the machine, not of
// the process, may lose the last moments); a full queue makes Add wait:
// a node does not answer faster than it can keep what it answered.
type Archive struct {
	st        *store.Store
	retention time.Duration
	log       *slog.Logger
	now       func() time.Time
	in        chan Kept
}

// Archive keys, on service nodes:
//
//	ka/ leaf(32) -> the execution a receipt vouches for (Kept JSON)
//	kt/ atMs(8) leaf(32) -> nothing: the time index that pruning walks
const (
	PrefixArchive     = "ka/"
	PrefixArchiveTime = "kt/"
)

func archiveKey(leaf common.Hash) []byte { return store.Key(PrefixArchive, leaf[:]) }

func archiveTimeKey(atMs int64, leaf common.Hash) []byte {
	return store.Key(PrefixArchiveTime, binary.BigEndian.AppendUint64(nil, uint64(atMs)), leaf[:])
}

// archiveQueue bounds the executions waiting for the writer.
const archiveQueue = 4096

// NewArchive keeps executions in st for retention.
func NewArchive(st *store.Store, retention time.Duration, log *slog.Logger, now func() time.Time) *Archive {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Archive{st: st, retention: retention, log: log, now: now, in: make(chan Kept, archiveQueue)}
}

// Add queues an execution with a receipt for the writer; one without a
// receipt (an applied run, before an anchor samples it) is not archived.
// It waits while the queue is full, or until ctx ends.
func (a *Archive) Add(ctx context.Context, k Kept) {
	if k.Receipt == nil {
		return
	}
	select {
	case a.in <- k:
	case <-ctx.Done():
	}
}

// Find is the archived execution a receipt (its leaf) vouches for.
func (a *Archive) Find(leaf common.Hash) (Kept, bool) {
	b, err := a.st.Get(archiveKey(leaf))
	if err != nil {
		return Kept{}, false
	}
	var k Kept
	if json.Unmarshal(b, &k) != nil || k.Receipt == nil || k.Receipt.Leaf() != leaf {
		return Kept{}, false
	}
	return k, true
}

// archiveBatch bounds the executions one write commits.
const archiveBatch = 256

// Run writes queued executions until ctx ends (then what is queued), and
// prunes those past the retention every tenth of it (at least a second).
func (a *Archive) Run(ctx context.Context) {
	every := max(a.retention/10, time.Second)
	prune := time.NewTicker(every)
	defer prune.Stop()
	batch := make([]Kept, 0, archiveBatch)
	for {
		select {
		case k := <-a.in:
			batch = append(batch[:0], k)
			for len(batch) < archiveBatch && len(a.in) > 0 {
				batch = append(batch, <-a.in)
			}
			a.write(batch)
		case <-prune.C:
			a.prune()
		case <-ctx.Done():
			for len(a.in) > 0 {
				batch = batch[:0]
				for len(batch) < archiveBatch && len(a.in) > 0 {
					batch = append(batch, <-a.in)
				}
				a.write(batch)
			}
			return
		}
	}
}

func (a *Archive) write(ks []Kept) {
	type enc struct {
		leaf common.Hash
		at   int64
		b    []byte
	}
	out := make([]enc, 0, len(ks))
	for _, k := range ks {
		b, err := json.Marshal(k)
		if err != nil {
			a.log.Error("cannot encode an execution to archive", "err", err)
			continue
		}
		out = append(out, enc{k.Receipt.Leaf(), k.Receipt.AtMs, b})
	}
	err := a.st.Batch(false, func(w store.Writes) {
		for _, e := range out {
			w.Set(archiveKey(e.leaf), e.b)
			w.Set(archiveTimeKey(e.at, e.leaf), nil)
		}
	})
	if err != nil && !errors.Is(err, store.ErrClosed) {
		a.log.Error("cannot archive executions", "err", err)
	}
}

// errPruned stops the walk at the first execution still within retention.
var errPruned = errors.New("pruned")

// prune deletes the executions older than the retention, a chunk a batch.
func (a *Archive) prune() {
	cutoff := a.now().Add(-a.retention).UnixMilli()
	for {
		var old [][]byte
		_ = a.st.Each([]byte(PrefixArchiveTime), func(key, _ []byte) error {
			rest := key[len(PrefixArchiveTime):]
			if len(rest) == 8+32 && int64(binary.BigEndian.Uint64(rest[:8])) >= cutoff || len(old) >= pruneChunk {
				return errPruned
			}
			old = append(old, append([]byte(nil), key...))
			return nil
		})
		if len(old) == 0 {
			return
		}
		err := a.st.Batch(false, func(w store.Writes) {
			for _, k := range old {
				w.Delete(k)
				if rest := k[len(PrefixArchiveTime):]; len(rest) == 8+32 {
					w.Delete(archiveKey(common.BytesToHash(rest[8:])))
				}
			}
		})
		if err != nil {
			if !errors.Is(err, store.ErrClosed) {
				a.log.Error("cannot prune archived executions", "err", err)
			}
			return
		}
		if len(old) < pruneChunk {
			return
		}
	}
}

// pruneChunk bounds the keys one pruning batch deletes.
const pruneChunk = 1024
