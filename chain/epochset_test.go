package chain

import (
	"math/big"
	"testing"

	"github.com/smartlayer/smartlayer/nodekey"
)

// TestEpochSet: an epoch's anchors as nodes run them: an anchor whose peer
// ID is not its address's key is left out; stakes are whole tokens, at
// least 1 and capped.
func TestEpochSet(t *testing.T) {
	a, _ := nodekey.Generate()
	b, _ := nodekey.Generate()
	c, _ := nodekey.Generate()
	huge, _ := new(big.Int).SetString("1000000000000000000000000000000000000", 10)
	v := &EpochView{Epoch: 3, Anchors: []Node{
		{Address: a.Address(), PeerID: a.PeerID().String(), Stake: big.NewInt(5e18)},
		{Address: b.Address(), PeerID: c.PeerID().String(), Stake: big.NewInt(1e18)}, // another's peer ID
		{Address: c.Address(), PeerID: "not a peer ID", Stake: big.NewInt(1e18)},
		{Address: c.Address(), PeerID: c.PeerID().String(), Stake: huge},
		{Address: b.Address(), PeerID: b.PeerID().String(), Stake: big.NewInt(1)}, // less than a whole token
	}}
	anchors, stakes, left := v.Set()
	if len(anchors) != 3 || anchors[a.PeerID()] != a.Address() || anchors[b.PeerID()] != b.Address() || anchors[c.PeerID()] != c.Address() {
		t.Fatalf("anchors %v", anchors)
	}
	if len(left) != 2 || left[0].PeerID != c.PeerID().String() || left[1].PeerID != "not a peer ID" {
		t.Fatalf("left %+v", left)
	}
	if stakes[a.Address()] != 5 || stakes[b.Address()] != 1 || stakes[c.Address()] != maxWholeStake {
		t.Fatalf("stakes %v", stakes)
	}
}
