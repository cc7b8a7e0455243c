package payments

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/contracts"
)

// distributedLog is a Distributed event of channel id burning burnt, as
// the contract at addr would log it.
func distributedLog(t *testing.T, addr common.Address, id, burnt int64) *types.Log {
	t.Helper()
	a, err := contracts.ChannelsMetaData.GetAbi()
	must(t, err)
	ev := a.Events["Distributed"]
	data, err := ev.Inputs.NonIndexed().Pack(big.NewInt(100), big.NewInt(burnt), []common.Address{}, []*big.Int{})
	must(t, err)
	return &types.Log{Address: addr, Topics: []common.Hash{ev.ID, common.BigToHash(big.NewInt(id))}, Data: data}
}

// TestBurntOnlyFromTheChannelsContract: the share a settlement burnt is read
// from the Channels contract's own Distributed event; an event of the same
// shape logged first by another contract in the same transaction (a token
// or a contract it calls) is not read.
func TestBurntOnlyFromTheChannelsContract(t *testing.T) {
	c, err := contracts.NewChannels(common.Address{}, nil)
	must(t, err)
	channels := common.HexToAddress("0x00000000000000000000000000000000000c4a11")
	key, err := crypto.GenerateKey()
	must(t, err)
	other := crypto.PubkeyToAddress(key.PublicKey)
	logs := []*types.Log{distributedLog(t, other, 7, 1), distributedLog(t, channels, 8, 2), distributedLog(t, channels, 7, 20)}
	burnt, ok := burntOf(c, channels, logs, 7)
	if !ok || burnt.Int64() != 20 {
		t.Fatalf("burnt %v (%v), want 20 from the Channels contract's event for channel 7", burnt, ok)
	}
	if burnt, ok := burntOf(c, channels, logs[:2], 7); ok {
		t.Fatalf("read %v burnt from another contract's event", burnt)
	}
}
