package contracts

import (
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/commitment"
)

// TestCommitments: a period is written once, after it ends, by its
// on-duty anchor (the rotation from the epoch's seed), or by the next in
// the rotation once its grace has passed; anyone else is refused; a proof
// from the Go tree verifies on chain for a leaf of the period and fails for
// another; the bitmap is kept as its hash.
func TestCommitments(t *testing.T) {
	const periodSec, graceSec = 100, 30
	ch := newChain(t, 5)
	ch.register(1, roleAnchor, 300)
	ch.register(2, roleAnchor, 200)
	ch.register(3, roleAnchor, 150)
	ch.startEpoch(0)
	_, tx, c, err := DeployCommitments(ch.auth(0), ch.c, ch.regAddr, periodSec, graceSec)
	ch.must(err)
	ch.include(tx)
	ch.reverts(func() (*types.Transaction, error) {
		_, tx, _, err := DeployCommitments(ch.auth(0), ch.c, ch.regAddr, 0, graceSec)
		return tx, err
	}())("ZeroPeriod")
	ch.reverts(func() (*types.Transaction, error) {
		_, tx, _, err := DeployCommitments(ch.auth(0), ch.c, ch.regAddr, periodSec, 0)
		return tx, err
	}())("ZeroPeriod")

	var uids []common.Hash
	var leaves []common.Hash
	for i := 0; i < 7; i++ {
		u := crypto.Keccak256Hash([]byte{byte(i)})
		uids, leaves = append(uids, u), append(leaves, commitment.Leaf(u))
	}
	tree := commitment.Build(leaves)
	bitmap := commitment.Bitmap(uids[:3])
	ch.reverts(c.Commit(ch.auth(1), 0, tree.Root(), uint32(tree.Len()), bitmap))("PeriodNotOver")

	ch.adjustTime(periodSec * time.Second)
	ch.b.Commit()
	order, err := c.Rotation(nil, 0)
	ch.must(err)
	if len(order.Order) != 3 {
		t.Fatalf("rotation %v", order.Order)
	}
	idx := map[common.Address]int{ch.addr(1): 1, ch.addr(2): 2, ch.addr(3): 3}
	onDuty, next := idx[order.Order[0]], idx[order.Order[1]]
	ch.reverts(c.Commit(ch.auth(4), 0, tree.Root(), 7, bitmap))("NotOnDuty")    // not an anchor
	ch.reverts(c.Commit(ch.auth(next), 0, tree.Root(), 7, bitmap))("NotOnDuty") // not its turn yet
	ch.reverts(c.Commit(ch.auth(onDuty), 0, tree.Root(), 7, make([]byte, 1025)))("BitmapTooLong")
	r0 := ch.ok(c.Commit(ch.auth(onDuty), 0, tree.Root(), 7, bitmap))
	ch.reverts(c.Commit(ch.auth(onDuty), 0, tree.Root(), 7, bitmap))("AlreadyCommitted")
	got, err := c.CommitmentOf(nil, 0)
	ch.must(err)
	if got.Root != tree.Root() || got.Count != 7 || got.Anchor != ch.addr(onDuty) || got.BitmapHash != crypto.Keccak256Hash(bitmap) {
		t.Fatalf("commitment %+v", got)
	}
	for i, u := range uids {
		proof, ok := tree.Proof(commitment.Leaf(u))
		if !ok || !commitment.Verify(tree.Root(), commitment.Leaf(u), proof) {
			t.Fatalf("leaf %d: no Go proof", i)
		}
		if on, err := c.Verify(nil, 0, u, words(proof)); err != nil || !on {
			t.Fatalf("leaf %d's proof does not verify on chain (%v)", i, err)
		}
	}
	forged := crypto.Keccak256Hash([]byte("forged"))
	proof, _ := tree.Proof(leaves[0])
	if on, _ := c.Verify(nil, 0, forged, words(proof)); on {
		t.Fatal("a forged operation verified")
	}
	if on, _ := c.Verify(nil, 1, uids[0], words(proof)); on {
		t.Fatal("an operation verified in a period not written")
	}
	// A leaf (or an inner node) passed as an operation does not verify:
	// the contract makes the leaf from the operation.
	if on, _ := c.Verify(nil, 0, leaves[0], words(proof)); on {
		t.Fatal("a leaf hash passed as an operation verified")
	}
	if !commitment.Marked(bitmap, uids[0]) {
		t.Fatal("a changed instance is not marked")
	}

	// Period 1: its on-duty anchor misses it; after the grace the next in
	// the rotation writes it.
	ch.adjustTime(periodSec * time.Second)
	ch.b.Commit()
	order, err = c.Rotation(nil, 1)
	ch.must(err)
	onDuty, next = idx[order.Order[0]], idx[order.Order[1]]
	empty := commitment.Build(nil)
	ch.reverts(c.Commit(ch.auth(next), 1, empty.Root(), 0, nil))("NotOnDuty")
	ch.adjustTime(graceSec * time.Second)
	ch.b.Commit()
	r1 := ch.ok(c.Commit(ch.auth(next), 1, empty.Root(), 0, nil))
	t.Logf("commit gas: %d (7 operations, a 256-byte bitmap), %d (none, no bitmap)", r0.GasUsed, r1.GasUsed)
	cur, _ := c.CurrentPeriod(nil)
	if cur != 2 {
		t.Fatalf("current period %d", cur)
	}
}

func words(hs []common.Hash) [][32]byte {
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

// TestCommitmentsNoAnchors: with no anchor in the registry's epoch there
// is no rotation, and no one may write a period.
func TestCommitmentsNoAnchors(t *testing.T) {
	const periodSec, graceSec = 100, 30
	ch := newChain(t, 3)
	ch.register(1, roleService, 10)
	ch.startEpoch(0)
	_, tx, c, err := DeployCommitments(ch.auth(0), ch.c, ch.regAddr, periodSec, graceSec)
	ch.must(err)
	ch.include(tx)
	ch.adjustTime(periodSec * time.Second)
	ch.b.Commit()
	if _, err := c.Rotation(nil, 0); revertName(err) != "NoAnchors" {
		t.Fatalf("rotation with no anchors: %v", err)
	}
	ch.reverts(c.Commit(ch.auth(1), 0, commitment.Build(nil).Root(), 0, nil))("NoAnchors")
}
