package chain

import (
	"crypto/ecdsa"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestSlashBook: signatures count only from anchors of the set, once each;
// a case is ready at two thirds of the set's stake without the accused, not
// below it, and against the set as it is when asked.
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
	k := SlashCase{Node: accused, Evidence: ev}
	sign := func(key *ecdsa.PrivateKey, node common.Address, e common.Hash) SlashSignature {
		sig, err := SignDigest(key, b.Digest(node, e))
		if err != nil {
			t.Fatal(err)
		}
		return SlashSignature{Node: node, Evidence: e, Sig: sig}
	}
	outsider, _ := crypto.GenerateKey()
	if _, err := b.Add(sign(outsider, accused, ev), set, 0); !errors.Is(err, ErrSlashSigner) {
		t.Fatalf("a signature from outside the set: %v", err)
	}
	if _, err := b.Add(sign(keys[3], accused, ev), set, 0); !errors.Is(err, ErrSlashSigner) {
		t.Fatalf("the accused signing its own slash: %v", err)
	}
	forged := sign(keys[0], accused, ev)
	forged.Evidence = common.Hash{2} // signed for another case
	if _, err := b.Add(forged, set, 0); !errors.Is(err, ErrSlashSigner) {
		t.Fatalf("a signature over another digest: %v", err)
	}
	short := sign(keys[0], accused, ev)
	short.Sig = short.Sig[:64]
	if _, err := b.Add(short, set, 0); err == nil {
		t.Fatal("a short signature was kept")
	}
	if ok, err := b.Add(sign(keys[2], accused, ev), set, 0); !ok || err != nil { // 30 of 60: short of two thirds
		t.Fatal(ok, err)
	}
	if ok, err := b.Add(sign(keys[2], accused, ev), set, 0); ok || err != nil {
		t.Fatal("a repeated signature counted again", err)
	}
	if _, ready := b.Ready(k, set); ready {
		t.Fatal("ready at half the stake")
	}
	if _, err := b.Add(sign(keys[0], accused, ev), set, 0); err != nil { // 40 of 60: two thirds exactly
		t.Fatal(err)
	}
	sigs, ready := b.Ready(k, set)
	if !ready || len(sigs) != 2 {
		t.Fatalf("at two thirds: ready %v, %d signatures", ready, len(sigs))
	}
	a, _ := DigestSigner(b.Digest(accused, ev), sigs[0])
	c, _ := DigestSigner(b.Digest(accused, ev), sigs[1])
	if a.Cmp(c) >= 0 {
		t.Fatal("signatures not in signer order")
	}
	// The set changed (a signer left it): no longer ready.
	less := map[common.Address]*big.Int{}
	for a, s := range set {
		less[a] = s
	}
	delete(less, crypto.PubkeyToAddress(keys[2].PublicKey))
	if _, ready := b.Ready(k, less); ready {
		t.Fatal("ready with a signer who left the set")
	}
	b.Close(k, 0)
	if len(b.Open()) != 0 {
		t.Fatalf("open after close: %v", b.Open())
	}
}

// TestSlashBookHostileAnchor: an anchor of the set cannot block a slash
// with a malleated (high-s) signature the registry would reject, cannot
// take a case by naming another node for public evidence first, and
// cannot open more than its share of cases; cases expire.
func TestSlashBookHostileAnchor(t *testing.T) {
	b := NewSlashBook(big.NewInt(1337), common.Address{0xaa}, 2)
	honest, _ := crypto.GenerateKey()
	hostile, _ := crypto.GenerateKey()
	set := map[common.Address]*big.Int{
		crypto.PubkeyToAddress(honest.PublicKey):  big.NewInt(10),
		crypto.PubkeyToAddress(hostile.PublicKey): big.NewInt(10),
	}
	node := common.Address{0xbb}
	ev := common.Hash{7}
	sig, _ := SignDigest(hostile, b.Digest(node, ev))
	// s -> n - s, v flipped: the same signer recovers, the registry refuses.
	n := crypto.S256().Params().N
	s := new(big.Int).Sub(n, new(big.Int).SetBytes(sig[32:64]))
	high := append(append(append([]byte(nil), sig[:32]...), common.LeftPadBytes(s.Bytes(), 32)...), 27+28-sig[64])
	if _, err := b.Add(SlashSignature{Node: node, Evidence: ev, Sig: high}, set, 0); err == nil {
		t.Fatal("a high-s signature was kept")
	}
	// The hostile anchor signs the public evidence against another node
	// first: the honest signature against the right node is still kept.
	squat, _ := SignDigest(hostile, b.Digest(common.Address{0xcc}, ev))
	if _, err := b.Add(SlashSignature{Node: common.Address{0xcc}, Evidence: ev, Sig: squat}, set, 0); err != nil {
		t.Fatal(err)
	}
	good, _ := SignDigest(honest, b.Digest(node, ev))
	if ok, err := b.Add(SlashSignature{Node: node, Evidence: ev, Sig: good}, set, 5); !ok || err != nil {
		t.Fatalf("the honest signature after a squat: %v %v", ok, err)
	}
	// Its share of cases is two: a third is refused, the honest one's are not.
	more, _ := SignDigest(hostile, b.Digest(node, common.Hash{8}))
	if _, err := b.Add(SlashSignature{Node: node, Evidence: common.Hash{8}, Sig: more}, set, 0); err != nil {
		t.Fatal(err)
	}
	third, _ := SignDigest(hostile, b.Digest(node, common.Hash{10}))
	if _, err := b.Add(SlashSignature{Node: node, Evidence: common.Hash{10}, Sig: third}, set, 0); !errors.Is(err, ErrSlashFull) {
		t.Fatalf("a third case opened by one signer: %v", err)
	}
	other, _ := SignDigest(honest, b.Digest(node, common.Hash{9}))
	if _, err := b.Add(SlashSignature{Node: node, Evidence: common.Hash{9}, Sig: other}, set, 0); err != nil {
		t.Fatalf("the honest anchor's second case: %v", err)
	}
	// Cases opened before a time expire, and free their opener's share.
	if gone := b.Expire(1); len(gone) != 3 || len(b.Open()) != 1 {
		t.Fatalf("expired %v, open %v", gone, b.Open())
	}
	if _, err := b.Add(SlashSignature{Node: node, Evidence: common.Hash{10}, Sig: third}, set, 10); err != nil {
		t.Fatalf("a case after the signer's share was freed: %v", err)
	}
}

// TestSlashBookClosedStaysClosed: a signature that arrives after its case
// was settled does not open it again (a case no one would complete, open
// until it expired), and the memory of closed cases expires too.
func TestSlashBookClosedStaysClosed(t *testing.T) {
	b := NewSlashBook(big.NewInt(1337), common.Address{0xaa}, 2)
	keys := make([]*ecdsa.PrivateKey, 3)
	set := map[common.Address]*big.Int{}
	for i := range keys {
		keys[i], _ = crypto.GenerateKey()
		set[crypto.PubkeyToAddress(keys[i].PublicKey)] = big.NewInt(10)
	}
	node, ev := common.Address{0xbb}, common.Hash{3}
	k := SlashCase{Node: node, Evidence: ev}
	sign := func(key *ecdsa.PrivateKey) SlashSignature {
		sig, _ := SignDigest(key, b.Digest(node, ev))
		return SlashSignature{Node: node, Evidence: ev, Sig: sig}
	}
	for _, key := range keys[:2] {
		if ok, err := b.Add(sign(key), set, 0); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	if _, ready := b.Ready(k, set); !ready {
		t.Fatal("two of three not ready")
	}
	if !b.IsOpen(k) {
		t.Fatal("a case with signatures is not open")
	}
	b.Close(k, 100)
	if ok, err := b.Add(sign(keys[2]), set, 200); ok || err != nil || len(b.Open()) != 0 || b.IsOpen(k) {
		t.Fatalf("a late signature: new %v, %v, open %v", ok, err, b.Open())
	}
	b.Expire(101)
	if ok, err := b.Add(sign(keys[2]), set, 300); !ok || err != nil || len(b.Open()) != 1 {
		t.Fatalf("after the closed case expired: new %v, %v, open %v", ok, err, b.Open())
	}
	// The memory of closed cases is bounded: past it, the oldest goes
	// first (its late signatures open it again, as before).
	b.Close(k, 400)
	for i := range maxClosedSlashCases {
		b.Close(SlashCase{Node: node, Evidence: common.BigToHash(big.NewInt(int64(1000 + i)))}, int64(500+i))
	}
	if len(b.closed) != maxClosedSlashCases {
		t.Fatalf("%d closed cases remembered, bound %d", len(b.closed), maxClosedSlashCases)
	}
	if ok, err := b.Add(sign(keys[2]), set, 600); !ok || err != nil {
		t.Fatalf("the oldest closed case, forgotten past the bound: new %v, %v", ok, err)
	}
}
