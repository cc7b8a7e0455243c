package chain

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// FuzzSlashSignature: any bytes an anchor sends on /smartlayer/slash/1.0.0
// decode and are judged without a panic; a signature kept is by an anchor
// of the set other than the accused, over the case it names.
func FuzzSlashSignature(f *testing.F) {
	k, _ := crypto.GenerateKey()
	set := map[common.Address]*big.Int{crypto.PubkeyToAddress(k.PublicKey): big.NewInt(1)}
	b := NewSlashBook(big.NewInt(1337), common.Address{0xaa}, 4)
	node, ev := common.Address{0xbb}, common.Hash{1}
	sig, _ := SignDigest(k, b.Digest(node, ev))
	good, _ := json.Marshal(SlashSignature{Node: node, Evidence: ev, Sig: sig})
	f.Add(good)
	f.Add([]byte(`{"node":"0x00","evidence":"0x","sig":"0x1b"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s SlashSignature
		if json.Unmarshal(raw, &s) != nil {
			return
		}
		b := NewSlashBook(big.NewInt(1337), common.Address{0xaa}, 4)
		if ok, err := b.Add(s, set, 0); err != nil || !ok {
			return
		}
		signer, err := DigestSigner(b.Digest(s.Node, s.Evidence), s.Sig)
		if err != nil || set[signer] == nil || signer == s.Node {
			t.Fatalf("kept a signature by %s (%v) against %s", signer, err, s.Node)
		}
	})
}
