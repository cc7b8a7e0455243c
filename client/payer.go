package client

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/wire"
)

// ErrBudget: a call would take the payer's promises past its budget.
var ErrBudget = errors.New("payment budget spent")

// Payer pays for priced calls from one payment channel (contracts'
// Channels). It signs a promise for a call, its cumulative amount the
// price of every call so far with this one; between two promises to a
// node it sends up to Every-1 queries on credit (channel.Credit: a MAC
// under the key it shares with the channel's anchor, covered by its next
// promise), when the client proves its requests with the payer's key.
// Prices are learned from the nodes' 402 answers (the first call of each
// kind is refused once, then sent again with a promise), up to MaxPrice. A
// 402 that shows a promise of this payer's higher than its count (another
// process paid from the channel, or this one restarted) moves it up to
// that promise; nothing else a node says moves it.
type Payer struct {
	Key     *ecdsa.PrivateKey
	Channel uint64
	Domain  attest.Domain // channel.Domain(chain ID, the Channels contract)
	// Budget caps the cumulative amount the payer promises (nil: no cap
	// but the deposit, which the nodes enforce).
	Budget *big.Int
	// MaxPrice caps the price of one call a node may ask (0:
	// DefaultMaxPrice): a higher one is not paid.
	MaxPrice uint64
	// TopUp, when set, adds amount to the channel's deposit on chain
	// (payments.Funder makes one): when a node refuses a call because the
	// calls would cost more than the deposit, the payer tops up by TopUpBy
	// and sends the call again, as long as what it added stays within
	// TopUpLimit.
	TopUp      func(ctx context.Context, amount *big.Int) error
	TopUpBy    *big.Int
	TopUpLimit *big.Int
	// Every is how often a node is sent a promise: at most Every-1 queries
	// to it go on credit between two (0: DefaultEvery; 1: a promise with
	// every call, as actions always are). At most channel.CreditCalls.
	Every int
	// AnchorKey is the channel's anchor's public key, for the key of the
	// calls on credit; the Client learns it from the anchor when it is nil
	// (GET /v1/channels/{id}, its anchorKey checked against its address).
	AnchorKey *ecdsa.PublicKey

	topMu    sync.Mutex // one top-up, or one ask for the anchor's key, at a time
	toppedUp *big.Int   // added so far
	lastTop  time.Time
	askedKey time.Time

	mu       sync.Mutex
	covering string   // a cover promise signed and not yet taken by the anchor
	cum      *big.Int // promised: the highest promise's cumulative amount
	charged  *big.Int // what the calls sent cost, those on credit with them
	nonce    uint64
	prices   map[string]uint64 // by call path
	// onCredit counts, by node peer ID, the calls sent on credit since the
	// last promise it took (none: it took no promise, or refused a call).
	onCredit map[string]int
	// promising: a promise of this payer's is on its way to the node.
	promising map[string]bool
	credit    *[32]byte // the key of calls on credit, once AnchorKey is known
	// lost: the payer moved up to a promise it signed but did not send in
	// this process (Resume at the start, or a 402's): it does not know the
	// calls sent on credit after it, and takes them from the next 402 in
	// (catchUp), once, even when that 402 shows the same promise.
	lost bool
}

// DefaultEvery is how often a node is sent a promise when Every is 0.
const DefaultEvery = 32

// maxShown bounds the nodes a payer remembers the promises of.
const maxShown = 4096

// Promised is the cumulative amount promised so far, and the last nonce.
func (p *Payer) Promised() (*big.Int, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return new(big.Int).Set(p.amount()), p.nonce
}

func (p *Payer) amount() *big.Int {
	if p.cum == nil {
		p.cum = new(big.Int)
	}
	return p.cum
}

// DefaultMaxPrice is the most a call may cost a payer with no MaxPrice:
// one whole service token.
const DefaultMaxPrice = 1_000_000_000_000_000_000

// ErrPrice: a node asked more for a call than the payer's MaxPrice.
var ErrPrice = errors.New("a call's price is over the payer's MaxPrice")

// Resume starts the payer from a channel's state as a node or the anchor
// reports it: from the highest promise taken, if this payer signed it and
// it is above the payer's count (what the node says was charged is not
// taken on its word).
func (p *Payer) Resume(st *wire.ChannelState) { p.resume(st) }

// resume is Resume, and reports whether it moved the payer up to st's best
// promise, its own.
func (p *Payer) resume(st *wire.ChannelState) bool {
	if st == nil || st.ID != p.Channel || st.Best == "" {
		return false
	}
	best, err := channel.ParseHeader(st.Best)
	if err != nil || best.Channel != p.Channel {
		return false
	}
	if signer, err := channel.Signer(best.Digest(p.Domain), best.Sig); err != nil || signer != crypto.PubkeyToAddress(p.Key.PublicKey) {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	moved := best.Cumulative.Cmp(p.amount()) > 0
	if !moved {
		p.nonce = max(p.nonce, best.Nonce)
		return false
	}
	p.cum = best.Cumulative
	p.lost = true
	if p.spent().Cmp(p.cum) < 0 {
		p.charged = new(big.Int).Set(p.cum)
	}
	p.nonce = max(p.nonce, best.Nonce)
	if st.Spent > best.Nonce {
		// Calls on credit spent nonces above the best promise's: a node's
		// word, taken only so far above it, then some skipped.
		p.nonce = max(p.nonce, min(st.Spent, best.Nonce+channel.MaxSeen)+creditSkip)
	}
	return true
}

func (p *Payer) maxPrice() uint64 {
	if p.MaxPrice == 0 {
		return DefaultMaxPrice
	}
	return p.MaxPrice
}

// spent is what the calls sent cost (what was promised, when nothing was
// sent on credit). The lock is held.
func (p *Payer) spent() *big.Int {
	if p.charged == nil {
		p.charged = new(big.Int).Set(p.amount())
	}
	return p.charged
}

// promise signs the next promise for a call of price: it covers every
// call so far and this one.
func (p *Payer) promise(price uint64) (string, error) {
	h, _, err := p.pay("", price, "", "")
	return h, err
}

// pay is the payment header for a call of price to the node whose peer ID
// is to (instance, call: "query:NAME"; "" for a promise in any case): a
// call on credit when that node took a promise of this payer's less than
// Every calls ago, otherwise a promise; and, for a promise, its cumulative
// amount.
func (p *Payer) pay(to string, price uint64, instance, call string) (header string, promised *big.Int, err error) {
	if price > p.maxPrice() {
		return "", nil, fmt.Errorf("%w: %d asked, %d at most", ErrPrice, price, p.maxPrice())
	}
	p.mu.Lock()
	pr := new(big.Int).SetUint64(price)
	next := new(big.Int).Add(p.spent(), pr)
	if p.Budget != nil && next.Cmp(p.Budget) > 0 {
		defer p.mu.Unlock()
		return "", nil, fmt.Errorf("%w: %s spent, a call of %d more would pass %s", ErrBudget, p.spent(), price, p.Budget)
	}
	every := p.Every
	if every <= 0 {
		every = DefaultEvery
	}
	every = min(every, channel.CreditCalls)
	// The amount and the nonce are taken under the lock; the MAC or the
	// signature is made after it (a signature takes tens of microseconds,
	// and the calls of other goroutines wait on the lock): nodes and the
	// anchor take promises and credits in any order.
	n, ok := p.onCredit[to]
	// Within every calls of the last promise the node took: on credit. (The
	// node takes CreditCalls: twice the most, room for calls sent while a
	// promise is on its way.) While this payer's next promise to that node
	// is on its way, the calls made meanwhile go on credit too, up to that
	// room: without it, every call made before the node took the promise
	// sent one more, a promise for each call in flight.
	if ok && to != "" && call != "" && p.credit != nil && (n < every-1 || p.promising[to] && n < channel.CreditCalls-2) {
		p.onCredit[to] = n + 1
		p.charged, p.nonce = next, p.nonce+1 // next is not used after the lock
		key, nonce := *p.credit, p.nonce
		p.mu.Unlock()
		return channel.SignCredit(key, p.Channel, nonce, price, instance, call).Header(), nil, nil
	}
	p.cum, p.charged, p.nonce = new(big.Int).Set(next), new(big.Int).Set(next), p.nonce+1
	nonce := p.nonce
	if ok && to != "" {
		if p.promising == nil || len(p.promising) >= maxShown {
			p.promising = map[string]bool{}
		}
		p.promising[to] = true
	}
	p.mu.Unlock()
	promise, err := channel.Sign(p.Key, p.Domain, p.Channel, next, nonce)
	if err != nil {
		return "", nil, err
	}
	return promise.Header(), next, nil
}

// took notes that the node whose peer ID is to took a promise of this
// payer's: its calls on credit start again. untook notes that it refused
// a call: its next is sent a promise.
func (p *Payer) took(to string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onCredit == nil || len(p.onCredit) >= maxShown {
		p.onCredit = map[string]int{}
	}
	p.onCredit[to] = 0
	delete(p.promising, to)
}

// tookOne reports whether the node whose peer ID is to took a promise of
// this payer's (and did not refuse a call since).
func (p *Payer) tookOne(to string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.onCredit[to]
	return to != "" && ok
}

func (p *Payer) untook(to string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.onCredit, to)
	delete(p.promising, to)
}

// useCredit sets the key of calls on credit, from the channel's anchor's
// public key.
func (p *Payer) useCredit(anchor *ecdsa.PublicKey) error {
	k, err := channel.CreditKey(p.Key, anchor)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.credit = &k
	return nil
}

// needsAnchorKey reports whether the payer may send calls on credit and
// lacks the anchor's key for them.
func (p *Payer) needsAnchorKey() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.credit == nil && p.Every != 1
}

// Promise signs the next promise for a call of exactly price (a server
// paying for its visitors' calls at the prices it knows).
func (p *Payer) Promise(price uint64) (string, error) { return p.promise(price) }

// PromiseFor signs a promise for a call to path: its price as learned, or
// fallback when it is not known yet (paying more than a call costs only
// raises the cumulative amount early).
func (p *Payer) PromiseFor(path string, fallback uint64) (string, error) {
	price, ok := p.price(path)
	if !ok {
		price = fallback
	}
	return p.promise(price)
}

// giveBack takes the price of a promise a node did not take off what the
// payer owes: the cumulative amount is what the calls taken cost, so the
// next promise does not count it (its nonce is new; promises signed
// meanwhile count it, and the highest covers every call taken). Should
// the node have taken it after all, a later promise falls short by its
// price: a node refuses it (402) with the channel's state, and the payer
// resumes from that.
func (p *Payer) giveBack(price uint64, promise bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr := new(big.Int).SetUint64(price)
	if c := p.spent(); c.Cmp(pr) >= 0 {
		c.Sub(c, pr)
	}
	if c := p.amount(); promise && c.Cmp(pr) >= 0 {
		c.Sub(c, pr)
	}
}

// untaken reports whether an answer's status says the node refused the
// call before charging it: not there (421, 404), busy (503, 429), no
// grant (401, 403), or the promise refused (402).
func untaken(status int) bool {
	switch status {
	case http.StatusMisdirectedRequest, http.StatusNotFound, http.StatusServiceUnavailable, http.StatusTooManyRequests,
		http.StatusUnauthorized, http.StatusForbidden, http.StatusPaymentRequired:
		return true
	}
	return false
}

// Presign signs n promises for calls of price ahead of time, in order
// (a load generator that keeps signing off its measured path sends them
// in the X-Smartlayer-Payment header itself).
func (p *Payer) Presign(price uint64, n int) ([]string, error) {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		h, err := p.promise(price)
		if err != nil {
			return out, err
		}
		out = append(out, h)
	}
	return out, nil
}

// price is what a call path is known to cost.
func (p *Payer) price(path string) (uint64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.prices[path]
	return v, ok
}

// learn takes a 402's price and channel state in: whether the call should
// be sent again with a promise.
func (p *Payer) learn(path string, prob *wire.Problem) bool {
	if prob == nil || prob.Status != http.StatusPaymentRequired || prob.Payment == nil {
		return false
	}
	price, err := strconv.ParseUint(prob.Payment.Price, 10, 64)
	if err != nil || price > p.maxPrice() {
		return false
	}
	p.mu.Lock()
	if p.prices == nil {
		p.prices = map[string]uint64{}
	}
	if len(p.prices) < 4096 {
		p.prices[path] = price
	}
	p.mu.Unlock()
	if p.resume(prob.Payment.Channel) || p.wasLost() {
		p.catchUp(prob.Payment.Channel, price)
	}
	return true
}

// wasLost reports whether the payer has not caught up since it moved up to
// a promise it did not send.
func (p *Payer) wasLost() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost
}

// creditSkip is how many nonces a payer that lost count skips past the
// highest a node shows spent: calls on credit it sent may still wait in
// other nodes' queues, and a nonce used twice pays once.
const creditSkip = channel.MaxSeen

// catchUp takes in what a node says was charged to the channel beyond this
// payer's count, after a 402 whose best promise is the payer's own and
// above its count (it lost count: a restart, or another process paying
// from the channel): calls it sent on credit and did not cover. A node's
// word, so taken only as far as calls on credit may go beyond that promise
// (channel.CreditCalls of price), and only when the promise moved the
// payer up (a node showing back a promise it was sent moves nothing) or
// once after it moved up to one (Resume: it lost count then, but the node
// shows the promise it resumed from).
func (p *Payer) catchUp(st *wire.ChannelState, price uint64) {
	if st == nil || st.ID != p.Channel {
		return // a 402 that shows no channel, or another one
	}
	charged, ok := new(big.Int).SetString(st.Charged, 10)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lost = false
	limit := new(big.Int).Mul(new(big.Int).SetUint64(price), big.NewInt(channel.CreditCalls))
	limit.Add(limit, p.amount())
	if charged.Cmp(limit) > 0 {
		charged = limit
	}
	if charged.Cmp(p.spent()) > 0 {
		p.charged = charged
	}
}

// topUpWait is how long the payer waits after a top-up before sending the
// call again: nodes read a channel's deposit again when a promise is over
// it, at most every 2 s.
const topUpWait = 2500 * time.Millisecond

// ErrTopUpLimit: a top-up would pass the payer's TopUpLimit.
var ErrTopUpLimit = errors.New("payment channel top-up limit reached")

// overdrawn reports whether a 402 says the channel's deposit does not
// cover the calls charged and this one.
func overdrawn(prob *wire.Problem) bool {
	due := prob.Payment
	if due == nil || due.Channel == nil {
		return false
	}
	dep, ok1 := new(big.Int).SetString(due.Channel.Deposit, 10)
	charged, ok2 := new(big.Int).SetString(due.Channel.Charged, 10)
	price, ok3 := new(big.Int).SetString(due.Price, 10)
	return ok1 && ok2 && ok3 && charged.Add(charged, price).Cmp(dep) > 0
}

// topUp adds TopUpBy to the channel, within TopUpLimit, unless another
// call topped up a moment ago; then waits for the nodes to see it.
func (p *Payer) topUp(ctx context.Context) error {
	if p.TopUp == nil || p.TopUpBy == nil || p.TopUpBy.Sign() <= 0 {
		return errors.New("no top-up")
	}
	p.topMu.Lock()
	if time.Since(p.lastTop) > topUpWait {
		if p.toppedUp == nil {
			p.toppedUp = new(big.Int)
		}
		next := new(big.Int).Add(p.toppedUp, p.TopUpBy)
		if p.TopUpLimit != nil && next.Cmp(p.TopUpLimit) > 0 {
			p.topMu.Unlock()
			return fmt.Errorf("%w: %s added, %s more would pass %s", ErrTopUpLimit, p.toppedUp, p.TopUpBy, p.TopUpLimit)
		}
		if err := p.TopUp(ctx, new(big.Int).Set(p.TopUpBy)); err != nil {
			p.topMu.Unlock()
			return fmt.Errorf("topping up payment channel %d: %w", p.Channel, err)
		}
		p.toppedUp, p.lastTop = next, time.Now()
	}
	p.topMu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(topUpWait):
		return nil
	}
}

// paidCall reports whether a request path is a call that may be priced.
func paidCall(path string) bool {
	return strings.HasPrefix(path, "/v1/tokens/") && (strings.Contains(path, "/query/") || strings.Contains(path, "/actions/"))
}

// channelCall sends a request about a channel to the anchors in turn: the
// channel's own anchor answers, the others say it is not theirs (404
// not-my-channel) and the next is asked.
func (c *Client) channelCall(ctx context.Context, method string, id uint64, what string, body []byte, out any) error {
	var last error = errors.New("no anchors configured")
	path := "/v1/channels/" + strconv.FormatUint(id, 10) + what
	for _, base := range c.anchors {
		err := c.do(ctx, method, base+path, nil, body, out)
		if err == nil {
			return nil
		}
		last = err
		var p *wire.Problem
		if errors.As(err, &p) && p.Status < 500 && !strings.HasSuffix(p.Type, ":not-my-channel") {
			return err
		}
	}
	return last
}

// Channel is a payment channel as its anchor knows it.
func (c *Client) Channel(ctx context.Context, id uint64) (*wire.ChannelStatus, error) {
	var st wire.ChannelStatus
	return &st, c.channelCall(ctx, http.MethodGet, id, "", nil, &st)
}

// Settle has the channel's anchor cash its highest promise and pay the
// nodes out now. An anchor settles an open channel on demand at most every
// 10 s (429 settle-too-soon): Settle asks again each second until it does,
// or ctx ends.
func (c *Client) Settle(ctx context.Context, id uint64) (*wire.Settlement, error) {
	for {
		var s wire.Settlement
		err := c.channelCall(ctx, http.MethodPost, id, "/settle", []byte("{}"), &s)
		var p *wire.Problem
		if !errors.As(err, &p) || !strings.HasSuffix(p.Type, ":settle-too-soon") {
			return &s, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
	}
}

// CloseChannel asks the channel's anchor for its half of a cooperative
// close at final, which payerSig (over channel.CloseDigest) signs: the
// answer carries the anchor's signature, and both go to the contract's
// closeCooperative.
func (c *Client) CloseChannel(ctx context.Context, id uint64, final *big.Int, payerSig []byte) (*wire.ChannelClose, error) {
	body, err := json.Marshal(wire.ChannelClose{FinalAmount: final.String(), PayerSignature: hexutil.Encode(payerSig)})
	if err != nil {
		return nil, err
	}
	var out wire.ChannelClose
	return &out, c.channelCall(ctx, http.MethodPost, id, "/close", body, &out)
}

// creditCall is what a call on credit names of a request path (its
// instance and "query:NAME"), when the client may send it on credit to the
// node whose peer ID is to: a query, proved by the payer's own key under a
// session with that node (the node checks the payer made the call, and a
// session MAC, unlike a signature, cannot be shown to another node), to a
// node that took a promise of the payer's, with the key shared with the
// channel's anchor known (learnt here the first time). "" otherwise: the
// call carries a promise.
func (c *Client) creditCall(ctx context.Context, to, path string) (instance, call string) {
	rest, ok := strings.CutPrefix(path, "/v1/tokens/")
	if !ok || c.Key == nil || !c.Key.PublicKey.Equal(&c.Payer.Key.PublicKey) || !c.Payer.tookOne(to) || !c.sessions.Has(to) {
		return "", ""
	}
	instance, name, ok := strings.Cut(rest, "/query/")
	if !ok || strings.Contains(name, "/") {
		return "", ""
	}
	if c.Payer.needsAnchorKey() && !c.learnAnchorKey(ctx) {
		return "", ""
	}
	return instance, "query:" + name
}

// anchorKeyRetry is how long a client that could not learn its channel's
// anchor's key waits before it asks again (its calls carry promises
// meanwhile).
const anchorKeyRetry = 30 * time.Second

// learnAnchorKey asks the channel's anchor for its key (the anchor's
// answer about its channel, the key checked against the anchor's address
// it names) and keys the calls on credit with it.
func (c *Client) learnAnchorKey(ctx context.Context) bool {
	p := c.Payer
	p.topMu.Lock()
	defer p.topMu.Unlock()
	if !p.needsAnchorKey() {
		return true
	}
	if p.AnchorKey == nil {
		if time.Since(p.askedKey) < anchorKeyRetry {
			return false
		}
		p.askedKey = time.Now()
		st, err := c.Channel(ctx, p.Channel)
		if err != nil {
			return false
		}
		raw, err := hexutil.Decode(st.AnchorKey)
		if err != nil {
			return false
		}
		pub, err := crypto.UnmarshalPubkey(raw)
		if err != nil || crypto.PubkeyToAddress(*pub) != st.Anchor || st.ID != p.Channel {
			return false
		}
		p.AnchorKey = pub
	}
	return p.useCredit(p.AnchorKey) == nil
}

// Cover sends the channel's anchor a promise for the calls this client
// sent on credit since its last promise (none when there are none): what
// an integration does when it stops calling, so that a settlement pays
// every call it made. A call sent meanwhile is covered by its own
// promise, or the next Cover.
func (c *Client) Cover(ctx context.Context) error {
	p := c.Payer
	if p == nil {
		return errors.New("the client has no payer")
	}
	h, ok, err := p.cover()
	if err != nil || !ok {
		return err
	}
	body, err := json.Marshal(wire.ChannelPromise{Promise: h})
	if err != nil {
		return err
	}
	var st wire.ChannelStatus
	err = c.channelCall(ctx, http.MethodPost, p.Channel, "/promise", body, &st)
	var prob *wire.Problem
	if err == nil || errors.As(err, &prob) && strings.Contains(prob.Detail, channel.ErrReplayed.Error()) {
		p.covered(h) // taken, now or before
		return nil
	}
	return err
}

// cover signs a promise for every call sent, when some went on credit
// since the last promise (false: none did); or the one signed before that
// the anchor has not taken yet.
func (p *Payer) cover() (string, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	spent := p.spent()
	if spent.Cmp(p.amount()) <= 0 {
		return p.covering, p.covering != "", nil
	}
	pr, err := channel.Sign(p.Key, p.Domain, p.Channel, spent, p.nonce+1)
	if err != nil {
		return "", false, err
	}
	p.cum, p.nonce = new(big.Int).Set(spent), p.nonce+1
	p.covering = pr.Header()
	return p.covering, true, nil
}

// covered notes that the anchor took the cover promise h.
func (p *Payer) covered(h string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.covering == h {
		p.covering = ""
	}
}
