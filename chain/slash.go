package chain

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"sort"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
)

// AllStake is the amount anchors sign to slash: the registry takes what it
// can, the node's stake and then its unbonding stake, so every anchor signs
// the same digest whatever stake it last read.
var AllStake = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// slashTypeHash is the registry's SLASH_TYPEHASH.
var slashTypeHash = crypto.Keccak256Hash([]byte("smartlayer/slash/v1"))

// SlashDigest is the registry's slashDigest(node, amount, evidence) on
// chain chainID for the registry at registry: what anchors sign, with no
// prefix, to slash node on a piece of evidence (the UID of the
// slashing-evidence attestation).
func SlashDigest(chainID *big.Int, registry, node common.Address, amount *big.Int, evidence common.Hash) common.Hash {
	word := func(b []byte) []byte { return common.LeftPadBytes(b, 32) }
	return crypto.Keccak256Hash(slashTypeHash[:], word(chainID.Bytes()), word(registry[:]), word(node[:]),
		word(amount.Bytes()), evidence[:])
}

// SignDigest signs a digest as the contracts recover it (attest.SignDigest).
func SignDigest(key *ecdsa.PrivateKey, digest common.Hash) ([]byte, error) {
	return attest.SignDigest(key, digest)
}

// DigestSigner recovers the signer of a SignDigest signature, refusing a
// high s as the contracts do (attest.DigestSigner).
func DigestSigner(digest common.Hash, sig []byte) (common.Address, error) {
	return attest.DigestSigner(digest, sig)
}

// SlashSignature is one anchor's signature to slash all of a node's stake
// on a piece of evidence, sent to the other anchors.
type SlashSignature struct {
	Node     common.Address `json:"node"`
	Evidence common.Hash    `json:"evidence"`
	Sig      hexutil.Bytes  `json:"sig"`
}

// Errors of SlashBook.Add.
var (
	ErrSlashSigner = errors.New("slash signature: not by an anchor of the set")
	ErrSlashFull   = errors.New("slash signatures: this signer has too many open cases")
)

// SlashCase names a case: a node and a piece of evidence against it.
type SlashCase struct {
	Node     common.Address `json:"node"`
	Evidence common.Hash    `json:"evidence"`
}

// SlashBook collects anchors' slash signatures per case and says when they
// carry enough stake for the registry: at least two thirds of the anchor
// set's stake, the accused's own stake left out, as the registry counts
// it. A case is a (node, evidence) pair, so a signature naming the wrong
// node for public evidence cannot take the case from the right one. Each
// signer may open at most perSigner cases, so no anchor can crowd out
// another's; cases expire. A case closed (settled on chain) stays closed:
// a signature arriving after it is ignored, not taken for a new case that
// no one would ever complete. It is pure: the caller reads the anchor set
// from the chain, gives the time and does the I/O.
type SlashBook struct {
	chainID   *big.Int
	registry  common.Address
	perSigner int
	cases     map[SlashCase]*slashCase
	opened    map[common.Address]int // open cases by the signer who opened them
	closed    map[SlashCase]int64    // settled cases, by when they closed
}

// maxClosedSlashCases bounds the settled cases a book remembers; past it
// the oldest is forgotten first.
const maxClosedSlashCases = 4096

type slashCase struct {
	opener   common.Address
	openedMs int64
	sigs     map[common.Address][]byte
}

// NewSlashBook lets each signer open at most perSigner cases.
func NewSlashBook(chainID *big.Int, registry common.Address, perSigner int) *SlashBook {
	return &SlashBook{chainID: chainID, registry: registry, perSigner: perSigner,
		cases: map[SlashCase]*slashCase{}, opened: map[common.Address]int{}, closed: map[SlashCase]int64{}}
}

// Digest is the digest this book's anchors sign for node and evidence.
func (b *SlashBook) Digest(node common.Address, evidence common.Hash) common.Hash {
	return SlashDigest(b.chainID, b.registry, node, AllStake, evidence)
}

// Add keeps s when its signer is an anchor of set (address to stake) other
// than the accused, at nowMs. It reports whether the signature is new (a
// valid signature for a closed case is not).
func (b *SlashBook) Add(s SlashSignature, set map[common.Address]*big.Int, nowMs int64) (bool, error) {
	signer, err := DigestSigner(b.Digest(s.Node, s.Evidence), s.Sig)
	if err != nil {
		return false, fmt.Errorf("slash signature: %w", err)
	}
	if set[signer] == nil || signer == s.Node {
		return false, fmt.Errorf("%w: %s", ErrSlashSigner, signer)
	}
	k := SlashCase{Node: s.Node, Evidence: s.Evidence}
	if _, ok := b.closed[k]; ok {
		return false, nil
	}
	c := b.cases[k]
	if c == nil {
		if b.opened[signer] >= b.perSigner {
			return false, fmt.Errorf("%w: %s", ErrSlashFull, signer)
		}
		c = &slashCase{opener: signer, openedMs: nowMs, sigs: map[common.Address][]byte{}}
		b.cases[k] = c
		b.opened[signer]++
	}
	if _, ok := c.sigs[signer]; ok {
		return false, nil
	}
	c.sigs[signer] = append([]byte(nil), s.Sig...)
	return true, nil
}

// Ready returns the signatures of set's anchors for a case when their
// stake is at least two thirds of set's without the accused (in signer
// order, so every anchor sends the same call).
func (b *SlashBook) Ready(k SlashCase, set map[common.Address]*big.Int) ([][]byte, bool) {
	c := b.cases[k]
	if c == nil {
		return nil, false
	}
	total, signed := new(big.Int), new(big.Int)
	var signers []common.Address
	for a, st := range set {
		if a == k.Node {
			continue
		}
		total.Add(total, st)
		if _, ok := c.sigs[a]; ok {
			signed.Add(signed, st)
			signers = append(signers, a)
		}
	}
	// signed*3 >= total*2, as the registry checks it
	if total.Sign() == 0 || new(big.Int).Mul(signed, big.NewInt(3)).Cmp(new(big.Int).Mul(total, big.NewInt(2))) < 0 {
		return nil, false
	}
	sort.Slice(signers, func(i, j int) bool { return signers[i].Cmp(signers[j]) < 0 })
	sigs := make([][]byte, len(signers))
	for i, a := range signers {
		sigs[i] = c.sigs[a]
	}
	return sigs, true
}

// Close settles a case at nowMs (slashed, or given up): it is forgotten,
// and signatures for it that arrive later are ignored until Expire passes
// nowMs.
func (b *SlashBook) Close(k SlashCase, nowMs int64) {
	b.forget(k)
	if len(b.closed) >= maxClosedSlashCases {
		var oldest SlashCase
		first := true
		for c, at := range b.closed {
			if first || at < b.closed[oldest] {
				oldest, first = c, false
			}
		}
		delete(b.closed, oldest)
	}
	b.closed[k] = nowMs
}

// forget drops an open case and frees its opener's share.
func (b *SlashBook) forget(k SlashCase) {
	if c := b.cases[k]; c != nil {
		if b.opened[c.opener]--; b.opened[c.opener] <= 0 {
			delete(b.opened, c.opener)
		}
		delete(b.cases, k)
	}
}

// Expire drops the open cases opened before beforeMs, returning them, and
// the memory of cases closed before it.
func (b *SlashBook) Expire(beforeMs int64) []SlashCase {
	var out []SlashCase
	for k, c := range b.cases {
		if c.openedMs < beforeMs {
			out = append(out, k)
		}
	}
	for _, k := range out {
		b.forget(k)
	}
	for k, at := range b.closed {
		if at < beforeMs {
			delete(b.closed, k)
		}
	}
	return out
}

// IsOpen reports whether a case is open.
func (b *SlashBook) IsOpen(k SlashCase) bool {
	_, ok := b.cases[k]
	return ok
}

// Open lists the open cases.
func (b *SlashBook) Open() []SlashCase {
	out := make([]SlashCase, 0, len(b.cases))
	for k := range b.cases {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if c := out[i].Evidence.Cmp(out[j].Evidence); c != 0 {
			return c < 0
		}
		return out[i].Node.Cmp(out[j].Node) < 0
	})
	return out
}
