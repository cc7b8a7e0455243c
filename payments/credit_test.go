package payments

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/channel"
)

// TestCallsOnCredit: between two promises a payer sends calls on credit,
// each MAC'd under the key it shares with the anchor. The gate lets one
// through only for a request the payer proved, with a new nonce, while the
// charges stay within channel.CreditCalls calls of the highest promise;
// the anchor counts it only when the MAC is the payer's, for that call and
// price (a node cannot make one up, re-price one or move it to another
// token), also after a restart (the payer's key comes back from the best
// promise kept); the next promise covers the calls, or one the payer sends
// the anchor with no call, and a settlement cashes exactly what they cost.
func TestCallsOnCredit(t *testing.T) {
	n, g, _, _ := oneGate(t, 10_000)
	ctx := context.Background()
	dir := t.TempDir()
	l, st := openLedger(t, filepath.Join(dir, "ledger"), n)
	payer := crypto.PubkeyToAddress(n.payer.PublicKey)
	byPayer := func(want common.Address) error {
		if want != payer {
			return errors.New("not the payer")
		}
		return nil
	}
	key, err := channel.CreditKey(n.payer, &n.anchor.PublicKey)
	must(t, err)
	if back, _ := channel.CreditKey(n.anchor, &n.payer.PublicKey); back != key {
		t.Fatal("the payer and the anchor derive different credit keys")
	}
	nonce, spent := uint64(0), int64(0)
	promise := func() string {
		nonce++
		spent += 2
		p, err := channel.Sign(n.payer, n.domain, n.id, big.NewInt(spent), nonce)
		must(t, err)
		return p.Header()
	}
	credit := func() channel.Credit {
		nonce++
		spent += 2
		return channel.SignCredit(key, n.id, nonce, 2, testInstance, callOf(2))
	}
	var r *Refusal
	// No credit at a node before it took a promise of the payer's; then,
	// from anyone but the payer, unproved, or at another price, refused.
	c := credit()
	if err := g.Pay(ctx, c.Header(), 2, testInstance, callOf(2), byPayer); !errors.As(err, &r) || !errors.Is(err, channel.ErrInsufficient) {
		t.Fatalf("a credit before any promise: %v", err)
	}
	must(t, g.Pay(ctx, promise(), 2, testInstance, callOf(2), nil))
	stranger := func(common.Address) error { return errors.New("proved by 0xbad") }
	if err := g.Pay(ctx, c.Header(), 2, testInstance, callOf(2), stranger); !errors.As(err, &r) || !errors.Is(err, channel.ErrNotPayer) {
		t.Fatalf("a credit proved by a stranger: %v", err)
	}
	if err := g.Pay(ctx, c.Header(), 2, testInstance, callOf(2), nil); !errors.Is(err, channel.ErrNotPayer) {
		t.Fatalf("an unproved credit: %v", err)
	}
	if err := g.Pay(ctx, c.Header(), 3, testInstance, callOf(3), byPayer); !errors.As(err, &r) || r.Price != 3 || !errors.Is(err, channel.ErrInsufficient) {
		t.Fatalf("a credit at another price: %v", err)
	}
	if err := g.Pay(ctx, "c;1;2;2;0x12", 2, testInstance, callOf(2), byPayer); !errors.As(err, &r) || r.Code != "payment-malformed" {
		t.Fatalf("a malformed credit: %v", err)
	}
	must(t, g.Pay(ctx, c.Header(), 2, testInstance, callOf(2), byPayer))
	if err := g.Pay(ctx, c.Header(), 2, testInstance, callOf(2), byPayer); !errors.Is(err, channel.ErrReplayed) {
		t.Fatalf("a credit sent twice: %v", err)
	}
	for range 9 {
		must(t, g.Pay(ctx, credit().Header(), 2, testInstance, callOf(2), byPayer))
	}
	must(t, g.Pay(ctx, promise(), 2, testInstance, callOf(2), nil)) // covers the 10 credits
	honest := spent

	// What a node could forward: a credit it made up, one re-priced, one
	// moved to another call; each is refused by the anchor.
	forged := channel.SignCredit([32]byte{1}, n.id, 1000, 2, testInstance, callOf(2))
	real := channel.SignCredit(key, n.id, 1001, 2, testInstance, callOf(2))
	repriced := real
	repriced.Price = 3
	bad := []Forward{
		{Promise: forged.Header(), Instance: testInstance, Call: callOf(2), Price: 2},
		{Promise: real.Header(), Instance: testInstance, Call: callOf(3), Price: 3},
		{Promise: repriced.Header(), Instance: testInstance, Call: callOf(3), Price: 3},
		{Promise: real.Header(), Instance: "0x02", Call: callOf(2), Price: 2},
	}
	_, tally, err := l.Record(ctx, common.HexToAddress("0xfee"), bad, nil)
	must(t, err)
	if tally.Taken != 0 || tally.Refused != 4 {
		t.Fatalf("made-up credits: %+v", tally)
	}
	if tl := forward(t, l, map[common.Address]*Gate{gateNode: g}); tl.Taken != 12 || tl.Refused != 0 {
		t.Fatalf("the gate's calls at the anchor: %+v", tl)
	}
	a, err := l.Account(ctx, n.id)
	must(t, err)
	if a.Charged().Int64() != honest || a.Best.Cumulative.Int64() != honest || a.Served[gateNode] != 12 {
		t.Fatalf("the anchor charged %s of %d, best %s, served %v", a.Charged(), honest, a.Best.Cumulative, a.Served)
	}

	// Credit runs out CreditCalls calls past the highest promise, at the
	// gate and at the anchor alike.
	for range channel.CreditCalls {
		must(t, g.Pay(ctx, credit().Header(), 2, testInstance, callOf(2), byPayer))
	}
	over := credit()
	if err := g.Pay(ctx, over.Header(), 2, testInstance, callOf(2), byPayer); !errors.Is(err, channel.ErrInsufficient) {
		t.Fatalf("a credit past CreditCalls: %v", err)
	}

	// After a restart the anchor knows the payer's key from the best
	// promise it kept, and takes the credits.
	must(t, st.Close())
	l, st = openLedger(t, filepath.Join(dir, "ledger"), n)
	defer st.Close()
	if tl := forward(t, l, map[common.Address]*Gate{gateNode: g}); tl.Taken != channel.CreditCalls || tl.Refused != 0 {
		t.Fatalf("credits after a restart: %+v", tl)
	}
	_, tally, err = l.Record(ctx, gateNode, []Forward{{Promise: over.Header(), Instance: testInstance, Call: callOf(2), Price: 2}}, nil)
	must(t, err)
	if tally.Taken != 0 {
		t.Fatalf("the anchor took a credit past CreditCalls: %+v", tally)
	}
	spent -= 2 // the call refused
	must(t, g.Pay(ctx, promise(), 2, testInstance, callOf(2), nil))
	// The last calls on credit, covered by a promise sent to the anchor
	// with no call (POST /v1/channels/{id}/promise): the payer's only,
	// each nonce once.
	for range 3 {
		must(t, g.Pay(ctx, credit().Header(), 2, testInstance, callOf(2), byPayer))
	}
	forward(t, l, map[common.Address]*Gate{gateNode: g})
	nonce++
	cover, err := channel.Sign(n.payer, n.domain, n.id, big.NewInt(spent), nonce)
	must(t, err)
	forgedCover, _ := channel.Sign(n.anchor, n.domain, n.id, big.NewInt(spent+100), nonce+1)
	if _, err := l.Cover(ctx, n.id, forgedCover.Header()); !errors.Is(err, ErrPromiseRefused) {
		t.Fatalf("a cover not signed by the payer: %v", err)
	}
	if cs, err := l.Cover(ctx, n.id, cover.Header()); err != nil || cs.Promised != big.NewInt(spent).String() || cs.Charged != cs.Promised {
		t.Fatalf("cover: %+v %v", cs, err)
	}
	if _, err := l.Cover(ctx, n.id, cover.Header()); !errors.Is(err, ErrPromiseRefused) {
		t.Fatalf("a cover sent twice: %v", err)
	}
	s, err := l.Settle(ctx, n.id, n.anchor, 1000, n.cashier)
	must(t, err)
	if s.Cashed != big.NewInt(spent).String() {
		t.Fatalf("cashed %s for calls costing %d", s.Cashed, spent)
	}

	// A promise of the payer's the node took and the anchor refuses (here
	// sent twice: spent) starts the node's calls on credit again at the
	// anchor too, as it did at the node: the two counts stay one.
	other := common.HexToAddress("0x5e09")
	p1 := promise()
	one := []Forward{{Promise: p1, Instance: testInstance, Call: callOf(2), Price: 2}}
	if _, tl, err := l.Record(ctx, other, one, nil); err != nil || tl.Taken != 1 {
		t.Fatalf("a promise: %+v %v", tl, err)
	}
	var credits []Forward
	for range channel.CreditCalls {
		credits = append(credits, Forward{Promise: credit().Header(), Instance: testInstance, Call: callOf(2), Price: 2})
	}
	if _, tl, err := l.Record(ctx, other, credits, nil); err != nil || tl.Taken != channel.CreditCalls {
		t.Fatalf("a node's credits: %+v %v", tl, err)
	}
	if _, tl, err := l.Record(ctx, other, one, nil); err != nil || tl.Replayed != 1 {
		t.Fatalf("the promise again: %+v %v", tl, err)
	}
	more := []Forward{{Promise: credit().Header(), Instance: testInstance, Call: callOf(2), Price: 2}}
	if _, tl, err := l.Record(ctx, other, more, nil); err != nil || tl.Taken != 1 {
		t.Fatalf("a credit after a promise the node took again: %+v %v", tl, err)
	}
}
