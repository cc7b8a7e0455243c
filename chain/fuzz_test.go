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

// FuzzDevnetJSON: any file given as a devnet.json (smartlayer chain, stake
// and ticket --devnet) is read without a panic; a chain section read names
// an RPC URL or IPC path, and written back it reads the same.
func FuzzDevnetJSON(f *testing.F) {
	f.Add([]byte(`{"chain":{"rpc":"http://127.0.0.1:8545","contracts":{"registry":"0x00000000000000000000000000000000000000aa","epochs":"0x00000000000000000000000000000000000000bb"}}}`))
	f.Add([]byte(`{"chain":{"rpc":"/tmp/geth.ipc"}}`))
	f.Add([]byte(`{"anchors":[],"chain":null}`))
	f.Add([]byte(`{"chain":{"rpc":"","contracts":{"registry":"0xzz"}}}`))
	f.Add([]byte(`[[[[[[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rpc, cs, err := DevnetChain(b)
		if err != nil {
			return
		}
		if rpc == "" {
			t.Fatal("a chain section with no RPC URL was read")
		}
		again, _ := json.Marshal(map[string]any{"chain": map[string]any{"rpc": rpc, "contracts": cs}})
		rpc2, cs2, err := DevnetChain(again)
		if err != nil || rpc2 != rpc || cs2 != cs {
			t.Fatalf("written back, the section reads %q %+v %v; it was %q %+v", rpc2, cs2, err, rpc, cs)
		}
	})
}
