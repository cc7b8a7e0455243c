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
	ErrOverdrawn    = errors.New("promise is more than the channel's deposit")
)

// MaxSeen bounds the nonces an account remembers above its floor: past
// it, the lower half is forgotten and the floor raised over it, so a nonce
// that old is refused as replayed.
const MaxSeen = 4096

// Account is one channel's accounting, on an anchor (every call the
// channel paid for, by the node that served it) or on a service node (the
// calls it served, merged with the anchor's view). Promises may arrive in
// any order, and several nodes serve one channel: the account charges
// every call its price once, by nonce, and the highest promise must cover
// all of them. Methods that change it check everything first: a refusal
// changes nothing.
type Account struct {
	Channel uint64
	Payer   common.Address
	Deposit *big.Int // what the chain holds for the channel
	Closed  bool     // closing or closed on chain: no more calls
	// Best is the promise with the highest cumulative amount accepted.
	Best Promise
	// Charged is the sum of the prices of the calls accepted: never more
	// than Best.Cumulative.
	Charged *big.Int
	// Floor and Seen are the nonces spent: every one at or below Floor,
	// and those in Seen (above Floor, sorted, at most MaxSeen).
	Floor uint64
	Seen  []uint64
	// Served counts the calls accepted by the node that served them,
	// since the last distribution.
	Served map[common.Address]uint64
}

// Open is a new channel's account as the chain shows it.
func Open(channel uint64, payer common.Address, deposit *big.Int) Account {
	return Account{Channel: channel, Payer: payer, Deposit: new(big.Int).Set(deposit), Charged: new(big.Int),
		Best: Promise{Channel: channel, Cumulative: new(big.Int)}}
}

// Spent reports whether a nonce was used.
func (a Account) Spent(nonce uint64) bool {
	if nonce <= a.Floor {
		return true
	}
	_, found := slices.BinarySearch(a.Seen, nonce)
	return found
}

// Pay charges one call of price, served by node, to promise p, whose
// signer was recovered by the caller. It refuses a promise of another
// channel or signer, a spent nonce, a closed channel, and a promise that
// leaves the calls charged uncovered or exceeds the deposit; a refused
// promise changes nothing.
func (a *Account) Pay(p Promise, signer common.Address, price *big.Int, node common.Address) error {
	switch {
	case p.Channel != a.Channel:
		return fmt.Errorf("%w: %d, not %d", ErrOtherChannel, p.Channel, a.Channel)
	case signer != a.Payer:
		return fmt.Errorf("%w: signed by %s, payer is %s", ErrNotPayer, signer, a.Payer)
	case a.Closed:
		return fmt.Errorf("%w: channel %d", ErrClosed, a.Channel)
	case a.Spent(p.Nonce):
		return fmt.Errorf("%w: nonce %d on channel %d", ErrReplayed, p.Nonce, a.Channel)
	case p.Cumulative.Cmp(a.Deposit) > 0:
		return fmt.Errorf("%w: %s promised, %s deposited", ErrOverdrawn, p.Cumulative, a.Deposit)
	}
	charged := new(big.Int).Add(a.Charged, price)
	best := a.Best
	if p.Cumulative.Cmp(best.Cumulative) > 0 {
		best = p
	}
	if best.Cumulative.Cmp(charged) < 0 {
		return fmt.Errorf("%w: the calls so far cost %s, the highest promise is %s", ErrInsufficient, charged, best.Cumulative)
	}
	a.Best = best
	a.Charged = charged
	a.Seen = slices.Insert(a.Seen, position(a.Seen, p.Nonce), p.Nonce)
	if len(a.Seen) > MaxSeen {
		half := len(a.Seen) / 2
		a.Floor = a.Seen[half-1]
		a.Seen = slices.Clone(a.Seen[half:])
	}
	if a.Served == nil {
		a.Served = map[common.Address]uint64{}
	}
	a.Served[node]++
	return nil
}

func position(s []uint64, n uint64) int {
	i, _ := slices.BinarySearch(s, n)
	return i
}

// Chain is a channel's state on chain, as the contract's channelOf reads.
type Chain struct {
	Deposit *big.Int
	Cashed  *big.Int
	Closed  bool // closing (a unilateral close started) or closed
}

// Observe takes the chain's state in: a deposit topped up or withdrawn, a
// close begun.
func (a *Account) Observe(c Chain) {
	a.Deposit = new(big.Int).Set(c.Deposit)
	a.Closed = a.Closed || c.Closed
}

// Merge takes in another view of the same channel (a service node takes
// the anchor's): the higher charge and best promise, and its spent nonces.
// The calls served stay this account's own.
func (a *Account) Merge(o *Account) {
	if o.Channel != a.Channel || o.Payer != a.Payer {
		return
	}
	if o.Charged.Cmp(a.Charged) > 0 {
		a.Charged = new(big.Int).Set(o.Charged)
	}
	if o.Best.Cumulative.Cmp(a.Best.Cumulative) > 0 {
		a.Best = o.Best
	}
	a.Closed = a.Closed || o.Closed
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
// out: up to UpTo, split by the calls each node served (sorted by address).
type Distribution struct {
	Channel uint64
	UpTo    *big.Int
	Nodes   []common.Address
	Counts  []uint64
}

// Distribution is the split of everything cashed up to cashed by the calls
// served since the last one; false when no call was served.
func (a Account) Distribution(cashed *big.Int) (Distribution, bool) {
	if len(a.Served) == 0 || cashed.Sign() == 0 {
		return Distribution{}, false
	}
	d := Distribution{Channel: a.Channel, UpTo: new(big.Int).Set(cashed)}
	for n := range a.Served {
		d.Nodes = append(d.Nodes, n)
	}
	slices.SortFunc(d.Nodes, func(x, y common.Address) int { return bytes.Compare(x[:], y[:]) })
	for _, n := range d.Nodes {
		d.Counts = append(d.Counts, a.Served[n])
	}
	return d, true
}

// Distributed forgets the calls a distribution paid for.
func (a *Account) Distributed(d Distribution) {
	for i, n := range d.Nodes {
		if a.Served[n] <= d.Counts[i] {
			delete(a.Served, n)
		} else {
			a.Served[n] -= d.Counts[i]
		}
	}
}
