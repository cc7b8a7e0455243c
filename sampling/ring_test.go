package sampling

import (
	"testing"

	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// The ring finds an execution by its receipt's leaf until it is
// overwritten; the leaf Add returns is the receipt's; overwriting one of
// two copies of an execution (two answers in one millisecond are one
// execution) leaves the other found.
func TestRingFindsByLeaf(t *testing.T) {
	kept := func(fn string) Kept {
		return Kept{Receipt: &receipt.Receipt{Instance: wire.InstanceID{1}.String(), Function: fn, AtMs: 1}}
	}
	r := NewRing(2)
	a, b := kept("query:a"), kept("query:b")
	if leaf := r.Add(a); leaf != a.Receipt.Leaf() {
		t.Fatal("Add returned another leaf")
	}
	r.Add(b)
	r.Add(Kept{}) // no receipt: overwrites a
	if _, ok := r.Find(a.Receipt.Leaf()); ok {
		t.Fatal("an overwritten execution was found")
	}
	if _, ok := r.Find(b.Receipt.Leaf()); !ok {
		t.Fatal("a kept execution was not found")
	}
	c := kept("query:c")
	r.Add(c)               // overwrites b
	r.Add(c)               // the same execution again
	r.Add(kept("query:d")) // overwrites the first c
	if _, ok := r.Find(c.Receipt.Leaf()); !ok {
		t.Fatal("overwriting one copy of an execution lost the other")
	}
	if _, ok := r.Find(b.Receipt.Leaf()); ok || r.Len() != 2 {
		t.Fatalf("after overwriting: %v, %d kept", ok, r.Len())
	}
}
