package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/payments"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// ProtoPayments carries the promises a service node took, to the anchor of
// their channels; the anchor answers with its view of those channels.
const ProtoPayments = transport.ProtocolPrefix + "/payments/1.0.0"

// paymentBatch is a service node's promises for one anchor, and the
// channels whose view it wants.
type paymentBatch struct {
	Items    []payments.Forward `json:"items"`
	Channels []uint64           `json:"channels"`
}

// paymentViews is the anchor's answer to a batch.
type paymentViews struct {
	Views []channel.Account `json:"views"`
}

// maxPaymentBatch bounds a batch's bytes: MaxBatch promises of at most
// channel.MaxHeader bytes, and as many channel numbers.
const maxPaymentBatch = payments.MaxBatch*(channel.MaxHeader+64) + 64<<10

// paymentFlush is how often a service node sends the promises it took;
// paymentWatch how often an anchor looks for its channels' closes and
// withdrawals started on chain (both leave a challenge window to answer).
const (
	paymentFlush = time.Second
	paymentWatch = 30 * time.Second
)

// paying is a node's part in payments (network.channels): a service node
// checks priced calls and forwards the promises; an anchor keeps the
// accounts of the channels opened to it and settles them.
type paying struct {
	n       *Node
	domain  attest.Domain
	chain   payments.OnChain
	addr    common.Address   // the Channels contract
	gate    *payments.Gate   // service nodes
	ledger  *payments.Ledger // anchors
	results *prometheus.CounterVec
	// sent is when each channel last had a settlement sent (anchors).
	sentMu sync.Mutex
	sent   map[uint64]time.Time
}

// onDemandEvery is how often a channel may be settled on demand (POST
// /v1/channels/{id}/settle, which anyone may send) while it is open with
// no withdrawal announced: each settlement costs the anchor gas, and a
// payer making one call between two requests had it send two transactions
// a round, as often as it asked. A close or a withdrawal under way is
// settled whenever asked: its window is short, and each costs the payer a
// transaction of its own.
const onDemandEvery = 10 * time.Second

// maxSentTimes bounds the channels whose last settlement is remembered.
const maxSentTimes = 10_000

// markSent notes that a settlement of channel id is being sent.
func (p *paying) markSent(id uint64) { p.claim(id, 0) }

// claim is how long channel id waits when its last settlement was sent
// less than every ago, or 0 when it may go now, and then it is marked sent
// at once: two requests at the same time do not both go.
func (p *paying) claim(id uint64, every time.Duration) time.Duration {
	p.sentMu.Lock()
	defer p.sentMu.Unlock()
	now := p.n.now()
	if at, ok := p.sent[id]; ok && now.Before(at.Add(every)) {
		return at.Add(every).Sub(now)
	}
	if p.sent == nil || len(p.sent) >= maxSentTimes {
		p.sent = map[uint64]time.Time{}
	}
	p.sent[id] = now
	return 0
}

func newPaying(n *Node, c *contracts.Channels, addr common.Address, chainID int64) *paying {
	p := &paying{n: n, domain: channel.Domain(chainID, addr), chain: payments.OnChain{C: c}, addr: addr}
	p.results = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_payments_total",
		Help: "Payments for priced calls: on service nodes taken (with a promise), credit (taken on credit), refused (by code) and sent to anchors; on anchors taken, replayed and refused promises forwarded, and settlements done or failed."}, []string{"result"})
	return p
}

// attach makes the role's part once the store is open: an anchor's ledger,
// a service node's gate.
func (p *paying) attach() {
	switch p.n.cfg.Role {
	case RoleAnchor:
		p.ledger = payments.NewLedger(p.domain, p.chain, p.n.key.ECDSA, p.n.store, p.priceOf)
	case RoleService:
		p.gate = payments.NewGate(p.domain, p.chain, p.n.Address(), p.n.now, p.n.isAnchorAddress)
	}
}

// start runs the role's part: on an anchor, the forwarding protocol and
// the settlement loop; on a service node, the forwarding loop.
func (p *paying) start() {
	n := p.n
	n.reg.MustRegister(p.results)
	if p.ledger != nil {
		transport.HandleFrom(n.net, ProtoPayments, maxPaymentBatch, n.admits, p.record)
		n.spawn(func() { every(n.ctx, n.cfg.Network.SettleInterval.Duration, p.settleAll) })
		n.spawn(func() { every(n.ctx, paymentWatch, p.watch) })
	}
	if p.gate != nil {
		n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_payments_queued",
			Help: "Promises this service node took and has not yet handed to the anchors."}, func() float64 { return float64(p.gate.Queued()) }))
		n.spawn(func() {
			every(n.ctx, paymentFlush, func() { p.flush(n.ctx) })
			// Stopping: the HTTP API is closed and the transport still up,
			// so what was taken since the last flush goes now.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			p.flush(ctx)
		})
	}
}

// priceOf is what a call on an instance costs, by its registration's
// bundle (held here: anchors share bundles): false when either is not
// known.
func (p *paying) priceOf(instance, call string) (uint64, bool) {
	a := p.n.anchor
	id, err := wire.ParseInstanceID(instance)
	if err != nil || a == nil {
		return 0, false
	}
	a.mu.Lock()
	reg := a.regs[id]
	a.mu.Unlock()
	if reg == nil {
		return 0, false
	}
	h, err := tokenscript.ParseBundleHash(reg.Bundle)
	if err != nil {
		return 0, false
	}
	lb, ok := a.bundles.Get(h)
	if !ok {
		return 0, false
	}
	kind, name, _ := strings.Cut(call, ":")
	switch kind {
	case "query":
		return lb.Manifest.Service.QueryPriceOf(name), true
	case "action":
		return lb.Manifest.Service.ActionPriceOf(name), true
	}
	return 0, false
}

// charge lets a call of price through on the promise presented, or says
// why not: 402 with what it costs and how to pay, or 503 when payments
// cannot be taken now.
func (p *paying) charge(ctx context.Context, header string, price uint64, id wire.InstanceID, call string, proves func(common.Address) error) error {
	if p == nil || p.gate == nil || price == 0 {
		return nil
	}
	err := p.gate.Pay(ctx, header, price, id.String(), call, proves)
	var r *payments.Refusal
	switch {
	case errors.Is(err, grant.ErrSessionUnknown):
		// A call on credit under a session this node does not hold (it
		// restarted, or never learnt it): 401 session-unknown, so the
		// client signs again (and pays with a promise).
		p.results.WithLabelValues("session-unknown").Inc()
		return &api.GrantRefused{Err: fmt.Errorf("%w (a call on credit)", grant.ErrSessionUnknown)}
	case err == nil:
		if channel.IsCredit(header) {
			p.results.WithLabelValues("credit").Inc()
		} else {
			p.results.WithLabelValues("taken").Inc()
		}
		return nil
	case errors.Is(err, payments.ErrBacklog):
		p.results.WithLabelValues("backlog").Inc()
		return &api.PaymentRefused{Status: http.StatusServiceUnavailable, Code: "payments-backlog", Detail: err.Error()}
	case errors.As(err, &r):
		p.results.WithLabelValues(r.Code).Inc()
		return &api.PaymentRefused{Status: http.StatusPaymentRequired, Code: r.Code, Detail: r.Detail,
			Due: &wire.PaymentDue{Price: fmt.Sprint(price), Header: wire.PaymentHeader, Contract: p.domain.VerifyingContract,
				ChainID: p.domain.ChainID.Int64(), Channel: r.Channel}}
	default:
		p.results.WithLabelValues("chain-unavailable").Inc()
		return &api.PaymentRefused{Status: http.StatusServiceUnavailable, Code: "chain-unavailable",
			Detail: "the payment channel could not be read from the chain: " + err.Error()}
	}
}

// flush sends the promises taken to their anchors and merges the views
// they answer with; what does not arrive goes back in the queue.
func (p *paying) flush(ctx context.Context) {
	byAddr := map[common.Address]transport.PeerID{}
	for id, a := range p.n.anchors {
		byAddr[a] = id
	}
	failed := map[common.Address]bool{}
	var back []payments.Batch
	defer func() { p.gate.Return(back...) }()
	for _, b := range p.gate.Take() {
		to, ok := byAddr[b.Anchor]
		if !ok || failed[b.Anchor] {
			// Not an anchor of the set now, or not taking batches: its
			// channels' promises wait (bounded by payments.MaxQueued)
			// for the next flush.
			back = append(back, b)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, transport.StreamTimeout)
		ans, err := transport.Call[paymentBatch, paymentViews](cctx, p.n.net, to, ProtoPayments, &paymentBatch{Items: b.Items, Channels: b.Channels})
		cancel()
		if err != nil {
			back = append(back, b)
			failed[b.Anchor] = true
			p.n.log.Debug("payments not taken by their anchor; sending again", "anchor", b.Anchor, "promises", len(b.Items), "err", err)
			continue
		}
		p.gate.Delivered(b)
		p.results.WithLabelValues("sent").Add(float64(len(b.Items)))
		p.gate.Merge(b.Anchor, ans.Views)
	}
}

// record takes a service node's batch on an anchor.
func (p *paying) record(ctx context.Context, from transport.PeerID, b *paymentBatch) (*paymentViews, error) {
	if len(b.Items) > payments.MaxBatch || len(b.Channels) > payments.MaxBatch {
		return nil, fmt.Errorf("a batch holds at most %d promises and %d channels", payments.MaxBatch, payments.MaxBatch)
	}
	node, err := nodekey.AddressOfPeer(from)
	if err != nil {
		return nil, err
	}
	views, t, err := p.ledger.Record(ctx, node, b.Items, b.Channels)
	if err != nil {
		return nil, err
	}
	p.results.WithLabelValues("forwarded").Add(float64(t.Taken))
	p.results.WithLabelValues("replayed").Add(float64(t.Replayed))
	p.results.WithLabelValues("refused").Add(float64(t.Refused))
	if t.Replayed > 0 {
		p.n.log.Info("promises spent twice reached this anchor (a payer's promise used at two nodes, or a batch sent again)", "node", node, "count", t.Replayed)
	}
	if t.Refused > 0 {
		p.n.log.Info("forwarded payments this anchor did not count (not the payer's, not the token's price, or past what the promises cover)", "node", node, "count", t.Refused)
	}
	return &paymentViews{Views: views}, nil
}

// settleAll settles every channel this anchor keeps.
func (p *paying) settleAll() {
	ids, err := p.ledger.Channels()
	if err != nil {
		p.n.log.Warn("listing payment channels failed", "err", err)
		return
	}
	for _, id := range ids {
		if p.n.ctx.Err() != nil {
			return
		}
		if _, err := p.settle(p.n.ctx, id); err != nil {
			p.n.log.Warn("settling a payment channel failed", "channel", id, "err", err)
		}
	}
}

// settle settles one channel from this anchor's key, when there is
// something to settle: its highest promise above what was cashed, or calls
// served that were not paid out. One transaction from the node key at a
// time (txLock), and not for long: a caller that gives up leaves the queue.
func (p *paying) settle(ctx context.Context, id uint64) (*wire.Settlement, error) {
	return p.settleIf(ctx, id, nil)
}

// settleIf is settle, which goes only if mayGo (when set) lets the
// channel's status through.
func (p *paying) settleIf(ctx context.Context, id uint64, mayGo func(*wire.ChannelStatus) error) (*wire.Settlement, error) {
	n := p.n
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	st, err := p.ledger.Status(ctx, id)
	if err != nil {
		return nil, channelErr(err)
	}
	if idle(st) {
		return idleSettlement(id, st), nil
	}
	if mayGo != nil {
		if err := mayGo(st); err != nil {
			return nil, err
		}
	}
	unlock, err := n.txLock(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: waiting for this anchor's turn to send: %v", api.ErrChainUnavailable, err)
	}
	defer unlock()
	p.markSent(id)
	s, err := chainSender(ctx, n)
	if err != nil {
		p.results.WithLabelValues("settle-failed").Inc()
		return nil, fmt.Errorf("%w: %v", api.ErrChainUnavailable, err)
	}
	out, err := p.ledger.Settle(ctx, id, n.key.ECDSA, uint16(n.cfg.Network.AnchorShare), payments.SenderCashier{S: s, B: n.eth, C: p.chain.C, At: p.addr})
	if err != nil {
		p.results.WithLabelValues("settle-failed").Inc()
		return nil, channelErr(err)
	}
	p.results.WithLabelValues("settled").Inc()
	if len(out.Nodes) > 0 {
		n.log.Info("settled a payment channel", "channel", id, "cashed", out.Cashed, "distributed", out.Distributed, "payees", len(out.Nodes))
	}
	return out, nil
}

// idle reports whether a channel has nothing to cash and nothing to pay
// out: every amount cashed paid, or kept for calls not counted yet (while
// the channel is open).
func idle(st *wire.ChannelStatus) bool {
	return !payments.Uncashed(st) && (st.Cashed == st.Distributed || len(st.Served) == 0 && !st.Closing && !st.Closed)
}

// idleSettlement is the answer of a settlement that sends nothing.
func idleSettlement(id uint64, st *wire.ChannelStatus) *wire.Settlement {
	return &wire.Settlement{Channel: id, Cashed: st.Cashed, Distributed: st.Distributed, Burnt: "0",
		Nodes: []common.Address{}, Counts: []uint64{}}
}

// watch settles at once the channels whose payer started a close or a
// withdrawal while this anchor holds promises not cashed: after the
// window, what is not cashed goes back to the payer.
func (p *paying) watch() {
	ids, err := p.ledger.Channels()
	if err != nil {
		return
	}
	for _, id := range ids {
		if p.n.ctx.Err() != nil {
			return
		}
		if due, err := p.ledger.Due(p.n.ctx, id); err == nil && due {
			p.n.log.Info("a payment channel's payer started a close or a withdrawal: settling now", "channel", id)
			if _, err := p.settle(p.n.ctx, id); err != nil {
				p.n.log.Warn("settling a payment channel failed", "channel", id, "err", err)
			}
		}
	}
}

// channelErr maps the ledger's errors to the API's.
func channelErr(err error) error {
	switch {
	case errors.Is(err, payments.ErrUnknownChannel):
		return fmt.Errorf("%w: %v", api.ErrUnknownChannel, err)
	case errors.Is(err, payments.ErrNotMine):
		return fmt.Errorf("%w: %v", api.ErrNotMyChannel, err)
	case errors.Is(err, payments.ErrCloseRefused):
		return fmt.Errorf("%w: %v", api.ErrCloseRefused, err)
	case errors.Is(err, payments.ErrPromiseRefused):
		return fmt.Errorf("%w: %v", api.ErrPromiseRefused, err)
	}
	return fmt.Errorf("%w: %v", api.ErrChainUnavailable, err)
}

// paymentsAPI is an anchor's channels for the HTTP API.
type paymentsAPI struct{ p *paying }

func (a paymentsAPI) Channel(ctx context.Context, id uint64) (*wire.ChannelStatus, error) {
	st, err := a.p.ledger.Status(ctx, id)
	if err != nil {
		return nil, channelErr(err)
	}
	return st, nil
}

func (a paymentsAPI) Cover(ctx context.Context, id uint64, c wire.ChannelPromise) (*wire.ChannelStatus, error) {
	st, err := a.p.ledger.Cover(ctx, id, strings.TrimSpace(c.Promise))
	if err != nil {
		return nil, channelErr(err)
	}
	return st, nil
}

func (a paymentsAPI) Settle(ctx context.Context, id uint64) (*wire.Settlement, error) {
	return a.p.settleIf(ctx, id, func(st *wire.ChannelStatus) error {
		if st.Closing || st.Closed || st.Withdrawing != "" && st.Withdrawing != "0" {
			return nil // a window to act in, opened by a transaction of the payer's
		}
		if wait := a.p.claim(id, onDemandEvery); wait > 0 {
			return &api.SettleTooSoon{Wait: wait, Every: onDemandEvery}
		}
		return nil
	})
}

func (a paymentsAPI) Close(ctx context.Context, id uint64, c wire.ChannelClose) (*wire.ChannelClose, error) {
	final, err := channel.ParseAmount(c.FinalAmount)
	if err != nil {
		return nil, fmt.Errorf("%w: finalAmount: %v", api.ErrCloseRefused, err)
	}
	sig, err := hexutil.Decode(strings.TrimSpace(c.PayerSignature))
	if err != nil || len(sig) != 65 {
		return nil, fmt.Errorf("%w: payerSignature is not 0x and 65 bytes of hex", api.ErrCloseRefused)
	}
	mine, err := a.p.ledger.Close(ctx, id, final, sig, a.p.n.key.ECDSA)
	var soon *payments.CloseTooSoon
	if errors.As(err, &soon) {
		return nil, &api.CloseTooSoon{Wait: soon.Wait, Detail: soon.Error()}
	}
	if err != nil {
		return nil, channelErr(err)
	}
	c.AnchorSignature = hexutil.Encode(mine)
	return &c, nil
}
