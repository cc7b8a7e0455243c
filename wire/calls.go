package wire

import (
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Inter-token calls: a token's module calls another token instance
// (ctx.tokens.query). The calling token is an integration of the callee: its
// owner grants the calling token access by naming TokenAddress(caller) as
// the grant's integration. The service node running the caller signs the
// request with its node key (SignatureHeader) and shows that it may speak
// for the caller: the caller's anchor-signed placement record, naming it as
// a replica.
const (
	// CallerHeader names the calling token instance (0x, 64 hex digits).
	CallerHeader = "X-Smartlayer-Caller"
	// CallerRecordHeader carries the caller's placement record: base64url,
	// unpadded, of its JSON (package placement).
	CallerRecordHeader = "X-Smartlayer-Caller-Record"
	// CallChainHeader lists the token instances whose calls are in
	// progress, outermost first, comma-separated (the caller last): a call
	// back into one of them is a cycle, and a chain of MaxCallDepth is
	// refused (problem "call-loop", 508).
	CallChainHeader = "X-Smartlayer-Call-Chain"
)

// MaxCallDepth bounds a chain of inter-token calls: the callee of a chain
// this long is not run.
const MaxCallDepth = 4

// TokenAddress is a token instance's address as an integration: the one a
// grant to the token names.
func TokenAddress(id InstanceID) common.Address {
	return common.BytesToAddress(crypto.Keccak256([]byte("smartlayer/token-integration/v1"), id[:])[12:])
}

// ParseCallChain reads a CallChainHeader value (at most MaxCallDepth ids).
func ParseCallChain(v string) ([]InstanceID, error) {
	if v == "" {
		return nil, nil
	}
	if n := strings.Count(v, ",") + 1; n > MaxCallDepth {
		return nil, fmt.Errorf("call chain of %d tokens, at most %d", n, MaxCallDepth)
	}
	parts := strings.Split(v, ",")
	out := make([]InstanceID, len(parts))
	for i, p := range parts {
		id, err := ParseInstanceID(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("call chain: %w", err)
		}
		out[i] = id
	}
	return out, nil
}

// FormatCallChain writes a CallChainHeader value.
func FormatCallChain(chain []InstanceID) string {
	s := make([]string, len(chain))
	for i, id := range chain {
		s[i] = id.String()
	}
	return strings.Join(s, ",")
}
