// Package payments takes integrations' payments for calls through the
// network (docs/payments.md). A service node's Gate decides whether the
// promise a priced call carries (the X-Smartlayer-Payment header) pays for
// it: the payer's signature, an unused nonce, the channel open on chain
// with the deposit to cover it, and the highest promise covering every
// call charged to the channel, by this node's own account merged with the
// anchor's view; or, for a call on credit (channel.Credit), the request
// proved by the payer's session and at most channel.CreditCalls calls on
// credit since the last promise this node took (the anchor checks the
// credit's MAC). What the gate took it forwards to the channel's anchor,
// whose Ledger keeps every channel's account durably (each call counted
// once, whichever node served it), answers with its view, and settles on
// chain: it cashes the highest promise and distributes the payout by the
// calls each node served, a share burnt (contracts/src/Channels.sol).
//
// The accounting is package channel's (pure); this package holds the
// caches, the queues, the store and the chain.
package payments

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/wire"
)

// Header carries a call's payment promise (channel.Promise.Header).
const Header = wire.PaymentHeader

// Info is a channel on chain.
type Info struct {
	Payer       common.Address `json:"payer"`
	Anchor      common.Address `json:"anchor"`
	Deposit     *big.Int       `json:"deposit"`
	Cashed      *big.Int       `json:"cashed"`
	Distributed *big.Int       `json:"distributed"`
	Withdrawn   *big.Int       `json:"withdrawn"`
	Withdrawing *big.Int       `json:"withdrawing"` // announced, not yet paid
	Closing     bool           `json:"closing"`     // a unilateral close started
	Closed      bool           `json:"closed"`
}

// chain is the chain state as a gate takes it: no more calls once a close
// has begun.
func (i Info) chain() channel.Chain {
	return channel.Chain{Deposit: i.Deposit, Withdrawing: i.Withdrawing, Closed: i.Closing || i.Closed}
}

// settling is the chain state as the anchor's ledger takes it: calls end
// when the close does, not when it begins, and a withdrawal takes from the
// deposit when it is paid, not when it is announced. The calls nodes
// served before they saw the close or the withdrawal begin (a gate reads
// the chain again every 30 s at most), whose promises are still on their
// way, are counted and their highest promise cashed in the challenge
// window, which is what the window is for; refused, they went unpaid and
// the payer kept what it promised for them.
func (i Info) settling() channel.Chain {
	return channel.Chain{Deposit: i.Deposit, Closed: i.Closed}
}

// Chain reads channels (the contract's channelOf). A channel that does not
// exist reads with a zero payer.
type Chain interface {
	Channel(ctx context.Context, id uint64) (Info, error)
}

// Refusal is why a priced call was not let through: answered 402 with the
// price, the channel's state as this node knows it, and how to pay.
type Refusal struct {
	Code    string // payment-required, payment-malformed, unknown-channel, payment-refused
	Detail  string
	Price   uint64
	Channel *wire.ChannelState // nil when no channel was named, or it is not known
	Err     error              // the channel package's refusal, when there is one
}

func (r *Refusal) Error() string { return r.Detail }
func (r *Refusal) Unwrap() error { return r.Err }

func statusOf(a *channel.Account, anchor common.Address) *wire.ChannelState {
	st := &wire.ChannelState{ID: a.Channel, Payer: a.Payer, Anchor: anchor, Deposit: amountOf(a.Deposit), Charged: a.Charged().String(),
		Promised: amountOf(a.Best.Cumulative), Nonce: a.Best.Nonce, Spent: a.LastSpent(), Closed: a.Closed}
	if len(a.Best.Sig) == 65 {
		st.Best = a.Best.Header()
	}
	return st
}

func amountOf(x *big.Int) string {
	if x == nil {
		return "0"
	}
	return x.String()
}

// Forward is one promise a service node took, on its way to the anchor:
// the call it paid for (instance, "query:NAME" or "action:NAME") and its
// price, which the anchor checks against the token's TokenScript.
type Forward struct {
	Promise  string `json:"promise"` // header form: a promise, or a call on credit
	Instance string `json:"instance"`
	Call     string `json:"call"`
	Price    uint64 `json:"price"`
	channel  uint64 // its channel, to batch by (not sent)
}

// Limits of a gate.
const (
	// MaxChannels bounds the channels a gate keeps accounts of; the least
	// recently used one is forgotten past it (its calls were forwarded, and
	// the anchor's view comes back with the next).
	MaxChannels = 10_000
	// MaxQueued bounds the promises waiting to go to the anchors: past it,
	// priced calls are refused until the anchors take them.
	MaxQueued = 100_000
	// MaxBatch bounds the promises sent to an anchor at once.
	MaxBatch = 512
	// refreshAfter is how old the chain's view of a channel may get before
	// a promise over its deposit reads the chain again (a top-up);
	// staleAfter, before any promise does (a withdrawal announced, a close
	// begun: both leave the challenge window to notice).
	refreshAfter = 2 * time.Second
	staleAfter   = 30 * time.Second
	// readsAtOnce bounds chain reads of unknown channels.
	readsAtOnce = 4
)

// ErrBacklog: the anchors have not taken this node's promises.
var ErrBacklog = errors.New("this node's payments have not reached the anchors: try another replica")

// Gate is a service node's check of priced calls.
type Gate struct {
	domain   attest.Domain
	chain    Chain
	self     common.Address // this node, the one that serves what it takes
	now      func() time.Time
	isAnchor func(common.Address) bool
	reads    chan struct{}

	mu       sync.Mutex
	accts    map[uint64]*held
	missing  map[uint64]time.Time // channels the chain did not have, when it was read
	tick     uint64               // use order, for forgetting the least recent
	queue    map[common.Address][]Forward
	queued   int // promises in queue
	inflight int // promises in batches handed out by Take, not yet Delivered or Returned
}

type held struct {
	acct channel.Account
	pub  []byte // the payer's public key, once a promise recovered to it
	// acked is the highest promise the anchor's view showed taken (Merge):
	// the one a refusal shows. bestShown: its v was made the one that
	// recovers the payer.
	acked     channel.Promise
	bestShown bool
	anchor    common.Address
	read      time.Time // when the chain was last read for it
	used      uint64
	asked     bool // a call named it since the last Take: its view is wanted
}

// NewGate is a gate for the Channels contract of domain, on the node at
// self; isAnchor says which addresses are anchors of the network's set (a
// channel to any other could not be settled: its promises would never
// leave this node).
func NewGate(domain attest.Domain, c Chain, self common.Address, now func() time.Time, isAnchor func(common.Address) bool) *Gate {
	return &Gate{domain: domain, chain: c, self: self, now: now, isAnchor: isAnchor, reads: make(chan struct{}, readsAtOnce),
		accts: map[uint64]*held{}, missing: map[uint64]time.Time{}, queue: map[common.Address][]Forward{}}
}

// missingFor is how long a channel the chain did not have is not asked
// for again.
const missingFor = 10 * time.Second

// Pay decides whether header pays price for one call (call: "query:NAME"
// or "action:NAME" on instance): nil lets it through (and queues the
// promise, or the credit, for the anchor), a *Refusal says why not, and
// ErrBacklog that the anchors are behind. A free call (price 0) needs no
// header. A call on credit (channel.Credit) must be the payer's: proves
// says whether the request was proved by the payer (asked only for a
// credit; it takes the request proof's nonce only when it was).
func (g *Gate) Pay(ctx context.Context, header string, price uint64, instance, call string, proves func(payer common.Address) error) (err error) {
	if price == 0 {
		return nil
	}
	defer func() {
		var r *Refusal
		if errors.As(err, &r) {
			r.Price = price
		}
	}()
	if header == "" {
		return &Refusal{Code: "payment-required", Price: price,
			Detail: fmt.Sprintf("this call costs %d of the service token's smallest unit: attach a promise on a payment channel in the %s header", price, Header)}
	}
	if channel.IsCredit(header) {
		return g.payCredit(ctx, header, price, instance, call, proves)
	}
	var p channel.Promise
	if p, err = channel.ParseHeader(header); err != nil {
		return &Refusal{Code: "payment-malformed", Price: price, Detail: err.Error(), Err: err}
	}
	h, err := g.account(ctx, p.Channel, false)
	if err != nil {
		return err
	}
	signer, err := g.signer(h, p)
	if err != nil {
		return &Refusal{Code: "payment-refused", Detail: err.Error(), Err: err}
	}
	if g.age(h) > staleAfter {
		if h, err = g.account(ctx, p.Channel, true); err != nil {
			return err
		}
	}
	fw := Forward{Promise: p.Header(), Instance: instance, Call: call, Price: price}
	err = g.charge(h, p, signer, fw)
	if errors.Is(err, channel.ErrOverdrawn) && g.age(h) > refreshAfter {
		if h, err = g.account(ctx, p.Channel, true); err != nil { // topped up?
			return err
		}
		err = g.charge(h, p, signer, fw)
	}
	return err
}

// payCredit is Pay for a call on credit: at this call's price, the
// request proved by the payer, and this node's calls on credit since the
// last promise of the payer's it took at most channel.CreditCalls of that
// price (channel.Account.PayCredit), within the deposit. Its MAC is the
// anchor's to check.
func (g *Gate) payCredit(ctx context.Context, header string, price uint64, instance, call string, proves func(common.Address) error) error {
	c, err := channel.ParseCredit(header)
	if err != nil {
		return &Refusal{Code: "payment-malformed", Price: price, Detail: err.Error(), Err: err}
	}
	if c.Price != price {
		err := fmt.Errorf("%w: the call on credit is for %d, this call costs %d", channel.ErrInsufficient, c.Price, price)
		return &Refusal{Code: "payment-refused", Price: price, Detail: err.Error(), Err: err}
	}
	h, err := g.account(ctx, c.Channel, false)
	if err != nil {
		return err
	}
	g.mu.Lock()
	payer, took, stale := h.acct.Payer, h.acct.Credit[g.self] != nil, g.now().Sub(h.read) > staleAfter
	g.mu.Unlock()
	if stale {
		if h, err = g.account(ctx, c.Channel, true); err != nil {
			return err
		}
	}
	if !took {
		// No credit before this node took a promise of the payer's (the
		// account says so again below; asked first, so a call that cannot
		// be taken takes no request nonce).
		err := fmt.Errorf("%w: this node took no promise of the payer's on channel %d yet: send one", channel.ErrInsufficient, c.Channel)
		return &Refusal{Code: "payment-refused", Detail: err.Error(), Err: err, Channel: g.state(h)}
	}
	if proves == nil {
		err = errors.New("the call carries no proof")
	} else {
		err = proves(payer)
	}
	if err != nil {
		why := fmt.Errorf("%w: a call on credit must be proved by the channel's payer %s (%s): %w", channel.ErrNotPayer, payer, wire.SignatureHeader, err)
		return &Refusal{Code: "payment-refused", Detail: why.Error(), Err: why, Channel: g.state(h)}
	}
	fw := Forward{Promise: header, Instance: instance, Call: call, Price: price}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.queued+g.inflight >= MaxQueued {
		return &Refusal{Code: "payments-backlog", Detail: ErrBacklog.Error(), Err: ErrBacklog}
	}
	if err := h.acct.PayCredit(c, g.self); err != nil {
		return &Refusal{Code: "payment-refused", Detail: err.Error(), Err: err, Channel: g.shown(h)}
	}
	fw.channel = h.acct.Channel
	g.queue[h.anchor] = append(g.queue[h.anchor], fw)
	g.queued++
	return nil
}

// state is shown(h) under the gate's lock.
func (g *Gate) state(h *held) *wire.ChannelState {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.shown(h)
}

// shown is a held channel as a refusal shows it. Its best promise is the
// highest the anchor has taken, not the gate's own: a promise this gate
// took and has not forwarded yet, shown to whoever sends a bad one, could
// be forwarded by any node as its own call first (the anchor counts a
// promise once, for the node that brings it). The payer resumes from it
// and catches up on what was charged since (Charged, within CreditCalls).
// It carries the v that recovers the payer (made so once for each: a
// promise checked against the payer's key may carry the other v). The
// gate's lock is held.
func (g *Gate) shown(h *held) *wire.ChannelState {
	if !h.bestShown {
		if sig, ok := channel.CashableSig(g.domain, h.acked, h.acct.Payer); ok {
			h.acked.Sig = sig
		}
		h.bestShown = true
	}
	view := h.acct
	view.Best = h.acked
	return statusOf(&view, h.anchor)
}

// signer is who signed a promise on a held channel: the payer when the
// signature verifies against the payer's key, learnt from the first of its
// promises recovered here (or, before that, when it recovers to the payer
// under either v); otherwise whoever it recovers to.
func (g *Gate) signer(h *held, p channel.Promise) (common.Address, error) {
	g.mu.Lock()
	pub, payer := h.pub, h.acct.Payer
	g.mu.Unlock()
	known := pub != nil
	digest := p.Digest(g.domain)
	if known && channel.SignedBy(pub, digest, p.Sig) {
		return payer, nil
	}
	signer, key, err := channel.SignerKey(digest, p.Sig)
	if err == nil && signer == payer {
		g.mu.Lock()
		h.pub = key
		g.mu.Unlock()
	}
	if err == nil && signer != payer && !known {
		// The payer's key is not known yet: the payer's promise under the
		// other v recovers another address. Taken, as it would be once
		// the key is known (and as the anchor takes it).
		if channel.PayersUnderOtherV(digest, p.Sig, payer) {
			return payer, nil
		}
	}
	return signer, err
}

// age is how long ago the chain was read for a held channel.
func (g *Gate) age(h *held) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.now().Sub(h.read)
}

// charge takes one call on a held channel, or refuses it (a *Refusal).
func (g *Gate) charge(h *held, p channel.Promise, signer common.Address, fw Forward) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.queued+g.inflight >= MaxQueued {
		return &Refusal{Code: "payments-backlog", Detail: ErrBacklog.Error(), Err: ErrBacklog}
	}
	if err := h.acct.Pay(p, signer, fw.Price, g.self); err != nil {
		return &Refusal{Code: "payment-refused", Detail: err.Error(), Err: err, Channel: g.shown(h)}
	}
	fw.channel = h.acct.Channel
	g.queue[h.anchor] = append(g.queue[h.anchor], fw)
	g.queued++
	return nil
}

// account is the channel's account, read from the chain when the gate has
// none (or fresh is asked).
func (g *Gate) account(ctx context.Context, id uint64, fresh bool) (*held, error) {
	g.mu.Lock()
	h := g.accts[id]
	if h != nil && !fresh {
		g.tick++
		h.used, h.asked = g.tick, true
		g.mu.Unlock()
		return h, nil
	}
	at, gone := g.missing[id]
	g.mu.Unlock()
	unknown := &Refusal{Code: "unknown-channel", Detail: fmt.Sprintf("there is no payment channel %d", id)}
	if gone && g.now().Sub(at) < missingFor {
		return nil, unknown
	}
	select {
	case g.reads <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	info, err := g.chain.Channel(ctx, id)
	<-g.reads
	if err != nil {
		return nil, fmt.Errorf("reading payment channel %d: %w", id, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if info.Payer == (common.Address{}) {
		if len(g.missing) >= MaxChannels {
			clear(g.missing)
		}
		g.missing[id] = g.now()
		return nil, unknown
	}
	if !g.isAnchor(info.Anchor) {
		return nil, &Refusal{Code: "unknown-channel", Detail: fmt.Sprintf("payment channel %d is to %s, which is not an anchor of this network: its promises could not be settled", id, info.Anchor)}
	}
	if h = g.accts[id]; h == nil {
		if len(g.accts) >= MaxChannels {
			g.forgetOldest()
		}
		h = &held{acct: channel.Open(id, info.Payer, info.Deposit), anchor: info.Anchor}
		g.accts[id] = h
	}
	h.acct.Observe(info.chain())
	h.read = g.now()
	g.tick++
	h.used, h.asked = g.tick, true
	return h, nil
}

func (g *Gate) forgetOldest() {
	var oldest uint64
	var at uint64 = ^uint64(0)
	for id, h := range g.accts {
		if h.used < at {
			oldest, at = id, h.used
		}
	}
	delete(g.accts, oldest)
}

// Batch is promises for one anchor, and the channels of it whose view the
// node wants (those calls named since the last batch).
type Batch struct {
	Anchor   common.Address
	Items    []Forward
	Channels []uint64
}

// Take hands out every promise waiting, in batches of at most MaxBatch
// per anchor (oldest first), each anchor's first batch with the channels
// whose view is wanted (MaxBatch at most). Every batch handed out must come
// back through Delivered or Return: until then its promises still count
// against MaxQueued. All of the queue goes at once: a node taking more than
// MaxBatch paid calls between two flushes must not fall further behind
// each time.
func (g *Gate) Take() []Batch {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Batch
	first := map[common.Address]int{} // each anchor's first batch in out
	for a, q := range g.queue {
		delete(g.queue, a)
		if len(q) == 0 {
			continue
		}
		first[a] = len(out)
		for len(q) > 0 {
			n := batchLen(q)
			out = append(out, Batch{Anchor: a, Items: q[:n:n]})
			q = q[n:]
		}
	}
	g.inflight += g.queued
	g.queued = 0
	for id, h := range g.accts {
		if !h.asked {
			continue
		}
		i, ok := first[h.anchor]
		if !ok {
			i = len(out)
			first[h.anchor] = i
			out = append(out, Batch{Anchor: h.anchor})
		}
		if len(out[i].Channels) < MaxBatch {
			out[i].Channels = append(out[i].Channels, id)
			h.asked = false
		}
	}
	return out
}

// batchLen is how many of q's first promises go in one batch: at most
// MaxBatch, of at most ChannelsPerBatch channels, as many as an anchor
// reads from the chain for one batch (the promises of a channel it has not
// read are refused, and a batch acknowledged is not sent again). The cut
// keeps the order: each channel's promises reach the anchor as the node
// took them.
func batchLen(q []Forward) int {
	var chans []uint64
	for i, fw := range q {
		if i == MaxBatch {
			return i
		}
		if !slices.Contains(chans, fw.channel) {
			if len(chans) == ChannelsPerBatch {
				return i
			}
			chans = append(chans, fw.channel)
		}
	}
	return len(q)
}

// Delivered notes batches the anchors took.
func (g *Gate) Delivered(bs ...Batch) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, b := range bs {
		g.inflight -= len(b.Items)
	}
}

// Return puts back batches the anchors did not take, in the order Take
// handed them out, ahead of what was taken since: an anchor that meets a
// channel's nonces far out of order may count the oldest as spent.
func (g *Gate) Return(bs ...Batch) {
	g.mu.Lock()
	defer g.mu.Unlock()
	back := map[common.Address][]Forward{}
	for _, b := range bs {
		if len(b.Items) > 0 {
			back[b.Anchor] = append(back[b.Anchor], b.Items...)
		}
		g.inflight -= len(b.Items)
		g.queued += len(b.Items)
		for _, id := range b.Channels {
			if h := g.accts[id]; h != nil {
				h.asked = true
			}
		}
	}
	for a, items := range back {
		g.queue[a] = append(items, g.queue[a]...)
	}
}

// Queued is how many promises have not reached the anchors: waiting, or
// in a batch on its way.
func (g *Gate) Queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.queued + g.inflight
}

// Merge takes in an anchor's view of its channels (its answer to a batch):
// the calls charged by every node, and the nonces spent.
func (g *Gate) Merge(anchor common.Address, views []channel.Account) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range views {
		v := &views[i]
		if h := g.accts[v.Channel]; h != nil && h.anchor == anchor {
			h.acct.Merge(v)
			if v.Best.Cumulative != nil && len(v.Best.Sig) == 65 && v.Best.Cumulative.Cmp(amount(h.acked.Cumulative)) > 0 {
				h.acked = channel.Promise{Channel: h.acct.Channel, Cumulative: new(big.Int).Set(v.Best.Cumulative), Nonce: v.Best.Nonce, Sig: slices.Clone(v.Best.Sig)}
				h.bestShown = false
			}
		}
	}
}
