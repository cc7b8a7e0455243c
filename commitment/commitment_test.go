package commitment

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestTreeProofs: every leaf of trees of 0 to 40 leaves (odd counts, a
// duplicate) has a proof to the root and no other leaf does; a proof
// for one leaf does not carry another.
func TestTreeProofs(t *testing.T) {
	if r := Build(nil).Root(); r != (common.Hash{}) {
		t.Fatalf("empty root %s", r)
	}
	for n := 1; n <= 40; n++ {
		var leaves []common.Hash
		for i := 0; i < n; i++ {
			leaves = append(leaves, Leaf(crypto.Keccak256Hash([]byte{byte(i), byte(n)})))
		}
		tr := Build(append(leaves, leaves[0])) // a duplicate drops
		if tr.Len() != n {
			t.Fatalf("%d leaves: tree of %d", n, tr.Len())
		}
		for i, l := range leaves {
			p, ok := tr.Proof(l)
			if !ok || !Verify(tr.Root(), l, p) {
				t.Fatalf("%d leaves: leaf %d has no proof", n, i)
			}
			if n > 1 && Verify(tr.Root(), leaves[(i+1)%n], p) {
				t.Fatalf("%d leaves: leaf %d's proof carries another", n, i)
			}
		}
		if _, ok := tr.Proof(Leaf(common.Hash{})); ok {
			t.Fatal("a proof for no leaf")
		}
	}
	b := Bitmap([]common.Hash{{1}, {2}})
	if !Marked(b, common.Hash{1}) || !Marked(b, common.Hash{2}) || Marked(b[:10], common.Hash{1}) {
		t.Fatal("bitmap")
	}
}
