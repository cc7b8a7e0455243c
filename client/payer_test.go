package client

import (
	"errors"
	"math/big"
	"net/http"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/wire"
)

// TestPayerTrustsOnlyItsOwnPromises: a 402 moves the payer up only to a
// promise it signed itself, on its channel; a node's word on what was
// charged, another key's promise, a price over MaxPrice move nothing; a
// price a node did not take is given back.
func TestPayerTrustsOnlyItsOwnPromises(t *testing.T) {
	key, _ := crypto.GenerateKey()
	other, _ := crypto.GenerateKey()
	dom := channel.Domain(1337, common.HexToAddress("0xc4"))
	p := &Payer{Key: key, Channel: 3, Domain: dom, MaxPrice: 100}
	due := func(price string, st *wire.ChannelState) *wire.Problem {
		return &wire.Problem{Status: http.StatusPaymentRequired, Payment: &wire.PaymentDue{Price: price, Channel: st}}
	}
	foreign, _ := channel.Sign(other, dom, 3, big.NewInt(1_000_000), 50)
	if !p.learn("/v1/tokens/x/query/status", due("5", &wire.ChannelState{ID: 3, Charged: "999999", Promised: "999999", Nonce: 1 << 63, Best: foreign.Header()})) {
		t.Fatal("a price was not learned")
	}
	if cum, nonce := p.Promised(); cum.Sign() != 0 || nonce != 0 {
		t.Fatalf("moved by a node's word or another key's promise: %s %d", cum, nonce)
	}
	mine, _ := channel.Sign(key, dom, 3, big.NewInt(70), 9)
	p.learn("/v1/tokens/x/query/status", due("5", &wire.ChannelState{ID: 3, Best: mine.Header()}))
	if cum, nonce := p.Promised(); cum.Int64() != 70 || nonce != 9 {
		t.Fatalf("not resumed from its own promise: %s %d", cum, nonce)
	}
	onOther, _ := channel.Sign(key, dom, 4, big.NewInt(700), 90)
	p.Resume(&wire.ChannelState{ID: 3, Best: onOther.Header()})
	if cum, _ := p.Promised(); cum.Int64() != 70 {
		t.Fatalf("resumed from a promise on another channel: %s", cum)
	}
	if p.learn("/v1/tokens/y/query/status", due("101", nil)) {
		t.Fatal("a price over MaxPrice was learned")
	}
	if _, err := p.promise(101); !errors.Is(err, ErrPrice) {
		t.Fatalf("a promise over MaxPrice: %v", err)
	}
	h, err := p.PromiseFor("/v1/tokens/x/query/status", 20)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := channel.ParseHeader(h)
	if pr.Cumulative.Int64() != 75 || pr.Nonce != 10 {
		t.Fatalf("next promise %s %d", pr.Cumulative, pr.Nonce)
	}
	p.giveBack(5)
	if cum, nonce := p.Promised(); cum.Int64() != 70 || nonce != 10 {
		t.Fatalf("after giving a price back: %s %d", cum, nonce)
	}
	p.Budget = big.NewInt(74)
	if _, err := p.promise(5); !errors.Is(err, ErrBudget) {
		t.Fatalf("past the budget: %v", err)
	}
}
