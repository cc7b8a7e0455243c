package payments

import (
	"context"
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/store"
)

// PrefixAccount starts the keys of an anchor's channel accounts:
// pc/ contract(20) channel(8) -> channel.Account JSON (a Channels contract
// deployed anew numbers its channels from 1 again).
const PrefixAccount = "pc/"

// PrefixPending starts the keys of distributions an anchor signed and has
// not seen on chain yet: pd/ contract(20) channel(8) ->
// channel.Distribution JSON.
const PrefixPending = "pd/"

func (l *Ledger) accountKey(id uint64) []byte {
	return store.Key(PrefixAccount, l.domain.VerifyingContract[:], binary.BigEndian.AppendUint64(nil, id))
}

func (l *Ledger) pendingKey(id uint64) []byte {
	return store.Key(PrefixPending, l.domain.VerifyingContract[:], binary.BigEndian.AppendUint64(nil, id))
}

// viewSeen bounds the spent nonces a view carries back to a node.
const viewSeen = 256

// Tally counts what a batch did: promises taken, replayed (a nonce
// already counted: the same promise at two nodes, or a batch sent twice),
// refused (not this anchor's channel, a bad signature, not covered).
type Tally struct {
	Taken, Replayed, Refused int
}

// Ledger is an anchor's accounts of the channels opened to it, kept in the
// store: a batch is written (synced) before it is acknowledged, so no
// promise taken is lost across a restart.
type Ledger struct {
	domain attest.Domain
	chain  Chain
	key    *ecdsa.PrivateKey // the anchor's: credits are MAC'd under a key it shares with the payer
	self   common.Address
	st     *store.Store

	priceOf func(instance, call string) (uint64, bool)

	mu      sync.Mutex
	accts   map[uint64]*channel.Account
	notMine map[uint64]bool     // channels of other anchors
	keys    map[uint64]payerKey // payers' keys, by channel
	credits map[uint64]creditKey
	// lastCall: when a batch last took a call on each channel (those within
	// CloseQuiet); a cooperative close waits for a channel to go quiet.
	lastCall map[uint64]time.Time
	started  time.Time
	// Now is the ledger's clock (tests set it).
	Now func() time.Time

	settleMu sync.Mutex // one settlement at a time
}

// NewLedger is the ledger of the anchor whose key is key. priceOf is what
// a call costs by its token's TokenScript (false when the instance or its
// bundle is not known): a forwarded promise counts only at that price.
func NewLedger(domain attest.Domain, c Chain, key *ecdsa.PrivateKey, st *store.Store, priceOf func(instance, call string) (uint64, bool)) *Ledger {
	return &Ledger{domain: domain, chain: c, key: key, self: crypto.PubkeyToAddress(key.PublicKey), st: st, priceOf: priceOf,
		accts: map[uint64]*channel.Account{}, notMine: map[uint64]bool{}, keys: map[uint64]payerKey{}, credits: map[uint64]creditKey{},
		lastCall: map[uint64]time.Time{}, started: time.Now(), Now: time.Now}
}

// maxLoaded is maxLoadedDefault; tests lower it.
var maxLoaded = maxLoadedDefault

// Limits of a ledger.
const (
	// ChannelsPerBatch bounds the channels a batch may make the ledger
	// read from the chain: a node forwarding promises of more unknown
	// channels gets the rest refused. A gate's batches name at most as
	// many channels (batchLen).
	ChannelsPerBatch = 16
	// maxLoadedDefault bounds the accounts kept in memory (all are in the
	// store).
	maxLoadedDefault = 10_000
	// maxNotMine bounds the channels remembered as another anchor's.
	maxNotMine = 10_000
)

// Record takes a batch of promises a service node (node) took for calls
// it served, and returns this anchor's view of each channel they named and
// of the channels asked for (those this anchor keeps). A promise counts for
// the node only if it is the payer's, for a call at the price its token's
// TokenScript sets, with a nonce not used before, and covered, with every
// call charged before, by the highest promise within the deposit: an
// honest payer's promises always are, in any order. A call on credit
// counts the same way when its MAC is the payer's (under the key the payer
// shares with this anchor, from the payer's public key as its promises
// show it). A node that served a call on a promise that does not pay was
// not paid for it.
func (l *Ledger) Record(ctx context.Context, node common.Address, items []Forward, asked []uint64) ([]channel.Account, Tally, error) {
	var t Tally
	type parsed struct {
		p      channel.Promise
		digest [32]byte
		signer common.Address
		pub    []byte // the signer's key, when it was recovered
		tried  bool   // the payer was known: its key, or the other v, was tried
		price  uint64
		credit *channel.Credit // a call on credit, whose MAC signer made
	}
	var ps []parsed
	batchKeys := map[uint64][]byte{} // keys the batch's promises recovered to, by channel
	batchDerived := map[uint64]*creditKey{}
	for _, it := range items {
		if channel.IsCredit(it.Promise) {
			c, err := channel.ParseCredit(it.Promise)
			price, ok := l.priceOf(it.Instance, it.Call)
			if err != nil || !ok || price == 0 || price != it.Price || price != c.Price {
				t.Refused++
				continue
			}
			bk, derived := batchDerived[c.Channel]
			if !derived && batchKeys[c.Channel] != nil {
				// A key a promise of this batch recovered to: derived once a
				// batch, whatever the number of credits naming it.
				bk = l.derive(batchKeys[c.Channel])
				batchDerived[c.Channel] = bk
			}
			by, ok := l.creditBy(c, it.Instance, it.Call, bk)
			if !ok {
				t.Refused++
				continue
			}
			ps = append(ps, parsed{p: channel.Promise{Channel: c.Channel}, signer: by, price: price, credit: &c, tried: true})
			continue
		}
		p, err := channel.ParseHeader(it.Promise)
		if err != nil {
			t.Refused++
			continue
		}
		if price, ok := l.priceOf(it.Instance, it.Call); !ok || price == 0 || price != it.Price {
			t.Refused++ // not a priced call at its price
			continue
		}
		digest := p.Digest(l.domain)
		x := parsed{p: p, digest: digest, price: it.Price}
		payer, pub, known := l.payerOf(p.Channel)
		if pub != nil && channel.SignedBy(pub, digest, p.Sig) {
			x.signer = payer
		} else if x.signer, x.pub, err = channel.SignerKey(digest, p.Sig); err != nil {
			t.Refused++
			continue
		}
		if known && x.signer != payer && pub == nil {
			// The payer's promise under the other v recovers another
			// address, and a gate that knew the payer's key took it: so
			// does the anchor (checked here, outside the lock).
			if channel.PayersUnderOtherV(digest, p.Sig, payer) {
				x.signer, x.pub = payer, nil
			}
		}
		x.tried = known
		if x.pub != nil {
			batchKeys[p.Channel] = x.pub
		}
		ps = append(ps, x)
	}
	// The chain is read outside the lock, a few channels a batch.
	infos := map[uint64]Info{}
	for _, x := range ps {
		id := x.p.Channel
		if _, done := infos[id]; done || len(infos) >= ChannelsPerBatch || l.known(id) {
			continue
		}
		info, err := l.chain.Channel(ctx, id)
		if err != nil {
			return nil, t, fmt.Errorf("reading payment channel %d: %w", id, err)
		}
		infos[id] = info
	}
	// changed holds the accounts this batch changed, by pointer: loading
	// another may clear l.accts (past maxLoaded) while the batch goes on.
	changed, reread := map[uint64]*channel.Account{}, map[uint64]bool{}
	took := map[uint64]bool{} // channels a call was taken on (a replay takes none)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range ps {
		id := x.p.Channel
		// An account this batch changed is taken from changed, not loaded:
		// a load past maxLoaded clears l.accts, and loading it again from
		// the store would lose what the batch did to it so far.
		a, err := changed[id], error(nil)
		if a == nil {
			a, err = l.load(id, infos)
		}
		if err != nil {
			return nil, t, err
		}
		if a == nil {
			t.Refused++
			continue
		}
		if x.signer != a.Payer && !x.tried {
			// The payer was not known before the lock (the account is
			// new here): the other v, as above.
			if channel.PayersUnderOtherV(x.digest, x.p.Sig, a.Payer) {
				x.signer, x.pub = a.Payer, nil
			}
		}
		pay := func() error {
			if x.credit == nil {
				return a.Pay(x.p, x.signer, x.price, node)
			}
			if x.signer != a.Payer {
				return channel.ErrNotPayer
			}
			return a.PayCredit(*x.credit, node)
		}
		err = pay()
		if errors.Is(err, channel.ErrOverdrawn) && !reread[id] && len(reread) < 4 {
			// Topped up since? Read once a batch, outside nothing: the
			// lock is held, but it is one read for one channel.
			reread[id] = true
			if info, rerr := l.chain.Channel(ctx, id); rerr == nil {
				a.Observe(info.settling())
				changed[id] = a
				err = pay()
			}
		}
		switch {
		case err == nil:
			t.Taken++
			changed[id] = a
			took[id] = true
			if x.pub != nil && x.signer == a.Payer {
				if len(l.keys) >= maxLoaded {
					clear(l.keys)
				}
				l.keys[id] = payerKey{a.Payer, x.pub}
			}
		case errors.Is(err, channel.ErrReplayed):
			t.Replayed++
		default:
			t.Refused++
		}
		if err != nil && x.credit == nil && x.signer == a.Payer && (errors.Is(err, channel.ErrReplayed) || errors.Is(err, channel.ErrInsufficient)) {
			// The node took this promise of the payer's (it is in its
			// stream), so its calls on credit started again there: here too,
			// or the two counts part.
			a.TookPromise(node)
			changed[id] = a
		}
	}
	for _, a := range changed {
		// Promises checked against the payer's key were not checked for
		// their v: the one cashed on chain must recover to the payer.
		if len(a.Best.Sig) == 65 {
			if sig, ok := channel.CashableSig(l.domain, a.Best, a.Payer); ok {
				a.Best.Sig = sig
			}
		}
	}
	if len(changed) > 0 {
		err := l.st.Batch(true, func(w store.Writes) {
			for id, a := range changed {
				b, _ := json.Marshal(a)
				w.Set(l.accountKey(id), b)
			}
		})
		if err != nil {
			// Not kept: forget what this batch did, so the node sends it again.
			for id := range changed {
				delete(l.accts, id)
			}
			return nil, Tally{}, fmt.Errorf("keeping payments: %w", err)
		}
		now := l.Now()
		if len(l.lastCall) >= maxLoaded {
			for id, at := range l.lastCall {
				if now.Sub(at) >= CloseQuiet {
					delete(l.lastCall, id)
				}
			}
		}
		for id := range took {
			l.lastCall[id] = now
		}
	}
	var views []channel.Account
	seen := map[uint64]bool{}
	ids := slices.Clone(asked)
	for _, x := range ps {
		ids = append(ids, x.p.Channel)
	}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if a, _ := l.load(id, nil); a != nil {
			views = append(views, view(a))
		}
	}
	return views, t, nil
}

// payerKey is a channel's payer and its public key, learnt from a promise
// of it recovered here: the next are checked against it by verification.
type payerKey struct {
	payer common.Address
	pub   []byte
}

// creditKey is the key an anchor shares with a channel's payer.
type creditKey struct {
	payer common.Address
	key   [32]byte
}

// derive is the credit key this anchor shares with the holder of a public
// key (65 bytes, uncompressed); nil when it is not one.
func (l *Ledger) derive(raw []byte) *creditKey {
	pub, err := crypto.UnmarshalPubkey(raw)
	if err != nil {
		return nil
	}
	key, err := channel.CreditKey(l.key, pub)
	if err != nil {
		return nil
	}
	return &creditKey{crypto.PubkeyToAddress(*pub), key}
}

// creditBy is who made a credit's MAC: the payer whose key, as its
// promises show it (learnt here, or recovered from the best promise kept),
// or the key a promise earlier in the batch recovered to (batch), makes
// the same MAC under the key it shares with this anchor; false when none
// does. The key is kept for the channel only when it is its payer's.
func (l *Ledger) creditBy(c channel.Credit, instance, call string, batch *creditKey) (common.Address, bool) {
	l.mu.Lock()
	ck, ok := l.credits[c.Channel]
	l.mu.Unlock()
	if ok && c.Valid(ck.key, instance, call) {
		return ck.payer, true
	}
	known, pub, _ := l.payerOf(c.Channel)
	if !ok || ck.payer != known {
		// The payer's key, as its promises show it, derived once and kept
		// (so forged credits cost an HMAC each, not an ECDH).
		if pub == nil {
			pub = l.bestKey(c.Channel) // learnt as the payer's, when it is
			known, _, _ = l.payerOf(c.Channel)
		}
		if k := l.derive(pub); k != nil && k.payer == known {
			ck, ok = *k, true
			l.mu.Lock()
			if len(l.credits) >= maxLoaded {
				clear(l.credits)
			}
			l.credits[c.Channel] = ck
			l.mu.Unlock()
			if c.Valid(ck.key, instance, call) {
				return ck.payer, true
			}
		}
	}
	if batch != nil && c.Valid(batch.key, instance, call) {
		return batch.payer, true
	}
	return common.Address{}, false
}

// bestKey is the key that signed the best promise kept for a channel
// (after a restart, the payer's key is known from it), nil when there is
// none; learnt as the payer's when it is.
func (l *Ledger) bestKey(id uint64) []byte {
	l.mu.Lock()
	a, err := l.load(id, nil)
	var best channel.Promise
	if a != nil && err == nil {
		best = a.Best
	}
	payer := common.Address{}
	if a != nil {
		payer = a.Payer
	}
	l.mu.Unlock()
	if len(best.Sig) != 65 {
		return nil
	}
	signer, pub, err := channel.SignerKey(best.Digest(l.domain), best.Sig)
	if err != nil || signer != payer {
		return nil
	}
	l.mu.Lock()
	if len(l.keys) >= maxLoaded {
		clear(l.keys)
	}
	l.keys[id] = payerKey{payer, pub}
	l.mu.Unlock()
	return pub
}

// payerOf is a channel's payer, when its account is in memory or its key
// was learnt, and the payer's key, when it was learnt.
func (l *Ledger) payerOf(id uint64) (payer common.Address, pub []byte, known bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k, ok := l.keys[id]; ok {
		return k.payer, k.pub, true
	}
	if a := l.accts[id]; a != nil {
		return a.Payer, nil, true
	}
	return common.Address{}, nil, false
}

// known reports whether a channel needs no chain read: its account is kept,
// or it is another anchor's.
func (l *Ledger) known(id uint64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.accts[id] != nil || l.notMine[id] {
		return true
	}
	_, err := l.st.Get(l.accountKey(id))
	return err == nil
}

// view is what a node needs of an account: the charge, the best promise
// and the most recent spent nonces.
func view(a *channel.Account) channel.Account {
	// A copy that shares nothing with the kept account: it is encoded for
	// the node after the ledger's lock is let go, while other calls charge
	// the account.
	v := accountCopy(a)
	v.Served, v.Owed, v.Credit = nil, nil, nil
	if n := len(v.Seen); n > viewSeen {
		v.Floor = max(v.Floor, v.Seen[n-viewSeen-1])
		v.Seen = v.Seen[n-viewSeen:]
	}
	return v
}

// accountCopy is a copy of an account that shares no map, slice or number
// with it.
func accountCopy(a *channel.Account) channel.Account {
	c := *a
	if a.Deposit != nil {
		c.Deposit = new(big.Int).Set(a.Deposit)
	}
	if a.Best.Cumulative != nil {
		c.Best.Cumulative = new(big.Int).Set(a.Best.Cumulative)
	}
	c.Best.Sig = slices.Clone(a.Best.Sig)
	c.Seen = slices.Clone(a.Seen)
	c.Served = maps.Clone(a.Served)
	c.Owed = cloneAmounts(a.Owed)
	c.Credit = cloneAmounts(a.Credit)
	c.Charges = cloneAmounts(a.Charges)
	if c.Charges == nil {
		c.Charges = map[common.Address]*big.Int{}
	}
	return c
}

// cloneAmounts is a copy of m that shares no number with it (nil for nil).
func cloneAmounts(m map[common.Address]*big.Int) map[common.Address]*big.Int {
	if m == nil {
		return nil
	}
	c := make(map[common.Address]*big.Int, len(m))
	for n, x := range m {
		c[n] = new(big.Int).Set(x)
	}
	return c
}

// load is a channel's account: kept (in memory or in the store), or new
// from its chain state in infos when the channel is this anchor's (nil when
// it is not, or not read). Called with l.mu held.
func (l *Ledger) load(id uint64, infos map[uint64]Info) (*channel.Account, error) {
	if a := l.accts[id]; a != nil {
		return a, nil
	}
	if len(l.accts) >= maxLoaded {
		clear(l.accts) // every one is in the store
	}
	b, err := l.st.Get(l.accountKey(id))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err == nil {
		var a channel.Account
		if err := json.Unmarshal(b, &a); err != nil {
			return nil, fmt.Errorf("payment channel %d's account: %w", id, err)
		}
		l.accts[id] = &a
		return &a, nil
	}
	info, ok := infos[id]
	if !ok || info.Payer == (common.Address{}) {
		return nil, nil
	}
	if info.Anchor != l.self {
		if len(l.notMine) >= maxNotMine {
			clear(l.notMine)
		}
		l.notMine[id] = true
		return nil, nil
	}
	a := channel.Open(id, info.Payer, info.Deposit)
	a.Observe(info.settling())
	l.accts[id] = &a
	return &a, nil
}

// Account is a copy of a channel's account, if this anchor keeps one (or
// the channel is this anchor's, read from the chain).
func (l *Ledger) Account(ctx context.Context, id uint64) (*channel.Account, error) {
	var infos map[uint64]Info
	if !l.known(id) {
		info, err := l.chain.Channel(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("reading payment channel %d: %w", id, err)
		}
		infos = map[uint64]Info{id: info}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	a, err := l.load(id, infos)
	if a == nil || err != nil {
		return nil, err
	}
	c := accountCopy(a)
	return &c, nil
}

// Channels lists the channels this anchor keeps accounts of.
func (l *Ledger) Channels() ([]uint64, error) {
	var ids []uint64
	prefix := store.Key(PrefixAccount, l.domain.VerifyingContract[:])
	err := l.st.Each(prefix, func(k, _ []byte) error {
		if len(k) == len(prefix)+8 {
			ids = append(ids, binary.BigEndian.Uint64(k[len(prefix):]))
		}
		return nil
	})
	return ids, err
}
