package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/placement"
)

// maxKnownEpochs bounds the epochs a node keeps seeds of: the one it runs
// and those before it whose records may still be in flight.
const maxKnownEpochs = 8

// epochBook is the epochs a node knows: the one it runs, and the seeds and
// stakes of the last few, so records and votes of an epoch just left still
// check while the anchors re-place everything under the new seed.
type epochBook struct {
	mu      sync.RWMutex
	current uint64
	seeds   map[uint64][32]byte
	// stakes weigh anchors' votes (whole stake tokens) in an epoch the
	// registry started; nil for an epoch from configuration (one each).
	stakes map[uint64]map[common.Address]uint64
}

func newEpochBook(epoch uint64, seed [32]byte, stakes map[common.Address]uint64) *epochBook {
	b := &epochBook{current: epoch, seeds: map[uint64][32]byte{epoch: seed}, stakes: map[uint64]map[common.Address]uint64{}}
	if stakes != nil {
		b.stakes[epoch] = stakes
	}
	return b
}

// now is the epoch the node runs and its seed.
func (b *epochBook) now() (uint64, [32]byte) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.current, b.seeds[b.current]
}

// seed is a known epoch's seed.
func (b *epochBook) seed(epoch uint64) ([32]byte, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.seeds[epoch]
	return s, ok
}

// stake is a known epoch's stakes (nil: one each).
func (b *epochBook) stake(epoch uint64) map[common.Address]uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.stakes[epoch]
}

// previous is the newest known epoch before the current one.
func (b *epochBook) previous() (uint64, [32]byte, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var best uint64
	found := false
	for e := range b.seeds {
		if e < b.current && (!found || e > best) {
			best, found = e, true
		}
	}
	return best, b.seeds[best], found
}

// advance makes epoch the current one, keeping the last maxKnownEpochs.
// It reports false for an epoch not after the current one.
func (b *epochBook) advance(epoch uint64, seed [32]byte, stakes map[common.Address]uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if epoch <= b.current {
		return false
	}
	b.current, b.seeds[epoch], b.stakes[epoch] = epoch, seed, stakes
	known := slices.Sorted(maps.Keys(b.seeds))
	for len(known) > maxKnownEpochs {
		delete(b.seeds, known[0])
		delete(b.stakes, known[0])
		known = known[1:]
	}
	return true
}

// epochOf reads a started epoch's seed, anchor set and stakes from the
// registry at block at. An anchor whose registered peer ID is not its
// address's key is left out.
func (n *Node) epochOf(ctx context.Context, r *chain.Reader, epoch, at uint64) (seed [32]byte, anchors map[peer.ID]common.Address, stakes map[common.Address]uint64, err error) {
	v, err := r.Epoch(ctx, &bind.CallOpts{Context: ctx, BlockNumber: new(big.Int).SetUint64(at)}, epoch)
	if err != nil {
		return seed, nil, nil, err
	}
	anchors, stakes, left := v.Set()
	for _, a := range left {
		n.log.Warn("an anchor of the epoch registered a peer ID that is not its key's; left out", "epoch", epoch, "anchor", a.Address, "peer", a.PeerID)
	}
	if len(anchors) == 0 {
		return seed, nil, nil, fmt.Errorf("epoch %d: the registry's anchor set is empty", epoch)
	}
	return v.Seed, anchors, stakes, nil
}

// followEpochs moves the node onto each epoch the registry starts, read
// network.confirmations deep, when its anchor set is the one the node
// runs: the seed and stakes change, records of the epochs before still
// check, and an anchor re-places every instance it is then responsible
// for. An epoch with another anchor set is not followed (the node keeps
// its epoch and says so): anchors joining or leaving the set live is not
// built, and such a network restarts on the new epoch.
func (n *Node) followEpochs(ctx context.Context) error {
	head, err := n.eth.BlockNumber(ctx)
	if err != nil {
		return fmt.Errorf("chain head: %w", err)
	}
	at := head - min(n.cfg.Network.Confirmations, head)
	opts := &bind.CallOpts{Context: ctx, BlockNumber: new(big.Int).SetUint64(at)}
	last, err := n.reader.Registry.LastEpoch(opts)
	if err != nil {
		return fmt.Errorf("registry last epoch: %w", err)
	}
	cur, _ := n.epochs.now()
	if last <= cur || n.refusedEpoch.Load() == last {
		return nil
	}
	if ok, err := n.reader.Registry.EpochStarted(opts, last); err != nil || !ok {
		return err
	}
	seed, anchors, stakes, err := n.epochOf(ctx, n.reader, last, at)
	if err != nil {
		return err
	}
	if !maps.Equal(anchors, n.anchors) {
		n.refusedEpoch.Store(last)
		n.log.Warn("the registry started an epoch with another anchor set; this node stays on its epoch (restart the network with network.epoch set to the new one)",
			"epoch", last, "running", cur, "anchors", len(anchors))
		return nil
	}
	if n.epochs.advance(last, seed, stakes) {
		n.log.Info("following the registry's epoch", "epoch", last, "seed", common.Hash(seed).Hex(), "block", at)
		if n.metric.epoch != nil { // nil while New runs
			n.metric.epoch.Set(float64(last))
		}
		if n.anchor != nil {
			n.anchor.replace() // every instance, under the new seed
		}
	}
	return nil
}

// advanceTurn is how long each anchor waits after the one ranked before it
// to start an epoch the registry has not started.
const advanceTurn = 20 * time.Second

// advancer starts each epoch once its first block is mined
// (network.advance_epochs, anchors): Registry.advance fixes the epoch's
// anchor set, and SEED_DELAY blocks later draws its seed from that block's
// prevrandao. Anchors take turns, in an order drawn per epoch from
// keccak256(epoch, address), each one advanceTurn after the one before, so
// usually one anchor pays for it and any anchor will if the others do not.
type advancer struct {
	n       *Node
	seen    map[uint64]time.Time // when this anchor first saw an epoch unstarted
	noEther bool
}

func (a *advancer) round(ctx context.Context) error {
	n := a.n
	opts := &bind.CallOpts{Context: ctx}
	cur, err := n.reader.Epochs.Current(opts)
	if err != nil {
		return fmt.Errorf("current epoch: %w", err)
	}
	if ok, err := n.reader.Registry.EpochStarted(opts, cur); err != nil || ok {
		return err
	}
	now := n.now()
	first, ok := a.seen[cur]
	if !ok {
		a.seen = map[uint64]time.Time{cur: now} // older epochs are past
		first = now
	}
	if now.Sub(first) < time.Duration(a.rank(cur))*advanceTurn {
		return nil
	}
	unlock, err := n.txLock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	s, err := chainSender(ctx, n)
	if err != nil {
		return err
	}
	if bal, err := n.eth.BalanceAt(ctx, s.Address(), nil); err != nil {
		return err
	} else if bal.Sign() == 0 {
		if !a.noEther {
			n.log.Warn("cannot start epochs: this anchor's address has no ether for gas (network.advance_epochs)", "address", s.Address(), "epoch", cur)
			a.noEther = true
		}
		return nil
	}
	a.noEther = false
	v, err := chain.StartEpoch(ctx, s, n.eth, n.reader, nil)
	if err != nil {
		return fmt.Errorf("start epoch %d: %w", cur, err)
	}
	n.log.Info("started the registry's epoch", "epoch", v.Epoch, "seed", v.Seed.Hex(), "anchors", len(v.Anchors))
	return nil
}

// rank is this anchor's place in epoch's order of turns.
func (a *advancer) rank(epoch uint64) int {
	var e [8]byte
	binary.BigEndian.PutUint64(e[:], epoch)
	key := func(addr common.Address) common.Hash { return crypto.Keccak256Hash(e[:], addr[:]) }
	me := key(a.n.key.Address())
	r := 0
	for _, addr := range a.n.anchors {
		if k := key(addr); addr != a.n.key.Address() && bytes.Compare(k[:], me[:]) < 0 {
			r++
		}
	}
	return r
}

// followLoop runs followEpochs every network.chain_poll, and at most once
// a second sooner when a record or vote names an epoch after the node's
// (kickFollow): a node that has not read the new epoch yet catches up
// instead of refusing its records for a whole poll.
func (n *Node) followLoop() {
	var last time.Time
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(n.cfg.Network.ChainPoll.Duration):
		case <-n.followKick:
			if time.Since(last) < time.Second {
				continue
			}
		}
		last = time.Now()
		ctx, cancel := context.WithTimeout(n.ctx, 30*time.Second)
		if err := n.followEpochs(ctx); err != nil && n.ctx.Err() == nil {
			n.log.Warn("following the registry's epochs failed; it stays as last read", "err", err)
		}
		cancel()
	}
}

// catchUpEpoch reads the registry's epochs now when records (sent once,
// by an anchor: replication is not resent) name an epoch after the node's,
// so a record of an epoch the sender followed a moment before this node is
// checked under it rather than refused for good.
func (n *Node) catchUpEpoch(ctx context.Context, recs []*placement.Record) {
	if n.followKick == nil {
		return
	}
	cur, _ := n.epochs.now()
	for _, r := range recs {
		if r.Epoch > cur {
			if err := n.followEpochs(ctx); err != nil {
				n.log.Warn("reading the registry's epochs for a newer record failed", "err", err)
			}
			return
		}
	}
}

// kickFollow asks followLoop to read the registry's epochs soon.
func (n *Node) kickFollow() {
	select {
	case n.followKick <- struct{}{}:
	default:
	}
}

// seedOf is placement.Authority.Seed: a known epoch's seed. Asked for one
// after the node's, it has the registry read again (kickFollow).
func (n *Node) seedOf(epoch uint64) ([32]byte, bool) {
	s, ok := n.epochs.seed(epoch)
	if cur, _ := n.epochs.now(); !ok && epoch > cur && n.followKick != nil {
		n.kickFollow()
	}
	return s, ok
}
