package chain

import (
	"crypto/ecdsa"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestSlashBook: signatures count only from anchors of the set, once each,
// for the node the case names; a case is ready at two thirds of the set's
// stake without the accused, not below it.
func TestSlashBook(t *testing.T) {
	b := NewSlashBook(big.NewInt(1337), common.Address{0xaa}, 2)
	keys := make([]*ecdsa.PrivateKey, 4)
	set := map[common.Address]*big.Int{}
	for i := range keys {
		keys[i], _ = crypto.GenerateKey()
		set[crypto.PubkeyToAddress(keys[i].PublicKey)] = big.NewInt(int64(10 * (i + 1))) // 10, 20, 30, 40
	}
	accused := crypto.PubkeyToAddress(keys[3].PublicKey) // an anchor accused: its 40 leaves the set's 60
	ev := common.Hash{1}
	sign := func(k *ecdsa.PrivateKey, node common.Address, e common.Hash) SlashSignature {
		sig, err := SignDigest(k, b.Digest(node, e))
		if err != nil {
			t.Fatal(err)
		}
		return SlashSignature{Node: node, Evidence: e, Sig: sig}
	}
	outsider, _ := crypto.GenerateKey()
	if _, err := b.Add(sign(outsider, accused, ev), set); !errors.Is(err, ErrSlashSigner) {
		t.Fatalf("a signature from outside the set: %v", err)
	}
	if _, err := b.Add(sign(keys[3], accused, ev), set); !errors.Is(err, ErrSlashSigner) {
		t.Fatalf("the accused signing its own slash: %v", err)
	}
	forged := sign(keys[0], accused, ev)
	forged.Evidence = common.Hash{2} // signed for another case
	if _, err := b.Add(forged, set); !errors.Is(err, ErrSlashSigner) {
		t.Fatalf("a signature over another digest: %v", err)
	}
	bad := sign(keys[0], accused, ev)
	bad.Sig = bad.Sig[:64]
	if _, err := b.Add(bad, set); err == nil {
		t.Fatal("a short signature was kept")
	}
	if ok, err := b.Add(sign(keys[2], accused, ev), set); !ok || err != nil { // 30 of 60: short of two thirds
		t.Fatal(ok, err)
	}
	if ok, err := b.Add(sign(keys[2], accused, ev), set); ok || err != nil {
		t.Fatal("a repeated signature counted again", err)
	}
	if _, _, ready := b.Ready(ev, set); ready {
		t.Fatal("ready at half the stake")
	}
	if _, err := b.Add(sign(keys[1], common.Address{0xbb}, ev), set); err == nil {
		t.Fatal("a signature for the same evidence against another node")
	}
	if _, err := b.Add(sign(keys[0], accused, ev), set); err != nil { // 40 of 60: two thirds exactly
		t.Fatal(err)
	}
	node, sigs, ready := b.Ready(ev, set)
	if !ready || node != accused || len(sigs) != 2 {
		t.Fatalf("at two thirds: ready %v node %s %d signatures", ready, node, len(sigs))
	}
	for i := 1; i < len(sigs); i++ {
		a, _ := DigestSigner(b.Digest(accused, ev), sigs[i-1])
		c, _ := DigestSigner(b.Digest(accused, ev), sigs[i])
		if a.Cmp(c) >= 0 {
			t.Fatal("signatures not in signer order")
		}
	}
	// The set changed (a signer left it): no longer ready.
	delete(set, crypto.PubkeyToAddress(keys[2].PublicKey))
	if _, _, ready := b.Ready(ev, set); ready {
		t.Fatal("ready with a signer who left the set")
	}
	// Open cases are bounded.
	if _, err := b.Add(sign(keys[0], accused, common.Hash{3}), set); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Add(sign(keys[0], accused, common.Hash{4}), set); !errors.Is(err, ErrSlashFull) {
		t.Fatalf("a third open case: %v", err)
	}
	b.Close(ev)
	if len(b.Open()) != 1 {
		t.Fatalf("open after close: %v", b.Open())
	}
}
