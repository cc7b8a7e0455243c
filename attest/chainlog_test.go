package attest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

func TestChainLogRoundTrip(t *testing.T) {
	k, _ := crypto.GenerateKey()
	d := NetworkDomain(1337, common.Address{1})
	l := &ChainLog{ChainID: 1337, Contract: common.Address{2}, BlockNumber: 12, BlockHash: common.Hash{3}, BlockTime: 1700000000,
		Index: 4, TxHash: common.Hash{5}, Topics: []common.Hash{{6}, {7}}, Data: []byte("event data")}
	s, err := SignChainLog(k, d, l, time.Unix(1700000100, 0))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := s.MarshalJSON()
	back, err := ParseJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ChainLogOf(back)
	if err != nil {
		t.Fatal(err)
	}
	if got.ChainID != l.ChainID || got.Contract != l.Contract || got.Pos() != l.Pos() || got.BlockHash != l.BlockHash ||
		got.BlockTime != l.BlockTime || got.TxHash != l.TxHash || len(got.Topics) != 2 || got.Topics[1] != l.Topics[1] || !bytes.Equal(got.Data, l.Data) {
		t.Fatalf("round trip: %+v, want %+v", got, l)
	}
	if !(ChainPos{12, 4}).Before(ChainPos{12, 5}) || !(ChainPos{11, 9}).Before(ChainPos{12, 0}) || (ChainPos{12, 4}).Before(ChainPos{12, 4}) {
		t.Fatal("ChainPos.Before")
	}
	// Bounds, on signing and on reading.
	for _, bad := range []*ChainLog{
		{ChainID: 1, BlockHash: common.Hash{1}},
		{ChainID: 1, BlockHash: common.Hash{1}, Topics: make([]common.Hash, 5)},
		{ChainID: 1, BlockHash: common.Hash{1}, Topics: make([]common.Hash, 1), Data: make([]byte, MaxLogData+1)},
		{BlockHash: common.Hash{1}, Topics: make([]common.Hash, 1)},
	} {
		if _, err := SignChainLog(k, d, bad, time.Now()); !errors.Is(err, ErrSchema) {
			t.Errorf("%+v signed: %v", bad, err)
		}
	}
	other, _ := SignNetwork(k, d, RevocationSchema, map[string]any{"uid": common.Hash{1}.Hex()}, time.Now())
	if _, err := ChainLogOf(other); !errors.Is(err, ErrSchema) {
		t.Fatalf("a revocation read as a chain log: %v", err)
	}
}

// FuzzChainLog: any data under the chain-log schema either reads as a log
// within the bounds, which encodes back to the same data, or is refused;
// it never panics.
func FuzzChainLog(f *testing.F) {
	k, _ := crypto.GenerateKey()
	l := &ChainLog{ChainID: 1, BlockHash: common.Hash{1}, Topics: []common.Hash{{2}}, Data: []byte{3}}
	s, _ := SignChainLog(k, NetworkDomain(1, common.Address{}), l, time.Unix(0, 0))
	f.Add(s.Message.Data)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &Signed{Message: Message{Schema: ChainLogSchema.UID, Data: data}}
		got, err := ChainLogOf(s)
		if err != nil {
			return
		}
		if len(got.Topics) == 0 || len(got.Topics) > MaxLogTopics || len(got.Data) > MaxLogData {
			t.Fatalf("out of bounds: %+v", got)
		}
		again, err := SignChainLog(k, NetworkDomain(1, common.Address{}), got, time.Unix(0, 0))
		if err != nil || !bytes.Equal(again.Message.Data, data) {
			t.Fatalf("does not encode back: %v", err)
		}
	})
}
