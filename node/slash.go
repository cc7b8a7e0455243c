package node

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/transport"
)

// ProtoSlash carries chain.SlashSignature, anchor to anchor: this anchor's
// signature to slash a node on evidence it signed or replayed itself.
const ProtoSlash = transport.ProtocolPrefix + "/slash/1.0.0"

// slashStagger is how long each anchor waits after the one ranked before
// it to send a ready slash to the registry, so that usually one anchor
// pays for it; a failed try waits for every other anchor's turn.
const slashStagger = 20 * time.Second

// slashCheckEvery is how often an anchor waiting its turn asks the
// registry whether another anchor's slash went through.
const slashCheckEvery = 3 * time.Second

// slashSweepEvery is how often an anchor asks the registry about the open
// cases no submitter runs for (not ready here: their other signatures
// never came, or came after this anchor's view of the set changed).
const slashSweepEvery = 15 * time.Second

// slashCasesPerSigner bounds the open cases one anchor's signatures may
// open here; slashCaseTTL is how long a case stays open.
const (
	slashCasesPerSigner = 64
	slashCaseTTL        = time.Hour
)

// slashAck answers a SlashSignature.
type slashAck struct{}

// slasher takes slashing evidence to the registry on an anchor that reads
// the chain: it signs the registry's slash digest for each piece of
// evidence it signed or replayed itself, sends the signature to the other
// anchors, keeps theirs, and once signers hold two thirds of the anchor
// set's stake (as the registry reads it), sends the slash. The registry
// checks every signature again; the stake then falls below the minimum,
// the watcher's next read drops the node, and its instances move.
type slasher struct {
	n      *Node
	reg    *contracts.Registry
	cid    *big.Int
	result *prometheus.CounterVec

	mu      sync.Mutex
	book    *chain.SlashBook
	started map[chain.SlashCase]bool // cases a submitter runs for
}

func newSlasher(n *Node, reg *contracts.Registry, registry common.Address, chainID *big.Int) *slasher {
	s := &slasher{n: n, reg: reg, cid: chainID, book: chain.NewSlashBook(chainID, registry, slashCasesPerSigner),
		started: map[chain.SlashCase]bool{}}
	s.result = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_slash_total",
		Help: "Slashing on chain, by step: signed (this anchor's signature), received (another anchor's, kept), refused (another's, not valid), sent (a slash transaction of this anchor's mined), failed, done (seen slashed on chain), given-up (the registry has nothing to slash), expired."}, []string{"step"})
	return s
}

// listen registers the metric and the protocol (the transport and the
// registry exist by then).
func (s *slasher) listen() {
	s.n.reg.MustRegister(s.result)
	transport.HandleFrom(s.n.net, ProtoSlash, smallRequest, s.n.isAnchorPeer, s.serve)
}

// convicted is sampling's Convicted: nil without a chain.
func (n *Node) convicted() func(common.Address, common.Hash) {
	if n.slash == nil {
		return nil
	}
	return n.slash.convicted
}

// convicted signs and sends this anchor's signature for evidence against
// node (sampling.Deps.Convicted). It is sent even when this anchor cannot
// keep it itself (its own cases full, or not in the set it last read): the
// others judge it against the set they read.
func (s *slasher) convicted(node common.Address, evidence common.Hash) {
	sig, err := chain.SignDigest(s.n.key.ECDSA, s.book.Digest(node, evidence))
	if err != nil {
		s.n.log.Error("cannot sign a slash", "err", err)
		return
	}
	msg := chain.SlashSignature{Node: node, Evidence: evidence, Sig: sig}
	if err := s.add(msg); err != nil {
		s.n.log.Warn("this anchor's slash signature is not kept here", "evidence", evidence, "err", err)
	}
	s.result.WithLabelValues("signed").Inc()
	for p := range s.n.anchors {
		if p == s.n.net.ID() {
			continue
		}
		s.n.spawn(func() {
			ctx, cancel := context.WithTimeout(s.n.ctx, 30*time.Second)
			defer cancel()
			if _, err := transport.CallMax[chain.SlashSignature, slashAck](ctx, s.n.net, p, ProtoSlash, &msg, transport.SmallAnswer); err != nil {
				s.n.log.Debug("slash signature not delivered", "anchor", p, "err", err)
			}
		})
	}
}

// serve takes another anchor's signature.
func (s *slasher) serve(_ context.Context, _ transport.PeerID, msg *chain.SlashSignature) (*slashAck, error) {
	if err := s.add(*msg); err != nil {
		s.result.WithLabelValues("refused").Inc()
		return nil, err
	}
	s.result.WithLabelValues("received").Inc()
	return &slashAck{}, nil
}

// add keeps a signature and, when a new one makes its case ready, starts
// the case's submitter.
func (s *slasher) add(msg chain.SlashSignature) error {
	set := s.n.staked.AnchorSet()
	now := s.n.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	isNew, err := s.book.Add(msg, set, now.UnixMilli())
	if err != nil || !isNew {
		return err
	}
	k := chain.SlashCase{Node: msg.Node, Evidence: msg.Evidence}
	if _, ok := s.book.Ready(k, set); ok && !s.started[k] {
		s.started[k] = true
		rank := slashRank(msg.Evidence, set, s.n.key.Address())
		s.n.spawn(func() { s.submit(k, rank, len(set)) })
	}
	return nil
}

// slashRank is me's place in the order anchors send a slash in: the
// anchors of set by keccak256(evidence, address), so the order differs per
// case and no anchor always pays.
func slashRank(evidence common.Hash, set map[common.Address]*big.Int, me common.Address) int {
	type ranked struct {
		a common.Address
		h common.Hash
	}
	var all []ranked
	for a := range set {
		all = append(all, ranked{a, crypto.Keccak256Hash(evidence[:], a[:])})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].h.Cmp(all[j].h) < 0 })
	for i, r := range all {
		if r.a == me {
			return i
		}
	}
	return len(all)
}

// submit waits its turn (rank staggers), asking the registry meanwhile
// whether another anchor's slash went through, then sends the slash. A
// failed try waits for every other anchor's turn (set anchors) before the
// next, four times as long after three; the case closes when the registry
// settles it, or ends when it expires.
func (s *slasher) submit(k chain.SlashCase, rank, set int) {
	defer func() {
		s.mu.Lock()
		delete(s.started, k)
		s.mu.Unlock()
	}()
	closeCase := func(step string) {
		now := s.n.now().UnixMilli()
		s.mu.Lock()
		s.book.Close(k, now)
		s.mu.Unlock()
		s.result.WithLabelValues(step).Inc()
	}
	turn := s.n.now().Add(slashStagger * time.Duration(rank))
	waited := false
	for tries := 0; ; {
		select {
		case <-s.n.ctx.Done():
			return
		case <-time.After(min(slashCheckEvery, max(turn.Sub(s.n.now()), 0))):
		}
		if !s.open(k) {
			return // expired, or closed by another way
		}
		if step, err := s.settled(k, false); err == nil && step != "" {
			closeCase(step)
			return
		}
		if s.n.now().Before(turn) {
			continue
		}
		if !waited {
			// Another anchor's slash is pending: wait one turn for it to
			// be mined rather than pay for a second. Only once: a pending
			// transaction (a hostile anchor's, say) may never be mined.
			if step, err := s.settled(k, true); err == nil && step != "" {
				waited = true
				turn = s.n.now().Add(slashStagger)
				continue
			}
		}
		tries++
		err := s.send(k)
		switch {
		case err == nil:
			s.result.WithLabelValues("sent").Inc()
			closeCase("done")
			return
		case finalSlashError(err):
			s.n.log.Info("slash given up", "node", k.Node, "evidence", k.Evidence, "err", err)
			closeCase("given-up")
			return
		}
		s.result.WithLabelValues("failed").Inc()
		s.n.log.Warn("slash not sent", "evidence", k.Evidence, "err", err)
		wait := slashStagger * time.Duration(set)
		if tries >= 3 {
			wait *= 4
		}
		turn = s.n.now().Add(wait)
	}
}

// open reports whether a case is still open (not closed nor expired).
func (s *slasher) open(k chain.SlashCase) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.book.IsOpen(k)
}

// expireLocked drops the cases older than slashCaseTTL at now (s.mu held).
func (s *slasher) expireLocked(now time.Time) {
	if gone := s.book.Expire(now.Add(-slashCaseTTL).UnixMilli()); len(gone) > 0 {
		s.result.WithLabelValues("expired").Add(float64(len(gone)))
	}
}

// finalSlashError: the registry will never take this slash (the node has
// nothing left, another slash used the evidence).
func finalSlashError(err error) bool {
	for _, name := range []string{"NothingToSlash", "NotRegistered", "EvidenceUsed"} {
		if strings.Contains(err.Error(), name) {
			return true
		}
	}
	return false
}

// settled asks the registry whether a case needs no slash any more:
// "done" when it acted on the evidence, "given-up" when the node has no
// stake left (another case took it all). With pending, transactions not
// yet mined count too: that is a reason to wait, never to close a case (a
// pending transaction may never be mined).
func (s *slasher) settled(k chain.SlashCase, pending bool) (string, error) {
	ctx, cancel := context.WithTimeout(s.n.ctx, 10*time.Second)
	defer cancel()
	o := &bind.CallOpts{Context: ctx, Pending: pending}
	used, err := s.reg.Slashed(o, k.Evidence)
	if err != nil || used {
		return "done", err
	}
	n, err := s.reg.NodeOf(o, k.Node)
	if err != nil {
		return "", err
	}
	if n.Stake.Sign() == 0 && n.Unbonding.Sign() == 0 {
		return "given-up", nil
	}
	return "", nil
}

// send sends the slash for a case with the signatures of the anchor set as
// the registry has it now (the watcher's confirmed set may lag a signer's
// leaving it).
func (s *slasher) send(k chain.SlashCase) error {
	ctx, cancel := context.WithTimeout(s.n.ctx, 2*time.Minute)
	defer cancel()
	now, err := s.reg.AnchorSet(&bind.CallOpts{Context: ctx})
	if err != nil {
		return fmt.Errorf("registry anchor set: %w", err)
	}
	set := make(map[common.Address]*big.Int, len(now.Set))
	for i, a := range now.Set {
		set[a] = now.Stakes[i]
	}
	s.mu.Lock()
	sigs, ok := s.book.Ready(k, set)
	s.mu.Unlock()
	if !ok {
		return errors.New("the signatures do not hold two thirds of the registry's anchor set's stake now")
	}
	unlock, err := s.n.txLock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	sender, err := chain.NewSender(ctx, s.n.eth, s.n.key.ECDSA, s.cid)
	if err != nil {
		return err
	}
	if err = sender.Send(ctx, s.n.eth, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return s.reg.Slash(o, k.Node, chain.AllStake, k.Evidence, sigs)
	}); err != nil {
		return err
	}
	s.n.log.Warn("slashed a service node's stake on chain", "node", k.Node, "evidence", k.Evidence, "signatures", len(sigs))
	return nil
}

// sweep closes, every slashSweepEvery, the open cases the registry has
// settled that no submitter runs for, and expires old ones, so a case
// whose other signatures never come here does not stay open for the
// whole TTL once the node was slashed on another case.
func (s *slasher) sweep() {
	t := time.NewTicker(slashSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.n.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		s.expireLocked(s.n.now())
		var idle []chain.SlashCase
		for _, k := range s.book.Open() {
			if !s.started[k] {
				idle = append(idle, k)
			}
		}
		s.mu.Unlock()
		for _, k := range idle {
			step, err := s.settled(k, false)
			if err != nil || step == "" {
				continue
			}
			s.mu.Lock()
			mine := !s.started[k] && s.book.IsOpen(k)
			if mine {
				s.book.Close(k, s.n.now().UnixMilli())
			}
			s.mu.Unlock()
			if mine {
				s.result.WithLabelValues(step).Inc()
			}
		}
	}
}

// cases lists the open cases for /v1/network.
func (s *slasher) cases() []chain.SlashCase {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.book.Open()
}
