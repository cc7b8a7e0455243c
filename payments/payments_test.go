package payments

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/chain/devchain"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/store"
)

// net is a chain with the contracts, an anchor (registered), a payer with
// service tokens and a channel to the anchor.
type net struct {
	t        *testing.T
	ctx      context.Context
	c        chain.Backend
	cs       *chain.Contracts
	channels *contracts.Channels
	service  *contracts.ServiceToken
	domain   attest.Domain
	anchor   *ecdsa.PrivateKey
	payer    *ecdsa.PrivateKey
	cashier  SenderCashier
	id       uint64
	dev      *devchain.Dev
}

func newNet(t *testing.T, deposit int64) *net {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	treasury, _ := crypto.GenerateKey()
	anchor, _ := crypto.GenerateKey()
	payer, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress
	dev, err := devchain.StartDev(map[common.Address]*big.Int{
		addr(treasury.PublicKey): chain.Units(100), addr(anchor.PublicKey): chain.Units(100), addr(payer.PublicKey): chain.Units(100)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	c := dev.Client()
	id := big.NewInt(devchain.DevChainID)
	p := chain.DefaultParams()
	cs, err := chain.Deploy(ctx, c, treasury, id, p)
	must(t, err)
	n := &net{t: t, ctx: ctx, c: c, cs: cs, domain: channel.Domain(devchain.DevChainID, cs.Channels), anchor: anchor, payer: payer, dev: dev}
	n.channels, _ = contracts.NewChannels(cs.Channels, c)
	n.service, _ = contracts.NewServiceToken(cs.ServiceToken, c)
	stake, _ := contracts.NewStakeToken(cs.StakeToken, c)
	reg, _ := contracts.NewRegistry(cs.Registry, c)
	ts, err := chain.NewSender(ctx, c, treasury, id)
	must(t, err)
	send := func(s *chain.Sender, f func(*bind.TransactOpts) (*types.Transaction, error)) {
		t.Helper()
		must(t, s.Send(ctx, c, f))
	}
	send(ts, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return stake.Transfer(o, addr(anchor.PublicKey), p.MinAnchorStake)
	})
	send(ts, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.service.Transfer(o, addr(payer.PublicKey), big.NewInt(deposit*2))
	})
	as, err := chain.NewSender(ctx, c, anchor, id)
	must(t, err)
	send(as, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return stake.Approve(o, cs.Registry, p.MinAnchorStake)
	})
	sig, err := chain.RegisterSignature(ctx, reg, anchor, addr(anchor.PublicKey), chain.RoleAnchor, "anchor-peer")
	must(t, err)
	send(as, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return reg.Register(o, addr(anchor.PublicKey), chain.RoleAnchor, "anchor-peer", "", p.MinAnchorStake, sig)
	})
	ps, err := chain.NewSender(ctx, c, payer, id)
	must(t, err)
	send(ps, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.service.Approve(o, cs.Channels, big.NewInt(deposit*2))
	})
	send(ps, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.channels.Open(o, addr(anchor.PublicKey), big.NewInt(deposit))
	})
	n.id = 1
	n.cashier = SenderCashier{S: as, B: c, C: n.channels, At: cs.Channels}
	return n
}

// testInstance is the instance every test call is on; callOf names a
// call by its price, which priceOf (the anchors' price list) reads back.
const testInstance = "0x01"

func callOf(price uint64) string { return fmt.Sprintf("query:p%d", price) }

func priceOf(instance, call string) (uint64, bool) {
	v, ok := strings.CutPrefix(call, "query:p")
	if instance != testInstance || !ok {
		return 0, false
	}
	p, err := strconv.ParseUint(v, 10, 64)
	return p, err == nil
}

func (n *net) isAnchor(a common.Address) bool { return a == crypto.PubkeyToAddress(n.anchor.PublicKey) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (n *net) chain() OnChain { return OnChain{C: n.channels} }

// payerSends sends a transaction from the channel's payer and waits for it.
func (n *net) payerSends(t *testing.T, f func(*bind.TransactOpts) (*types.Transaction, error)) {
	t.Helper()
	ps, err := chain.NewSender(n.ctx, n.c, n.payer, big.NewInt(devchain.DevChainID))
	must(t, err)
	must(t, ps.Send(n.ctx, n.c, f))
}

func (n *net) balance(a common.Address) int64 {
	b, err := n.service.BalanceOf(&bind.CallOpts{Context: n.ctx}, a)
	must(n.t, err)
	return b.Int64()
}

// payer signs promises one call after another.
type payer struct {
	mu    sync.Mutex
	n     *net
	id    uint64 // the channel; 0: the net's
	cum   int64
	nonce uint64
}

func (p *payer) next(price int64) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cum += price
	p.nonce++
	id := p.id
	if id == 0 {
		id = p.n.id
	}
	pr, err := channel.Sign(p.n.payer, p.n.domain, id, big.NewInt(p.cum), p.nonce)
	must(p.n.t, err)
	return pr.Header()
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func openLedger(t *testing.T, dir string, n *net) (*Ledger, *store.Store) {
	st, err := store.Open(dir)
	must(t, err)
	return NewLedger(n.domain, n.chain(), n.anchor, st, priceOf), st
}

// forward sends every gate's promises to the ledger and merges its views.
func forward(t *testing.T, l *Ledger, gates map[common.Address]*Gate) Tally {
	var all Tally
	for self, g := range gates {
		for _, b := range g.Take() {
			views, tally, err := l.Record(context.Background(), self, b.Items, b.Channels)
			must(t, err)
			g.Delivered(b)
			g.Merge(b.Anchor, views)
			all.Taken += tally.Taken
			all.Replayed += tally.Replayed
			all.Refused += tally.Refused
		}
	}
	return all
}

// TestPaidCalls: two service nodes take a payer's promises for priced
// calls; each refusal (no promise, malformed, another signer, an unknown
// channel, over the deposit, replayed after the anchor's view came back)
// is a Refusal; the anchor's ledger counts every call once, survives a
// restart, and settles on chain: what was promised is cashed, a fifth
// burnt, the rest split by the calls served with the anchor's share.
func TestPaidCalls(t *testing.T) {
	n := newNet(t, 1_000)
	ctx := context.Background()
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	nodes := []common.Address{common.HexToAddress("0x5e01"), common.HexToAddress("0x5e02")}
	gates := map[common.Address]*Gate{}
	for _, a := range nodes {
		gates[a] = NewGate(n.domain, n.chain(), a, clk.now, n.isAnchor)
	}
	g0, g1 := gates[nodes[0]], gates[nodes[1]]
	pay := &payer{n: n}

	var r *Refusal
	if err := g0.Pay(ctx, "", 1, testInstance, callOf(1), nil); !errors.As(err, &r) || r.Code != "payment-required" || r.Price != 1 {
		t.Fatalf("no promise: %v", err)
	}
	if err := g0.Pay(ctx, "", 0, testInstance, callOf(0), nil); err != nil {
		t.Fatalf("a free call: %v", err)
	}
	if err := g0.Pay(ctx, "1;2;3", 1, testInstance, callOf(1), nil); !errors.As(err, &r) || r.Code != "payment-malformed" {
		t.Fatalf("malformed: %v", err)
	}
	stranger, _ := crypto.GenerateKey()
	sp, _ := channel.Sign(stranger, n.domain, n.id, big.NewInt(5), 1)
	if err := g0.Pay(ctx, sp.Header(), 1, testInstance, callOf(1), nil); !errors.As(err, &r) || !errors.Is(err, channel.ErrNotPayer) || r.Channel == nil || r.Channel.Deposit != "1000" {
		t.Fatalf("another signer: %v %+v", err, r)
	}
	up, _ := channel.Sign(n.payer, n.domain, 99, big.NewInt(5), 1)
	if err := g0.Pay(ctx, up.Header(), 1, testInstance, callOf(1), nil); !errors.As(err, &r) || r.Code != "unknown-channel" {
		t.Fatalf("unknown channel: %v", err)
	}

	dir := t.TempDir()
	l, st := openLedger(t, dir, n)
	// 300 calls at random nodes, queries (1) and actions (20), promises
	// forwarded now and then.
	rng := rand.New(rand.NewPCG(1, 2))
	var total int64
	served := map[common.Address]uint64{}
	var spent []string
	for i := 0; i < 300 && total < 900; i++ {
		price := int64(1)
		if rng.IntN(5) == 0 {
			price = 20
		}
		h := pay.next(price)
		at := nodes[rng.IntN(2)]
		must(t, gates[at].Pay(ctx, h, uint64(price), testInstance, callOf(uint64(price)), nil))
		total += price
		served[at]++
		spent = append(spent, h)
		if rng.IntN(20) == 0 {
			if tl := forward(t, l, gates); tl.Replayed+tl.Refused != 0 {
				t.Fatalf("honest promises: %+v", tl)
			}
		}
	}
	if tl := forward(t, l, gates); tl.Replayed+tl.Refused != 0 {
		t.Fatalf("honest promises: %+v", tl)
	}
	// Once the anchor's view came back, a promise spent at one node is
	// refused at the other, and so is one that covers only its own call.
	if err := g1.Pay(ctx, spent[0], 1, testInstance, callOf(1), nil); !errors.Is(err, channel.ErrReplayed) {
		t.Fatalf("a spent promise at another node: %v", err)
	}
	if err := g0.Pay(ctx, spent[len(spent)-1], 1, testInstance, callOf(1), nil); !errors.Is(err, channel.ErrReplayed) {
		t.Fatalf("the last promise again: %v", err)
	}
	// Each node's calls reach the other with the anchor's view of them:
	// a node sees what the others took as of the anchor's last answer.
	forward(t, l, gates)
	cheap, _ := channel.Sign(n.payer, n.domain, n.id, big.NewInt(total), pay.nonce+1)
	if err := g1.Pay(ctx, cheap.Header(), 1, testInstance, callOf(1), nil); !errors.Is(err, channel.ErrInsufficient) {
		t.Fatalf("a promise that does not raise the total: %v", err)
	}
	// A promise over the deposit is refused; after a top-up (seen once the
	// chain view is older than refreshAfter) it pays.
	over := pay.next(1000 - total + 1)
	if err := g0.Pay(ctx, over, uint64(1000-total+1), testInstance, callOf(uint64(1000-total+1)), nil); !errors.Is(err, channel.ErrOverdrawn) {
		t.Fatalf("over the deposit: %v", err)
	}
	n.payerSends(t, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.channels.TopUp(o, big.NewInt(int64(n.id)), big.NewInt(500))
	})
	clk.t = clk.t.Add(refreshAfter + time.Second)
	must(t, g0.Pay(ctx, over, uint64(1000-total+1), testInstance, callOf(uint64(1000-total+1)), nil))
	total += 1000 - total + 1
	served[nodes[0]]++
	forward(t, l, gates)

	// The ledger survives a restart.
	must(t, st.Close())
	l, st = openLedger(t, dir, n)
	defer st.Close()
	a, err := l.Account(ctx, n.id)
	must(t, err)
	if a == nil || a.Charged().Int64() != total || a.Best.Cumulative.Int64() != total || a.Served[nodes[0]] != served[nodes[0]] || a.Served[nodes[1]] != served[nodes[1]] {
		t.Fatalf("after a restart: %+v, want %d charged, served %v", a, total, served)
	}

	// Settlement: cashed, a fifth burnt, the rest 10% to the anchor and
	// the rest by calls served.
	anchor := crypto.PubkeyToAddress(n.anchor.PublicKey)
	before := map[common.Address]int64{anchor: n.balance(anchor), nodes[0]: n.balance(nodes[0]), nodes[1]: n.balance(nodes[1])}
	res, err := l.Settle(ctx, n.id, n.anchor, 1000, n.cashier)
	must(t, err)
	if res.Cashed != big.NewInt(total).String() || res.Distributed != res.Cashed {
		t.Fatalf("settled %+v, want %d cashed and distributed", res, total)
	}
	var paid int64
	for a, b := range before {
		paid += n.balance(a) - b
	}
	rest := total - total*2000/10_000
	if paid > rest || paid < rest-3 || n.balance(anchor)-before[anchor] < rest/10-1 {
		t.Fatalf("paid %d of %d (anchor %d)", paid, rest, n.balance(anchor)-before[anchor])
	}
	if res.Burnt != fmt.Sprint(total-paid) {
		t.Fatalf("the settlement says %s burnt; what was not paid out is %d", res.Burnt, total-paid)
	}
	r0, r1 := n.balance(nodes[0])-before[nodes[0]], n.balance(nodes[1])-before[nodes[1]]
	if diff := r0*int64(served[nodes[1]]) - r1*int64(served[nodes[0]]); diff > int64(served[nodes[0]]+served[nodes[1]]) || -diff > int64(served[nodes[0]]+served[nodes[1]]) {
		t.Fatalf("split %d:%d for %d:%d calls", r0, r1, served[nodes[0]], served[nodes[1]])
	}
	if a, _ := l.Account(ctx, n.id); len(a.Served) != 0 {
		t.Fatalf("calls left to pay after settling: %v", a.Served)
	}
	if res, err := l.Settle(ctx, n.id, n.anchor, 1000, n.cashier); err != nil || len(res.Nodes) != 0 || res.Nodes == nil {
		t.Fatalf("settling again: %+v %v", res, err)
	}
}

// crashing distributes on chain and then fails, as an anchor that stopped
// right after sending would.
type crashing struct{ SenderCashier }

func (c crashing) Distribute(ctx context.Context, d channel.Distribution, sig []byte) (*big.Int, error) {
	if _, err := c.SenderCashier.Distribute(ctx, d, sig); err != nil {
		return nil, err
	}
	return nil, errors.New("crashed")
}

// TestSettleAfterCrash: a distribution sent before a crash is found on
// chain by the next settlement and not paid twice.
func TestSettleAfterCrash(t *testing.T) {
	n := newNet(t, 1_000)
	ctx := context.Background()
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	node := common.HexToAddress("0x5e01")
	g := NewGate(n.domain, n.chain(), node, clk.now, n.isAnchor)
	pay := &payer{n: n}
	for i := 0; i < 10; i++ {
		must(t, g.Pay(ctx, pay.next(10), 10, testInstance, callOf(10), nil))
	}
	dir := t.TempDir()
	l, st := openLedger(t, dir, n)
	forward(t, l, map[common.Address]*Gate{node: g})
	if _, err := l.Settle(ctx, n.id, n.anchor, 0, crashing{n.cashier}); err == nil {
		t.Fatal("the crash was not reported")
	}
	got := n.balance(node)
	must(t, st.Close())
	l, st = openLedger(t, dir, n)
	defer st.Close()
	if _, ok, _ := l.pending(n.id); !ok {
		t.Fatal("no pending distribution kept")
	}
	res, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier)
	must(t, err)
	if n.balance(node) != got || got != 80 || res.Distributed != "100" {
		t.Fatalf("paid %d then %d (want 80 once), %+v", got, n.balance(node), res)
	}
	if _, ok, _ := l.pending(n.id); ok {
		t.Fatal("the pending distribution was kept after it was found on chain")
	}
	if a, _ := l.Account(ctx, n.id); len(a.Served) != 0 {
		t.Fatalf("calls left after the distribution was found: %v", a.Served)
	}
	// The accounts are the contract's: a Channels contract deployed anew
	// (a devnet restarted on its data) numbers its channels from 1 again,
	// and its ledger on the same store starts empty.
	other := NewLedger(channel.Domain(devchain.DevChainID, common.HexToAddress("0xc0ffee")), n.chain(), n.anchor, st, priceOf)
	if ids, err := other.Channels(); err != nil || len(ids) != 0 {
		t.Fatalf("another contract's ledger sees channels %v (%v)", ids, err)
	}
	if ids, _ := l.Channels(); len(ids) != 1 {
		t.Fatalf("the ledger lists %v", ids)
	}
}

// TestHostileForwardsAndCloses (review fixes): an anchor counts a
// forwarded promise only at its call's price, for a call that promise
// pays, so a service node cannot claim calls it did not serve or charge
// a payer past its deposit; a payer's unilateral close is answered by
// cashing in its window; a gate takes no channel to an address that is
// not an anchor.
func TestHostileForwardsAndCloses(t *testing.T) {
	n := newNet(t, 1_000)
	ctx := context.Background()
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	honest, hostile := common.HexToAddress("0x5e01"), common.HexToAddress("0xbad")
	g := NewGate(n.domain, n.chain(), honest, clk.now, n.isAnchor)
	pay := &payer{n: n}
	for i := 0; i < 10; i++ {
		must(t, g.Pay(ctx, pay.next(10), 10, testInstance, callOf(10), nil))
	}
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	forward(t, l, map[common.Address]*Gate{honest: g})

	// The hostile node forwards promises the payer never made calls with:
	// at price 0, at a price the token does not ask, for a call on an
	// unknown instance, and fresh nonces at the cumulative already paid.
	var items []Forward
	for i := uint64(0); i < 20; i++ {
		p, _ := channel.Sign(n.payer, n.domain, n.id, big.NewInt(100), 100+i)
		items = append(items,
			Forward{Promise: p.Header(), Instance: testInstance, Call: callOf(0), Price: 0},
			Forward{Promise: p.Header(), Instance: testInstance, Call: callOf(10), Price: 1 << 62},
			Forward{Promise: p.Header(), Instance: "0x02", Call: callOf(10), Price: 10},
			Forward{Promise: p.Header(), Instance: testInstance, Call: callOf(10), Price: 10})
	}
	_, tally, err := l.Record(ctx, hostile, items, nil)
	must(t, err)
	a, _ := l.Account(ctx, n.id)
	if tally.Taken != 0 || a.Served[hostile] != 0 || a.Charged().Int64() != 100 || a.Served[honest] != 10 {
		t.Fatalf("hostile forwards: %+v; account charged %s, served %v", tally, a.Charged(), a.Served)
	}

	// The payer starts a close: the anchor cashes in the window.
	n.payerSends(t, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return n.channels.StartClose(o, big.NewInt(int64(n.id)))
	})
	if due, err := l.Due(ctx, n.id); err != nil || !due {
		t.Fatalf("a close started with 100 not cashed: due %v (%v)", due, err)
	}
	res, err := l.Settle(ctx, n.id, n.anchor, 0, n.cashier)
	must(t, err)
	if res.Cashed != "100" || res.Distributed != "100" {
		t.Fatalf("settled in the window: %+v", res)
	}
	if due, _ := l.Due(ctx, n.id); due {
		t.Fatal("still due after settling")
	}

	// A channel to an address that is no anchor of the network.
	notAnchor := NewGate(n.domain, n.chain(), honest, clk.now, func(common.Address) bool { return false })
	var r *Refusal
	if err := notAnchor.Pay(ctx, pay.next(10), 10, testInstance, callOf(10), nil); !errors.As(err, &r) || r.Code != "unknown-channel" {
		t.Fatalf("a channel to no anchor of the network: %v", err)
	}
}

// A view sent to a node shares nothing with the account the ledger goes on
// charging (it is encoded after the ledger's lock is let go: a -race run
// caught the shared map).
func TestViewSharesNothing(t *testing.T) {
	node := common.Address{7}
	a := channel.Open(3, common.Address{1}, big.NewInt(100))
	a.Charges = map[common.Address]*big.Int{node: big.NewInt(5)}
	a.Best.Cumulative = big.NewInt(5)
	a.Best.Sig = []byte{1, 2, 3}
	v := view(&a)
	a.Charges[node].Add(a.Charges[node], big.NewInt(1))
	a.Charges[common.Address{8}] = big.NewInt(1)
	a.Best.Cumulative.SetInt64(9)
	a.Deposit.SetInt64(1)
	a.Best.Sig[0] = 9
	if v.Charges[node].Int64() != 5 || len(v.Charges) != 1 || v.Best.Cumulative.Int64() != 5 || v.Deposit.Int64() != 100 || v.Best.Sig[0] != 1 {
		t.Fatalf("the view changed with the account: %+v", v)
	}
}

// gateNode is the service node oneGate's gate is on.
var gateNode = common.HexToAddress("0x5e01")

// oneGate is a net with a channel of deposit, the gate of gateNode on it
// with its clock, and the channel's payer.
func oneGate(t *testing.T, deposit int64) (*net, *Gate, *clock, *payer) {
	n := newNet(t, deposit)
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	return n, NewGate(n.domain, n.chain(), gateNode, clk.now, n.isAnchor), clk, &payer{n: n}
}

// TestTakeDrainsTheQueue: a flush hands out every promise taken since the
// last one, in batches of at most MaxBatch, not MaxBatch a flush (a node
// taking more paid calls than that between flushes fell further behind at
// each one, until its queue was full and paid calls were refused).
// Promises on their way still count against MaxQueued; batches that did
// not arrive come back in the order they left, ahead of newer promises
// (an anchor takes a channel's nonces only so far out of order); a batch
// that only asks for channels' views can be handed back and out again.
func TestTakeDrainsTheQueue(t *testing.T) {
	n, g, _, pay := oneGate(t, 10_000)
	ctx, self := context.Background(), gateNode
	const calls = 2*MaxBatch + 10
	for range calls {
		must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	}
	bs := g.Take()
	items := 0
	for i, b := range bs {
		if len(b.Items) > MaxBatch || len(b.Items) == 0 {
			t.Fatalf("batch %d holds %d promises", i, len(b.Items))
		}
		items += len(b.Items)
	}
	if items != calls || len(bs) != 3 || len(g.Take()) != 0 {
		t.Fatalf("one take handed out %d of %d promises in %d batches", items, calls, len(bs))
	}
	if g.Queued() != calls {
		t.Fatalf("%d promises on their way, %d counted", calls, g.Queued())
	}
	if len(bs[0].Channels) != 1 || len(bs[1].Channels)+len(bs[2].Channels) != 0 {
		t.Fatalf("the channel's view is asked for in the first batch only: %v %v %v", bs[0].Channels, bs[1].Channels, bs[2].Channels)
	}
	// One more call, then the three batches come back: they go first, in
	// their order, the new one after.
	must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	g.Return(bs...)
	again := g.Take()
	var nonces []uint64
	for _, b := range again {
		for _, it := range b.Items {
			p, err := channel.ParseHeader(it.Promise)
			must(t, err)
			nonces = append(nonces, p.Nonce)
		}
	}
	if len(nonces) != calls+1 || !slices.IsSorted(nonces) || len(again[0].Channels) != 1 {
		t.Fatalf("after a return: %d promises, in order %v, channels %v", len(nonces), slices.IsSorted(nonces), again[0].Channels)
	}
	l, _ := openLedger(t, t.TempDir(), n)
	for _, b := range again {
		if _, tl, err := l.Record(ctx, self, b.Items, b.Channels); err != nil || tl.Taken != len(b.Items) {
			t.Fatalf("%+v %v", tl, err)
		}
	}
	g.Delivered(again...)
	if g.Queued() != 0 {
		t.Fatalf("%d left after every batch arrived", g.Queued())
	}
	// A refused promise still asks for the channel's view: a batch of
	// nothing but that, handed back and out again, does not break Take.
	stranger, _ := crypto.GenerateKey()
	sp, _ := channel.Sign(stranger, n.domain, n.id, big.NewInt(5), 1)
	if err := g.Pay(ctx, sp.Header(), 1, testInstance, callOf(1), nil); err == nil {
		t.Fatal("a stranger's promise was taken")
	}
	only := g.Take()
	if len(only) != 1 || len(only[0].Items) != 0 || len(only[0].Channels) != 1 {
		t.Fatalf("a view-only batch: %+v", only)
	}
	g.Return(only...)
	if again := g.Take(); len(again) != 1 || len(again[0].Channels) != 1 {
		t.Fatalf("the view-only batch handed out again: %+v", again)
	}
}

// TestPromisesCheckedByKey: once a payer's promise recovered to it, the
// gate and the ledger check the next against the payer's key (a
// verification, cheaper than a recovery), which does not read v: a
// promise signed by the payer with the other v is taken at both, and the
// promise the ledger cashes is given the v that recovers the payer, so the
// contract takes it. Another signer is still refused.
func TestPromisesCheckedByKey(t *testing.T) {
	n, g, clk, pay := oneGate(t, 1_000)
	ctx, self := context.Background(), gateNode
	flip := func(h string) string {
		p, err := channel.ParseHeader(h)
		must(t, err)
		p.Sig[64] = 27 + 28 - p.Sig[64]
		return p.Header()
	}
	must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	last := flip(pay.next(1))
	must(t, g.Pay(ctx, last, 1, testInstance, callOf(1), nil))
	stranger, _ := crypto.GenerateKey()
	sp, _ := channel.Sign(stranger, n.domain, n.id, big.NewInt(5), 10)
	var r *Refusal
	if err := g.Pay(ctx, sp.Header(), 1, testInstance, callOf(1), nil); !errors.Is(err, channel.ErrNotPayer) || !errors.As(err, &r) || r.Channel == nil {
		t.Fatalf("another signer once the payer's key is known: %v", err)
	}
	// The refusal shows no promise the anchor has not taken: the gate's
	// own, not forwarded yet, could be forwarded by any node first.
	if r.Channel.Best != "" {
		t.Fatalf("a refusal shows a promise the anchor has not taken: %s", r.Channel.Best)
	}
	// A gate that has not learnt the payer's key takes the payer's
	// promise with the other v too (its first), and still refuses a
	// stranger's.
	g2 := NewGate(n.domain, n.chain(), common.HexToAddress("0x5e02"), clk.now, n.isAnchor)
	must(t, g2.Pay(ctx, flip(pay.next(1)), 1, testInstance, callOf(1), nil))
	sp2, _ := channel.Sign(stranger, n.domain, n.id, big.NewInt(50), 20)
	if err := g2.Pay(ctx, sp2.Header(), 1, testInstance, callOf(1), nil); !errors.Is(err, channel.ErrNotPayer) {
		t.Fatalf("another signer at a gate that has not learnt the payer's key: %v", err)
	}
	dir := t.TempDir()
	l, st := openLedger(t, dir, n)
	gates := map[common.Address]*Gate{self: g, common.HexToAddress("0x5e02"): g2}
	if tl := forward(t, l, gates); tl.Taken != 3 || tl.Refused != 0 {
		t.Fatalf("the batches (the second and third promises with the other v): %+v", tl)
	}
	// Now the refusal shows the best promise the anchor showed this gate
	// it took (its own second, or g2's if that batch went first: both with
	// the other v) with the v that recovers the payer, as the SDK checks it.
	if err := g.Pay(ctx, sp.Header(), 1, testInstance, callOf(1), nil); !errors.As(err, &r) || r.Channel == nil {
		t.Fatalf("another signer: %v", err)
	}
	best, err := channel.ParseHeader(r.Channel.Best)
	must(t, err)
	if who, err := channel.Signer(best.Digest(n.domain), best.Sig); err != nil || who != crypto.PubkeyToAddress(n.payer.PublicKey) || best.Nonce < 2 {
		t.Fatalf("the refusal's best promise %s recovers to %s (%v)", r.Channel.Best, who, err)
	}
	// Every later promise with the other v: the gate takes them, and so
	// does the anchor, before and after a restart (which forgets keys).
	flipped := func(k int) {
		for range k {
			must(t, g.Pay(ctx, flip(pay.next(1)), 1, testInstance, callOf(1), nil))
		}
	}
	flipped(5)
	if tl := forward(t, l, gates); tl.Taken != 5 || tl.Refused != 0 {
		t.Fatalf("promises with the other v, the payer's key known: %+v", tl)
	}
	must(t, st.Close())
	l, st = openLedger(t, dir, n)
	defer st.Close()
	flipped(3)
	if tl := forward(t, l, gates); tl.Taken != 3 || tl.Refused != 0 {
		t.Fatalf("promises with the other v after the anchor restarted: %+v", tl)
	}
	flipped(2) // the account is loaded now, the payer's key still unknown
	if tl := forward(t, l, gates); tl.Taken != 2 || tl.Refused != 0 {
		t.Fatalf("promises with the other v, the account loaded: %+v", tl)
	}
	a, err := l.Account(ctx, n.id)
	must(t, err)
	if who, err := channel.Signer(a.Best.Digest(n.domain), a.Best.Sig); err != nil || who != crypto.PubkeyToAddress(n.payer.PublicKey) {
		t.Fatalf("the ledger's best promise recovers to %s (%v), not the payer", who, err)
	}
	res, err := l.Settle(ctx, n.id, n.anchor, 1000, n.cashier)
	if err != nil || res.Cashed != "13" {
		t.Fatalf("settled %+v: %v", res, err)
	}
}

// TestRefusalLeaksNoPromise: a refusal at a gate shows no promise the
// gate took and has not forwarded: another node that read it (sending a
// stranger's promise with curl) could forward it as its own call before
// the gate does, and the anchor would count the call for that node and
// refuse the gate's as replayed.
func TestRefusalLeaksNoPromise(t *testing.T) {
	n, g, _, pay := oneGate(t, 1_000)
	ctx := context.Background()
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	must(t, g.Pay(ctx, pay.next(1), 1, testInstance, callOf(1), nil))
	forward(t, l, map[common.Address]*Gate{gateNode: g})
	must(t, g.Pay(ctx, pay.next(20), 20, testInstance, callOf(20), nil)) // served, not forwarded yet
	stranger, _ := crypto.GenerateKey()
	sp, _ := channel.Sign(stranger, n.domain, n.id, big.NewInt(1), 999)
	var r *Refusal
	if err := g.Pay(ctx, sp.Header(), 1, testInstance, callOf(1), nil); !errors.As(err, &r) || r.Channel == nil {
		t.Fatalf("a stranger's promise: %v", err)
	}
	thief := common.HexToAddress("0xbad")
	if r.Channel.Best != "" {
		if _, tally, err := l.Record(ctx, thief, []Forward{{Promise: r.Channel.Best, Instance: testInstance, Call: callOf(20), Price: 20}}, nil); err != nil || tally.Taken != 0 {
			t.Fatalf("a promise read from a refusal, forwarded by another node: %+v %v", tally, err)
		}
	}
	if tally := forward(t, l, map[common.Address]*Gate{gateNode: g}); tally.Taken != 1 {
		t.Fatalf("the gate's own call: %+v", tally)
	}
	a, err := l.Account(ctx, n.id)
	must(t, err)
	if a.Served[thief] != 0 || a.Served[gateNode] != 2 {
		t.Fatalf("calls counted: %v", a.Served)
	}
}

// openChannels opens k more channels of deposit from the net's payer to
// its anchor, and returns a payer for each.
func openChannels(t *testing.T, n *net, k int, deposit int64) []*payer {
	var out []*payer
	for i := 0; i < k; i++ {
		n.payerSends(t, func(o *bind.TransactOpts) (*types.Transaction, error) {
			return n.channels.Open(o, crypto.PubkeyToAddress(n.anchor.PublicKey), big.NewInt(deposit))
		})
		out = append(out, &payer{n: n, id: n.id + uint64(i) + 1})
	}
	return out
}

// TestBatchKeepsWhatItDid: a batch that loads more accounts than the
// ledger keeps in memory (which clears them: all are in the store) keeps
// what it did to an account before: it named channel 1, then another, then
// channel 1 again, and lost the first call on channel 1.
func TestBatchKeepsWhatItDid(t *testing.T) {
	maxLoaded = 1
	t.Cleanup(func() { maxLoaded = maxLoadedDefault })
	n, _, _, pay := oneGate(t, 1_000)
	ctx := context.Background()
	pay2 := openChannels(t, n, 1, 500)[0]
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	_, tally, err := l.Record(ctx, gateNode, []Forward{
		{Promise: pay.next(1), Instance: testInstance, Call: callOf(1), Price: 1},
		{Promise: pay2.next(1), Instance: testInstance, Call: callOf(1), Price: 1},
		{Promise: pay.next(1), Instance: testInstance, Call: callOf(1), Price: 1},
	}, nil)
	if err != nil || tally.Taken != 3 {
		t.Fatalf("%+v %v", tally, err)
	}
	for _, c := range []struct {
		id    uint64
		calls uint64
	}{{n.id, 2}, {pay2.id, 1}} {
		a, err := l.Account(ctx, c.id)
		must(t, err)
		if a.Served[gateNode] != c.calls {
			t.Errorf("channel %d: %d calls kept, %d acknowledged", c.id, a.Served[gateNode], c.calls)
		}
	}
}

// TestManyNewChannelsAtOnce: a node that took calls on more channels than
// an anchor reads from the chain for one batch, none known to the anchor
// yet, has every call taken: its batches name at most ChannelsPerBatch
// channels each. (One batch named them all, and the calls on the channels
// past the anchor's reads were refused, acknowledged, and never sent
// again.)
func TestManyNewChannelsAtOnce(t *testing.T) {
	n, g, _, pay := oneGate(t, 5_000) // the payer holds twice the first deposit
	ctx := context.Background()
	payers := append([]*payer{pay}, openChannels(t, n, ChannelsPerBatch+3, 100)...)
	for round := 0; round < 2; round++ {
		for _, p := range payers {
			must(t, g.Pay(ctx, p.next(1), 1, testInstance, callOf(1), nil))
		}
	}
	bs := g.Take()
	for _, b := range bs {
		chans := map[uint64]bool{}
		for _, fw := range b.Items {
			chans[fw.channel] = true
		}
		if len(chans) > ChannelsPerBatch {
			t.Fatalf("a batch of %d channels", len(chans))
		}
	}
	g.Return(bs...)
	l, st := openLedger(t, t.TempDir(), n)
	defer st.Close()
	if tally := forward(t, l, map[common.Address]*Gate{gateNode: g}); tally.Taken != 2*len(payers) || tally.Refused != 0 {
		t.Fatalf("calls on %d new channels: %+v", len(payers), tally)
	}
}
