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
	n := &Node{anchors: map[peer.ID]common.Address{"pa": a, "pb": b}}
	if w := n.stake(); w[a] != 1 || w[b] != 1 {
		t.Fatalf("without a chain: %v", w)
	}
	n.stakes = map[common.Address]uint64{a: 30_000, b: 10_000}
	if w := n.stake(); w[a] != 30_000 || w[b] != 10_000 {
		t.Fatalf("with the chain's stakes: %v", w)
	}
}
