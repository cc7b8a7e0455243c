package chain

import (
	"context"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
)

// BundleRef names a bundle by its issuer and hash, as TokenTypes keys it.
type BundleRef struct {
	Issuer common.Address
	Hash   common.Hash
}

// TypeState is what a service node needs to know of a bundle's token type.
type TypeState struct {
	Type      common.Hash `json:"type"`
	Active    bool        `json:"active"`
	PaidUntil uint64      `json:"paidUntilEpoch"`
	Epoch     uint64      `json:"epoch"`
}

// Rent keeps the token types' state of the bundles a service node holds,
// read every poll, so that answering a query never waits on the chain. A
// bundle not read yet, or not registered, has no state (and is served).
type Rent struct {
	r  *Reader
	mu sync.RWMutex
	m  map[BundleRef]TypeState
}

// NewRent reads r's token types.
func NewRent(r *Reader) *Rent { return &Rent{r: r, m: map[BundleRef]TypeState{}} }

// Poll reads the types of the given bundles.
func (w *Rent) Poll(ctx context.Context, bundles []BundleRef) error {
	opts := &bind.CallOpts{Context: ctx}
	epoch, err := w.r.Epochs.Current(opts)
	if err != nil {
		return fmt.Errorf("epoch: %w", err)
	}
	next := make(map[BundleRef]TypeState, len(bundles))
	for _, b := range bundles {
		id, err := w.r.Types.TypeOfBundle(opts, b.Issuer, b.Hash)
		if err != nil {
			return fmt.Errorf("type of bundle %s: %w", b.Hash, err)
		}
		if id == (common.Hash{}) {
			continue
		}
		t, err := w.r.Types.TypeOf(opts, id)
		if err != nil {
			return fmt.Errorf("type %s: %w", common.Hash(id), err)
		}
		next[b] = TypeState{Type: id, Active: epoch < t.PaidUntil, PaidUntil: t.PaidUntil, Epoch: epoch}
	}
	w.mu.Lock()
	w.m = next
	w.mu.Unlock()
	return nil
}

// State is a bundle's type state from the last read (false when none).
func (w *Rent) State(b BundleRef) (TypeState, bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	s, ok := w.m[b]
	return s, ok
}
