package payments

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/wire"
)

// Cashier sends an anchor's settlement transactions and waits until they
// are mined.
type Cashier interface {
	Cash(ctx context.Context, p channel.Promise) error
	// Distribute pays a distribution out and returns what the contract
	// burnt of it (the share and the rounding dust).
	Distribute(ctx context.Context, d channel.Distribution, sig []byte) (burnt *big.Int, err error)
}

// ErrNotMine: the channel is not this anchor's.
var ErrNotMine = errors.New("not a payment channel of this anchor")

// Settle cashes a channel's highest promise and distributes everything
// cashed by the calls served, this anchor's share (anchorShare basis
// points of what is split) among them. A distribution is kept before it is
// sent: after a crash, the next settlement finds it on chain or sends it
// again, so calls are paid for once. One settlement at a time.
func (l *Ledger) Settle(ctx context.Context, id uint64, key *ecdsa.PrivateKey, anchorShare uint16, c Cashier) (*wire.Settlement, error) {
	l.settleMu.Lock()
	defer l.settleMu.Unlock()
	acct, err := l.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	if acct == nil {
		return nil, fmt.Errorf("%w: %d", ErrNotMine, id)
	}
	info, err := l.chain.Channel(ctx, id)
	if err != nil {
		return nil, err
	}
	// A channel closing is cashed too: its challenge window is for that.
	// Past the window the contract refuses (WindowOver), and what was
	// cashed before is still paid out.
	if toCash(acct.Best.Cumulative, info.Deposit, info.Cashed) && !info.Closed {
		if err := c.Cash(ctx, acct.Best); err != nil && !info.Closing {
			return nil, fmt.Errorf("cashing channel %d's promise %d: %w", id, acct.Best.Nonce, err)
		}
		if info, err = l.chain.Channel(ctx, id); err != nil {
			return nil, err
		}
	}
	burnt := new(big.Int) // by the payouts this settlement sends
	// A distribution signed before and not seen on chain goes again.
	if d, ok, err := l.pending(id); err != nil {
		return nil, err
	} else if ok {
		switch {
		case info.Distributed.Cmp(d.UpTo) >= 0: // it went through
		case info.Distributed.Cmp(d.From) == 0:
			b, err := l.distribute(ctx, key, c, d)
			if err != nil {
				return nil, err
			}
			burnt.Add(burnt, b)
		default:
			return nil, fmt.Errorf("payment channel %d paid out %s, between the kept distribution's %s and %s", id, info.Distributed, d.From, d.UpTo)
		}
		if err := l.distributed(d); err != nil {
			return nil, err
		}
		if info, err = l.chain.Channel(ctx, id); err != nil {
			return nil, err
		}
	}
	out := &wire.Settlement{Channel: id, Nodes: []common.Address{}, Counts: []uint64{}} // never null: no payout is []
	if acct, err = l.Account(ctx, id); err != nil {
		return nil, err
	}
	// Only a close that has ended pays everything out: while it is under
	// way, calls nodes served before they saw it may still come in.
	final := info.Closed
	d, ok := acct.Distribution(info.Distributed, info.Cashed, final)
	if !ok && final && len(acct.Served) == 0 && info.Cashed.Cmp(info.Distributed) > 0 {
		// Paid for and closing with no call left to pay: promises for
		// calls whose nodes never reported them. The anchor that cashed
		// them takes the rest, which would stay in the contract for good.
		d, ok = channel.Distribution{Channel: id, From: info.Distributed, UpTo: info.Cashed, Nodes: []common.Address{l.self}, Counts: []uint64{1}}, true
	}
	if ok {
		d = withAnchor(d, l.self, anchorShare)
		b, _ := json.Marshal(d)
		if err := l.st.Put(l.pendingKey(id), b); err != nil {
			return nil, err
		}
		gone, err := l.distribute(ctx, key, c, d)
		if err != nil {
			return nil, err
		}
		burnt.Add(burnt, gone)
		if err := l.distributed(d); err != nil {
			return nil, err
		}
		out.Nodes, out.Counts = append(out.Nodes, d.Nodes...), append(out.Counts, d.Counts...)
		if info, err = l.chain.Channel(ctx, id); err != nil {
			return nil, err
		}
	}
	out.Cashed, out.Distributed, out.Burnt = info.Cashed.String(), info.Distributed.String(), burnt.String()
	return out, nil
}

// withAnchor adds the anchor to a distribution with the count that gives it
// share basis points of the split (when it served no calls itself).
func withAnchor(d channel.Distribution, anchor common.Address, share uint16) channel.Distribution {
	if share == 0 || share >= 10_000 || slices.Contains(d.Nodes, anchor) {
		return d
	}
	var total uint64
	for _, c := range d.Counts {
		total += c
	}
	// anchor / (total + anchor) = share / 10000, rounded up.
	n := (total*uint64(share) + uint64(10_000-share) - 1) / uint64(10_000-share)
	if n == 0 {
		return d
	}
	out := channel.Distribution{Channel: d.Channel, From: d.From, UpTo: d.UpTo, Next: d.Next}
	type pair struct {
		a common.Address
		c uint64
		o *big.Int
	}
	ps := []pair{{anchor, n, new(big.Int)}}
	for i := range d.Nodes {
		p := pair{d.Nodes[i], d.Counts[i], nil}
		if i < len(d.Owed) {
			p.o = d.Owed[i]
		}
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(x, y pair) int { return bytes.Compare(x.a[:], y.a[:]) })
	for _, p := range ps {
		out.Nodes, out.Counts = append(out.Nodes, p.a), append(out.Counts, p.c)
		if len(d.Owed) > 0 {
			out.Owed = append(out.Owed, p.o)
		}
	}
	return out
}

func (l *Ledger) distribute(ctx context.Context, key *ecdsa.PrivateKey, c Cashier, d channel.Distribution) (*big.Int, error) {
	sig, err := channel.SignDigest(key, channel.DistributionDigest(l.domain, d.Channel, d.From, d.UpTo, d.Nodes, d.Counts))
	if err != nil {
		return nil, err
	}
	burnt, err := c.Distribute(ctx, d, sig)
	if err != nil {
		return nil, fmt.Errorf("distributing channel %d up to %s: %w", d.Channel, d.UpTo, err)
	}
	return burnt, nil
}

// pending is the distribution of a channel kept and not yet applied.
func (l *Ledger) pending(id uint64) (channel.Distribution, bool, error) {
	b, err := l.st.Get(l.pendingKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return channel.Distribution{}, false, nil
	}
	if err != nil {
		return channel.Distribution{}, false, err
	}
	var d channel.Distribution
	if err := json.Unmarshal(b, &d); err != nil {
		return channel.Distribution{}, false, fmt.Errorf("payment channel %d's pending distribution: %w", id, err)
	}
	return d, true, nil
}

// distributed forgets the calls a distribution on chain paid for, and the
// distribution, in one write.
func (l *Ledger) distributed(d channel.Distribution) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.accts[d.Channel]
	if a == nil {
		return fmt.Errorf("payment channel %d's account is not loaded", d.Channel)
	}
	next := *a
	next.Served, next.Owed = maps.Clone(a.Served), cloneAmounts(a.Owed)
	next.Distributed(d)
	b, _ := json.Marshal(&next)
	err := l.st.Batch(true, func(w store.Writes) {
		w.Set(l.accountKey(d.Channel), b)
		w.Delete(l.pendingKey(d.Channel))
	})
	if err != nil {
		return err
	}
	*a = next
	return nil
}

// Observe takes a channel's chain state into its account (a top-up, a
// close), when this anchor keeps one.
func (l *Ledger) Observe(id uint64, info Info) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.accts[id]; a != nil {
		a.Observe(info.settling())
	}
}

// Due reports whether a channel opened to this anchor needs settling
// before its next turn: a close or a withdrawal started on chain while the
// anchor holds a promise higher than what was cashed (after their window,
// the payer takes what is not cashed).
func (l *Ledger) Due(ctx context.Context, id uint64) (bool, error) {
	info, err := l.chain.Channel(ctx, id)
	if err != nil {
		return false, err
	}
	l.Observe(id, info) // a deposit withdrawn since: calls are counted against what is left
	if info.Closed || !info.Closing && amount(info.Withdrawing).Sign() == 0 {
		return false, nil
	}
	a, err := l.Account(ctx, id)
	if err != nil || a == nil {
		return false, err
	}
	return toCash(a.Best.Cumulative, info.Deposit, info.Cashed), nil
}

// toCash reports whether cashing a promise of best would move what was
// cashed: the contract cashes at most the deposit, so a promise over it
// is cashed once, up to the deposit, and never again (Overdrawn); trying
// it again failed every later settlement, and what was cashed stayed in
// the contract.
func toCash(best, deposit, cashed *big.Int) bool {
	upTo := amount(best)
	if d := amount(deposit); upTo.Cmp(d) > 0 {
		upTo = d
	}
	return upTo.Cmp(amount(cashed)) > 0
}

// Uncashed reports whether an anchor's status of a channel shows a
// promise whose cashing would move what was cashed (the deposit it shows
// is the one on chain: a withdrawal announced is not taken from it until
// it is paid).
func Uncashed(st *wire.ChannelStatus) bool {
	promised, ok1 := new(big.Int).SetString(st.Promised, 10)
	dep, ok2 := new(big.Int).SetString(st.Deposit, 10)
	cashed, ok3 := new(big.Int).SetString(st.Cashed, 10)
	if !ok1 || !ok2 || !ok3 {
		return st.Promised != st.Cashed
	}
	return toCash(promised, dep, cashed)
}

// OnChain reads channels from the Channels contract.
type OnChain struct{ C *contracts.Channels }

// Channel is the contract's channelOf.
func (o OnChain) Channel(ctx context.Context, id uint64) (Info, error) {
	c, err := o.C.ChannelOf(&bind.CallOpts{Context: ctx}, new(big.Int).SetUint64(id))
	if err != nil {
		return Info{}, err
	}
	return Info{Payer: c.Payer, Anchor: c.Anchor, Deposit: c.Deposit, Cashed: c.Cashed, Distributed: c.Distributed,
		Withdrawn: c.Withdrawn, Withdrawing: c.Withdrawing, Closing: c.ClosesAt != 0 && !c.Closed, Closed: c.Closed}, nil
}

// SenderCashier sends settlements from an anchor's key.
type SenderCashier struct {
	S  *chain.Sender
	B  chain.Backend
	C  *contracts.Channels
	At common.Address // C's address: only its logs are read
}

func (s SenderCashier) Cash(ctx context.Context, p channel.Promise) error {
	return s.S.Send(ctx, s.B, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return s.C.Cash(o, new(big.Int).SetUint64(p.Channel), p.Cumulative, p.Nonce, p.Sig)
	})
}

func (s SenderCashier) Distribute(ctx context.Context, d channel.Distribution, sig []byte) (*big.Int, error) {
	counts := make([]*big.Int, len(d.Counts))
	for i, c := range d.Counts {
		counts[i] = new(big.Int).SetUint64(c)
	}
	r, err := s.S.SendReceipt(ctx, s.B, 0, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return s.C.Distribute(o, new(big.Int).SetUint64(d.Channel), d.From, d.UpTo, d.Nodes, counts, sig)
	})
	if err != nil {
		return nil, err
	}
	if burnt, ok := burntOf(s.C, s.At, r.Logs, d.Channel); ok {
		return burnt, nil
	}
	return nil, fmt.Errorf("distributing channel %d up to %s: the transaction logged no payout", d.Channel, d.UpTo)
}

// burntOf reads the share burnt from the Distributed event the Channels
// contract at addr logged for channel id; a log of another contract the
// transaction touched (the token's, or one it calls) is not read, whatever
// its topics.
func burntOf(c *contracts.Channels, addr common.Address, logs []*types.Log, id uint64) (*big.Int, bool) {
	for _, lg := range logs {
		if lg.Address != addr {
			continue
		}
		if ev, err := c.ParseDistributed(*lg); err == nil && ev.Channel.Uint64() == id {
			return ev.Burnt, true
		}
	}
	return nil, false
}

// CloseQuiet is how long a channel must have gone without a call reaching
// this anchor (from a node's forwarded promises and credits) before it
// signs a cooperative close, which ends its calls at once: nodes forward
// what they took every second, so the calls they served just before the
// close are counted, and the close covers them, first.
const CloseQuiet = 5 * time.Second

// CloseTooSoon: a cooperative close asked within CloseQuiet of the
// channel's last call here (or of the ledger's start); ask again after Wait.
type CloseTooSoon struct{ Wait time.Duration }

func (e *CloseTooSoon) Error() string {
	return fmt.Sprintf("calls on this channel reached the anchor less than %s ago, and nodes may still be sending calls they served: ask again in %s", CloseQuiet, e.Wait.Round(time.Second))
}

// Errors of an anchor's answers about its channels.
var (
	ErrUnknownChannel = errors.New("no such payment channel")
	ErrCloseRefused   = errors.New("close refused")
	ErrPromiseRefused = errors.New("promise refused")
)

// Cover takes a promise the payer sends this anchor with no call (header
// form): the promise that covers its last calls on credit. It must be the
// payer's, on a channel of this anchor's, with a nonce not used; it is
// kept (synced) before the answer, the channel's state.
func (l *Ledger) Cover(ctx context.Context, id uint64, header string) (*wire.ChannelStatus, error) {
	p, err := channel.ParseHeader(header)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPromiseRefused, err)
	}
	if p.Channel != id {
		return nil, fmt.Errorf("%w: the promise is for channel %d", ErrPromiseRefused, p.Channel)
	}
	if _, err := l.Status(ctx, id); err != nil { // the chain read, and the account loaded
		return nil, err
	}
	signer, pub, err := channel.SignerKey(p.Digest(l.domain), p.Sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPromiseRefused, err)
	}
	l.mu.Lock()
	a := l.accts[id]
	if a == nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("%w: channel %d's account is not loaded", ErrPromiseRefused, id)
	}
	next := accountCopy(a)
	if err := next.Accept(p, signer); err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("%w: %v", ErrPromiseRefused, err)
	}
	b, _ := json.Marshal(&next)
	if err := l.st.Put(l.accountKey(id), b); err != nil {
		l.mu.Unlock()
		return nil, err
	}
	*a = next
	if len(l.keys) >= maxLoaded {
		clear(l.keys)
	}
	l.keys[id] = payerKey{signer, pub}
	l.mu.Unlock()
	return l.Status(ctx, id)
}

// Status is a channel opened to this anchor: the chain's state and the
// account.
func (l *Ledger) Status(ctx context.Context, id uint64) (*wire.ChannelStatus, error) {
	info, err := l.chain.Channel(ctx, id)
	if err != nil {
		return nil, err
	}
	if info.Payer == (common.Address{}) {
		return nil, fmt.Errorf("%w: %d", ErrUnknownChannel, id)
	}
	if info.Anchor != l.self {
		return nil, fmt.Errorf("%w: channel %d is anchor %s's", ErrNotMine, id, info.Anchor)
	}
	l.Observe(id, info)
	a, err := l.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	st := &wire.ChannelStatus{ChannelState: *statusOf(a, info.Anchor), Cashed: info.Cashed.String(),
		Distributed: info.Distributed.String(), Withdrawing: amountOf(info.Withdrawing), Closing: info.Closing, Served: a.Served,
		AnchorKey: hexutil.Encode(crypto.FromECDSAPub(&l.key.PublicKey))}
	st.Closed = a.Closed || info.Closed
	if st.Served == nil {
		st.Served = map[common.Address]uint64{}
	}
	return st, nil
}

// Close is this anchor's half of a cooperative close at final, which the
// payer signed (payerSig over channel.CloseDigest): final must cover every
// call charged and the highest promise, within the deposit, and the
// channel must have had no call reach this anchor for CloseQuiet
// (CloseTooSoon). The anchor takes no more calls on the channel from then
// on.
func (l *Ledger) Close(ctx context.Context, id uint64, final *big.Int, payerSig []byte, key *ecdsa.PrivateKey) ([]byte, error) {
	st, err := l.Status(ctx, id) // the chain read, and the account loaded
	if err != nil {
		return nil, err
	}
	digest := channel.CloseDigest(l.domain, id, final)
	if signer, err := channel.Signer(digest, payerSig); err != nil || signer != st.Payer {
		return nil, fmt.Errorf("%w: the payer's signature over the close at %s does not recover the payer %s", ErrCloseRefused, final, st.Payer)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	last := l.started
	if at, ok := l.lastCall[id]; ok && at.After(last) {
		last = at
	}
	if wait := CloseQuiet - l.Now().Sub(last); wait > 0 {
		return nil, &CloseTooSoon{Wait: wait}
	}
	a := l.accts[id]
	if a == nil {
		return nil, fmt.Errorf("%w: channel %d's account is not loaded", ErrCloseRefused, id)
	}
	if owed := a.Charged(); final.Cmp(owed) < 0 || final.Cmp(amount(a.Best.Cumulative)) < 0 {
		return nil, fmt.Errorf("%w: %s does not cover the calls charged (%s) and the highest promise (%s)", ErrCloseRefused, final, owed, a.Best.Cumulative)
	}
	if dep, _ := new(big.Int).SetString(st.Deposit, 10); dep == nil || final.Cmp(dep) > 0 {
		return nil, fmt.Errorf("%w: %s is more than the deposit %s", ErrCloseRefused, final, st.Deposit)
	}
	next := *a
	next.Closed = true
	b, _ := json.Marshal(&next)
	if err := l.st.Put(l.accountKey(id), b); err != nil {
		return nil, err
	}
	*a = next
	return channel.SignDigest(key, digest)
}

func amount(x *big.Int) *big.Int {
	if x == nil {
		return new(big.Int)
	}
	return x
}
