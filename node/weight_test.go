package node

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/chain"
)

// TestWeightBoundedByStake: with a chain, a service node's placement weight
// is the capacity it claims cut to what its stake allows; without stake it
// is nothing; without a chain it is the claim.
func TestWeightBoundedByStake(t *testing.T) {
	rich, poor, none := common.Address{1}, common.Address{2}, common.Address{3}
	tokens := func(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }
	n := &Node{cfg: validConfig()}
	n.cfg.Network.StakePerCapacity = 2
	if got := n.weight(Member{Address: rich.Hex(), Capacity: 500}); got != 500 {
		t.Fatalf("without a chain: %d", got)
	}
	n.staked = chain.WatcherOf(map[common.Address]*big.Int{rich: tokens(10_000), poor: new(big.Int).Add(tokens(300), big.NewInt(1))})
	for _, c := range []struct {
		addr     common.Address
		capacity int
		want     int
	}{
		{rich, 500, 500},     // stake allows 5,000
		{rich, 9_000, 5_000}, // claims more than its stake allows
		{poor, 10_000, 150},  // 300 tokens (and a wei) at 2 a unit
		{none, 10_000, 0},    // not admitted
	} {
		if got := n.weight(Member{Address: c.addr.Hex(), Capacity: c.capacity}); got != c.want {
			t.Errorf("%s claiming %d: weight %d, want %d", c.addr, c.capacity, got, c.want)
		}
	}
}

// TestVoteWeightsFromChain: with the epoch's stakes from the registry an
// anchor's vote weighs its stake; without, one each.
func TestVoteWeightsFromChain(t *testing.T) {
	a, b := common.Address{1}, common.Address{2}
	n := &Node{anchors: map[peer.ID]common.Address{"pa": a, "pb": b}, epochs: newEpochBook(4, [32]byte{1}, nil)}
	if w := n.stake(); w[a] != 1 || w[b] != 1 {
		t.Fatalf("without a chain: %v", w)
	}
	n.epochs = newEpochBook(4, [32]byte{1}, map[common.Address]uint64{a: 30_000, b: 10_000})
	if w := n.stake(); w[a] != 30_000 || w[b] != 10_000 {
		t.Fatalf("with the chain's stakes: %v", w)
	}
	// A followed epoch weighs with its own stakes; the one before keeps its.
	if !n.epochs.advance(5, [32]byte{2}, map[common.Address]uint64{a: 5, b: 50}) || n.epochs.advance(5, [32]byte{3}, nil) {
		t.Fatal("advance: a later epoch is taken once, an equal one never")
	}
	if w := n.stake(); w[a] != 5 || w[b] != 50 {
		t.Fatalf("in the followed epoch: %v", w)
	}
	if st := n.epochs.stake(4); st[a] != 30_000 {
		t.Fatalf("the epoch before: %v", st)
	}
}

// TestEpochBookBounded: a node keeps the seeds of the last maxKnownEpochs
// epochs, the current one included, and finds the one before the current.
func TestEpochBookBounded(t *testing.T) {
	b := newEpochBook(10, [32]byte{10}, nil)
	for e := uint64(11); e < 30; e++ {
		b.advance(e, [32]byte{byte(e)}, nil)
	}
	if cur, seed := b.now(); cur != 29 || seed != [32]byte{29} {
		t.Fatalf("now: %d %x", cur, seed)
	}
	if _, ok := b.seed(29 - maxKnownEpochs); ok {
		t.Fatal("an epoch past the bound is still known")
	}
	if s, ok := b.seed(29 - maxKnownEpochs + 1); !ok || s != [32]byte{byte(29 - maxKnownEpochs + 1)} {
		t.Fatal("an epoch within the bound is forgotten")
	}
	if e, s, ok := b.previous(); !ok || e != 28 || s != [32]byte{28} {
		t.Fatalf("previous: %d %x %v", e, s, ok)
	}
}
