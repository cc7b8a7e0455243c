package devchain

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/contracts"
)

// TestDevChainOverRPC: the local chain serves JSON-RPC over HTTP; through
// it (the path another process takes) the contracts are deployed, a node
// stakes and registers with its key's signature, and Status reads it back.
func TestDevChainOverRPC(t *testing.T) {
	deployer, _ := crypto.GenerateKey()
	nodeKey, _ := crypto.GenerateKey()
	eth := new(big.Int).Mul(big.NewInt(100), big.NewInt(1e18))
	dev, err := StartDev(map[common.Address]*big.Int{crypto.PubkeyToAddress(deployer.PublicKey): eth, crypto.PubkeyToAddress(nodeKey.PublicKey): eth})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var c *ethclient.Client
	for {
		if c, err = ethclient.DialContext(ctx, dev.RPC); err == nil {
			if _, err = c.ChainID(ctx); err == nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("chain RPC at %s: %v", dev.RPC, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	id, _ := c.ChainID(ctx)
	if id.Int64() != DevChainID {
		t.Fatalf("chain ID %v", id)
	}
	p := chain.DefaultParams()
	cs, err := chain.Deploy(ctx, c, deployer, id, p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := chain.NewReader(ctx, c, *cs)
	if err != nil {
		t.Fatal(err)
	}
	stake, _ := contracts.NewStakeToken(cs.StakeToken, c)
	nodeAddr := crypto.PubkeyToAddress(nodeKey.PublicKey)
	ds, _ := chain.NewSender(ctx, c, deployer, id)
	o, _ := ds.Opts(ctx, 0)
	tx, err := ds.Sent(stake.Transfer(o, nodeAddr, p.MinAnchorStake))
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := chain.NewSender(ctx, c, nodeKey, id)
	o, _ = ns.Opts(ctx, 0)
	tx2, err := ns.Sent(stake.Approve(o, cs.Registry, p.MinAnchorStake))
	if err != nil {
		t.Fatal(err)
	}
	if err := chain.Wait(ctx, c, tx, tx2); err != nil {
		t.Fatal(err)
	}
	sig, err := chain.RegisterSignature(ctx, r.Registry, nodeKey, nodeAddr, chain.RoleAnchor, "peer-a")
	if err != nil {
		t.Fatal(err)
	}
	o, _ = ns.Opts(ctx, 0)
	tx3, err := ns.Sent(r.Registry.Register(o, nodeAddr, chain.RoleAnchor, "peer-a", "http://a", p.MinAnchorStake, sig))
	if err != nil {
		t.Fatal(err)
	}
	if err := chain.Wait(ctx, c, tx3); err != nil {
		t.Fatal(err)
	}
	rc, err := c.TransactionReceipt(ctx, tx3.Hash())
	if err != nil {
		t.Fatal(err)
	}
	// A watcher reads confirmations deep: what it sees is the registry at
	// the block it read, so the anchor only from the registration's block.
	w := chain.NewWatcher(r, 2, nil)
	for seen := false; !seen; {
		if err := w.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		block, _ := w.Snapshot()
		seen = w.AnchorSet()[nodeAddr] != nil
		if head, _ := c.BlockNumber(ctx); block+2 > head {
			t.Fatalf("watcher read block %d with the head at %d", block, head)
		}
		if seen != (block >= rc.BlockNumber.Uint64()) {
			t.Fatalf("watcher at block %d sees the anchor %v; it registered in block %d", block, seen, rc.BlockNumber)
		}
		dev.Mine(1)
	}
	// The registry's slash digest is the one anchors sign (chain.SlashDigest).
	ev := crypto.Keccak256Hash([]byte("evidence"))
	if want, err := r.Registry.SlashDigest(nil, nodeAddr, chain.AllStake, ev); err != nil || common.Hash(want) != chain.SlashDigest(id, cs.Registry, nodeAddr, chain.AllStake, ev) {
		t.Fatalf("slash digest: the registry's %x (%v), ours %x", want, err, chain.SlashDigest(id, cs.Registry, nodeAddr, chain.AllStake, ev))
	}
	if st, err := r.Status(ctx); err != nil || st.Started != nil || st.Seed != (common.Hash{}) {
		t.Fatalf("status before an epoch started: %+v %v", st, err)
	}
	// The epoch starts: its set is fixed, then seeded blocks later.
	v, err := chain.StartEpoch(ctx, ds, c, r, func() { dev.Mine(1) })
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Started == nil || st.Started.Seed != v.Seed || len(v.Anchors) != 1 || v.Anchors[0].PeerID != "peer-a" {
		t.Fatalf("started epoch %+v, status %+v", v, st.Started)
	}
	if len(st.Anchors) != 1 || st.Anchors[0].Address != nodeAddr || st.Anchors[0].PeerID != "peer-a" || st.Anchors[0].Stake.Cmp(p.MinAnchorStake) != 0 || !st.Anchors[0].Admitted {
		t.Fatalf("status: %+v", st)
	}
	if st.Block == 0 || st.Seed == (common.Hash{}) {
		t.Fatalf("status block %d seed %x", st.Block, st.Seed)
	}
	// A wrong address is a clear error.
	if _, err := chain.NewReader(ctx, c, chain.Contracts{Registry: common.Address{1}, Epochs: cs.Epochs, TokenTypes: cs.TokenTypes}); err == nil {
		t.Fatal("a reader over an address with no contract")
	}
}
