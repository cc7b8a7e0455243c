package devchain

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/contracts"
)

// BenchmarkFollow measures how many blocks a second an anchor's registry
// watcher can follow over JSON-RPC: one Poll (the admitted service nodes,
// page by page, and the anchor set, at one confirmed block) per block,
// with 3 anchors and 200 service nodes registered. The baseline, measured
// in the same run, is the least a follower does per block: one
// eth_blockNumber round trip. Run with
//
//	go test -run '^$' -bench Follow -benchtime 200x ./chain/devchain
func BenchmarkFollow(b *testing.B) {
	const anchors, services = 3, 200
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	deployer, _ := crypto.GenerateKey()
	keys := make([]*ecdsa.PrivateKey, anchors+services)
	balances := map[common.Address]*big.Int{crypto.PubkeyToAddress(deployer.PublicKey): chain.Units(1_000_000)}
	for i := range keys {
		keys[i], _ = crypto.GenerateKey()
		balances[crypto.PubkeyToAddress(keys[i].PublicKey)] = chain.Units(10)
	}
	dev, err := StartDev(balances)
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Close()
	c := dev.Client()
	id := big.NewInt(DevChainID)
	p := chain.DefaultParams()
	cs, err := chain.Deploy(ctx, c, deployer, id, p)
	if err != nil {
		b.Fatal(err)
	}
	r, err := chain.NewReader(ctx, c, *cs)
	if err != nil {
		b.Fatal(err)
	}
	stake, _ := contracts.NewStakeToken(cs.StakeToken, c)
	ds, _ := chain.NewSender(ctx, c, deployer, id)
	var txs []*types.Transaction
	send := func(s *chain.Sender, f func(*bind.TransactOpts) (*types.Transaction, error)) {
		o, err := s.Opts(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		tx, err := s.Sent(f(o))
		if err != nil {
			b.Fatal(err)
		}
		txs = append(txs, tx)
	}
	wait := func() {
		if err := chain.Wait(ctx, c, txs...); err != nil {
			b.Fatal(err)
		}
		txs = nil
	}
	role := func(i int) (uint8, *big.Int) {
		if i < anchors {
			return chain.RoleAnchor, p.MinAnchorStake
		}
		return chain.RoleService, p.MinServiceStake
	}
	for i, k := range keys {
		_, amount := role(i)
		a := crypto.PubkeyToAddress(k.PublicKey)
		send(ds, func(o *bind.TransactOpts) (*types.Transaction, error) { return stake.Transfer(o, a, amount) })
	}
	wait()
	senders := make([]*chain.Sender, len(keys))
	for i, k := range keys {
		_, amount := role(i)
		senders[i], _ = chain.NewSender(ctx, c, k, id)
		send(senders[i], func(o *bind.TransactOpts) (*types.Transaction, error) { return stake.Approve(o, cs.Registry, amount) })
	}
	wait()
	for i, k := range keys {
		rl, amount := role(i)
		a, peerID := crypto.PubkeyToAddress(k.PublicKey), fmt.Sprintf("peer-%d", i)
		sig, err := chain.RegisterSignature(ctx, r.Registry, k, a, rl, peerID)
		if err != nil {
			b.Fatal(err)
		}
		send(senders[i], func(o *bind.TransactOpts) (*types.Transaction, error) {
			return r.Registry.Register(o, a, rl, peerID, "http://node", amount, sig)
		})
	}
	wait()
	// The follower reaches the chain over HTTP JSON-RPC, as a node does.
	rpc, err := ethclient.DialContext(ctx, dev.RPC)
	if err != nil {
		b.Fatal(err)
	}
	defer rpc.Close()
	rr, err := chain.NewReader(ctx, rpc, *cs)
	if err != nil {
		b.Fatal(err)
	}
	w := chain.NewWatcher(rr, 2, nil)
	dev.Mine(3) // the registrations two blocks deep
	if err := w.Poll(ctx); err != nil {
		b.Fatal(err)
	}
	if _, n := w.Snapshot(); n != services || len(w.AnchorSet()) != anchors {
		b.Fatalf("the watcher sees %d services and %d anchors", n, len(w.AnchorSet()))
	}
	var base, follow time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := rpc.BlockNumber(ctx); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := w.Poll(ctx); err != nil {
			b.Fatal(err)
		}
		base, follow = base+t1.Sub(t0), follow+time.Since(t1)
	}
	b.StopTimer()
	bps := float64(b.N) / follow.Seconds()
	baseline := float64(b.N) / base.Seconds()
	b.ReportMetric(bps, "blocks/s")
	b.ReportMetric(baseline, "baseline-blocks/s")
	b.ReportMetric(bps/baseline, "ratio")
}
