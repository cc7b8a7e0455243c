package payments

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/wire"
)

// distributedLog is a Distributed event of channel id burning burnt, as
// the contract at addr would log it.
func distributedLog(t *testing.T, addr common.Address, id, burnt int64) *types.Log {
	t.Helper()
	a, err := contracts.ChannelsMetaData.GetAbi()
	must(t, err)
	ev := a.Events["Distributed"]
	data, err := ev.Inputs.NonIndexed().Pack(big.NewInt(100), big.NewInt(burnt), []common.Address{}, []*big.Int{})
	must(t, err)
	return &types.Log{Address: addr, Topics: []common.Hash{ev.ID, common.BigToHash(big.NewInt(id))}, Data: data}
}

// TestBurntOnlyFromTheChannelsContract: the share a settlement burnt is read
// from the Channels contract's own Distributed event; an event of the same
// shape logged first by another contract in the same transaction (a token
// or a contract it calls) is not read.
func TestBurntOnlyFromTheChannelsContract(t *testing.T) {
	c, err := contracts.NewChannels(common.Address{}, nil)
	must(t, err)
	channels := common.HexToAddress("0x00000000000000000000000000000000000c4a11")
	key, err := crypto.GenerateKey()
	must(t, err)
	other := crypto.PubkeyToAddress(key.PublicKey)
	logs := []*types.Log{distributedLog(t, other, 7, 1), distributedLog(t, channels, 8, 2), distributedLog(t, channels, 7, 20)}
	burnt, ok := burntOf(c, channels, logs, 7)
	if !ok || burnt.Int64() != 20 {
		t.Fatalf("burnt %v (%v), want 20 from the Channels contract's event for channel 7", burnt, ok)
	}
	if burnt, ok := burntOf(c, channels, logs[:2], 7); ok {
		t.Fatalf("read %v burnt from another contract's event", burnt)
	}
}

// TestSettleWhileCallsArrive: the devnet's schedule settled a channel while
// the calls of a promise were still on their way to the anchor. The first
// settlement paid out the 4 calls cashed with every call counted by then,
// and the 20 cashed next had no call left to pay: they stayed in the
// contract for good. Now each settlement pays the calls the amount cashed
// covers; a promise that arrives ahead of its calls (the payer's Cover)
// waits for them; and a closing channel pays out what no call claims to
// the anchor.
func TestSettleWhileCallsArrive(t *testing.T) {
	n, g, _, pay := oneGate(t, 1_000)
	ctx, node := context.Background(), gateNode
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	state := func() (cashed, distributed int64) {
		c, err := n.channels.ChannelOf(&bind.CallOpts{Context: ctx}, big.NewInt(int64(n.id)))
		must(t, err)
		return c.Cashed.Int64(), c.Distributed.Int64()
	}
	for i := 0; i < 4; i++ {
		must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	forward(t, l, map[common.Address]*Gate{node: g})
	// Settling starts: the 4 calls are cashed; 20 more calls reach the
	// anchor before it pays out.
	acct, err := l.Account(ctx, n.id)
	must(t, err)
	must(t, n.cashier.Cash(ctx, acct.Best))
	for i := 0; i < 20; i++ {
		must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	forward(t, l, map[common.Address]*Gate{node: g})
	_, err = l.Settle(ctx, n.id, n.anchor, 0, fixedCash{n.cashier})
	must(t, err)
	if c, d := state(); c != 4 || d != 4 {
		t.Fatalf("with 4 of 24 calls cashed: cashed %d, distributed %d", c, d)
	}
	if _, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier); err != nil {
		t.Fatal(err)
	}
	if c, d := state(); c != 24 || d != 24 {
		t.Fatalf("every call cashed: cashed %d, distributed %d; want 24 and 24", c, d)
	}

	// 6 more calls, whose forwards are late, and the payer's promise
	// covering them and 4 calls more that no node will report (they
	// failed on the way): cashed, and kept until calls claim it.
	for i := 0; i < 6; i++ {
		must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	if _, err := l.Cover(ctx, n.id, pay.next(4)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier); err != nil {
		t.Fatal(err)
	}
	if c, d := state(); c != 34 || d != 24 {
		t.Fatalf("a promise ahead of its calls: cashed %d, distributed %d; want 34 and 24", c, d)
	}
	if tally := forward(t, l, map[common.Address]*Gate{node: g}); tally.Taken != 6 {
		t.Fatalf("the late calls: %+v", tally)
	}
	if _, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier); err != nil {
		t.Fatal(err)
	}
	if c, d := state(); c != 34 || d != 30 {
		t.Fatalf("the 6 calls arrived: cashed %d, distributed %d; want 34 and 30", c, d)
	}
	// The payer closes. While the close is under way the 4 calls may
	// still come in (queued at a node); once it has ended, the calls never
	// reported are paid to the anchor.
	n.payerSends(t, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.channels.StartClose(o, big.NewInt(int64(n.id)))
	})
	if _, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier); err != nil {
		t.Fatal(err)
	}
	if c, d := state(); c != 34 || d != 30 {
		t.Fatalf("closing: cashed %d, distributed %d; want 34 and 30 (the rest waits for its calls)", c, d)
	}
	must(t, n.dev.AdjustTime(chain.DefaultParams().ChallengeWindow+time.Minute))
	n.payerSends(t, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.channels.FinishClose(o, big.NewInt(int64(n.id)))
	})
	anchor := crypto.PubkeyToAddress(n.anchor.PublicKey)
	before := n.balance(anchor)
	res, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier)
	must(t, err)
	if c, d := state(); c != 34 || d != 34 || len(res.Nodes) != 1 || res.Nodes[0] != anchor || n.balance(anchor)-before+mustInt(res.Burnt) != 4 {
		t.Fatalf("closed: cashed %d, distributed %d, settlement %+v, the anchor got %d", c, d, res, n.balance(anchor)-before)
	}
}

// TestCloseTakesCallsServedBefore: a payer that starts a unilateral close
// while a node still holds the promises of calls it served does not keep
// what it promised for them: the anchor, which has seen the close begin,
// still takes the node's promises, cashes the highest in the challenge
// window and pays the node for its calls. (It refused them once the close
// began, and the payer kept what the last cashed promise did not cover.)
func TestCloseTakesCallsServedBefore(t *testing.T) {
	n, g, _, pay := oneGate(t, 1_000)
	ctx := context.Background()
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	for i := 0; i < 2; i++ {
		must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	forward(t, l, map[common.Address]*Gate{gateNode: g})
	// 5 calls served; the payer starts its close before the node's next
	// flush, and the anchor sees the close.
	for i := 0; i < 5; i++ {
		must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	n.payerSends(t, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.channels.StartClose(o, big.NewInt(int64(n.id)))
	})
	if st, err := l.Status(ctx, n.id); err != nil || !st.Closing {
		t.Fatalf("the anchor's view of the close: %+v %v", st, err)
	}
	if tally := forward(t, l, map[common.Address]*Gate{gateNode: g}); tally.Taken != 5 || tally.Refused != 0 {
		t.Fatalf("the calls served before the close: %+v", tally)
	}
	before := n.balance(gateNode)
	res, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier)
	must(t, err)
	c, err := n.channels.ChannelOf(&bind.CallOpts{Context: ctx}, big.NewInt(int64(n.id)))
	must(t, err)
	if c.Cashed.Int64() != 7 || c.Distributed.Int64() != 7 || n.balance(gateNode)-before+mustInt(res.Burnt) != 7 {
		t.Fatalf("closing: cashed %d, distributed %d, the node got %d, burnt %s", c.Cashed, c.Distributed, n.balance(gateNode)-before, res.Burnt)
	}
}

// TestPromiseOverTheDeposit: a payer's promise above the deposit is cashed
// once, up to the deposit; later settlements do not try to cash it again
// (the contract refuses: Overdrawn) and go on paying out what was cashed
// as calls arrive. (They failed at the cash, and what was cashed stayed in
// the contract.)
func TestPromiseOverTheDeposit(t *testing.T) {
	n, g, _, pay := oneGate(t, 100)
	ctx := context.Background()
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	pay.cum = 10_000 // the first promise says it owes far more than the deposit
	must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	forward(t, l, map[common.Address]*Gate{gateNode: g})
	_, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier)
	must(t, err)
	for i := 0; i < 50; i++ {
		must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	forward(t, l, map[common.Address]*Gate{gateNode: g})
	if _, err = l.Settle(ctx, n.id, n.anchor, 0, n.cashier); err != nil {
		t.Fatalf("a settlement after a promise over the deposit: %v", err)
	}
	c, err := n.channels.ChannelOf(&bind.CallOpts{Context: ctx}, big.NewInt(int64(n.id)))
	must(t, err)
	if c.Cashed.Int64() != 100 || c.Distributed.Int64() != 51 {
		t.Fatalf("cashed %s, distributed %s; want 100 and the 51 calls", c.Cashed, c.Distributed)
	}
}

// fixedCash is a cashier that cashes nothing more (the promise was cashed
// before the calls after it arrived).
type fixedCash struct{ SenderCashier }

func (fixedCash) Cash(context.Context, channel.Promise) error { return nil }

func mustInt(s string) int64 {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return v.Int64()
}

// TestUncashed: a status shows something to cash only when cashing its
// promise would move what was cashed, the deposit on chain (shown plus
// withdrawing) capping it.
func TestUncashed(t *testing.T) {
	for _, c := range []struct {
		promised, deposit, withdrawing, cashed string
		want                                   bool
	}{
		{"10", "100", "0", "5", true},
		{"10", "100", "0", "10", false},
		{"10051", "100", "0", "100", false}, // over the deposit, cashed up to it
		{"150", "100", "20", "90", true},    // a withdrawal announced
		{"150", "100", "20", "100", false},
	} {
		st := &wire.ChannelStatus{ChannelState: wire.ChannelState{Promised: c.promised, Deposit: c.deposit}, Withdrawing: c.withdrawing, Cashed: c.cashed}
		if got := Uncashed(st); got != c.want {
			t.Errorf("%+v: %v", c, got)
		}
	}
}

// TestWithdrawalTakesCallsServedBefore: a payer announcing a withdrawal of
// nearly all of its deposit does not get the calls a node served before it
// read the chain again (up to 30 s) for free: the anchor counts them
// against the deposit, which the withdrawal leaves until it is paid, and
// cashes them in its window. (It refused every one of them.)
func TestWithdrawalTakesCallsServedBefore(t *testing.T) {
	n, g, _, pay := oneGate(t, 1_000)
	ctx := context.Background()
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	forward(t, l, map[common.Address]*Gate{gateNode: g})
	n.payerSends(t, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.channels.StartWithdrawal(o, big.NewInt(int64(n.id)), big.NewInt(999))
	})
	if due, err := l.Due(ctx, n.id); err != nil || !due { // the anchor's watch notices
		t.Fatalf("a withdrawal with a promise not cashed: due %v, %v", due, err)
	}
	for i := 0; i < 100; i++ { // the gate has not read the chain again
		must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	if tally := forward(t, l, map[common.Address]*Gate{gateNode: g}); tally.Taken != 100 {
		t.Fatalf("the calls served before the gate saw the withdrawal: %+v", tally)
	}
	if _, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier); err != nil {
		t.Fatal(err)
	}
	c, err := n.channels.ChannelOf(&bind.CallOpts{Context: ctx}, big.NewInt(int64(n.id)))
	must(t, err)
	if c.Cashed.Int64() != 101 || c.Distributed.Int64() != 101 {
		t.Fatalf("cashed %s, distributed %s; want 101", c.Cashed, c.Distributed)
	}
}

// TestClosePaysLateCallsTheirShare: while a close is under way, a
// settlement pays only the calls counted, and calls a second node reports
// later get their share of what was cashed; the rest goes out whole only
// once the close has ended. (A closing channel paid everything cashed to
// the calls counted so far, and the late node's calls, though taken, were
// never paid.)
func TestClosePaysLateCallsTheirShare(t *testing.T) {
	n, a, clk, pay := oneGate(t, 1_000)
	ctx := context.Background()
	nodeB := common.HexToAddress("0x5e02")
	b := NewGate(n.domain, n.chain(), nodeB, clk.now, n.isAnchor)
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	for i := 0; i < 5; i++ {
		must(t, b.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	for i := 0; i < 5; i++ {
		must(t, a.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	forward(t, l, map[common.Address]*Gate{gateNode: a})
	n.payerSends(t, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.channels.StartClose(o, big.NewInt(int64(n.id)))
	})
	aBefore, bBefore := n.balance(gateNode), n.balance(nodeB)
	_, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier) // the watch, at once
	must(t, err)
	if tally := forward(t, l, map[common.Address]*Gate{nodeB: b}); tally.Taken != 5 {
		t.Fatalf("the late node's calls: %+v", tally)
	}
	_, err = l.Settle(ctx, n.id, n.anchor, 0, n.cashier)
	must(t, err)
	gotA, gotB := n.balance(gateNode)-aBefore, n.balance(nodeB)-bBefore
	if gotB == 0 || gotA != gotB {
		t.Fatalf("5 calls each: node A got %d, node B %d", gotA, gotB)
	}
}

// TestCooperativeCloseWaitsForLateCalls: the anchor signs a cooperative
// close only once no call on the channel has reached it for CloseQuiet.
// Calls a node served just before the payer asked, still on their way,
// come in meanwhile; the close then covers them (a close signed at once
// ended the channel's calls, and the node that served them got nothing).
// A replayed promise takes no call and does not hold the close off.
func TestCooperativeCloseWaitsForLateCalls(t *testing.T) {
	n, g, _, pay := oneGate(t, 1_000)
	ctx := context.Background()
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	l.Now, l.started = clk.now, clk.t.Add(-time.Hour)
	closeAt := func(final int64) error {
		sig, err := channel.SignDigest(n.payer, channel.CloseDigest(n.domain, n.id, big.NewInt(final)))
		must(t, err)
		_, err = l.Close(ctx, n.id, big.NewInt(final), sig, n.anchor)
		return err
	}
	var first string
	for i := range 3 {
		h := pay.next(1)
		if i == 0 {
			first = h
		}
		must(t, g.Pay(ctx, h, 1, testInstance, callOf(1), nil))
	}
	forward(t, l, map[common.Address]*Gate{gateNode: g})
	// Two more calls served; the payer asks to close at what the anchor
	// counts (3) before the node's next flush.
	for range 2 {
		must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	var soon *CloseTooSoon
	if err := closeAt(3); !errors.As(err, &soon) || soon.Wait != CloseQuiet {
		t.Fatalf("a close right after a call: %v", err)
	}
	clk.t = clk.t.Add(time.Second)
	if tally := forward(t, l, map[common.Address]*Gate{gateNode: g}); tally.Taken != 2 {
		t.Fatalf("the calls served before the close: %+v", tally)
	}
	clk.t = clk.t.Add(CloseQuiet - time.Millisecond)
	if err := closeAt(5); !errors.As(err, &soon) {
		t.Fatalf("a close within CloseQuiet of the last call: %v", err)
	}
	clk.t = clk.t.Add(time.Millisecond)
	// A promise replayed by a node now takes no call: it does not hold
	// the close off (anyone could, for good, before).
	if _, tally, err := l.Record(ctx, gateNode, []Forward{{Promise: first, Instance: testInstance, Call: callOf(1), Price: 1}}, nil); err != nil || tally.Replayed != 1 {
		t.Fatalf("a replayed promise: %+v %v", tally, err)
	}
	if err := closeAt(3); !errors.Is(err, ErrCloseRefused) {
		t.Fatalf("a close that does not cover the late calls: %v", err)
	}
	must(t, closeAt(5))
}
