package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// Contract events reach instances in two halves. Anchors relay (relay
// below): they read the confirmed logs of the contracts the bundles they
// hold subscribe to (<sl:erc721>, <sl:subscribe contract>), and publish
// each as a chain-log attestation on the topic of the instances that follow
// it. Replicas check (checkChainLog): before the token core applies a
// relayed event, the node reads the chain itself; an anchor's word is
// never enough.

// Bounds of the relay: blocks one log read covers, and logs one round
// relays (a round over more reads fewer blocks).
const (
	relayBlocks = 1000
	relayLogs   = 2000
	// maxGapScan bounds how far back a replica looks for an event of the
	// same key between the last one applied and a relayed one.
	maxGapScan = 100_000
)

// ownableABI is the one function of OpenZeppelin's Ownable the relay calls.
var ownableABI = mustABI(`[{"type":"function","name":"owner","inputs":[],"outputs":[{"name":"","type":"address"}],"stateMutability":"view"}]`)

func mustABI(js string) abi.ABI {
	a, err := abi.JSON(strings.NewReader(js))
	if err != nil {
		panic(err)
	}
	return a
}

// ownedTTL is how long an owner() answer is kept: an owner who changes
// is noticed within it.
const ownedTTL = 10 * time.Minute

// relay is an anchor's relay of contract events.
type relay struct {
	n  *Node
	mu sync.Mutex
	// owned: whether a bundle's issuer owns a contract it names (Ownable
	// owner()), asked once per bundle and contract every ownedTTL:
	// anchors relay the events of a contract only for a bundle of its
	// owner, so no one can have them relay a busy contract's every event.
	owned map[ownedKey]ownedAnswer
	// next: per contract, the first block not relayed yet (from block 0
	// for a contract first watched: a bundle loaded late still gets the
	// events from before it, the mints among them).
	next   map[common.Address]uint64
	metric *prometheus.CounterVec
}

type ownedKey struct {
	bundle   tokenscript.BundleHash
	contract common.Address
}

type ownedAnswer struct {
	ok bool
	at time.Time
}

func newRelay(n *Node) *relay {
	r := &relay{n: n, owned: map[ownedKey]ownedAnswer{}, next: map[common.Address]uint64{},
		metric: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_chain_events_relayed_total",
			Help: "Contract events this anchor relayed to instances, by result (relayed, skipped, failed)."}, []string{"result"})}
	n.reg.MustRegister(r.metric)
	return r
}

// cursor is a contract's first block not relayed yet.
func (r *relay) cursor(c common.Address) uint64 {
	if n, ok := r.next[c]; ok {
		return n
	}
	var n uint64
	if b, err := r.n.store.Get(relayNextKey(c)); err == nil && len(b) == 8 {
		n = binary.BigEndian.Uint64(b)
	}
	r.next[c] = n
	return n
}

// run relays every poll interval, and at once again while it is behind.
func (r *relay) run(ctx context.Context) {
	wait := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		behind, err := r.round(rctx)
		cancel()
		wait = r.n.cfg.Network.ChainPoll.Duration
		switch {
		case err != nil && ctx.Err() == nil:
			r.n.log.Warn("relaying contract events failed; retrying", "err", err)
			wait = min(wait, time.Second)
		case behind:
			wait = 0
		}
	}
}

// watches lists the contract subscriptions to relay: those of bundles on
// this node's chain whose issuer owns the contract.
func (r *relay) watches(ctx context.Context) (map[common.Address][]*tokenscript.Subscription, error) {
	out := map[common.Address][]*tokenscript.Subscription{}
	for _, lb := range r.n.anchor.bundles.All() {
		if lb.Manifest.Service == nil {
			continue
		}
		for i := range lb.Manifest.Service.Subscriptions {
			sub := &lb.Manifest.Service.Subscriptions[i]
			if sub.Contract == nil || int64(sub.Contract.ChainID) != r.n.cfg.Network.ChainID {
				continue
			}
			ok, err := r.owns(ctx, lb.Hash, lb.Issuer, sub.Contract.Address)
			if err != nil {
				return nil, err
			}
			if ok {
				out[sub.Contract.Address] = append(out[sub.Contract.Address], sub)
			}
		}
	}
	return out, nil
}

func (r *relay) owns(ctx context.Context, bundle tokenscript.BundleHash, issuer, contract common.Address) (bool, error) {
	k := ownedKey{bundle, contract}
	r.mu.Lock()
	a, known := r.owned[k]
	r.mu.Unlock()
	if known && r.n.now().Sub(a.at) < ownedTTL {
		return a.ok, nil
	}
	var out []any
	err := bind.NewBoundContract(contract, ownableABI, r.n.eth, nil, nil).Call(&bind.CallOpts{Context: ctx}, &out, "owner")
	var owner common.Address
	var rpcErr rpc.Error
	switch {
	case err == nil && len(out) == 1:
		owner, _ = out[0].(common.Address)
	case err == nil, errors.Is(err, bind.ErrNoCode), strings.HasPrefix(err.Error(), "abi:"),
		errors.As(err, &rpcErr) && rpcErr.ErrorCode() == 3: // execution reverted
		// No contract there, or not Ownable: not relayed.
	default:
		return false, fmt.Errorf("owner() of %s: %w", contract, err) // asked again next round
	}
	ok := issuer != (common.Address{}) && owner == issuer
	if !ok && (!known || a.ok) {
		r.n.log.Warn("contract events not relayed: the bundle's issuer does not own the contract (Ownable owner())",
			"contract", contract, "owner", owner, "issuer", issuer, "bundle", bundle)
	}
	r.mu.Lock()
	r.owned[k] = ownedAnswer{ok: ok, at: r.n.now()}
	r.mu.Unlock()
	return ok, nil
}

// round relays, for each watched contract, the confirmed logs of the next
// range of blocks after the last one relayed, and reports whether more
// confirmed blocks wait.
func (r *relay) round(ctx context.Context) (behind bool, err error) {
	head, err := r.n.eth.BlockNumber(ctx)
	if err != nil {
		return false, fmt.Errorf("chain head: %w", err)
	}
	depth := r.n.cfg.Network.Confirmations
	if head < depth {
		return false, nil
	}
	confirmed := head - depth
	ws, err := r.watches(ctx)
	if err != nil {
		return false, err
	}
	for _, c := range slices.SortedFunc(maps.Keys(ws), func(a, b common.Address) int { return bytes.Compare(a[:], b[:]) }) {
		from := r.cursor(c)
		if from > confirmed {
			continue
		}
		to := min(confirmed, from+relayBlocks-1)
		var logs []types.Log
		for {
			if logs, err = r.read(ctx, c, ws[c], from, to); err != nil {
				return false, err
			}
			if len(logs) <= relayLogs || to == from {
				break
			}
			to = from + (to-from)/2
		}
		if err := r.publish(ctx, ws, logs); err != nil {
			return false, err
		}
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], to+1)
		if err := r.n.store.Put(relayNextKey(c), b[:]); err != nil {
			return false, err
		}
		r.next[c] = to + 1
		behind = behind || to < confirmed
	}
	return behind, nil
}

func (r *relay) read(ctx context.Context, c common.Address, subs []*tokenscript.Subscription, from, to uint64) ([]types.Log, error) {
	var sigs []common.Hash
	for _, sub := range subs {
		if !slices.Contains(sigs, sub.EventTopic) {
			sigs = append(sigs, sub.EventTopic)
		}
	}
	logs, err := r.n.eth.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(to),
		Addresses: []common.Address{c}, Topics: [][]common.Hash{sigs}})
	if err != nil {
		return nil, fmt.Errorf("logs of %s in blocks %d to %d: %w", c, from, to, err)
	}
	return logs, nil
}

// publish relays logs, each once per topic, on this anchor's own streams.
func (r *relay) publish(ctx context.Context, ws map[common.Address][]*tokenscript.Subscription, logs []types.Log) error {
	times := map[uint64]uint64{}
	for _, lg := range logs {
		if lg.Removed {
			continue
		}
		var topics []string
		for _, sub := range ws[lg.Address] {
			t, ok := token.RelayTopic(sub, lg.Topics, lg.Data)
			if ok && attlog.CheckTopic(t) == nil && !slices.Contains(topics, t) {
				topics = append(topics, t)
			}
		}
		if len(topics) == 0 || len(lg.Topics) > attest.MaxLogTopics || len(lg.Data) > attest.MaxLogData {
			r.metric.WithLabelValues("skipped").Inc()
			continue
		}
		bt, ok := times[lg.BlockNumber]
		if !ok {
			h, err := r.n.eth.HeaderByNumber(ctx, new(big.Int).SetUint64(lg.BlockNumber))
			if err != nil {
				return fmt.Errorf("block %d: %w", lg.BlockNumber, err)
			}
			if h.Hash() != lg.BlockHash {
				return fmt.Errorf("block %d changed under its logs (a reorg deeper than network.confirmations)", lg.BlockNumber)
			}
			bt, times[lg.BlockNumber] = h.Time, h.Time
		}
		cl := &attest.ChainLog{ChainID: uint64(r.n.cfg.Network.ChainID), Contract: lg.Address, BlockNumber: lg.BlockNumber, BlockHash: lg.BlockHash,
			BlockTime: bt, Index: uint32(lg.Index), TxHash: lg.TxHash, Topics: lg.Topics, Data: lg.Data}
		for _, t := range topics {
			// One attestation per topic: the log takes an attestation once,
			// on one topic (its replay index), and a log two subscriptions
			// key differently goes on two.
			att, err := attest.SignChainLog(r.n.key.ECDSA, r.n.domain, cl, r.n.now())
			if err != nil {
				return err
			}
			if err := r.n.publishOwn(ctx, r.n.key, t, att); err != nil {
				r.metric.WithLabelValues("failed").Inc()
				return fmt.Errorf("relay block %d log %d on %s: %w", lg.BlockNumber, lg.Index, t, err)
			}
			r.metric.WithLabelValues("relayed").Inc()
		}
	}
	return nil
}

// errNoChain holds contract events back on a node that reads no chain: it
// cannot check them, and refusing them would leave it on another state than
// replicas that can.
var errNoChain = fmt.Errorf("%w: this node reads no chain (network.eth_rpc): contract events cannot be checked", token.ErrUnavailable)

// maxAhead bounds how far past this node's head a relayed log's block may
// be and still be waited for; one further is refused.
const maxAhead = 10_000

// checkedLogs remembers logs found to be the next of their key after a
// position (the instances of one flight check the same event), up to
// maxChecked of them.
type checkedLogs struct {
	mu sync.Mutex
	m  map[checkedKey]bool
}

type checkedKey struct {
	topic      common.Hash // of the log's key (token.RelayTopic)
	after, pos attest.ChainPos
	block      common.Hash
	log        common.Hash // of everything else relayed: a forged copy of a checked log is not it
}

// logHash hashes what a relayed log says beyond its place.
func logHash(l *attest.ChainLog) common.Hash {
	parts := [][]byte{l.Contract[:], l.TxHash[:], binary.BigEndian.AppendUint64(nil, l.BlockTime), binary.BigEndian.AppendUint64(nil, l.ChainID),
		binary.BigEndian.AppendUint32(nil, uint32(len(l.Topics)))}
	for _, t := range l.Topics {
		parts = append(parts, t[:])
	}
	parts = append(parts, crypto.Keccak256(l.Data))
	return crypto.Keccak256Hash(parts...)
}

const maxChecked = 4096

func (c *checkedLogs) has(k checkedKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *checkedLogs) add(k checkedKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxChecked {
		c.m = map[checkedKey]bool{}
	}
	c.m[k] = true
}

// checkChainLog is token.Env.CheckChainLog: the relayed log against this
// node's own reads of the chain.
func (n *Node) checkChainLog(sub *tokenscript.Subscription, after attest.ChainPos, l *attest.ChainLog) error {
	if n.eth == nil {
		return errNoChain
	}
	if int64(l.ChainID) != n.cfg.Network.ChainID {
		return fmt.Errorf("an event of chain %d; this network's chain is %d", l.ChainID, n.cfg.Network.ChainID)
	}
	unavailable := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", token.ErrUnavailable, fmt.Sprintf(format, a...))
	}
	ctx, cancel := context.WithTimeout(n.ctx, 20*time.Second)
	defer cancel()
	head, err := n.eth.BlockNumber(ctx)
	if err != nil {
		return unavailable("chain head: %v", err)
	}
	if l.BlockNumber > head+maxAhead {
		return fmt.Errorf("block %d is more than %d blocks past this node's head %d", l.BlockNumber, maxAhead, head)
	}
	if head < l.BlockNumber+n.cfg.Network.Confirmations {
		return unavailable("block %d is not %d blocks deep on this node's chain yet (head %d)", l.BlockNumber, n.cfg.Network.Confirmations, head)
	}
	topic, ok := token.RelayTopic(sub, l.Topics, l.Data)
	if !ok {
		return fmt.Errorf("not an event of %s", sub.Event)
	}
	ck := checkedKey{topic: crypto.Keccak256Hash([]byte(topic)), after: after, pos: l.Pos(), block: l.BlockHash, log: logHash(l)}
	if n.checked.has(ck) {
		return nil
	}
	h, err := n.eth.HeaderByNumber(ctx, new(big.Int).SetUint64(l.BlockNumber))
	if err != nil {
		return unavailable("block %d: %v", l.BlockNumber, err)
	}
	if h.Hash() != l.BlockHash || h.Time != l.BlockTime {
		return fmt.Errorf("block %d is %s at time %d on this node's chain, not %s at %d", l.BlockNumber, h.Hash(), h.Time, l.BlockHash, l.BlockTime)
	}
	bh := l.BlockHash
	logs, err := n.eth.FilterLogs(ctx, ethereum.FilterQuery{BlockHash: &bh, Addresses: []common.Address{l.Contract}, Topics: [][]common.Hash{{l.Topics[0]}}})
	if err != nil {
		return unavailable("logs of block %d: %v", l.BlockNumber, err)
	}
	found := false
	for _, lg := range logs {
		if uint32(lg.Index) == l.Index {
			found = lg.TxHash == l.TxHash && slices.Equal(lg.Topics, l.Topics) && bytes.Equal(lg.Data, l.Data) && !lg.Removed
			break
		}
	}
	if !found {
		return fmt.Errorf("block %d has no such log of %s at index %d", l.BlockNumber, l.Contract, l.Index)
	}
	switch {
	case after != (attest.ChainPos{}):
		// Each event after a key's first must be the next.
		if err := n.noEventBetween(ctx, sub, topic, after, l); err != nil {
			return err
		}
	case !sub.Transfers && n.cfg.Network.LogRetention.Duration == 0:
		// A key's first event must be the first: none in the maxGapScan
		// blocks before it (from genesis on a younger chain); the log,
		// which keeps everything, brings the earlier one. (With
		// network.log_retention the earlier one may be pruned: the first
		// that arrives starts the key's chain.) A token's first Transfer
		// is its mint, which the core checks.
		from := attest.ChainPos{}
		if l.BlockNumber > maxGapScan {
			from = attest.ChainPos{Block: l.BlockNumber - maxGapScan - 1, Index: ^uint32(0)}
		}
		if err := n.noEventBetween(ctx, sub, topic, from, l); err != nil {
			return err
		}
	}
	n.checked.add(ck)
	return nil
}

// noEventBetween checks that no event of l's key (topic) lies between
// after and l: l is the next one. A gap longer than maxGapScan blocks is
// refused: it cannot be checked.
func (n *Node) noEventBetween(ctx context.Context, sub *tokenscript.Subscription, topic string, after attest.ChainPos, l *attest.ChainLog) error {
	if l.BlockNumber-after.Block > maxGapScan+1 {
		return fmt.Errorf("the event before it at block %d is more than %d blocks back: the events between cannot be checked", after.Block, maxGapScan)
	}
	filter := [][]common.Hash{{l.Topics[0]}}
	if sub.Transfers {
		filter = [][]common.Hash{{l.Topics[0]}, nil, nil, {l.Topics[3]}} // this token's only
	}
	for lo := after.Block; lo <= l.BlockNumber; lo += relayBlocks {
		hi := min(lo+relayBlocks-1, l.BlockNumber)
		logs, err := n.eth.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(lo), ToBlock: new(big.Int).SetUint64(hi),
			Addresses: []common.Address{l.Contract}, Topics: filter})
		if err != nil {
			return fmt.Errorf("%w: logs of blocks %d to %d: %v", token.ErrUnavailable, lo, hi, err)
		}
		for _, lg := range logs {
			p := attest.ChainPos{Block: lg.BlockNumber, Index: uint32(lg.Index)}
			if !after.Before(p) || !p.Before(l.Pos()) || lg.Removed {
				continue
			}
			if k, ok := token.RelayTopic(sub, lg.Topics, lg.Data); ok && k == topic {
				return fmt.Errorf("the event at block %d index %d comes first", p.Block, p.Index)
			}
		}
	}
	return nil
}
