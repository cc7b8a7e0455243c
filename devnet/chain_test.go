package devnet

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/smartlayer/smartlayer/chain"
)

// TestDevnetChain: with Options.Chain the devnet runs a chain whose
// JSON-RPC another process reaches from devnet.json, with the contracts
// deployed, every node staked and registered under its own peer ID, and
// the flight ticket's type registered by the airline for its bundle.
func TestDevnetChain(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain = 3, 3, true
	d := startDevnet(t, opts)
	b, err := os.ReadFile(filepath.Join(d.Dir(), "devnet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	if info.Chain == nil || info.Chain.RPC == "" || info.Chain.ChainID != chain.DevChainID || len(info.Chain.Accounts) != 2+3+3 {
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
	for _, ep := range append(append([]Endpoint{}, info.Anchors...), info.Services...) {
		if !peers[ep.Peer] {
			t.Fatalf("node %s is not staked and admitted on the chain: %+v", ep.Peer, st)
		}
	}
	if len(st.Anchors) != 3 || len(st.Services) != 3 {
		t.Fatalf("%d anchors and %d services on the chain", len(st.Anchors), len(st.Services))
	}
	id, err := r.Types.TypeOfBundle(nil, common.HexToAddress(info.Airline.Address), common.HexToHash(info.Bundle))
	if err != nil || id != info.Chain.TicketType {
		t.Fatalf("type of the flight ticket's bundle: %x %v, want %x", id, err, info.Chain.TicketType)
	}
	if ok, err := r.Types.Active(nil, id); err != nil || !ok {
		t.Fatalf("the flight ticket's type is not active: %v", err)
	}
}
