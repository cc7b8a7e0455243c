package client

import (
	"errors"
	"math/big"
	"net/http"
	"slices"
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
	p.giveBack(5, true)
	if cum, nonce := p.Promised(); cum.Int64() != 70 || nonce != 10 {
		t.Fatalf("after giving a price back: %s %d", cum, nonce)
	}
	p.Budget = big.NewInt(74)
	if _, err := p.promise(5); !errors.Is(err, ErrBudget) {
		t.Fatalf("past the budget: %v", err)
	}
}

// TestPayerSendsCallsOnCredit: once a node took a promise, the payer sends
// it the next Every-1 queries on credit, MAC'd under the key it shares
// with the anchor (which the anchor derives too), then a promise that
// covers them; a node that took none, or refused a call, or a call that
// must carry a promise gets one; Cover signs what the calls on credit
// cost, once.
func TestPayerSendsCallsOnCredit(t *testing.T) {
	key, _ := crypto.GenerateKey()
	anchor, _ := crypto.GenerateKey()
	dom := channel.Domain(1337, common.HexToAddress("0xc4"))
	p := &Payer{Key: key, Channel: 3, Domain: dom, Every: 4}
	if err := p.useCredit(&anchor.PublicKey); err != nil {
		t.Fatal(err)
	}
	shared, _ := channel.CreditKey(anchor, &key.PublicKey)
	call := func(to string) (string, bool) {
		h, promised, err := p.pay(to, 2, "0x01", "query:status")
		if err != nil {
			t.Fatal(err)
		}
		if promised != nil {
			p.took(to)
		}
		return h, promised == nil
	}
	var kinds []bool
	for range 6 {
		h, credit := call("n1")
		kinds = append(kinds, credit)
		if credit {
			c, err := channel.ParseCredit(h)
			if err != nil || c.Price != 2 || !c.Valid(shared, "0x01", "query:status") || c.Valid(shared, "0x01", "query:other") {
				t.Fatalf("a credit the anchor would not take: %v", err)
			}
		}
	}
	if want := []bool{false, true, true, true, false, true}; !slices.Equal(kinds, want) {
		t.Fatalf("credit calls %v, want %v", kinds, want)
	}
	h, credit := call("n2")
	pr, err := channel.ParseHeader(h)
	if credit || err != nil || pr.Cumulative.Int64() != 14 || pr.Nonce != 7 {
		t.Fatalf("the first call to another node: %q %v", h, err)
	}
	p.untook("n1")
	if _, credit := call("n1"); credit {
		t.Fatal("a node that refused a call was sent a credit")
	}
	if h, _, _ := p.pay("n1", 2, "", ""); channel.IsCredit(h) {
		t.Fatal("a call naming nothing went on credit")
	}
	for range 2 {
		if _, credit := call("n1"); !credit {
			t.Fatal("no credit after a promise")
		}
	}
	p.giveBack(2, false) // not taken
	if h, ok, err := p.cover(); !ok || err != nil {
		t.Fatalf("cover: %v", err)
	} else if pr, _ := channel.ParseHeader(h); pr.Cumulative.Int64() != 20 {
		t.Fatalf("cover promised %s for calls costing 20", pr.Cumulative)
	} else if again, ok, _ := p.cover(); !ok || again != h {
		t.Fatal("a cover the anchor did not take is not sent again")
	} else {
		p.covered(h)
	}
	if cum, _ := p.Promised(); cum.Int64() != 20 {
		t.Fatalf("promised %s after cover", cum)
	}
	if _, ok, _ := p.cover(); ok {
		t.Fatal("a second cover with nothing on credit")
	}

	// Restarted before it covered its calls on credit: a node's 402 with
	// the payer's own best promise moves it past the nonces spent and up
	// to the charges it shows, but no further than credit may go beyond
	// that promise.
	q := &Payer{Key: key, Channel: 3, Domain: dom}
	best, _ := channel.Sign(key, dom, 3, big.NewInt(10), 4)
	due := &wire.Problem{Status: http.StatusPaymentRequired, Payment: &wire.PaymentDue{Price: "2",
		Channel: &wire.ChannelState{ID: 3, Charged: "100000", Spent: 9, Best: best.Header()}}}
	if !q.learn("/v1/tokens/x/query/status", due) {
		t.Fatal("the 402 was not learned")
	}
	// The same 402 again (a node showing back the promise it was sent)
	// moves nothing more.
	q.learn("/v1/tokens/x/query/status", due)
	h, _, err = q.pay("", 2, "", "")
	if pr, _ := channel.ParseHeader(h); err != nil || pr.Cumulative.Int64() != 10+channel.CreditCalls*2+2 || pr.Nonce != 9+creditSkip+1 {
		t.Fatalf("after a restart: %q %v", h, err)
	}
}

// TestPayerCatchesUpAfterResume: a payer that resumed from its own promise
// (a new process paying from a channel) does not know the calls sent on
// credit after it; the first 402 that shows more charged than that
// promise, even with the same promise as the best, is taken in (within
// CreditCalls of the price), once: a later 402 showing more moves nothing.
func TestPayerCatchesUpAfterResume(t *testing.T) {
	key, _ := crypto.GenerateKey()
	dom := channel.Domain(1337, common.HexToAddress("0xc4"))
	p := &Payer{Key: key, Channel: 3, Domain: dom}
	best, _ := channel.Sign(key, dom, 3, big.NewInt(3), 5)
	p.Resume(&wire.ChannelState{ID: 3, Best: best.Header()})
	due := func(charged string) *wire.Problem {
		return &wire.Problem{Status: http.StatusPaymentRequired,
			Payment: &wire.PaymentDue{Price: "20", Channel: &wire.ChannelState{ID: 3, Charged: charged, Best: best.Header()}}}
	}
	next := func() int64 {
		t.Helper()
		h, err := p.PromiseFor("/v1/tokens/x/actions/rebook", 20)
		if err != nil {
			t.Fatal(err)
		}
		pr, _ := channel.ParseHeader(h)
		return pr.Cumulative.Int64()
	}
	// A 402 showing no channel state, or another channel's, takes nothing in.
	p.learn("/v1/tokens/x/actions/rebook", &wire.Problem{Status: http.StatusPaymentRequired, Payment: &wire.PaymentDue{Price: "20"}})
	p.learn("/v1/tokens/x/actions/rebook", &wire.Problem{Status: http.StatusPaymentRequired,
		Payment: &wire.PaymentDue{Price: "20", Channel: &wire.ChannelState{ID: 4, Charged: "50", Best: best.Header()}}})
	p.learn("/v1/tokens/x/actions/rebook", due("4"))
	if got := next(); got != 24 {
		t.Fatalf("after a 402 showing 4 charged over a promise of 3, the next promise is %d, want 24", got)
	}
	p.learn("/v1/tokens/x/actions/rebook", due("100"))
	if got := next(); got != 44 {
		t.Fatalf("a second 402's word moved the payer: next promise %d, want 44", got)
	}
}

// TestPayerOnePromiseInFlight: while a promise to a node is on its way,
// the calls made meanwhile go on credit (within the room the node gives:
// channel.CreditCalls since the last promise it took) instead of each
// sending a promise of its own: with 16 clients in flight a payer sent
// about one promise every 6 calls to a node instead of one every 32, each
// a signature made and two checked.
func TestPayerOnePromiseInFlight(t *testing.T) {
	key, _ := crypto.GenerateKey()
	anchor, _ := crypto.GenerateKey()
	dom := channel.Domain(1337, common.HexToAddress("0xc4"))
	p := &Payer{Key: key, Channel: 3, Domain: dom, Every: 8}
	if err := p.useCredit(&anchor.PublicKey); err != nil {
		t.Fatal(err)
	}
	promise := func() bool {
		_, promised, err := p.pay("n1", 1, "0x01", "query:status")
		if err != nil {
			t.Fatal(err)
		}
		return promised != nil
	}
	if !promise() {
		t.Fatal("the first call to a node is not a promise")
	}
	p.took("n1")
	var kinds []bool
	for range 7 + 1 + 55 + 1 {
		kinds = append(kinds, promise()) // the node has not taken the 8th call's promise yet
	}
	want := make([]bool, 64)
	want[7] = true  // every 8th call: a promise
	want[63] = true // the room the node gives (channel.CreditCalls - 2 since its last) used up: another
	if !slices.Equal(kinds, want) {
		t.Fatalf("promises %v, want %v", kinds, want)
	}
	p.took("n1")
	for i := range 7 {
		if promise() {
			t.Fatalf("call %d after the node took the promise was not on credit", i)
		}
	}
	p.untook("n1")
	if !promise() {
		t.Fatal("a node that refused a call was sent a credit")
	}
}
