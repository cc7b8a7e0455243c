package node

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sort"
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
// pays for it.
const slashStagger = 20 * time.Second

// maxSlashCases bounds the open slashing cases an anchor keeps.
const maxSlashCases = 1024

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
	started map[common.Hash]bool // cases a submitter runs for

	sendMu sync.Mutex // one transaction at a time from this anchor's key
	sender *chain.Sender
}

func newSlasher(n *Node, reg *contracts.Registry, registry common.Address, chainID *big.Int) *slasher {
	s := &slasher{n: n, reg: reg, cid: chainID, book: chain.NewSlashBook(chainID, registry, maxSlashCases),
		started: map[common.Hash]bool{}}
	s.result = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_slash_total",
		Help: "Slashing on chain, by step: signed (this anchor's signature), received (another anchor's, kept), refused (another's, not valid), sent (a slash transaction this anchor sent), failed, done (seen slashed on chain)."}, []string{"step"})
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
// node (sampling.Deps.Convicted).
func (s *slasher) convicted(node common.Address, evidence common.Hash) {
	digest := s.book.Digest(node, evidence)
	sig, err := chain.SignDigest(s.n.key.ECDSA, digest)
	if err != nil {
		s.n.log.Error("cannot sign a slash", "err", err)
		return
	}
	msg := chain.SlashSignature{Node: node, Evidence: evidence, Sig: sig}
	if err := s.add(msg); err != nil {
		// Not an anchor of the chain's set (yet): its signature would not count.
		s.n.log.Warn("this anchor's slash signature does not count", "evidence", evidence, "err", err)
		return
	}
	s.result.WithLabelValues("signed").Inc()
	for p := range s.n.anchors {
		if p == s.n.net.ID() {
			continue
		}
		s.n.spawn(func() {
			ctx, cancel := context.WithTimeout(s.n.ctx, 30*time.Second)
			defer cancel()
			if _, err := transport.Call[chain.SlashSignature, slashAck](ctx, s.n.net, p, ProtoSlash, &msg); err != nil {
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

// add keeps a signature and, when the case is ready, starts its submitter.
func (s *slasher) add(msg chain.SlashSignature) error {
	set := s.n.staked.AnchorSet()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.book.Add(msg, set); err != nil {
		return err
	}
	if _, _, ok := s.book.Ready(msg.Evidence, set); ok && !s.started[msg.Evidence] {
		s.started[msg.Evidence] = true
		wait := slashStagger * time.Duration(slashRank(msg.Evidence, set, s.n.key.Address()))
		s.n.spawn(func() { s.submit(msg.Evidence, wait) })
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

// submit waits its turn, then sends the slash unless the registry has it
// already; it tries three times, each time with the signatures and the
// anchor set as they are then.
func (s *slasher) submit(evidence common.Hash, wait time.Duration) {
	defer func() {
		s.mu.Lock()
		delete(s.started, evidence)
		s.mu.Unlock()
	}()
	for try := 0; try < 3; try++ {
		select {
		case <-s.n.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = slashStagger
		done, err := s.send(evidence)
		if done {
			s.mu.Lock()
			s.book.Close(evidence)
			s.mu.Unlock()
			s.result.WithLabelValues("done").Inc()
			return
		}
		if err != nil {
			s.result.WithLabelValues("failed").Inc()
			s.n.log.Warn("slash not sent", "evidence", evidence, "err", err)
		}
	}
}

// send sends the slash for evidence if the registry has not acted on it
// yet. It reports whether the registry has.
func (s *slasher) send(evidence common.Hash) (bool, error) {
	ctx, cancel := context.WithTimeout(s.n.ctx, 2*time.Minute)
	defer cancel()
	used, err := s.reg.Slashed(&bind.CallOpts{Context: ctx}, evidence)
	if err != nil {
		return false, fmt.Errorf("registry: %w", err)
	}
	if used {
		return true, nil
	}
	s.mu.Lock()
	node, sigs, ok := s.book.Ready(evidence, s.n.staked.AnchorSet())
	s.mu.Unlock()
	if !ok {
		return false, errors.New("the signatures no longer hold two thirds of the anchor set's stake")
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.sender == nil {
		if s.sender, err = chain.NewSender(ctx, s.n.eth, s.n.key.ECDSA, s.cid); err != nil {
			return false, err
		}
	}
	s.result.WithLabelValues("sent").Inc()
	err = s.sender.Send(ctx, s.n.eth, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return s.reg.Slash(o, node, chain.AllStake, evidence, sigs)
	})
	if err != nil {
		// A nonce the chain did not take is counted again from the chain.
		s.sender = nil
		return false, err
	}
	s.n.log.Warn("slashed a service node's stake on chain", "node", node, "evidence", evidence, "signatures", len(sigs))
	return true, nil
}

// slashCases lists the open cases for /v1/network.
func (s *slasher) cases() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.book.Open() {
		out = append(out, e.Hex())
	}
	return out
}
