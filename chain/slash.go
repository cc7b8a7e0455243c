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

// SignDigest signs a digest as the contracts recover it (OpenZeppelin's
// ECDSA: v is 27 or 28).
func SignDigest(key *ecdsa.PrivateKey, digest common.Hash) ([]byte, error) {
	sig, err := crypto.Sign(digest[:], key)
	if err != nil {
		return nil, err
	}
	sig[64] += 27
	return sig, nil
}

// DigestSigner recovers the signer of a SignDigest signature.
func DigestSigner(digest common.Hash, sig []byte) (common.Address, error) {
	if len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		return common.Address{}, errors.New("not a 65-byte signature with v 27 or 28")
	}
	s := append([]byte(nil), sig...)
	s[64] -= 27
	pub, err := crypto.SigToPub(digest[:], s)
	if err != nil {
		return common.Address{}, err
	}
	return crypto.PubkeyToAddress(*pub), nil
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
	ErrSlashFull   = errors.New("slash signatures: too many open cases")
)

// SlashBook collects anchors' slash signatures per piece of evidence and
// says when they carry enough stake for the registry: at least two thirds
// of the anchor set's stake, the accused's own stake left out, as the
// registry counts it. It is pure: the caller reads the anchor set from the
// chain and does the I/O.
type SlashBook struct {
	chainID  *big.Int
	registry common.Address
	max      int
	cases    map[common.Hash]*slashCase
}

type slashCase struct {
	node common.Address
	sigs map[common.Address][]byte
}

// NewSlashBook keeps at most max open cases.
func NewSlashBook(chainID *big.Int, registry common.Address, max int) *SlashBook {
	return &SlashBook{chainID: chainID, registry: registry, max: max, cases: map[common.Hash]*slashCase{}}
}

// Digest is the digest this book's anchors sign for node and evidence.
func (b *SlashBook) Digest(node common.Address, evidence common.Hash) common.Hash {
	return SlashDigest(b.chainID, b.registry, node, AllStake, evidence)
}

// Add keeps s when its signer is an anchor of set (address to stake). A
// case names one node: a signature for the same evidence against another
// node is refused. It reports whether the signature is new.
func (b *SlashBook) Add(s SlashSignature, set map[common.Address]*big.Int) (bool, error) {
	signer, err := DigestSigner(b.Digest(s.Node, s.Evidence), s.Sig)
	if err != nil {
		return false, fmt.Errorf("slash signature: %w", err)
	}
	if set[signer] == nil || signer == s.Node {
		return false, fmt.Errorf("%w: %s", ErrSlashSigner, signer)
	}
	c := b.cases[s.Evidence]
	if c == nil {
		if len(b.cases) >= b.max {
			return false, ErrSlashFull
		}
		c = &slashCase{node: s.Node, sigs: map[common.Address][]byte{}}
		b.cases[s.Evidence] = c
	}
	if c.node != s.Node {
		return false, fmt.Errorf("slash signature: evidence %s names node %s, not %s", s.Evidence, c.node, s.Node)
	}
	if _, ok := c.sigs[signer]; ok {
		return false, nil
	}
	c.sigs[signer] = append([]byte(nil), s.Sig...)
	return true, nil
}

// Ready returns the node and the signatures of set's anchors for evidence
// when their stake is at least two thirds of set's without the accused
// (signatures in address order, so every anchor submits the same call).
func (b *SlashBook) Ready(evidence common.Hash, set map[common.Address]*big.Int) (common.Address, [][]byte, bool) {
	c := b.cases[evidence]
	if c == nil {
		return common.Address{}, nil, false
	}
	total, signed := new(big.Int), new(big.Int)
	var signers []common.Address
	for a, st := range set {
		if a == c.node {
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
		return c.node, nil, false
	}
	sort.Slice(signers, func(i, j int) bool { return signers[i].Cmp(signers[j]) < 0 })
	sigs := make([][]byte, len(signers))
	for i, a := range signers {
		sigs[i] = c.sigs[a]
	}
	return c.node, sigs, true
}

// Close forgets a case (slashed, or given up).
func (b *SlashBook) Close(evidence common.Hash) { delete(b.cases, evidence) }

// Open lists the open cases' evidence.
func (b *SlashBook) Open() []common.Hash {
	out := make([]common.Hash, 0, len(b.cases))
	for e := range b.cases {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cmp(out[j]) < 0 })
	return out
}
