package node

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/chain/devchain"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// TestCheckChainLog: a replica's own chain check of relayed contract
// events, against a real (simulated) chain: a log as the chain holds it
// passes; a copy with other data at the same place does not, even once
// the real one was checked (the cache holds what was checked, not where);
// a key's second event is not taken as its first, and follows its first;
// a block not yet deep waits (ErrUnavailable); one far past the head, or
// with another hash, is refused.
func TestCheckChainLog(t *testing.T) {
	airline, _ := crypto.GenerateKey()
	dev, err := devchain.StartDev(map[common.Address]*big.Int{crypto.PubkeyToAddress(airline.PublicKey): chain.Units(100)})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := chain.Dial(ctx, dev.RPC)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id := big.NewInt(devchain.DevChainID)
	s, err := chain.NewSender(ctx, c, airline, id)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := s.Opts(ctx, 0)
	addr, tx, ft, err := contracts.DeployFlightTickets(o, c, s.Address())
	if _, err = s.Sent(tx, err); err != nil {
		t.Fatal(err)
	}
	if err := chain.Wait(ctx, c, tx); err != nil {
		t.Fatal(err)
	}
	var logs []*types.Log
	for _, delay := range []uint32{30, 200} {
		if err := s.Send(ctx, c, func(o *bind.TransactOpts) (*types.Transaction, error) {
			return ft.SetStatus(o, "SL9", "2026-12-09", delay, "delayed")
		}); err != nil {
			t.Fatal(err)
		}
	}
	it, err := ft.FilterFlightStatus(&bind.FilterOpts{Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	for it.Next() {
		lg := it.Event.Raw
		logs = append(logs, &lg)
	}
	if len(logs) != 2 {
		t.Fatalf("%d FlightStatus logs", len(logs))
	}
	schema, _ := attest.ParseSchema("string flight,string date,uint32 delayMinutes,string status")
	sub := &tokenscript.Subscription{Schema: attest.ChainLogSchema.UID, Key: "{flight}/{date}", Event: "FlightStatus", EventFields: schema,
		EventTopic: crypto.Keccak256Hash([]byte("FlightStatus(string,string,uint32,string)")),
		Contract:   &tokenscript.ChainContract{Name: "FlightTickets", ChainID: devchain.DevChainID, Address: addr}}
	n := &Node{eth: c, ctx: ctx}
	n.cfg.Network.ChainID, n.cfg.Network.Confirmations = devchain.DevChainID, 2
	relayed := func(lg *types.Log) *attest.ChainLog {
		h, err := c.HeaderByNumber(ctx, new(big.Int).SetUint64(lg.BlockNumber))
		if err != nil {
			t.Fatal(err)
		}
		return &attest.ChainLog{ChainID: devchain.DevChainID, Contract: lg.Address, BlockNumber: lg.BlockNumber, BlockHash: lg.BlockHash,
			BlockTime: h.Time, Index: uint32(lg.Index), TxHash: lg.TxHash, Topics: lg.Topics, Data: lg.Data}
	}
	first, second := relayed(logs[0]), relayed(logs[1])
	// Not deep enough yet: wait.
	if err := n.checkChainLog(sub, attest.ChainPos{}, second); !errors.Is(err, token.ErrUnavailable) {
		t.Fatalf("a block not %d deep: %v", n.cfg.Network.Confirmations, err)
	}
	if err := chain.WaitBlock(ctx, c, second.BlockNumber+2, func() { dev.Mine(1) }); err != nil {
		t.Fatal(err)
	}
	check := func(what string, after attest.ChainPos, l *attest.ChainLog, want string) {
		t.Helper()
		err := n.checkChainLog(sub, after, l)
		switch {
		case want == "" && err != nil:
			t.Fatalf("%s: %v", what, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Fatalf("%s: %v, want %q", what, err, want)
		}
	}
	check("the key's second event as its first", attest.ChainPos{}, second, "comes first")
	check("the key's first event", attest.ChainPos{}, first, "")
	check("the second after the first", first.Pos(), second, "")
	forged := *second
	forged.Data = append([]byte(nil), second.Data...)
	forged.Data[95] ^= 1 // delayMinutes, the third word: 201, not 200
	check("another log at the checked one's place", first.Pos(), &forged, "has no such log")
	far := *second
	far.BlockNumber += 50_000
	check("a block far past the head", first.Pos(), &far, "past this node's head")
	rehashed := *second
	rehashed.BlockHash = common.Hash{1}
	check("a block with another hash", first.Pos(), &rehashed, "on this node's chain, not")
	if err := (&Node{ctx: ctx}).checkChainLog(sub, attest.ChainPos{}, first); !errors.Is(err, token.ErrUnavailable) {
		t.Fatalf("a node without a chain: %v, want to wait", err)
	}
}
