package contracts

import (
	"context"
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/smartlayer/smartlayer/channel"
)

const (
	burnBps   = 2000 // a fifth of every payout is burnt
	windowSec = 600
)

// channels is the chain with the Channels contract: account 1 is an
// anchor, 2 and 3 service nodes, 4 the payer (an integration).
type channels struct {
	*chain
	c    *Channels
	addr common.Address
}

func newChannels(t *testing.T) *channels {
	t.Helper()
	ch := newChain(t, 6)
	ch.register(1, roleAnchor, 100)
	ch.register(2, roleService, 10)
	ch.register(3, roleService, 10)
	addr, tx, c, err := DeployChannels(ch.auth(0), ch.c, ch.svcAddr, ch.regAddr, burnBps, windowSec)
	ch.must(err)
	ch.include(tx)
	for i := range ch.keys {
		ch.ok(ch.service.Approve(ch.auth(i), addr, big.NewInt(1<<62)))
	}
	return &channels{chain: ch, c: c, addr: addr}
}

// open opens a channel from account payer to the anchor (account 1) and
// returns its ID.
func (cs *channels) open(payer int, deposit int64) uint64 {
	cs.t.Helper()
	id, err := cs.c.NextChannel(nil)
	cs.must(err)
	cs.ok(cs.c.Open(cs.auth(payer), cs.chain.addr(1), big.NewInt(deposit)))
	return id.Uint64()
}

func (cs *channels) promise(signer int, id uint64, cumulative int64, nonce uint64) channel.Promise {
	cs.t.Helper()
	p, err := channel.Sign(cs.keys[signer], channel.Domain(1337, cs.addr), id, big.NewInt(cumulative), nonce)
	cs.must(err)
	return p
}

func (cs *channels) cash(p channel.Promise) (*types.Transaction, error) {
	return cs.c.Cash(cs.auth(5), new(big.Int).SetUint64(p.Channel), p.Cumulative, p.Nonce, p.Sig)
}

func (cs *channels) state(id uint64) ChannelsChannel {
	cs.t.Helper()
	s, err := cs.c.ChannelOf(nil, new(big.Int).SetUint64(id))
	cs.must(err)
	return s
}

func (cs *channels) balance(i int) int64 {
	cs.t.Helper()
	b, err := cs.service.BalanceOf(nil, cs.chain.addr(i))
	cs.must(err)
	return b.Int64()
}

func (cs *channels) supply() int64 {
	cs.t.Helper()
	s, err := cs.service.TotalSupply(nil)
	cs.must(err)
	return s.Int64()
}

// distribute signs (by signer) a payout of channel id from what was paid
// out up to upTo among the accounts by counts, and sends it.
func (cs *channels) distribute(signer int, id uint64, upTo int64, accounts []int, counts []uint64) (*types.Transaction, error) {
	from := cs.state(id).Distributed
	return cs.distributeFrom(signer, id, from.Int64(), upTo, accounts, counts)
}

func (cs *channels) distributeFrom(signer int, id uint64, from, upTo int64, accounts []int, counts []uint64) (*types.Transaction, error) {
	var nodes []common.Address
	var cs64 []*big.Int
	for i, a := range accounts {
		nodes = append(nodes, cs.chain.addr(a))
		cs64 = append(cs64, new(big.Int).SetUint64(counts[i]))
	}
	d := channel.DistributionDigest(channel.Domain(1337, cs.addr), id, big.NewInt(from), big.NewInt(upTo), nodes, counts)
	return cs.c.Distribute(cs.auth(5), new(big.Int).SetUint64(id), big.NewInt(from), big.NewInt(upTo), nodes, cs64, cs.sign(signer, d))
}

// TestChannelDigests: the Go side's EIP-712 digests are the contract's.
func TestChannelDigests(t *testing.T) {
	cs := newChannels(t)
	d := channel.Domain(1337, cs.addr)
	id := big.NewInt(7)
	amount, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	p := channel.Promise{Channel: 7, Cumulative: amount, Nonce: 42}
	if got, err := cs.c.PromiseDigest(nil, id, amount, 42); err != nil || got != p.Digest(d) {
		t.Fatalf("promise digest: contract %x, Go %x (%v)", got, p.Digest(d), err)
	}
	if got, err := cs.c.CloseDigest(nil, id, amount); err != nil || got != channel.CloseDigest(d, 7, amount) {
		t.Fatalf("close digest differs (%v)", err)
	}
	nodes := []common.Address{cs.chain.addr(1), cs.chain.addr(2)}
	if got, err := cs.c.DistributionDigest(nil, id, big.NewInt(5), amount, nodes, []*big.Int{big.NewInt(3), big.NewInt(9)}); err != nil ||
		got != channel.DistributionDigest(d, 7, big.NewInt(5), amount, nodes, []uint64{3, 9}) {
		t.Fatalf("distribution digest differs (%v)", err)
	}
}

// TestChannelPayAndDistribute: a channel's life while open, with every
// refusal of open, topUp, cash, distribute and withdraw.
func TestChannelPayAndDistribute(t *testing.T) {
	cs := newChannels(t)
	cs.reverts(cs.c.Open(cs.auth(4), cs.chain.addr(2), big.NewInt(100)))("NotAnchor") // a service node
	cs.reverts(cs.c.Open(cs.auth(4), cs.chain.addr(1), big.NewInt(0)))("ZeroAmount")
	before := cs.balance(4)
	id := cs.open(4, 1000)
	if s := cs.state(id); s.Payer != cs.chain.addr(4) || s.Anchor != cs.chain.addr(1) || s.Deposit.Int64() != 1000 || cs.balance(4) != before-1000 {
		t.Fatalf("opened: %+v", s)
	}
	bid := new(big.Int).SetUint64(id)
	cs.reverts(cs.c.TopUp(cs.auth(5), bid, big.NewInt(1)))("NotPayer")
	cs.reverts(cs.c.TopUp(cs.auth(4), bid, big.NewInt(0)))("ZeroAmount")
	cs.reverts(cs.c.TopUp(cs.auth(4), big.NewInt(99), big.NewInt(1)))("UnknownChannel")
	cs.ok(cs.c.TopUp(cs.auth(4), bid, big.NewInt(500)))

	// Promises: only the payer's count, each must raise what is cashed.
	cs.reverts(cs.cash(cs.promise(5, id, 100, 1)))("BadSigner")
	bad := cs.promise(4, id, 100, 1)
	bad.Cumulative = big.NewInt(101) // signed for 100
	cs.reverts(cs.cash(bad))("BadSigner")
	p1 := cs.promise(4, id, 100, 1)
	cs.ok(cs.cash(p1))
	cs.reverts(cs.cash(p1))("StalePromise") // replayed
	cs.reverts(cs.cash(cs.promise(4, id, 90, 5)))("StalePromise")
	cs.ok(cs.cash(cs.promise(4, id, 300, 3)))
	if s := cs.state(id); s.Cashed.Int64() != 300 || s.Nonce != 3 {
		t.Fatalf("after two promises cashed: %+v", s)
	}

	// Distribution: the anchor's signature, over exactly these counts.
	supply := cs.supply()
	a1, a2, a3 := cs.balance(1), cs.balance(2), cs.balance(3)
	cs.reverts(cs.distribute(2, id, 300, []int{1, 2, 3}, []uint64{1, 2, 3}))("BadSigner")
	cs.reverts(cs.distribute(1, id, 301, []int{1, 2, 3}, []uint64{1, 2, 3}))("NothingToDistribute")
	cs.reverts(cs.distribute(1, id, 300, nil, nil))("BadPayees")
	cs.reverts(cs.distribute(1, id, 300, []int{1, 2, 3}, []uint64{0, 0, 0}))("BadPayees")
	{ // counts signed, others submitted
		nodes := []common.Address{cs.chain.addr(1)}
		zero := big.NewInt(0)
		d := channel.DistributionDigest(channel.Domain(1337, cs.addr), id, zero, big.NewInt(300), nodes, []uint64{1})
		cs.reverts(cs.c.Distribute(cs.auth(5), bid, zero, big.NewInt(300), nodes, []*big.Int{big.NewInt(2)}, cs.sign(1, d)))("BadSigner")
		cs.reverts(cs.c.Distribute(cs.auth(5), bid, zero, big.NewInt(300), nodes, []*big.Int{big.NewInt(1), big.NewInt(1)}, cs.sign(1, d)))("BadPayees")
		none := []common.Address{{}}
		dz := channel.DistributionDigest(channel.Domain(1337, cs.addr), id, zero, big.NewInt(300), none, []uint64{1})
		cs.reverts(cs.c.Distribute(cs.auth(5), bid, zero, big.NewInt(300), none, []*big.Int{big.NewInt(1)}, cs.sign(1, dz)))("BadPayees")
		var many []int
		var counts []uint64
		for i := 0; i < 65; i++ {
			many, counts = append(many, 2), append(counts, 1)
		}
		cs.reverts(cs.distribute(1, id, 300, many, counts))("BadPayees")
	}
	// Distributions are paid in the order signed: one that starts past
	// what was paid out is refused.
	cs.reverts(cs.distributeFrom(1, id, 100, 300, []int{3}, []uint64{1}))("OutOfOrder")
	// 300: 60 burnt, 240 split 1:2:3 as 40, 80, 120.
	cs.ok(cs.distribute(1, id, 300, []int{1, 2, 3}, []uint64{1, 2, 3}))
	if cs.balance(1)-a1 != 40 || cs.balance(2)-a2 != 80 || cs.balance(3)-a3 != 120 || supply-cs.supply() != 60 {
		t.Fatalf("payout %d %d %d, burnt %d", cs.balance(1)-a1, cs.balance(2)-a2, cs.balance(3)-a3, supply-cs.supply())
	}
	cs.reverts(cs.distributeFrom(1, id, 0, 300, []int{1, 2, 3}, []uint64{1, 2, 3}))("OutOfOrder") // replayed
	cs.reverts(cs.distribute(1, id, 300, []int{1, 2, 3}, []uint64{1, 2, 3}))("NothingToDistribute")
	// Rounding dust is burnt: 100 more, 80 split 1:1:1 is 26 each, 2 dust.
	cs.ok(cs.cash(cs.promise(4, id, 400, 4)))
	supply = cs.supply()
	cs.ok(cs.distribute(1, id, 400, []int{1, 2, 3}, []uint64{1, 1, 1}))
	if burnt := supply - cs.supply(); burnt != 22 {
		t.Fatalf("burnt %d with dust, want 22", burnt)
	}

	// Withdrawal: announced, then paid after the window, as much of it
	// as the anchor did not cash meanwhile.
	cs.reverts(cs.c.StartWithdrawal(cs.auth(5), bid, big.NewInt(100)))("NotPayer")
	cs.reverts(cs.c.StartWithdrawal(cs.auth(4), bid, big.NewInt(0)))("ZeroAmount")
	cs.reverts(cs.c.StartWithdrawal(cs.auth(4), bid, big.NewInt(1101)))("Overdrawn") // 1500 - 400 = 1100 unspent
	cs.reverts(cs.c.Withdraw(cs.auth(4), bid))("NotWithdrawing")
	cs.ok(cs.c.StartWithdrawal(cs.auth(4), bid, big.NewInt(1000)))
	cs.reverts(cs.c.Withdraw(cs.auth(4), bid))("WindowOpen")
	cs.reverts(cs.c.Withdraw(cs.auth(5), bid))("NotPayer")
	cs.ok(cs.cash(cs.promise(4, id, 600, 5))) // the anchor cashes in the window: 900 unspent
	cs.adjustTime(windowSec * time.Second)
	cs.b.Commit()
	before = cs.balance(4)
	cs.ok(cs.c.Withdraw(cs.auth(4), bid))
	if s := cs.state(id); cs.balance(4)-before != 900 || s.Deposit.Int64() != 600 || s.Withdrawn.Int64() != 900 || s.Withdrawing.Sign() != 0 {
		t.Fatalf("after withdrawing: %+v, paid %d", s, cs.balance(4)-before)
	}
	cs.reverts(cs.c.Withdraw(cs.auth(4), bid))("NotWithdrawing") // once
	cs.ok(cs.c.TopUp(cs.auth(4), bid, big.NewInt(800)))
	// A promise above the deposit cashes the deposit, then nothing more.
	cs.ok(cs.cash(cs.promise(4, id, 5000, 10)))
	if s := cs.state(id); s.Cashed.Int64() != 1400 {
		t.Fatalf("a promise over the deposit cashed %s", s.Cashed)
	}
	cs.reverts(cs.cash(cs.promise(4, id, 6000, 11)))("Overdrawn")
}

// TestChannelClose: the unilateral close with its challenge window, in
// which a higher promise wins; the cooperative close; a double close; and
// every refusal of both.
func TestChannelClose(t *testing.T) {
	cs := newChannels(t)
	id := cs.open(4, 1000)
	bid := new(big.Int).SetUint64(id)
	cs.ok(cs.cash(cs.promise(4, id, 100, 1)))
	cs.reverts(cs.c.FinishClose(cs.auth(5), bid))("NotClosing")
	cs.reverts(cs.c.StartClose(cs.auth(1), bid))("NotPayer")
	cs.ok(cs.c.StartClose(cs.auth(4), bid))
	cs.reverts(cs.c.StartClose(cs.auth(4), bid))("ChannelClosing")
	cs.reverts(cs.c.TopUp(cs.auth(4), bid, big.NewInt(1)))("ChannelClosing")
	cs.reverts(cs.c.FinishClose(cs.auth(5), bid))("WindowOpen")
	// In the window the anchor cashes the highest promise it holds; a
	// stale one is refused.
	cs.reverts(cs.cash(cs.promise(4, id, 100, 1)))("StalePromise")
	cs.ok(cs.cash(cs.promise(4, id, 250, 7)))
	cs.adjustTime(windowSec * time.Second)
	cs.b.Commit()
	cs.reverts(cs.cash(cs.promise(4, id, 300, 8)))("WindowOver")
	before := cs.balance(4)
	cs.ok(cs.c.FinishClose(cs.auth(5), bid))
	if s := cs.state(id); !s.Closed || s.Cashed.Int64() != 250 || cs.balance(4)-before != 750 {
		t.Fatalf("closed: %+v, refund %d", s, cs.balance(4)-before)
	}
	cs.reverts(cs.c.FinishClose(cs.auth(5), bid))("ChannelClosed")
	cs.reverts(cs.cash(cs.promise(4, id, 300, 8)))("ChannelClosed")
	// What was cashed is still paid out after the close.
	cs.ok(cs.distribute(1, id, 250, []int{2}, []uint64{1}))

	// Cooperative: both sign the final amount; at once.
	id2 := cs.open(4, 500)
	bid2 := new(big.Int).SetUint64(id2)
	cs.ok(cs.cash(cs.promise(4, id2, 50, 1)))
	d := channel.Domain(1337, cs.addr)
	close := func(final int64, payer, anchor int) (*types.Transaction, error) {
		dg := channel.CloseDigest(d, id2, big.NewInt(final))
		return cs.c.CloseCooperative(cs.auth(5), bid2, big.NewInt(final), cs.sign(payer, dg), cs.sign(anchor, dg))
	}
	cs.reverts(close(80, 5, 1))("BadSigner")
	cs.reverts(close(80, 4, 2))("BadSigner")
	cs.reverts(close(40, 4, 1))("StalePromise")
	cs.reverts(close(501, 4, 1))("Overdrawn")
	before = cs.balance(4)
	cs.ok(close(80, 4, 1))
	if s := cs.state(id2); !s.Closed || s.Cashed.Int64() != 80 || cs.balance(4)-before != 420 {
		t.Fatalf("closed cooperatively: %+v, refund %d", s, cs.balance(4)-before)
	}
	cs.reverts(close(80, 4, 1))("ChannelClosed")
	cs.reverts(cs.c.StartClose(cs.auth(4), bid2))("ChannelClosed")
	cs.reverts(cs.c.StartWithdrawal(cs.auth(4), bid2, big.NewInt(1)))("ChannelClosed")
	cs.reverts(cs.c.Withdraw(cs.auth(4), bid2))("ChannelClosed")
}

// TestChannelAccountingRandom is the property test of the channel
// accounting over random call sequences: an honest payer signs one promise
// per call; they reach the anchor's account (channel.Account) in a random
// order, some twice, and the account is written out and read back (a
// restart) at random. Cumulative amounts never decrease, a replayed
// promise pays nothing, and what the contract pays out after cashing the
// anchor's best promise and distributing by its counts is what the
// promises signed less the burnt share, nothing lost.
func TestChannelAccountingRandom(t *testing.T) {
	cs := newChannels(t)
	d := channel.Domain(1337, cs.addr)
	served := []int{1, 2, 3}
	for round := 0; round < 4; round++ {
		rng := rand.New(rand.NewPCG(uint64(round), 17))
		deposit := int64(2_000)
		id := cs.open(4, deposit)
		acct := channel.Open(id, cs.chain.addr(4), big.NewInt(deposit))
		// The calls and their promises.
		type call struct {
			p     channel.Promise
			price int64
			node  common.Address
		}
		var calls []call
		var total int64
		for n := uint64(1); n <= uint64(20+rng.IntN(60)); n++ {
			price := int64(1 + rng.IntN(9))
			total += price
			calls = append(calls, call{cs.promise(4, id, total, n), price, cs.chain.addr(served[rng.IntN(3)])})
		}
		// Delivered out of order: each promise may be late by a few places.
		order := make([]int, len(calls))
		for i := range order {
			order[i] = i
		}
		for i := range order {
			j := min(len(order)-1, i+rng.IntN(4))
			order[i], order[j] = order[j], order[i]
		}
		best := new(big.Int)
		var supplyBefore = cs.supply()
		payouts := map[common.Address]int64{}
		for _, a := range served {
			payouts[cs.chain.addr(a)] = -cs.balance(a)
		}
		var distributed int64
		settle := func() {
			if acct.Best.Cumulative.Cmp(cs.state(id).Cashed) > 0 {
				cs.ok(cs.cash(acct.Best))
			}
			// Only the calls cashed are paid out; a promise ahead of its
			// calls waits for them.
			cashed := cs.state(id).Cashed
			dist, ok := acct.Distribution(cs.state(id).Distributed, cashed, false)
			if !ok {
				return
			}
			if dist.UpTo.Cmp(cashed) > 0 {
				t.Fatalf("round %d: a distribution up to %s of %s cashed", round, dist.UpTo, cashed)
			}
			counts := make([]*big.Int, len(dist.Counts))
			for i, c := range dist.Counts {
				counts[i] = new(big.Int).SetUint64(c)
			}
			sig := cs.sign(1, channel.DistributionDigest(d, id, dist.From, dist.UpTo, dist.Nodes, dist.Counts))
			cs.ok(cs.c.Distribute(cs.auth(5), new(big.Int).SetUint64(id), dist.From, dist.UpTo, dist.Nodes, counts, sig))
			acct.Distributed(dist)
			distributed = dist.UpTo.Int64()
		}
		for k, i := range order {
			c := calls[i]
			err := acct.Pay(c.p, cs.chain.addr(4), uint64(c.price), c.node)
			if err != nil {
				t.Fatalf("round %d: honest promise %d refused: %v", round, c.p.Nonce, err)
			}
			if acct.Best.Cumulative.Cmp(best) < 0 {
				t.Fatalf("round %d: best promise fell from %s to %s", round, best, acct.Best.Cumulative)
			}
			best.Set(acct.Best.Cumulative)
			if rng.IntN(4) == 0 { // any promise paid before, replayed: pays nothing, changes nothing
				old := calls[order[rng.IntN(k+1)]]
				was, _ := json.Marshal(acct)
				if err := acct.Pay(old.p, cs.chain.addr(4), uint64(old.price), c.node); err == nil {
					t.Fatalf("round %d: a replayed promise paid", round)
				}
				if now, _ := json.Marshal(acct); string(now) != string(was) {
					t.Fatalf("round %d: a refused promise changed the account", round)
				}
			}
			if rng.IntN(8) == 0 { // the anchor restarts
				b, err := json.Marshal(acct)
				cs.must(err)
				var back channel.Account
				cs.must(json.Unmarshal(b, &back))
				acct = back
			}
			if rng.IntN(16) == 0 || k == len(order)-1 {
				settle()
			}
		}
		if acct.Charged().Int64() != total || acct.Best.Cumulative.Int64() != total {
			t.Fatalf("round %d: charged %s, best %s, calls cost %d", round, acct.Charged(), acct.Best.Cumulative, total)
		}
		var paid int64
		for _, a := range served {
			paid += payouts[cs.chain.addr(a)] + cs.balance(a)
		}
		burnt := supplyBefore - cs.supply()
		if distributed != total || paid+burnt != total || burnt < total*burnBps/10_000 {
			t.Fatalf("round %d: calls cost %d, distributed %d, paid %d, burnt %d", round, total, distributed, paid, burnt)
		}
		before := cs.balance(4)
		fd := channel.CloseDigest(d, id, big.NewInt(total))
		cs.ok(cs.c.CloseCooperative(cs.auth(5), new(big.Int).SetUint64(id), big.NewInt(total), cs.sign(4, fd), cs.sign(1, fd)))
		if refund := cs.balance(4) - before; refund != deposit-total {
			t.Fatalf("round %d: refund %d, want %d", round, refund, deposit-total)
		}
	}
	bal, err := cs.service.BalanceOf(&bind.CallOpts{Context: context.Background()}, cs.addr)
	cs.must(err)
	if bal.Sign() != 0 {
		t.Fatalf("the contract keeps %s after every channel closed and paid out", bal)
	}
}

// TestChannelRevertsEverywhere: the refusals the other tests meet on one
// path, on every other function that makes them: a deployment with a
// burnt share over 100% or no challenge window; an unknown channel on
// every call that names one; a closing channel on a withdrawal.
func TestChannelRevertsEverywhere(t *testing.T) {
	cs := newChannels(t)
	deploy := func(bps uint16, window uint64) (*types.Transaction, error) {
		_, tx, _, err := DeployChannels(cs.auth(0), cs.chain.c, cs.svcAddr, cs.regAddr, bps, window)
		return tx, err
	}
	cs.reverts(deploy(10_001, windowSec))("BadShare")
	cs.reverts(deploy(burnBps, 0))("ZeroWindow")
	cs.ok(deploy(10_000, 1)) // all burnt is a share

	unknown := big.NewInt(99)
	d := channel.Domain(1337, cs.addr)
	p := cs.promise(4, 99, 10, 1)
	cs.reverts(cs.cash(p))("UnknownChannel")
	cs.reverts(cs.c.StartWithdrawal(cs.auth(4), unknown, big.NewInt(1)))("UnknownChannel")
	cs.reverts(cs.c.Withdraw(cs.auth(4), unknown))("UnknownChannel")
	cs.reverts(cs.c.StartClose(cs.auth(4), unknown))("UnknownChannel")
	cs.reverts(cs.c.FinishClose(cs.auth(5), unknown))("UnknownChannel")
	cd := channel.CloseDigest(d, 99, big.NewInt(10))
	cs.reverts(cs.c.CloseCooperative(cs.auth(5), unknown, big.NewInt(10), cs.sign(4, cd), cs.sign(1, cd)))("UnknownChannel")
	cs.reverts(cs.distributeFrom(1, 99, 0, 10, []int{2}, []uint64{1}))("UnknownChannel")

	id := cs.open(4, 1000)
	bid := new(big.Int).SetUint64(id)
	cs.ok(cs.c.StartWithdrawal(cs.auth(4), bid, big.NewInt(100)))
	cs.ok(cs.c.StartClose(cs.auth(4), bid))
	cs.reverts(cs.c.StartWithdrawal(cs.auth(4), bid, big.NewInt(1)))("ChannelClosing")
	cs.adjustTime(windowSec * time.Second)
	cs.b.Commit()
	// The withdrawal's window is over too, but a closing channel pays
	// nothing out but its close.
	cs.reverts(cs.c.Withdraw(cs.auth(4), bid))("ChannelClosing")
	before := cs.balance(4)
	cs.ok(cs.c.FinishClose(cs.auth(5), bid))
	if cs.balance(4)-before != 1000 {
		t.Fatalf("close refunded %d, want the whole deposit", cs.balance(4)-before)
	}
}
