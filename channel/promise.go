// Package channel is the payment channels' pure core: the EIP-712 messages
// of the Channels contract (contracts/src/Channels.sol) that integrations
// and anchors sign, and the accounting an anchor keeps for each channel
// (Account), which decides whether a call's promise pays for it.
//
// An integration opens a channel to an anchor with a deposit of service
// tokens, then signs a Promise for a call: the channel, the cumulative
// amount it owes so far and a nonce that rises with every call. Between two
// promises it may send calls on credit (Credit), MAC'd under a key it
// shares with the anchor, which its next promise covers. Only the
// highest promise is worth anything, so an anchor keeps that one; a promise
// that does not raise the amount by at least the call's price, or reuses a
// nonce, pays for nothing. The contract cashes the highest promise, burns
// a share of every payout and splits the rest by the served-call counts the
// anchor signs (Distribution).
//
// The package does no I/O and reads no clock: chain state comes in as
// arguments, and what must be kept comes back as values.
package channel

import (
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
)

// The EIP-712 domain the Channels contract signs under.
const (
	DomainName    = "Smart Layer Channels"
	DomainVersion = "1"
)

// Domain is the Channels contract at an address on a chain.
func Domain(chainID int64, contract common.Address) attest.Domain {
	return attest.Domain{Name: DomainName, Version: DomainVersion, ChainID: big.NewInt(chainID), VerifyingContract: contract}
}

var (
	promiseType      = crypto.Keccak256([]byte("Promise(uint256 channel,uint256 cumulativeAmount,uint64 nonce)"))
	closeType        = crypto.Keccak256([]byte("Close(uint256 channel,uint256 finalAmount)"))
	distributionType = crypto.Keccak256([]byte("Distribution(uint256 channel,uint256 from,uint256 upTo,address[] nodes,uint256[] counts)"))
)

// MaxAmount bounds every amount: a uint256.
var MaxAmount = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// Promise is an integration's signed promise: it owes Cumulative in total
// on Channel, as of its Nonce-th call.
type Promise struct {
	Channel    uint64
	Cumulative *big.Int
	Nonce      uint64
	Sig        []byte // 65 bytes, r || s || v with v in {27, 28}
}

// Errors of parsing and checking signed messages.
var (
	ErrMalformed    = errors.New("malformed payment promise")
	ErrBadSignature = errors.New("payment promise signature does not recover")
)

// MaxHeader bounds a promise's header form: a channel, an amount, a nonce
// and a signature.
const MaxHeader = 256

// Header is the promise in its X-Smartlayer-Payment header form:
// "channel;cumulative;nonce;0xsignature", decimal numbers.
func (p Promise) Header() string {
	return fmt.Sprintf("%d;%s;%d;0x%s", p.Channel, p.Cumulative, p.Nonce, hex.EncodeToString(p.Sig))
}

// ParseHeader reads a promise's header form, bounded before it allocates.
func ParseHeader(h string) (Promise, error) {
	if len(h) > MaxHeader {
		return Promise{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxHeader)
	}
	parts := strings.Split(h, ";")
	if len(parts) != 4 {
		return Promise{}, fmt.Errorf("%w: want channel;cumulative;nonce;signature", ErrMalformed)
	}
	var p Promise
	var err error
	if p.Channel, err = strconv.ParseUint(parts[0], 10, 64); err != nil || p.Channel == 0 {
		return Promise{}, fmt.Errorf("%w: channel %q", ErrMalformed, parts[0])
	}
	if p.Cumulative, err = ParseAmount(parts[1]); err != nil {
		return Promise{}, fmt.Errorf("%w: cumulative amount: %v", ErrMalformed, err)
	}
	if p.Nonce, err = strconv.ParseUint(parts[2], 10, 64); err != nil {
		return Promise{}, fmt.Errorf("%w: nonce %q", ErrMalformed, parts[2])
	}
	if p.Sig, err = fixedHex(parts[3], 65, "signature"); err != nil {
		return Promise{}, err
	}
	return p, nil
}

// fixedHex reads a header field of "0x" and n bytes of hex (what names it
// in the error).
func fixedHex(s string, n int, what string) ([]byte, error) {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) != 2*n {
		return nil, fmt.Errorf("%w: %s is not 0x and %d bytes of hex", ErrMalformed, what, n)
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	return b, nil
}

// ParseAmount reads a decimal amount in the token's smallest unit, at
// most a uint256.
func ParseAmount(s string) (*big.Int, error) {
	if s == "" || len(s) > 78 || strings.TrimLeft(s, "0123456789") != "" {
		return nil, fmt.Errorf("amount %q is not a decimal number", s)
	}
	a, _ := new(big.Int).SetString(s, 10)
	if a.Cmp(MaxAmount) > 0 {
		return nil, fmt.Errorf("amount %q is more than a uint256", s)
	}
	return a, nil
}

func word(x *big.Int) []byte { return common.LeftPadBytes(amount(x).Bytes(), 32) }

func uword(x uint64) []byte { return word(new(big.Int).SetUint64(x)) }

// typed is the EIP-712 digest of a struct hash under d.
func typed(d attest.Domain, structHash []byte) [32]byte {
	sep := d.Separator()
	return crypto.Keccak256Hash([]byte{0x19, 0x01}, sep[:], structHash)
}

// Digest is the EIP-712 digest the payer signs (the contract's
// promiseDigest).
func (p Promise) Digest(d attest.Domain) [32]byte {
	return typed(d, crypto.Keccak256(promiseType, uword(p.Channel), word(p.Cumulative), uword(p.Nonce)))
}

// CloseDigest is what both parties sign to close a channel at once at
// final (the contract's closeDigest).
func CloseDigest(d attest.Domain, channel uint64, final *big.Int) [32]byte {
	return typed(d, crypto.Keccak256(closeType, uword(channel), word(final)))
}

// DistributionDigest is what the anchor signs to pay out a channel's
// cashed amount from what was paid out before (from) up to upTo among
// nodes by their served-call counts (the contract's distributionDigest).
func DistributionDigest(d attest.Domain, channel uint64, from, upTo *big.Int, nodes []common.Address, counts []uint64) [32]byte {
	var ns, cs []byte
	for _, n := range nodes {
		ns = append(ns, common.LeftPadBytes(n[:], 32)...)
	}
	for _, c := range counts {
		cs = append(cs, uword(c)...)
	}
	return typed(d, crypto.Keccak256(distributionType, uword(channel), word(from), word(upTo), crypto.Keccak256(ns), crypto.Keccak256(cs)))
}

// SignDigest signs an EIP-712 digest as the contract checks it
// (attest.SignDigest: no message prefix, v 27 or 28).
func SignDigest(key *ecdsa.PrivateKey, digest [32]byte) ([]byte, error) {
	return attest.SignDigest(key, digest)
}

// Sign makes the payer's promise.
func Sign(key *ecdsa.PrivateKey, d attest.Domain, channel uint64, cumulative *big.Int, nonce uint64) (Promise, error) {
	p := Promise{Channel: channel, Cumulative: new(big.Int).Set(cumulative), Nonce: nonce}
	var err error
	p.Sig, err = SignDigest(key, p.Digest(d))
	return p, err
}

// Signer recovers who signed a digest (the contract's ECDSA.recover:
// 65 bytes, v 27 or 28, low s; attest.DigestSigner).
func Signer(digest [32]byte, sig []byte) (common.Address, error) {
	a, _, err := SignerKey(digest, sig)
	return a, err
}

// SignerKey is Signer that also returns the signer's public key, for
// SignedBy to check the payer's next promises with.
func SignerKey(digest [32]byte, sig []byte) (common.Address, []byte, error) {
	a, pub, err := attest.DigestSignerKey(digest, sig)
	if err != nil {
		return common.Address{}, nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return a, pub, nil
}

// SignedBy reports whether sig is pub's signature over digest, by a
// verification, which costs about a third less than Signer's recovery. It
// does not check v (attest.SignedBy): a promise taken this way goes on
// chain only with CashableSig.
func SignedBy(pub []byte, digest [32]byte, sig []byte) bool {
	return attest.SignedBy(pub, digest, sig)
}

// PayersUnderOtherV reports whether a signature whose v recovered another
// address recovers to payer under the other v: the payer's, as SignedBy
// would take it once the payer's key is known.
func PayersUnderOtherV(digest [32]byte, sig []byte, payer common.Address) bool {
	return attest.RecoversUnderOtherV(digest, sig, payer)
}

// CashableSig is p's signature with the v under which the contract's
// ECDSA.recover finds payer: false when there is none.
func CashableSig(d attest.Domain, p Promise, payer common.Address) ([]byte, bool) {
	return attest.RecoveringV(p.Digest(d), p.Sig, payer)
}
