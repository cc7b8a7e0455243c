package chain

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
)

// watchPage is how many registered service nodes one read covers.
const watchPage = 256

// Watcher keeps a snapshot of the registry's admitted service nodes and
// anchor set, read every interval at a block confirmations deep, so that an
// anchor's admission check is a map lookup and never waits on the chain,
// and a registration or a slash undone by a reorg shallower than that
// depth is never acted on. A failed read keeps the last snapshot.
type Watcher struct {
	r     *Reader
	log   *slog.Logger
	depth uint64

	mu       sync.RWMutex
	services map[common.Address]*big.Int // admitted service nodes' stakes
	anchors  map[common.Address]*big.Int // the anchor set's stakes
	block    uint64                      // the block of the snapshot
	version  uint64                      // bumped when the admitted services or their stakes change
	epoch    int64                       // the registry's last started epoch (-1: none)
	reads    uint64
	readAt   time.Time // the last successful read
}

// NewWatcher watches r's registry, reading confirmations blocks behind the
// endpoint's head.
func NewWatcher(r *Reader, confirmations uint64, log *slog.Logger) *Watcher {
	return &Watcher{r: r, log: log, depth: confirmations, epoch: -1, services: map[common.Address]*big.Int{}, anchors: map[common.Address]*big.Int{}}
}

// Poll reads the admitted service nodes and the anchor set once, at the
// head's block less the confirmation depth. A read from a block older than
// the last one's (a lagging endpoint behind a load balancer) is ignored.
func (w *Watcher) Poll(ctx context.Context) error {
	h, err := w.r.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return fmt.Errorf("latest block: %w", err)
	}
	at := h.Number.Uint64() - min(w.depth, h.Number.Uint64())
	w.mu.RLock()
	last := w.block
	w.mu.RUnlock()
	if at < last {
		return fmt.Errorf("the endpoint's confirmed block %d is behind the last read's %d", at, last)
	}
	opts := &bind.CallOpts{Context: ctx, BlockNumber: new(big.Int).SetUint64(at)}
	set, err := w.r.Registry.AnchorSet(opts)
	if err != nil {
		return fmt.Errorf("registry anchor set: %w", err)
	}
	epoch := int64(-1)
	if last, err := w.r.Registry.LastEpoch(opts); err != nil {
		return fmt.Errorf("registry last epoch: %w", err)
	} else if ok, err := w.r.Registry.EpochStarted(opts, last); err != nil {
		return fmt.Errorf("registry epoch %d: %w", last, err)
	} else if ok {
		epoch = int64(last)
	}
	anchors := make(map[common.Address]*big.Int, len(set.Set))
	for i, a := range set.Set {
		anchors[a] = set.Stakes[i]
	}
	next := map[common.Address]*big.Int{}
	for start := int64(0); ; start += watchPage {
		page, err := w.r.Registry.AdmittedServices(opts, big.NewInt(start), big.NewInt(watchPage))
		if err != nil {
			return fmt.Errorf("registry admitted services from %d: %w", start, err)
		}
		for i, a := range page.Nodes {
			next[a] = page.Stakes[i]
		}
		if !page.Total.IsInt64() || start+watchPage >= page.Total.Int64() {
			break
		}
	}
	w.mu.Lock()
	if !sameStakes(w.services, next) {
		w.version++
	}
	w.services, w.anchors, w.block, w.epoch = next, anchors, at, epoch
	w.reads++
	w.readAt = time.Now()
	w.mu.Unlock()
	return nil
}

func sameStakes(a, b map[common.Address]*big.Int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w := b[k]; w == nil || w.Cmp(v) != 0 {
			return false
		}
	}
	return true
}

// LatestEpoch is the last epoch the registry started, as of the last read
// (-1: none, or no read yet).
func (w *Watcher) LatestEpoch() int64 {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.epoch
}

// LastRead is when the last read succeeded (zero: never).
func (w *Watcher) LastRead() time.Time {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.readAt
}

// Version changes whenever a read finds the admitted service nodes or
// their stakes changed.
func (w *Watcher) Version() uint64 {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.version
}

// AnchorSet is the anchor set with its stakes in the last snapshot (a
// copy).
func (w *Watcher) AnchorSet() map[common.Address]*big.Int {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make(map[common.Address]*big.Int, len(w.anchors))
	for a, s := range w.anchors {
		out[a] = new(big.Int).Set(s)
	}
	return out
}

// Run polls every interval until ctx ends (PollEvery).
func (w *Watcher) Run(ctx context.Context, interval time.Duration) {
	PollEvery(ctx, interval, w.log, "reading the registry's admitted service nodes", w.Poll)
}

// ServiceAdmitted reports whether the last snapshot admits a service node.
func (w *Watcher) ServiceAdmitted(a common.Address) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.services[a] != nil
}

// ServiceStake is an admitted service node's stake in the last snapshot
// (nil when not admitted).
func (w *Watcher) ServiceStake(a common.Address) *big.Int {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.services[a]
}

// Snapshot is the (confirmed) block of the last read and how many service
// nodes it admits.
func (w *Watcher) Snapshot() (block uint64, admitted int) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.block, len(w.services)
}

// WatcherOf is a watcher fixed at a snapshot of admitted service nodes and
// their stakes (it reads no chain): the in-memory twin for tests.
func WatcherOf(stakes map[common.Address]*big.Int) *Watcher {
	w := &Watcher{epoch: -1, services: map[common.Address]*big.Int{}, anchors: map[common.Address]*big.Int{}}
	for a, s := range stakes {
		w.services[a] = new(big.Int).Set(s)
	}
	return w
}
