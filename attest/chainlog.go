package attest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// ChainLog is one event log of a token's contract, as a chain-log
// attestation carries it from an anchor to the instances that follow it.
type ChainLog struct {
	ChainID     uint64
	Contract    common.Address
	BlockNumber uint64
	BlockHash   common.Hash
	BlockTime   uint64
	Index       uint32 // the log's index in its block
	TxHash      common.Hash
	Topics      []common.Hash
	Data        []byte
}

// Bounds of a chain-log attestation: the EVM's four topics, and data no
// larger than a token's event needs.
const (
	MaxLogTopics = 4
	MaxLogData   = 4096
)

// ChainPos is a log's place in the chain: its block and its index there.
type ChainPos struct {
	Block uint64 `json:"block"`
	Index uint32 `json:"index"`
}

// Before reports whether p comes before q in the chain.
func (p ChainPos) Before(q ChainPos) bool {
	return p.Block < q.Block || p.Block == q.Block && p.Index < q.Index
}

// Pos is the log's place in the chain.
func (l *ChainLog) Pos() ChainPos { return ChainPos{Block: l.BlockNumber, Index: l.Index} }

// SignChainLog is an anchor's chain-log attestation of l, made at now.
func SignChainLog(anchor *ecdsa.PrivateKey, d Domain, l *ChainLog, now time.Time) (*Signed, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	topics := make([][32]byte, len(l.Topics))
	for i, t := range l.Topics {
		topics[i] = t
	}
	data, err := ChainLogSchema.Schema.args.Pack(new(big.Int).SetUint64(l.ChainID), l.Contract, l.BlockNumber, [32]byte(l.BlockHash),
		l.BlockTime, l.Index, [32]byte(l.TxHash), topics, l.Data)
	if err != nil {
		return nil, fmt.Errorf("chain-log: %w", err)
	}
	m := Message{Version: Version2, Schema: ChainLogSchema.UID, Time: uint64(now.Unix()), Data: data}
	if _, err := rand.Read(m.Salt[:]); err != nil {
		return nil, err
	}
	return Sign(anchor, d, m)
}

// ChainLogOf reads the log a chain-log attestation carries. It checks the
// encoding and the bounds, not that the log is on any chain.
func ChainLogOf(s *Signed) (*ChainLog, error) {
	if s.Message.Schema != ChainLogSchema.UID {
		return nil, fmt.Errorf("%w: not a chain-log attestation", ErrSchema)
	}
	if _, err := ChainLogSchema.Schema.Decode(s.Message.Data); err != nil {
		return nil, err // not the canonical encoding
	}
	v, err := ChainLogSchema.Schema.args.Unpack(s.Message.Data)
	if err != nil || len(v) != 9 {
		return nil, fmt.Errorf("%w: chain-log data: %v", ErrSchema, err)
	}
	chainID, _ := v[0].(*big.Int)
	topics, _ := v[7].([][32]byte)
	l := &ChainLog{Contract: v[1].(common.Address), BlockNumber: v[2].(uint64), BlockHash: v[3].([32]byte),
		BlockTime: v[4].(uint64), Index: v[5].(uint32), TxHash: v[6].([32]byte), Data: v[8].([]byte)}
	if chainID == nil || !chainID.IsUint64() {
		return nil, fmt.Errorf("%w: chain-log chain ID %v", ErrSchema, chainID)
	}
	l.ChainID = chainID.Uint64()
	for _, t := range topics {
		l.Topics = append(l.Topics, t)
	}
	return l, l.check()
}

func (l *ChainLog) check() error {
	switch {
	case len(l.Topics) == 0 || len(l.Topics) > MaxLogTopics:
		return fmt.Errorf("%w: chain-log with %d topics (1 to %d)", ErrSchema, len(l.Topics), MaxLogTopics)
	case len(l.Data) > MaxLogData:
		return fmt.Errorf("%w: chain-log with %d bytes of data (at most %d)", ErrSchema, len(l.Data), MaxLogData)
	case l.ChainID == 0 || l.BlockHash == (common.Hash{}):
		return fmt.Errorf("%w: chain-log without a chain ID or block hash", ErrSchema)
	}
	return nil
}
