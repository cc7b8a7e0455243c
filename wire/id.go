package wire

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// InstanceID names one token instance: the attestation UID for
// attestation-based tokens, keccak256(chainId, contract, tokenId) otherwise.
type InstanceID [32]byte

func (id InstanceID) String() string { return "0x" + hex.EncodeToString(id[:]) }

// MarshalText writes the 0x hex form.
func (id InstanceID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText reads the 0x hex form.
func (id *InstanceID) UnmarshalText(b []byte) error {
	v, err := ParseInstanceID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseInstanceID reads a 0x-prefixed 32-byte hex string.
func ParseInstanceID(s string) (InstanceID, error) {
	var id InstanceID
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return id, fmt.Errorf("instance id %q: want 0x followed by 64 hex digits", s)
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil || len(b) != 32 {
		return id, fmt.Errorf("instance id %q: want 0x followed by 64 hex digits", s)
	}
	copy(id[:], b)
	return id, nil
}

// ContractInstanceID is the ID of an on-chain token.
func ContractInstanceID(chainID *big.Int, contract common.Address, tokenID *big.Int) InstanceID {
	return InstanceID(crypto.Keccak256Hash(
		common.LeftPadBytes(chainID.Bytes(), 32), contract[:], common.LeftPadBytes(tokenID.Bytes(), 32)))
}

// Registration creates a token instance: the bundle that runs it and the
// attestation it stands for (the airline's ticket for the flight ticket).
type Registration struct {
	Instance    InstanceID      `json:"instance"`
	Bundle      string          `json:"bundle"`
	Attestation json.RawMessage `json:"attestation"`
}
