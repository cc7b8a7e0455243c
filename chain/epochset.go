package chain

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/nodekey"
)

// maxWholeStake caps an anchor's stake in whole tokens, so that any sum of
// 64 stakes fits a uint64.
const maxWholeStake = 1 << 40

// Set is the epoch's anchor set as nodes run it: each anchor's peer ID
// mapped to its address, and its stake in whole tokens (at least 1, at
// most 2^40). An anchor whose registered peer ID is not its address's key
// is left out, and returned in left: no node could check a record it
// signed under that peer ID.
func (v *EpochView) Set() (anchors map[peer.ID]common.Address, stakes map[common.Address]uint64, left []Node) {
	anchors = map[peer.ID]common.Address{}
	stakes = map[common.Address]uint64{}
	for _, a := range v.Anchors {
		id, err := peer.Decode(a.PeerID)
		var addr common.Address
		if err == nil {
			addr, err = nodekey.AddressOfPeer(id)
		}
		if err != nil || addr != a.Address {
			left = append(left, a)
			continue
		}
		anchors[id] = addr
		whole := new(big.Int)
		if a.Stake != nil {
			whole.Quo(a.Stake, big.NewInt(1e18))
		}
		if !whole.IsUint64() || whole.Uint64() > maxWholeStake {
			whole.SetUint64(maxWholeStake)
		}
		stakes[addr] = max(whole.Uint64(), 1)
	}
	return anchors, stakes, left
}
