// Package commitment is the pure side of the anchors' periodic commitments
// of key token operations (contracts/src/Commitments.sol): a period's
// leaves (one per action result, failure attestation or registration, by
// its attestation UID), their Merkle tree as OpenZeppelin's MerkleProof
// checks it (pairs hashed in sorted order), inclusion proofs, and the
// bitmap of which instances changed.
package commitment

import (
	"bytes"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// BitmapBytes is the size of a period's bitmap: 2,048 bits, bit
// keccak256(instance) mod 2048 set for each instance that changed.
const BitmapBytes = 256

// Leaf is an operation's leaf: keccak256(keccak256(uid)) (hashed twice, so
// no inner node of a tree is also a leaf).
func Leaf(uid common.Hash) common.Hash {
	return crypto.Keccak256Hash(crypto.Keccak256(uid[:]))
}

// pair hashes two nodes in sorted order (OpenZeppelin's commutative hash).
func pair(a, b common.Hash) common.Hash {
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	return crypto.Keccak256Hash(a[:], b[:])
}

// Tree is a period's Merkle tree over its leaves, sorted and without
// duplicates.
type Tree struct {
	levels [][]common.Hash // levels[0] the leaves
}

// Build makes the tree of a set of leaves (in any order; duplicates drop).
func Build(leaves []common.Hash) *Tree {
	l := slices.Clone(leaves)
	slices.SortFunc(l, func(a, b common.Hash) int { return bytes.Compare(a[:], b[:]) })
	l = slices.Compact(l)
	t := &Tree{levels: [][]common.Hash{l}}
	for cur := l; len(cur) > 1; {
		next := make([]common.Hash, 0, (len(cur)+1)/2)
		for i := 0; i < len(cur); i += 2 {
			if i+1 < len(cur) {
				next = append(next, pair(cur[i], cur[i+1]))
			} else {
				next = append(next, cur[i]) // an odd node goes up as it is
			}
		}
		t.levels = append(t.levels, next)
		cur = next
	}
	return t
}

// Root is the tree's root (zero for no leaves).
func (t *Tree) Root() common.Hash {
	top := t.levels[len(t.levels)-1]
	if len(top) == 0 {
		return common.Hash{}
	}
	return top[0]
}

// Len is the number of leaves.
func (t *Tree) Len() int { return len(t.levels[0]) }

// Leaves are the tree's leaves, sorted.
func (t *Tree) Leaves() []common.Hash { return slices.Clone(t.levels[0]) }

// Proof is leaf's inclusion proof, false when it is not a leaf.
func (t *Tree) Proof(leaf common.Hash) ([]common.Hash, bool) {
	i, found := slices.BinarySearchFunc(t.levels[0], leaf, func(a, b common.Hash) int { return bytes.Compare(a[:], b[:]) })
	if !found {
		return nil, false
	}
	var proof []common.Hash
	for _, level := range t.levels[:len(t.levels)-1] {
		if sib := i ^ 1; sib < len(level) {
			proof = append(proof, level[sib])
		}
		i /= 2
	}
	return proof, true
}

// MaxProof is the longest proof of a tree with up to 2^64 leaves; Verify
// refuses a longer one without hashing it.
const MaxProof = 64

// Verify reports whether proof takes leaf to root.
func Verify(root, leaf common.Hash, proof []common.Hash) bool {
	if len(proof) > MaxProof {
		return false
	}
	h := leaf
	for _, p := range proof {
		h = pair(h, p)
	}
	return h == root
}

// Bitmap marks the instances that changed in a period.
func Bitmap(instances []common.Hash) []byte {
	b := make([]byte, BitmapBytes)
	for _, id := range instances {
		bit := bitOf(id)
		b[bit/8] |= 1 << (bit % 8)
	}
	return b
}

// Marked reports whether an instance's bit is set in a bitmap (it may be
// set by another instance: a bitmap says which certainly did not change).
func Marked(bitmap []byte, instance common.Hash) bool {
	if len(bitmap) != BitmapBytes {
		return false
	}
	bit := bitOf(instance)
	return bitmap[bit/8]&(1<<(bit%8)) != 0
}

// bitOf is keccak256(instance) mod 2048: its last 11 bits.
func bitOf(instance common.Hash) uint {
	h := crypto.Keccak256(instance[:])
	return (uint(h[30])<<8 | uint(h[31])) % (BitmapBytes * 8)
}
