package devnet

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/chain/devchain"
	"github.com/smartlayer/smartlayer/contracts"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
)

// TestDevnetChain: with Options.Chain the devnet runs a chain whose
// JSON-RPC another process reaches from devnet.json, with the contracts
// deployed, every node staked and registered under its own peer ID, and
// the flight ticket's type registered by the airline for its bundle.
// Anchors admit only the service nodes staked on chain: one that is not is
// refused, and taken in once it stakes (chain issue item 2, admission).
func TestDevnetChain(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain, opts.UnstakedServices = 3, 4, true, 1
	d := startDevnet(t, opts)
	b, err := os.ReadFile(filepath.Join(d.Dir(), "devnet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	if info.Chain == nil || info.Chain.RPC == "" || info.Chain.ChainID != devchain.DevChainID || len(info.Chain.Accounts) != 2+3+4+1 { // treasury, airline, anchors, service nodes, the integration
		t.Fatalf("devnet.json chain: %+v", info.Chain)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := ethclient.DialContext(ctx, info.Chain.RPC)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := chain.NewReader(ctx, c, info.Chain.Contracts)
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	peers := map[string]bool{}
	for _, n := range st.Anchors {
		peers[n.PeerID] = n.Admitted
	}
	for _, n := range st.Services {
		peers[n.PeerID] = n.Admitted
	}
	for _, ep := range append(append([]Endpoint{}, info.Anchors...), info.Services[:3]...) {
		if !peers[ep.Peer] {
			t.Fatalf("node %s is not staked and admitted on the chain: %+v", ep.Peer, st)
		}
	}
	if len(st.Anchors) != 3 || len(st.Services) != 3 {
		t.Fatalf("%d anchors and %d services on the chain", len(st.Anchors), len(st.Services))
	}
	for _, n := range st.Services {
		if n.HTTP == "" {
			t.Fatalf("service %s has no URL in the registry", n.PeerID)
		}
	}
	id, err := r.Types.TypeOfBundle(nil, common.HexToAddress(info.Airline.Address), common.HexToHash(info.Bundle))
	if err != nil || id != info.Chain.TicketType {
		t.Fatalf("type of the flight ticket's bundle: %x %v, want %x", id, err, info.Chain.TicketType)
	}
	if ok, err := r.Types.Active(nil, id); err != nil || !ok {
		t.Fatalf("the flight ticket's type is not active: %v", err)
	}

	// A bundle whose issuer did not register it on chain is refused, even
	// signed by that issuer.
	other, _ := crypto.GenerateKey()
	ob, err := flightticket.Issued(other, attest.NetworkDomain(info.ChainID, common.HexToAddress(info.EASContract)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := json.Marshal(ob)
	if code, m, _ := postH(t, info.Anchors[0].HTTP+"/v1/bundles", string(obj), nil); code != 403 || m["type"] != "urn:smartlayer:problem:bundle-not-on-chain" {
		t.Fatalf("a bundle not registered on chain: %d %v", code, m)
	}

	// The unstaked service node is refused by every anchor and holds nothing.
	unstaked := info.Services[3]
	seen := func() (members, instances int) {
		for _, a := range info.Anchors {
			var v struct {
				Services []struct{ Peer, State string }
			}
			if getJSON(ctx, a.HTTP+"/v1/network", &v) == nil {
				for _, s := range v.Services {
					if s.Peer == unstaked.Peer && s.State == "up" {
						members++
					}
				}
			}
		}
		var h struct{ Instances int }
		_ = getJSON(ctx, d.Services[3].HTTPURL()+"/v1/health", &h)
		return members, h.Instances
	}
	waitUntil(t, 30*time.Second, "an anchor refuses the unstaked node's heartbeat", func() bool {
		return metricValue(t, info.Anchors[0].HTTP, `smartlayer_input_refused_total{reason="heartbeat-not-admitted"}`) > 0
	})
	if m, n := seen(); m != 0 || n != 0 {
		t.Fatalf("the unstaked node is up at %d anchors and holds %d instances", m, n)
	}
	// It stakes and registers: the anchors take it in and place on it.
	k := info.Chain.key(t, "service-3")
	staked := time.Now()
	stakeNode(t, ctx, c, info.Chain, k, unstaked.Peer)
	waitUntil(t, 30*time.Second, "every anchor admits the newly staked node", func() bool {
		m, _ := seen()
		return m == len(info.Anchors)
	})
	t.Logf("admitted by every anchor %s after its registration was mined", time.Since(staked).Round(10*time.Millisecond))
	if got := metricValue(t, info.Anchors[0].HTTP, "smartlayer_chain_admitted_services"); got != 4 {
		t.Fatalf("smartlayer_chain_admitted_services %v, want 4", got)
	}
}

// stakeNode has node key k take stake from the treasury and register as a
// service node with peer ID peer.
func stakeNode(t *testing.T, ctx context.Context, c *ethclient.Client, info *ChainInfo, k *ecdsa.PrivateKey, peer string) {
	t.Helper()
	tk := info.key(t, "treasury")
	id := big.NewInt(info.ChainID)
	stake, _ := contracts.NewStakeToken(info.Contracts.StakeToken, c)
	reg, _ := contracts.NewRegistry(info.Contracts.Registry, c)
	amount := chain.DefaultParams().MinServiceStake
	ts, err := chain.NewSender(ctx, c, tk, id)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := chain.NewSender(ctx, c, k, id)
	if err != nil {
		t.Fatal(err)
	}
	step := func(s *chain.Sender, f func(*bind.TransactOpts) (*types.Transaction, error)) {
		t.Helper()
		if err := s.Send(ctx, c, f); err != nil {
			t.Fatal(err)
		}
	}
	addr := crypto.PubkeyToAddress(k.PublicKey)
	step(ts, func(o *bind.TransactOpts) (*types.Transaction, error) { return stake.Transfer(o, addr, amount) })
	step(ns, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return stake.Approve(o, info.Contracts.Registry, amount)
	})
	sig, err := chain.RegisterSignature(ctx, reg, k, addr, chain.RoleService, peer)
	if err != nil {
		t.Fatal(err)
	}
	step(ns, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return reg.Register(o, addr, chain.RoleService, peer, "", amount, sig)
	})
}

// TestDormantTypeAnswers402: a token type whose rent runs out answers 402
// on every replica (problem JSON naming the type and what to do), and
// answers again once anyone pays (chain issue item 2, rent).
func TestDormantTypeAnswers402(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain, opts.TicketRentEpochs = 2, 3, true, 3
	d := startDevnet(t, opts)
	tk := d.Info.Tickets[0]
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
	status := func() (codes []int, problem string) {
		for _, r := range rt.Replicas {
			c, m, _ := postS(t, d, r.HTTP+"/v1/tokens/"+tk.Instance+"/query/status", `{}`, tk)
			codes = append(codes, c)
			if typ, _ := m["type"].(string); typ != "" {
				problem = typ + ": " + fmt.Sprint(m["detail"])
			}
		}
		return codes, problem
	}
	if codes, p := status(); !allCodes(codes, 200) {
		t.Fatalf("a paid type: %v %s", codes, p)
	}
	// Three epochs of 240 blocks pass.
	d.MineBlocks(3*240 + 1)
	var problem string
	waitUntil(t, 30*time.Second, "every replica answers 402", func() bool {
		var codes []int
		codes, problem = status()
		return allCodes(codes, 402)
	})
	if !strings.Contains(problem, "token-type-dormant") || !strings.Contains(problem, d.Info.Chain.TicketType.Hex()) {
		t.Fatalf("the 402 problem: %s", problem)
	}
	// The treasury pays an epoch of rent: the ticket answers again.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := ethclient.DialContext(ctx, d.Info.Chain.RPC)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tk0 := d.Info.Chain.key(t, "treasury")
	service, _ := contracts.NewServiceToken(d.Info.Chain.Contracts.ServiceToken, c)
	types_, _ := contracts.NewTokenTypes(d.Info.Chain.Contracts.TokenTypes, c)
	s, err := chain.NewSender(ctx, c, tk0, big.NewInt(d.Info.Chain.ChainID))
	if err != nil {
		t.Fatal(err)
	}
	rent := chain.DefaultParams().RentPerEpoch
	for _, f := range []func(*bind.TransactOpts) (*types.Transaction, error){
		func(o *bind.TransactOpts) (*types.Transaction, error) {
			return service.Approve(o, d.Info.Chain.Contracts.TokenTypes, rent)
		},
		func(o *bind.TransactOpts) (*types.Transaction, error) {
			return types_.PayRent(o, d.Info.Chain.TicketType, rent)
		},
	} {
		if err := s.Send(ctx, c, f); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, 30*time.Second, "every replica answers again once rent is paid", func() bool {
		codes, _ := status()
		return allCodes(codes, 200)
	})
}

func allCodes(codes []int, want int) bool {
	for _, c := range codes {
		if c != want {
			return false
		}
	}
	return len(codes) > 0
}

// key is the test key of the chain account with role.
func (c *ChainInfo) key(t *testing.T, role string) *ecdsa.PrivateKey {
	t.Helper()
	for _, a := range c.Accounts {
		if a.Role == role {
			k, err := crypto.HexToECDSA(strings.TrimPrefix(a.Key, "0x"))
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
	}
	t.Fatalf("no chain account %q", role)
	return nil
}

// TestSlashingOnChain: a service node that applies attestations wrongly is
// caught by sampling; the anchors that replayed the evidence sign the
// registry's slash digest, and once signers hold two thirds of the anchor
// set's stake one of them sends the slash: the node's stake is burnt, the
// registry no longer admits it, and its instances move off it (chain issue,
// slashing end to end).
func TestSlashingOnChain(t *testing.T) {
	opts := corruptSampled()
	opts.Chain = true
	d := startDevnet(t, opts)
	bad := d.Services[1].PeerID().String()
	badAddr := d.Services[1].Address()
	reg := d.chainState.r.Registry
	waitUntil(t, 90*time.Second, "the corrupt node's stake is slashed on chain", func() bool {
		n, err := reg.NodeOf(nil, badAddr)
		return err == nil && n.Stake.Sign() == 0 && n.Unbonding.Sign() == 0
	})
	it, err := reg.FilterSlashed(nil, []common.Address{badAddr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if !it.Next() || it.Event.Amount.Cmp(chain.DefaultParams().MinServiceStake) != 0 || it.Event.SignedStake.Cmp(new(big.Int).Mul(big.NewInt(2), chain.DefaultParams().MinAnchorStake)) < 0 {
		t.Fatalf("no Slashed event with the node's whole stake signed by two anchors or more: %+v", it.Event)
	}
	if ok, err := reg.Admitted(nil, badAddr, chain.RoleService); err != nil || ok {
		t.Fatalf("the slashed node is still admitted: %v", err)
	}
	// An anchor's slash went through; every anchor signs once it has
	// replayed the evidence, and closes its case once the registry has it.
	waitUntil(t, 60*time.Second, "every anchor signed and closed its case", func() bool {
		sent := 0.0
		for _, a := range d.Info.Anchors {
			sent += metricValue(t, a.HTTP, `smartlayer_slash_total{step="sent"}`)
			var v struct {
				Chain struct{ OpenSlashCases []chain.SlashCase }
			}
			getJSONT(t, a.HTTP+"/v1/network", &v)
			if metricValue(t, a.HTTP, `smartlayer_slash_total{step="signed"}`) < 1 || len(v.Chain.OpenSlashCases) > 0 {
				t.Logf("anchor %s: signed %v received %v sent %v done %v open %v", a.Peer[len(a.Peer)-6:], metricValue(t, a.HTTP, `smartlayer_slash_total{step="signed"}`),
					metricValue(t, a.HTTP, `smartlayer_slash_total{step="received"}`), metricValue(t, a.HTTP, `smartlayer_slash_total{step="sent"}`),
					metricValue(t, a.HTTP, `smartlayer_slash_total{step="done"}`), v.Chain.OpenSlashCases)
				return false
			}
		}
		return sent >= 1
	})
	// The anchors read it from the registry: the node holds no instance
	// and is refused as a member.
	waitUntil(t, 60*time.Second, "the slashed node's instances moved off it and anchors no longer admit it", func() bool {
		for _, a := range d.Info.Anchors {
			if metricValue(t, a.HTTP, "smartlayer_chain_admitted_services") != 3 {
				return false
			}
		}
		for _, tk := range d.Info.Tickets {
			rt, code := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
			if code != 200 {
				return false
			}
			for _, r := range rt.Replicas {
				if r.Peer == bad {
					return false
				}
			}
		}
		return true
	})
}

// TestEpochFromChain: the devnet's registry started its epoch with the
// anchors staked; every node runs that epoch's seed, anchor set and stakes
// from the chain (votes weighed by stake). When the registry starts the
// next epoch, every node follows it live and every ticket is re-placed
// under its seed, its replicas answering. A node configured with no
// anchors and no seed takes the chain's; one whose configuration
// disagrees with the chain, or names an epoch not started, does not start
// (chain issue item 2).
func TestEpochFromChain(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain = 2, 3, true
	d := startDevnet(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // the whole test: epochs started and followed, with the cores busy
	defer cancel()
	st, err := d.chainState.r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Started == nil || len(st.Started.Anchors) != 3 || d.Info.EpochSeed != st.Started.Seed.Hex() {
		t.Fatalf("the started epoch %+v; devnet.json's seed %s", st.Started, d.Info.EpochSeed)
	}
	want := map[string]uint64{}
	for _, a := range st.Started.Anchors {
		want[a.PeerID] = new(big.Int).Quo(a.Stake, big.NewInt(1e18)).Uint64()
	}
	for _, ep := range append(append([]Endpoint{}, d.Info.Anchors...), d.Info.Services...) {
		var v struct {
			Epoch          uint64
			EpochFromChain struct {
				Seed         string
				AnchorStakes map[string]uint64
			}
		}
		getJSONT(t, ep.HTTP+"/v1/network", &v)
		if v.Epoch != st.Started.Epoch || v.EpochFromChain.Seed != st.Started.Seed.Hex() || !maps.Equal(v.EpochFromChain.AnchorStakes, want) {
			t.Fatalf("node %s runs epoch %d %+v; the chain's: %d %s %v", ep.Peer, v.Epoch, v.EpochFromChain, st.Started.Epoch, st.Started.Seed.Hex(), want)
		}
	}
	// The registry starts the next epoch (same anchors): every node follows
	// it, and the anchors re-place every ticket under its seed, with
	// records of the new epoch that every replica takes.
	d.MineBlocks(int(chain.DefaultParams().EpochBlocks))
	ts, err := chain.NewSender(ctx, d.chainState.c, d.Info.Chain.key(t, "treasury"), d.chainState.id)
	if err != nil {
		t.Fatal(err)
	}
	next, err := chain.StartEpoch(ctx, ts, d.chainState.c, d.chainState.r, func() { d.MineBlocks(1) })
	if err != nil || next.Epoch <= st.Started.Epoch {
		t.Fatalf("the next epoch: %+v %v", next, err)
	}
	d.MineBlocks(devnetConfirmations)
	for _, ep := range append(append([]Endpoint{}, d.Info.Anchors...), d.Info.Services...) {
		waitUntil(t, 30*time.Second, "node "+ep.Peer+" runs the registry's new epoch", func() bool {
			var v struct {
				Epoch          uint64
				EpochFromChain struct{ Seed string }
			}
			getJSONT(t, ep.HTTP+"/v1/network", &v)
			return v.Epoch == next.Epoch && v.EpochFromChain.Seed == next.Seed.Hex() && metricValue(t, ep.HTTP, "smartlayer_epoch") == float64(next.Epoch)
		})
	}
	for _, tk := range d.Info.Tickets {
		why := ""
		say := func(s string) bool {
			if s != why {
				t.Logf("ticket %s: %s", tk.Instance[:10], s)
				why = s
			}
			return false
		}
		waitUntil(t, time.Minute, "ticket "+tk.Instance+" re-placed in the new epoch, every replica answering", func() bool {
			rt, code := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
			if code != 200 {
				return say(fmt.Sprintf("route %d", code))
			}
			rec, err := placement.DecodeRecord(rt.Record)
			if err != nil || rec.Epoch != next.Epoch {
				return say(fmt.Sprintf("record epoch %d", rec.Epoch))
			}
			var root string
			for _, r := range rt.Replicas {
				var v struct {
					StateRoot string
					Fencing   uint64
				}
				if err := getJSON(context.Background(), r.HTTP+"/v1/tokens/"+tk.Instance+"/root", &v); err != nil || v.Fencing != rec.Fencing ||
					root != "" && v.StateRoot != root {
					return say(fmt.Sprintf("replica %s: fencing %d of %d, root %s vs %s, %v", r.Peer[len(r.Peer)-6:], v.Fencing, rec.Fencing, v.StateRoot, root, err))
				}
				root = v.StateRoot
			}
			for _, r := range rt.Replicas {
				if code, m, _ := postS(t, d, r.HTTP+"/v1/tokens/"+tk.Instance+"/query/status", `{}`, tk); code != 200 {
					return say(fmt.Sprintf("replica %s query %d %v", r.Peer[len(r.Peer)-6:], code, m["type"]))
				}
			}
			return len(rt.Replicas) > 0
		})
	}
	// An epoch with another anchor set (a new anchor staked in between) is
	// not followed: every node stays on its epoch.
	nk, _ := nodekey.Generate()
	stake, _ := contracts.NewStakeToken(d.Info.Chain.Contracts.StakeToken, d.chainState.c)
	minStake := chain.DefaultParams().MinAnchorStake
	reg := d.chainState.r.Registry
	sig, err := chain.RegisterSignature(ctx, reg, nk.ECDSA, ts.Address(), chain.RoleAnchor, nk.PeerID().String())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(*bind.TransactOpts) (*types.Transaction, error){
		func(o *bind.TransactOpts) (*types.Transaction, error) {
			return stake.Approve(o, d.Info.Chain.Contracts.Registry, minStake)
		},
		func(o *bind.TransactOpts) (*types.Transaction, error) {
			return reg.Register(o, nk.Address(), chain.RoleAnchor, nk.PeerID().String(), "", minStake, sig)
		},
	} {
		if err := ts.Send(ctx, d.chainState.c, f); err != nil {
			t.Fatal(err)
		}
	}
	d.MineBlocks(int(chain.DefaultParams().EpochBlocks))
	third, err := chain.StartEpoch(ctx, ts, d.chainState.c, d.chainState.r, func() { d.MineBlocks(1) })
	if err != nil || third.Epoch <= next.Epoch || len(third.Anchors) != 4 {
		t.Fatalf("an epoch with four anchors: %+v %v", third, err)
	}
	d.MineBlocks(devnetConfirmations)
	for _, ep := range append(append([]Endpoint{}, d.Info.Anchors...), d.Info.Services...) {
		var v struct{ Epoch, EpochNotFollowed uint64 }
		waitUntil(t, 30*time.Second, "node "+ep.Peer+" read the third epoch and did not follow it", func() bool {
			getJSONT(t, ep.HTTP+"/v1/network", &v)
			return v.EpochNotFollowed == third.Epoch
		})
		if v.Epoch != next.Epoch {
			t.Fatalf("node %s runs epoch %d, whose anchor set is not its own; want it to stay on %d", ep.Peer, v.Epoch, next.Epoch)
		}
	}

	// A node configured with neither anchors nor seed takes the chain's.
	cfg := d.cfgBase
	cfg.Role, cfg.DataDir = node.RoleService, t.TempDir()
	cfg.Network.Anchors, cfg.Network.EpochSeed = nil, ""
	n, err := node.New(cfg, nil)
	if err != nil {
		t.Fatalf("a node taking its epoch from the chain: %v", err)
	}
	n.Close()
	// A configuration that disagrees with the chain is refused, clearly.
	for _, c := range []struct {
		change func(*node.Config)
		want   string
	}{
		{func(c *node.Config) { c.Network.EpochSeed = "0x" + strings.Repeat("ab", 32) }, "network.epoch_seed disagrees"},
		{func(c *node.Config) { c.Network.Anchors = c.Network.Anchors[:2] }, "network.anchors disagrees"},
		{func(c *node.Config) { c.Network.Epoch = st.Started.Epoch + 5 }, "not started"},
	} {
		cfg := d.cfgBase
		cfg.Role, cfg.DataDir = node.RoleService, t.TempDir()
		cfg.Network.Anchors = append([]string(nil), d.cfgBase.Network.Anchors...)
		c.change(&cfg)
		if n, err := node.New(cfg, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			if n != nil {
				n.Close()
			}
			t.Fatalf("want %q, got %v", c.want, err)
		}
	}
}

// TestAnchorsAdvanceEpochs: with network.advance_epochs the anchors start
// each epoch on chain by themselves once its first block is mined (one of
// them, by turns), and every node follows it (chain issue, epochs).
func TestAnchorsAdvanceEpochs(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain, opts.AdvanceEpochs = 2, 3, true, true
	d := startDevnet(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := d.chainState.r.Status(ctx)
	if err != nil || st.Started == nil {
		t.Fatalf("status: %+v %v", st, err)
	}
	d.MineBlocks(int(chain.DefaultParams().EpochBlocks))
	want := st.Started.Epoch + 1
	for _, ep := range append(append([]Endpoint{}, d.Info.Anchors...), d.Info.Services...) {
		waitUntil(t, time.Minute, "node "+ep.Peer+" runs the epoch the anchors started", func() bool {
			var v struct{ Epoch uint64 }
			getJSONT(t, ep.HTTP+"/v1/network", &v)
			return v.Epoch == want
		})
	}
	v, err := d.chainState.r.Epoch(ctx, nil, want)
	if err != nil || len(v.Anchors) != len(d.Info.Anchors) {
		t.Fatalf("the started epoch %+v: %v", v, err)
	}
}
