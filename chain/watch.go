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

// Watcher keeps a snapshot of the registry's admitted service nodes, read
// every interval, so that an anchor's admission check is a map lookup and
// never waits on the chain. A failed read keeps the last snapshot.
type Watcher struct {
	r   *Reader
	log *slog.Logger

	mu       sync.RWMutex
	services map[common.Address]*big.Int // admitted service nodes' stakes
	block    uint64                      // the block of the snapshot
	reads    uint64
}

// NewWatcher watches r's registry.
func NewWatcher(r *Reader, log *slog.Logger) *Watcher {
	return &Watcher{r: r, log: log, services: map[common.Address]*big.Int{}}
}

// Poll reads the admitted service nodes once. A read from a block older
// than the last one's (a lagging endpoint behind a load balancer) is
// ignored.
func (w *Watcher) Poll(ctx context.Context) error {
	h, err := w.r.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return fmt.Errorf("latest block: %w", err)
	}
	w.mu.RLock()
	last := w.block
	w.mu.RUnlock()
	if h.Number.Uint64() < last {
		return fmt.Errorf("the endpoint is at block %d, behind the last read's %d", h.Number.Uint64(), last)
	}
	opts := &bind.CallOpts{Context: ctx, BlockNumber: h.Number}
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
	w.services, w.block = next, h.Number.Uint64()
	w.reads++
	w.mu.Unlock()
	return nil
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

// Snapshot is the block of the last read and how many service nodes it
// admits.
func (w *Watcher) Snapshot() (block uint64, admitted int) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.block, len(w.services)
}

// WatcherOf is a watcher fixed at a snapshot of admitted service nodes and
// their stakes (it reads no chain): the in-memory twin for tests.
func WatcherOf(stakes map[common.Address]*big.Int) *Watcher {
	w := &Watcher{services: map[common.Address]*big.Int{}}
	for a, s := range stakes {
		w.services[a] = new(big.Int).Set(s)
	}
	return w
}
