package channel

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/common"
)

// Refusals of a promise; callers test them with errors.Is.
var (
	ErrOtherChannel = errors.New("promise is for another channel")
	ErrNotPayer     = errors.New("promise not signed by the channel's payer")
	ErrClosed       = errors.New("channel is closing or closed")
	ErrReplayed     = errors.New("promise nonce already used")
	ErrInsufficient = errors.New("promise does not cover the calls paid with it")
	ErrOverdrawn    = errors.New("the calls cost more than the channel's deposit")
)

// MaxSeen bounds the nonces an account remembers above its floor: past
// it, the lower half is forgotten and the floor raised over it, so a nonce
// that old is refused as replayed.
const MaxSeen = 4096

// MaxNodes bounds the nodes an account charges calls to (the channel's
// replicas, over its life): a call served by one more is refused.
const MaxNodes = 256

// MaxPayees is the most nodes one distribution pays (the contract's
// MAX_PAYEES); Distribution leaves room for the anchor.
const MaxPayees = 64

// Account is one channel's accounting, on an anchor (every call the
// channel paid for, by the node that served it) or on a service node (the
// calls it served, merged with the anchor's view). Promises may arrive in
// any order, and several nodes serve one channel: the account charges
// every call its price once, by nonce, to the node that served it, and
// the highest promise (at most the deposit) must cover all the charges.
// Methods that change it check everything first: a refusal changes
// nothing. Nil amounts read as zero.
type Account struct {
	Channel uint64
	Payer   common.Address
	// Deposit is what the chain holds for the channel, less a withdrawal
	// announced.
	Deposit *big.Int
	Closed  bool // no more calls: for a gate once a close begins, for the anchor once it ends (or the anchor signed a cooperative close)
	// Best is the promise with the highest cumulative amount taken.
	Best Promise
	// Charges are the prices of the calls taken, by the node that served
	// them. Each node's only grows, so two views merge by the larger of
	// each node's.
	Charges map[common.Address]*big.Int
	// Floor and Seen are the nonces spent: every one at or below Floor,
	// and those in Seen (above Floor, sorted, at most MaxSeen).
	Floor uint64
	Seen  []uint64
	// Served counts the calls taken by the node that served them, since
	// the last distribution.
	Served map[common.Address]uint64
	// Owed is, by node, what the calls counted in Served cost (missing in
	// an account kept before it was: Distribution then splits the whole
	// amount cashed by the counts).
	Owed map[common.Address]*big.Int `json:",omitempty"`
	// Next is the address the next distribution starts from when more
	// nodes are owed than one distribution names (MaxPayees).
	Next common.Address `json:",omitzero"`
	// Credit is, by node, what the calls it took on credit since the last
	// promise it took cost (a node that took no promise has none: it may
	// take no call on credit). A node's own count: views do not merge it.
	Credit map[common.Address]*big.Int `json:",omitempty"`
	// Credited: calls on credit were taken on the channel (by any node, as
	// views say): a promise may then leave CreditCalls calls of its price
	// uncovered (see covers).
	Credited bool `json:",omitempty"`
}

// Open is a new channel's account as the chain shows it.
func Open(channel uint64, payer common.Address, deposit *big.Int) Account {
	return Account{Channel: channel, Payer: payer, Deposit: amount(deposit),
		Best: Promise{Channel: channel, Cumulative: new(big.Int)}}
}

// amount is a copy of x, zero for nil.
func amount(x *big.Int) *big.Int {
	if x == nil {
		return new(big.Int)
	}
	return new(big.Int).Set(x)
}

// Charged is the sum of the prices of every call taken.
func (a *Account) Charged() *big.Int {
	sum := new(big.Int)
	for _, c := range a.Charges {
		if c != nil {
			sum.Add(sum, c)
		}
	}
	return sum
}

// Cover is what the account can be paid: the best promise, at most the
// deposit.
func (a *Account) Cover() *big.Int {
	best, dep := amount(a.Best.Cumulative), amount(a.Deposit)
	if best.Cmp(dep) > 0 {
		return dep
	}
	return best
}

// LastSpent is the highest nonce used.
func (a *Account) LastSpent() uint64 {
	if n := len(a.Seen); n > 0 {
		return max(a.Floor, a.Seen[n-1])
	}
	return a.Floor
}

// Spent reports whether a nonce was used.
func (a *Account) Spent(nonce uint64) bool {
	if nonce <= a.Floor {
		return true
	}
	_, found := slices.BinarySearch(a.Seen, nonce)
	return found
}

// Pay charges one call of price, served by node, to promise p, whose
// signer the caller recovered. It refuses a promise of another channel or
// signer, a spent nonce, a closed channel, and a promise after which the
// charges are not covered by the best promise within the deposit. A
// service node asks it before it serves a call.
func (a *Account) Pay(p Promise, signer common.Address, price uint64, node common.Address) error {
	if err := a.payers(p, signer); err != nil {
		return err
	}
	if err := a.covers(p.Nonce, p.Cumulative, price, node); err != nil {
		return err
	}
	a.raise(p)
	a.charge(p.Nonce, price, node)
	a.TookPromise(node)
	return nil
}

// TookPromise notes that node took a promise of the payer's: its calls on
// credit start again. An anchor notes it also for a promise of the payer's
// it refused (spent, or not covering) that the node took, so that its
// count stays the node's.
func (a *Account) TookPromise(node common.Address) {
	if a.Credit == nil {
		a.Credit = map[common.Address]*big.Int{}
	}
	if a.Credit[node] != nil || len(a.Credit) < MaxNodes {
		a.Credit[node] = new(big.Int)
	}
}

// payers checks that p is a promise on this channel, signed by its payer.
func (a *Account) payers(p Promise, signer common.Address) error {
	switch {
	case p.Channel != a.Channel:
		return fmt.Errorf("%w: %d, not %d", ErrOtherChannel, p.Channel, a.Channel)
	case signer != a.Payer:
		return fmt.Errorf("%w: signed by %s, payer is %s", ErrNotPayer, signer, a.Payer)
	case p.Cumulative == nil || p.Cumulative.Sign() < 0:
		return fmt.Errorf("%w: no cumulative amount", ErrMalformed)
	}
	return nil
}

// raise makes a checked promise the best if it is higher.
func (a *Account) raise(p Promise) {
	if a.Best.Cumulative == nil || p.Cumulative.Cmp(a.Best.Cumulative) > 0 {
		a.Best = Promise{Channel: p.Channel, Cumulative: amount(p.Cumulative), Nonce: p.Nonce, Sig: slices.Clone(p.Sig)}
	}
}

// covers checks one more call of price, by nonce, served by node, with
// promised the amount the call's own promise raises the best to (nil for
// a call on credit, which checks its own bound): a nonce not spent, an
// open channel, room for one more node, and every charge with this one
// within the deposit and, for a promise, covered by the best promise, but
// for the calls on credit the nodes took since their last promise (bounded
// by each node's CreditCalls) and, once calls on credit were taken on the
// channel, CreditCalls calls of price more: calls on credit the payer sent
// after it signed this promise may reach a node, and the anchor, before
// it (so a payer using credit may stay that far behind, at most).
func (a *Account) covers(nonce uint64, promised *big.Int, price uint64, node common.Address) error {
	switch {
	case a.Spent(nonce):
		return fmt.Errorf("%w: nonce %d on channel %d", ErrReplayed, nonce, a.Channel)
	case a.Charges[node] == nil && len(a.Charges) >= MaxNodes:
		return fmt.Errorf("%w: channel %d was served by %d nodes already", ErrClosed, a.Channel, MaxNodes)
	case a.Closed:
		return fmt.Errorf("%w: channel %d", ErrClosed, a.Channel)
	}
	charged := a.Charged()
	charged.Add(charged, new(big.Int).SetUint64(price))
	if dep := amount(a.Deposit); charged.Cmp(dep) > 0 {
		return fmt.Errorf("%w: the calls so far cost %s, %s is deposited", ErrOverdrawn, charged, dep)
	}
	if promised == nil {
		return nil
	}
	best := amount(a.Best.Cumulative)
	if promised.Cmp(best) > 0 {
		best = promised
	}
	owed := new(big.Int).Sub(charged, a.onCredit())
	if a.Credited {
		owed.Sub(owed, new(big.Int).Mul(new(big.Int).SetUint64(price), big.NewInt(CreditCalls)))
	}
	if best.Cmp(owed) < 0 {
		return fmt.Errorf("%w: the calls so far cost %s, the highest promise is %s", ErrInsufficient, charged, best)
	}
	return nil
}

// onCredit is what the calls on credit the nodes took since their last
// promise cost.
func (a *Account) onCredit() *big.Int {
	sum := new(big.Int)
	for _, c := range a.Credit {
		sum.Add(sum, c)
	}
	return sum
}

// charge takes a checked call: its price to node, its nonce spent.
func (a *Account) charge(nonce, price uint64, node common.Address) {
	if a.Charges == nil {
		a.Charges = map[common.Address]*big.Int{}
	}
	c := amount(a.Charges[node])
	a.Charges[node] = c.Add(c, new(big.Int).SetUint64(price))
	a.spend(nonce)
	if a.Served == nil {
		a.Served = map[common.Address]uint64{}
	}
	if a.Owed == nil {
		a.Owed = map[common.Address]*big.Int{}
	}
	if a.Served[node] == 0 || a.Owed[node] != nil { // (an account kept before costs were: none for this node)
		o := amount(a.Owed[node])
		a.Owed[node] = o.Add(o, new(big.Int).SetUint64(price))
	}
	a.Served[node]++
}

// spend notes a nonce used.
func (a *Account) spend(nonce uint64) {
	a.Seen = slices.Insert(a.Seen, position(a.Seen, nonce), nonce)
	if len(a.Seen) > MaxSeen {
		half := len(a.Seen) / 2
		a.Floor = a.Seen[half-1]
		a.Seen = slices.Clone(a.Seen[half:])
	}
}

func position(s []uint64, n uint64) int {
	i, _ := slices.BinarySearch(s, n)
	return i
}

// Chain is a channel's state on chain, as the contract's channelOf reads.
type Chain struct {
	Deposit     *big.Int
	Withdrawing *big.Int // announced, not yet paid: no longer counted on
	Closed      bool     // closing (a unilateral close started) or closed
}

// Observe takes the chain's state in: a deposit topped up or withdrawn, a
// withdrawal announced, a close begun.
func (a *Account) Observe(c Chain) {
	dep := amount(c.Deposit)
	if w := amount(c.Withdrawing); w.Cmp(dep) < 0 {
		dep.Sub(dep, w)
	} else {
		dep.SetInt64(0)
	}
	a.Deposit = dep
	a.Closed = a.Closed || c.Closed
}

// Merge takes in another view of the same channel (a service node takes
// the anchor's): each node's larger charge, the higher best promise, and
// the spent nonces of both. The calls served (for distribution) and the
// deposit stay this account's own.
func (a *Account) Merge(o *Account) {
	if o.Channel != a.Channel || o.Payer != a.Payer {
		return
	}
	for n, c := range o.Charges {
		if c == nil || c.Sign() < 0 {
			continue
		}
		if mine := a.Charges[n]; mine == nil && len(a.Charges) < MaxNodes || mine != nil && c.Cmp(mine) > 0 {
			if a.Charges == nil {
				a.Charges = map[common.Address]*big.Int{}
			}
			a.Charges[n] = amount(c)
		}
	}
	if o.Best.Cumulative != nil && o.Best.Cumulative.Cmp(amount(a.Best.Cumulative)) > 0 {
		a.Best = Promise{Channel: a.Channel, Cumulative: amount(o.Best.Cumulative), Nonce: o.Best.Nonce, Sig: slices.Clone(o.Best.Sig)}
	}
	a.Closed = a.Closed || o.Closed
	a.Credited = a.Credited || o.Credited
	a.Floor = max(a.Floor, o.Floor)
	seen := make([]uint64, 0, len(a.Seen)+len(o.Seen))
	for _, s := range [][]uint64{a.Seen, o.Seen} {
		for _, n := range s {
			if n > a.Floor {
				seen = append(seen, n)
			}
		}
	}
	slices.Sort(seen)
	seen = slices.Compact(seen)
	if len(seen) > MaxSeen {
		cut := len(seen) - MaxSeen
		a.Floor = seen[cut-1]
		seen = seen[cut:]
	}
	a.Seen = seen
}

// Distribution is what an anchor signs to pay a channel's cashed amount
// out: from what was paid out before up to UpTo, split by the calls each
// node served (sorted by address).
type Distribution struct {
	Channel uint64
	From    *big.Int
	UpTo    *big.Int
	Nodes   []common.Address
	Counts  []uint64
	// Owed is, by node, what the calls it is paid for cost (not signed:
	// the account's own record of which calls a distribution paid).
	Owed []*big.Int `json:",omitempty"`
	// Next is where the next part starts, when this one paid only some
	// of the nodes (see Account.Next).
	Next common.Address `json:",omitzero"`
}

// Distribution pays what was cashed beyond what was paid out (from) for
// the calls served since the last distribution, split by their counts;
// false when there is nothing to pay out now. It pays only calls that the
// amount cashed covers: when the calls served cost more than that (their
// promises are not cashed yet, or calls went on credit), it pays each
// node the same share of its calls, and the rest wait for the next
// cashing; when the amount cashed is more than the calls served cost
// (promises arrive before the calls they pay for), the rest waits for
// those calls, unless the channel is final (closing or closed: no more
// calls come), when the whole amount is paid out. It names at most
// MaxPayees-1 nodes (room for the anchor): with more, the nodes take
// turns.
func (a *Account) Distribution(from, cashed *big.Int, final bool) (Distribution, bool) {
	from, cashed = amount(from), amount(cashed)
	due := new(big.Int).Sub(cashed, from)
	if len(a.Served) == 0 || due.Sign() <= 0 {
		return Distribution{}, false
	}
	nodes := make([]common.Address, 0, len(a.Served))
	for n := range a.Served {
		nodes = append(nodes, n)
	}
	byAddress := func(x, y common.Address) int { return bytes.Compare(x[:], y[:]) }
	slices.SortFunc(nodes, byAddress)
	owed, known := a.owed()
	if !known {
		return a.byCounts(nodes, nodes[:min(len(nodes), MaxPayees-1)], from, due)
	}
	// With more nodes than one distribution names, they take turns in
	// the order of their addresses from where the last part stopped, so
	// none waits for ever behind others that keep serving.
	group, next := nodes, common.Address{}
	if len(nodes) > MaxPayees-1 {
		start, _ := slices.BinarySearchFunc(nodes, a.Next, byAddress)
		group = append(slices.Clone(nodes[start:]), nodes[:start]...)[:MaxPayees-1]
		next = nodes[(start+MaxPayees-1)%len(nodes)]
		slices.SortFunc(group, byAddress)
	}
	d := Distribution{Channel: a.Channel, From: from, Next: next}
	paid := new(big.Int)
	if final {
		// No more calls come, nor more cash: the group's calls all go,
		// with the group's share of what is due (all of it for the last
		// group), however little.
		groupOwed := new(big.Int)
		for _, n := range group {
			if c := a.Owed[n]; c.Sign() > 0 {
				d.Nodes, d.Counts, d.Owed = append(d.Nodes, n), append(d.Counts, a.Served[n]), append(d.Owed, amount(c))
				groupOwed.Add(groupOwed, c)
			}
		}
		if len(d.Nodes) == 0 {
			return Distribution{}, false
		}
		paid.Set(due)
		if len(group) < len(nodes) {
			paid.Mul(due, groupOwed).Quo(paid, owed)
			if paid.Sign() == 0 {
				paid.SetInt64(1) // a share that rounds to nothing still moves the turn on
			}
		}
		d.UpTo = paid.Add(paid, from)
		return d, true
	}
	for _, n := range group {
		count, cost := a.Served[n], amount(a.Owed[n])
		if due.Cmp(owed) < 0 { // this node's share of the calls cashed
			c := new(big.Int).Mul(new(big.Int).SetUint64(count), due)
			count = c.Quo(c, owed).Uint64()
			if count < a.Served[n] {
				cost.Mul(cost, new(big.Int).SetUint64(count))
				cost.Quo(cost, new(big.Int).SetUint64(a.Served[n]))
			}
		}
		if count == 0 || cost.Sign() == 0 {
			continue // (while the channel is open, the next cashing pays it)
		}
		d.Nodes, d.Counts, d.Owed = append(d.Nodes, n), append(d.Counts, count), append(d.Owed, cost)
		paid.Add(paid, cost)
	}
	if len(d.Nodes) == 0 {
		return Distribution{}, false
	}
	d.UpTo = paid.Add(paid, from)
	return d, true
}

// owed is what the calls served cost in all; false for an account kept
// before it was recorded (a call served and no cost for it).
func (a *Account) owed() (*big.Int, bool) {
	sum := new(big.Int)
	for n := range a.Served {
		c := a.Owed[n]
		if c == nil {
			return nil, false
		}
		sum.Add(sum, c)
	}
	return sum, true
}

// byCounts is the distribution of an account that kept no costs: the whole
// amount due, split by the calls served.
func (a *Account) byCounts(nodes, group []common.Address, from, due *big.Int) (Distribution, bool) {
	var total, part uint64
	for _, n := range nodes {
		total += a.Served[n]
	}
	d := Distribution{Channel: a.Channel, From: from}
	for _, n := range group {
		d.Nodes = append(d.Nodes, n)
		d.Counts = append(d.Counts, a.Served[n])
		part += a.Served[n]
	}
	share := new(big.Int).Set(due)
	if part < total { // this group's share of the amount
		share.Mul(share, new(big.Int).SetUint64(part))
		share.Quo(share, new(big.Int).SetUint64(total))
		if share.Sign() == 0 {
			return Distribution{}, false
		}
	}
	d.UpTo = share.Add(share, from)
	return d, true
}

// Distributed forgets the calls a distribution paid for.
func (a *Account) Distributed(d Distribution) {
	a.Next = d.Next
	for i, n := range d.Nodes {
		if len(d.Owed) > 0 && (i >= len(d.Owed) || d.Owed[i] == nil || d.Owed[i].Sign() == 0) {
			continue // the anchor's share (withAnchor), no call of its own
		}
		if a.Served[n] <= d.Counts[i] {
			delete(a.Served, n)
			delete(a.Owed, n)
			continue
		}
		a.Served[n] -= d.Counts[i]
		if i < len(d.Owed) && a.Owed[n] != nil {
			left := new(big.Int).Sub(a.Owed[n], amount(d.Owed[i]))
			if left.Sign() < 0 {
				left.SetInt64(0)
			}
			a.Owed[n] = left
		}
	}
}
