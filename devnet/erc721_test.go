package devnet

import (
	"context"
	"encoding/json"
	"math/big"
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
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/wire"
)

// TestTicketAsERC721: the flight ticket's ERC-721 twin drives its instance
// (chain issue item 4). The airline's mints reach every replica through the
// anchors' relays; a relayed Transfer that no block holds is refused by
// every replica's own chain check; a real Transfer makes the buyer the
// owner, so the seller's grant is refused and the buyer's is taken; and the
// airline's FlightStatus event on chain reaches every replica of the
// flight's tickets, on one state root.
func TestTicketAsERC721(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Flights, opts.Services, opts.Chain = 2, 1, 3, true
	d := startDevnet(t, opts)
	tk := d.Info.Tickets[0]
	id, err := wire.ParseInstanceID(tk.Instance)
	if err != nil {
		t.Fatal(err)
	}
	ftAddr := d.Info.Chain.Contracts.FlightTickets
	transfers := wire.TransferTopic(ftAddr, id)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := ethclient.DialContext(ctx, d.Info.Chain.RPC)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ft, err := contracts.NewFlightTickets(ftAddr, c)
	if err != nil {
		t.Fatal(err)
	}
	chainID := big.NewInt(d.Info.Chain.ChainID)

	// The mint reaches every replica: each applied an entry of the
	// ticket's Transfer topic, and the owner is the passenger.
	waitUntil(t, time.Minute, "every replica applied the ticket's mint", func() bool {
		return everyReplicaApplied(d, tk.Instance, transfers)
	})
	roots := ownersOf(t, d, tk.Instance)
	for _, o := range roots {
		if o != common.HexToAddress(tk.Holder) {
			t.Fatalf("owners after the mint %v, want the passenger %s", roots, tk.Holder)
		}
	}

	// A relay no block holds: anchor 0's key signs a Transfer of the
	// ticket to mallory in the mint's block, at an index with no log.
	// Every replica reads the chain itself and refuses it.
	it, err := ft.FilterTransfer(&bind.FilterOpts{Context: ctx}, nil, nil, []*big.Int{new(big.Int).SetBytes(id[:])})
	if err != nil || !it.Next() {
		t.Fatalf("the mint's log: %v", err)
	}
	mint := it.Event.Raw
	h, err := c.HeaderByHash(ctx, mint.BlockHash)
	if err != nil {
		t.Fatal(err)
	}
	anchorKey, err := nodekey.Load(filepath.Join(d.nodeDir(node.RoleAnchor, 0), "node.key"))
	if err != nil {
		t.Fatal(err)
	}
	mallory, _ := crypto.GenerateKey()
	forged := &attest.ChainLog{ChainID: uint64(d.Info.Chain.ChainID), Contract: ftAddr, BlockNumber: mint.BlockNumber, BlockHash: mint.BlockHash,
		BlockTime: h.Time, Index: uint32(mint.Index) + 7, TxHash: mint.TxHash,
		Topics: []common.Hash{mint.Topics[0], common.BytesToHash(common.HexToAddress(tk.Holder).Bytes()),
			common.BytesToHash(crypto.PubkeyToAddress(mallory.PublicKey).Bytes()), common.Hash(id)}}
	fa, err := attest.SignChainLog(anchorKey.ECDSA, attest.NetworkDomain(d.Info.ChainID, common.HexToAddress(d.Info.EASContract)), forged, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	faj, _ := json.Marshal(fa)
	if _, err := d.Client.NewPublisher(anchorKey.ECDSA).Publish(ctx, transfers, faj); err != nil {
		t.Fatalf("publish the forged relay: %v", err)
	}
	waitUntil(t, time.Minute, "every replica refused the forged Transfer", func() bool {
		rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
		for _, r := range rt.Replicas {
			var hist struct{ History []struct{ Note string } }
			if err := d.GetAs(context.Background(), r.HTTP+"/v1/tokens/"+tk.Instance+"/history", tk, &hist); err != nil {
				return false
			}
			found := false
			for _, it := range hist.History {
				found = found || strings.Contains(it.Note, "has no such log")
			}
			if !found {
				return false
			}
		}
		return len(rt.Replicas) > 0
	})
	for _, o := range ownersOf(t, d, tk.Instance) {
		if o != common.HexToAddress(tk.Holder) {
			t.Fatalf("a forged relay moved the owner to %s", o)
		}
	}

	// The passenger sells the ticket on chain.
	passenger, err := crypto.HexToECDSA(strings.TrimPrefix(tk.OwnerKey, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	buyer, _ := crypto.GenerateKey()
	buyerAddr := crypto.PubkeyToAddress(buyer.PublicKey)
	ps, err := chain.NewSender(ctx, c, passenger, chainID)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Send(ctx, c, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return ft.TransferFrom(o, ps.Address(), buyerAddr, new(big.Int).SetBytes(id[:]))
	}); err != nil {
		t.Fatal(err)
	}
	d.MineBlocks(devnetConfirmations)
	waitUntil(t, time.Minute, "every replica's owner is the buyer", func() bool {
		os := ownersOf(t, d, tk.Instance)
		for _, o := range os {
			if o != buyerAddr {
				return false
			}
		}
		return len(os) > 0
	})
	// The seller's grant no longer counts; the buyer's does.
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
	for _, r := range rt.Replicas {
		code, m, _ := postS(t, d, r.HTTP+"/v1/tokens/"+tk.Instance+"/query/status", `{}`, tk)
		if code != 403 || !strings.Contains(m["type"].(string), "grant-not-owner") {
			t.Fatalf("the seller's grant at %s: %d %v", r.HTTP, code, m)
		}
	}
	g, err := attest.SignGrant(buyer, attest.NetworkDomain(d.Info.ChainID, common.HexToAddress(d.Info.EASContract)), id, common.HexToAddress(d.Info.Integration.Address),
		[]string{"query:status", "read:state"}, time.Now().Add(time.Hour), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	gv, _ := g.EncodeURLValue()
	bought := tk
	bought.Headers = map[string]string{wire.GrantHeader: gv}
	for _, r := range rt.Replicas {
		if code, m, _ := postS(t, d, r.HTTP+"/v1/tokens/"+tk.Instance+"/query/status", `{}`, bought); code != 200 {
			t.Fatalf("the buyer's grant at %s: %d %v", r.HTTP, code, m)
		}
	}

	// The airline publishes the flight's delay on chain: every replica of
	// both tickets (one flight) applies it, on one root per ticket.
	as, err := chain.NewSender(ctx, c, d.Info.Chain.key(t, "airline"), chainID)
	if err != nil {
		t.Fatal(err)
	}
	if err := as.Send(ctx, c, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return ft.SetStatus(o, tk.Flight, tk.Date, 95, "delayed")
	}); err != nil {
		t.Fatal(err)
	}
	d.MineBlocks(devnetConfirmations)
	for i, other := range d.Info.Tickets {
		viewer := other
		if i == 0 {
			viewer = bought
		}
		waitUntil(t, time.Minute, "every replica of "+other.Instance+" applied the on-chain status", func() bool {
			rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, other.Instance)
			var root string
			for _, r := range rt.Replicas {
				var v stateView
				if err := d.GetAs(context.Background(), r.HTTP+"/v1/tokens/"+other.Instance+"/state", viewer, &v); err != nil {
					return false
				}
				if v.State["delayMinutes"] != float64(95) || root != "" && v.StateRoot != root {
					return false
				}
				root = v.StateRoot
			}
			return len(rt.Replicas) > 0
		})
	}
}

// everyReplicaApplied reports whether every live replica of instance id
// has applied an entry of topic (its offsets name a stream of it).
func everyReplicaApplied(d *Devnet, id, topic string) bool {
	vs, err := liveStates(d, id)
	if err != nil || len(vs) == 0 {
		return false
	}
	for _, v := range vs {
		applied := false
		for k := range v.Offsets {
			applied = applied || strings.HasPrefix(k, topic+"@")
		}
		if !applied {
			return false
		}
	}
	return true
}

// ownersOf is each replica's owner of an instance (GET /root, public).
func ownersOf(t *testing.T, d *Devnet, id string) []common.Address {
	t.Helper()
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, id)
	var out []common.Address
	for _, r := range rt.Replicas {
		var v struct{ Owner common.Address }
		if err := getJSON(context.Background(), r.HTTP+"/v1/tokens/"+id+"/root", &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.Owner)
	}
	return out
}
