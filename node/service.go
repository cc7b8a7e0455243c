package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// serviceRole keeps token instances and answers their queries.
type serviceRole struct {
	n        *Node
	bundles  *registry.Cache
	grants   *grants
	receipts *receipt.Batcher
	exec     *executor.Executor
	kept     *sampling.Ring // executions anchors sample
	// archive keeps the execution behind every receipt for the network's
	// transcript retention (nil: off).
	archive *sampling.Archive
	// memo answers queries that read nothing of the world again without
	// running them (nil: service.query_memo_bytes 0).
	memo *sandbox.Memo
	// reuse serves such answers again with their receipts for a while
	// (nil: service.receipt_reuse 0, or no receipts).
	reuse    *reuse
	tokens   *tokenQuerier // the modules' ctx.tokens.query
	applier  *applier      // every change to an instance, one shard each
	retrying sync.Map      // instances waiting to step an entry again (retryLater)
	// strangers: how far past an instance's offsets the entries it
	// refused as strangers' go.
	strangers *strangerCursors
	asked     sync.Map // instance -> when the executor was last asked about an entry's answers
	// askedHere: instance -> when a replica's ask about an entry's answers
	// was last looked at here.
	askedHere sync.Map

	mu        sync.RWMutex
	inst      map[wire.InstanceID]*instance
	followers map[string][]wire.InstanceID // topic -> instances following it
	// fullUntil (Unix ms): the node turned an instance down for want of
	// room under service.max_topics, and says it is full until then.
	fullUntil  atomic.Int64
	wasFull    atomic.Bool // turned one down; full until a tenth of the cap is free
	turnedDown prometheus.Counter
	// subMu orders changes to the node's gossip subscriptions: what
	// s.followers says and what the engine follows change together.
	subMu sync.Mutex
}

// instance is one token instance held by this node: the token core's.
type instance = token.Instance

// HistoryItem is one attestation an instance applied (token.HistoryItem).
type HistoryItem = token.HistoryItem

func newServiceRole(n *Node) (*serviceRole, error) {
	s := &serviceRole{n: n, applier: newApplier(), bundles: newBundleCache(n), inst: map[wire.InstanceID]*instance{}, kept: sampling.NewRing(n.cfg.Service.MaxKeptExecutions),
		tokens: newTokenQuerier(n.key, n.records), strangers: newStrangerCursors()}
	n.reg.MustRegister(s.strangers.refused)
	if n.cfg.Service.Receipts != "off" {
		s.receipts = receipt.NewBatcher(receipt.Software{Key: n.key.ECDSA}, n.cfg.Service.Receipts == "single")
		s.receipts.Window = n.cfg.Service.ReceiptWindow.Duration
		n.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "smartlayer_receipts_signed_total", Help: "Execution receipts this node sealed."},
			func() float64 { return float64(s.receipts.Signed.Load()) }))
		n.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "smartlayer_receipt_signatures_total", Help: "Signatures over receipt batches (receipts / signatures = mean batch size)."},
			func() float64 { return float64(s.receipts.Batches.Load()) }))
	}
	n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_kept_executions", Help: "Recent executions kept for sampling and receipt holders (at most service.max_kept_executions)."},
		func() float64 { return float64(s.kept.Len()) }))
	s.turnedDown = prometheus.NewCounter(prometheus.CounterOpts{Name: "smartlayer_instances_turned_down_total", Help: "New instances this node turned down, at its cap on topics followed (service.max_topics)."})
	n.reg.MustRegister(s.turnedDown)
	n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_pending_actions", Help: "Actions triggers started that no result answered yet, over the instances held (at most token.MaxPending each)."},
		func() float64 { return float64(s.pendingCount()) }))
	s.exec = s.newExecutor()
	if err := s.bundles.Load(); err != nil {
		return nil, err
	}
	err := n.store.Each(instancesPrefix(), func(_, v []byte) error {
		var in instance
		if err := json.Unmarshal(v, &in); err != nil {
			return fmt.Errorf("stored instance: %w", err)
		}
		// Stores written before the canonical encoding kept states with
		// HTML escapes; the root is the same, the bytes become canonical.
		in.State = wire.CanonicalOr(in.State)
		s.inst[in.Record.Instance] = &in
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.moveHistory(); err != nil {
		return nil, err
	}
	if len(s.inst) > 0 {
		n.log.Info("restored instances", "count", len(s.inst))
	}
	revs, err := newRevocations(n)
	if err != nil {
		return nil, err
	}
	s.grants = newGrants(n, revs)
	transport.HandleFrom(n.net, transport.ProtoAssign, transport.MaxMessage, n.isAnchorPeer, s.handleAssign)
	transport.HandleFrom(n.net, sampling.ProtoSample, smallRequest, n.isAnchorPeer, s.handleSample)
	transport.HandleFrom(n.net, ProtoHeal, 64<<10, n.isAnchorPeer, s.handleHeal)
	transport.HandleFrom(n.net, ProtoAskAnswers, 4<<10, func(transport.PeerID) bool { return true }, s.handleAskAnswers)
	transport.HandleFrom(n.net, sampling.ProtoTranscript, smallRequest, n.isAnchorPeer, func(_ context.Context, _ transport.PeerID, req *sampling.TranscriptRequest) (*sampling.Kept, error) {
		k, ok := s.findKept(req.Leaf)
		if !ok {
			return nil, api.ErrUnknownReceipt
		}
		return &k, nil
	})
	if r := n.cfg.Network.TranscriptRetention.Duration; r > 0 {
		s.archive = sampling.NewArchive(n.store, r, n.cfg.Service.MaxArchiveBytes, n.log, n.now)
		n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_archive_bytes",
			Help: "About how much the executions archived for the transcript retention take (an earlier run's counted at start; at most service.max_archive_bytes)."},
			func() float64 { return float64(s.archive.Bytes()) }))
	}
	if b := n.cfg.Service.QueryMemoBytes; b > 0 {
		s.memo = sandbox.NewMemo(int(max(b/2048, 16)), int(b))
		n.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "smartlayer_query_memo_hits_total",
			Help: "Queries answered from the query memo (service.query_memo_bytes) without running their script."},
			func() float64 { h, _ := s.memo.Stats(); return float64(h) }))
		n.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "smartlayer_query_memo_misses_total",
			Help: "Queries the query memo could not answer, which ran their script."},
			func() float64 { _, m := s.memo.Stats(); return float64(m) }))
	}
	if s.receipts != nil {
		s.reuse = newReuse(n.cfg.Service.ReceiptReuse.Duration)
	}
	transport.HandleFrom(n.net, protoExec, transport.MaxMessage, n.isAnchorPeer, s.handleExec)
	return s, nil
}

// newExecutor wires the executor to this node: instances as their shards
// left them, this node's stream to publish results on, its receipts, its
// transcript ring and the anchors' route-failure protocol.
func (s *serviceRole) newExecutor() *executor.Executor {
	n := s.n
	var seal func(*sandbox.Transcript, sandbox.Hash, uint64) (*receipt.Receipt, error)
	if s.receipts != nil {
		seal = func(tr *sandbox.Transcript, root sandbox.Hash, fencing uint64) (*receipt.Receipt, error) {
			return sealReceipt(s.receipts, tr, root, fencing)
		}
	}
	return executor.New(executor.Deps{
		Config: executor.Config{
			ActionTimeout: n.cfg.Service.ActionTimeout.Duration, FetchTimeout: n.cfg.Service.FetchTimeout.Duration,
			FetchAttempts: n.cfg.Service.FetchAttempts, EgressPrivate: n.cfg.Service.EgressPrivate,
			ActionVars: n.cfg.Service.ActionVars, OutcomeRetention: n.cfg.Service.OutcomeRetention.Duration,
		},
		Metrics: executor.Metrics{Actions: n.metric.actions, ActionTime: n.metric.actionTime, FetchRetries: n.metric.fetchRetries},
		Self:    n.peerStr, Key: n.key, Domain: n.domain, Store: n.store, Log: n.log, Now: n.now, Spawn: n.spawn,
		Instance: func(id wire.InstanceID) *instance {
			s.mu.RLock()
			defer s.mu.RUnlock()
			return s.inst[id]
		},
		Bundle: s.bundleOf,
		Publish: func(ctx context.Context, topic string, att *attest.Signed) error {
			return n.publishOwn(ctx, n.key, topic, att)
		},
		Settle: s.applier.settle,
		CatchUp: func(topic string) {
			if n.att != nil && n.att.Running() {
				n.att.CatchUp(topic)
			}
		},
		Seal:           seal,
		Keep:           s.keepTranscript,
		Tokens:         s,
		FinalCallError: finalCallError,
		Route: func(ctx context.Context, anchor string, call *executor.RouteCall) (*executor.RouteAnswer, error) {
			return transport.Call[executor.RouteCall, executor.RouteAnswer](ctx, n.net, peerIDOf(anchor), executor.ProtoRoute, call)
		},
		ErrorCode: func(err error) string { _, code := api.ScriptStatus(err); return code },
	})
}

// pendingCount is the pending actions over the instances held.
func (s *serviceRole) pendingCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, in := range s.inst {
		n += len(in.Pending)
	}
	return n
}

func (s *serviceRole) count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.inst)
}

// Instances lists the IDs this node holds.
func (s *serviceRole) ids() []wire.InstanceID {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]wire.InstanceID, 0, len(s.inst))
	for id := range s.inst {
		out = append(out, id)
	}
	return out
}

// handleAssign applies an anchor's records: it takes up instances that name
// this node, and drops the ones that no longer do.
func (s *serviceRole) handleAssign(ctx context.Context, from transport.PeerID, msg *assign) (*assignAck, error) {
	if !s.n.isAnchorPeer(from) {
		return nil, errors.New("only anchors assign instances")
	}
	me := s.n.peerStr
	out := &assignAck{}
	// A record that does not pass is refused alone: it stays unacknowledged
	// and the others of the batch are taken.
	var refused error
	for _, it := range msg.Items {
		rec := it.Record
		if rec == nil {
			continue
		}
		s.mu.RLock()
		cur := s.inst[rec.Instance]
		s.mu.RUnlock()
		if cur != nil && !rec.Newer(cur.Record) {
			out.Applied = append(out.Applied, rec.Instance) // changes nothing
			continue
		}
		if err := s.n.authority.CheckFresh(rec, s.n.now().UnixMilli()); err != nil {
			s.n.metric.input.WithLabelValues("placement-record").Inc()
			s.n.log.Warn("refused a placement record", "instance", rec.Instance, "anchor", shortID(from.String()), "err", err)
			refused = err
			continue
		}
		if !rec.Holds(me) {
			if cur != nil {
				dropped, err := s.dropFor(rec)
				if err != nil {
					return nil, err
				}
				if dropped {
					s.n.log.Debug("assignment drops an instance", "instance", rec.Instance, "fencing", rec.Fencing, "anchor", shortID(from.String()))
				}
			}
			out.Applied = append(out.Applied, rec.Instance)
			continue
		}
		if cur != nil {
			// State, offsets, history and actions stay; the record changes,
			// on the instance's shard, so no apply lands in between.
			held, err := s.updateRecord(rec)
			if err != nil {
				return nil, err
			}
			if held {
				if rec.Executor == me && cur.Record.Executor != me {
					s.n.log.Info("elected executor", "instance", rec.Instance, "fencing", rec.Fencing)
					s.exec.Kick(rec.Instance)
				}
				out.Applied = append(out.Applied, rec.Instance)
				continue
			}
			// Another anchor's assignment dropped it meanwhile: this newer
			// record names this node, so take it up again.
		}
		if it.Registration == nil || it.Registration.Instance != rec.Instance {
			return nil, fmt.Errorf("instance %s: new assignment without its registration", rec.Instance)
		}
		in, err := s.create(ctx, from, rec, it.Registration)
		if err != nil {
			s.n.log.Warn("cannot take instance", "instance", rec.Instance, "err", err)
			continue
		}
		// On the instance's shard, and only if no other assignment made it
		// meanwhile: a second init would overwrite applied state.
		roomy := true
		created, err := s.applier.runFor(rec.Instance, func() (bool, error) {
			s.mu.RLock()
			now := s.inst[rec.Instance]
			s.mu.RUnlock()
			if now != nil {
				return false, nil
			}
			if roomy = s.admit(in); !roomy {
				return false, nil
			}
			return true, s.put(in)
		})
		if err != nil {
			return nil, err
		}
		if !roomy {
			s.turnDown(rec.Instance, from)
			out.Full = append(out.Full, rec.Instance)
			continue
		}
		if !created {
			if _, err := s.updateRecord(rec); err != nil {
				return nil, err
			}
			if rec.Executor == me {
				s.exec.Kick(rec.Instance) // pending actions, if any, are now this node's
			}
			out.Applied = append(out.Applied, rec.Instance)
			continue
		}
		s.followInstance(in)
		if rec.Executor == me {
			s.exec.Kick(rec.Instance)
		}
		out.Applied = append(out.Applied, rec.Instance)
	}
	if msg.Full {
		keep := map[wire.InstanceID]bool{}
		for _, id := range msg.AllIDs {
			keep[id] = true
		}
		sender := s.n.anchors[from]
		for _, id := range s.ids() {
			s.mu.RLock()
			in := s.inst[id]
			s.mu.RUnlock()
			if in != nil && in.Record.Anchor == sender && !keep[id] {
				dropped, err := s.dropPlacedBy(id, sender)
				if err != nil {
					return nil, err
				}
				if dropped {
					s.n.log.Debug("full sync drops an instance", "instance", id, "fencing", in.Record.Fencing, "anchor", shortID(from.String()))
				}
			}
		}
	}
	if refused != nil && len(out.Applied) == 0 {
		return nil, refused
	}
	return out, nil
}

// create verifies a new instance's registration and runs the module's init
// through the token core.
func (s *serviceRole) create(ctx context.Context, from transport.PeerID, rec *placement.Record, reg *Registration) (*instance, error) {
	if reg.Bundle != rec.Bundle {
		return nil, fmt.Errorf("registration bundle %s differs from record bundle %s", reg.Bundle, rec.Bundle)
	}
	h, err := tokenscript.ParseBundleHash(reg.Bundle)
	if err != nil {
		return nil, err
	}
	lb, err := s.bundles.Fetch(ctx, from, h)
	if err != nil {
		return nil, err
	}
	t, err := s.n.verifyRegistration(lb, reg, s.n.now())
	if err != nil {
		return nil, err
	}
	tj, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	rd, err := token.Step(ctx, nil, token.Event{Register: &token.Register{Record: rec, Registration: reg,
		Owner: common.HexToAddress(t.Recipient), Ticket: tj}}, s.envOf(lb))
	return rd.Instance, err
}

// updateRecord gives a held instance a newer record, on its shard, so no
// apply lands in between; held says whether the instance was there.
func (s *serviceRole) updateRecord(rec *placement.Record) (held bool, err error) {
	return s.applier.runFor(rec.Instance, func() (bool, error) { return s.updateRecordNow(rec) })
}

func (s *serviceRole) updateRecordNow(rec *placement.Record) (bool, error) {
	s.mu.RLock()
	cur := s.inst[rec.Instance]
	s.mu.RUnlock()
	if cur == nil {
		return false, nil
	}
	rd, err := token.Step(s.n.ctx, cur, token.Event{Record: rec}, nil)
	if err != nil || rd.Instance == nil {
		return true, err
	}
	return true, s.put(rd.Instance)
}

// putApplied stores an instance with its history item number n (the
// instance's HistoryN counts it already), in one batch; the item past
// token.MaxHistory is deleted. A nil item stores the instance only.
func (s *serviceRole) putApplied(in *instance, item *HistoryItem, n uint64) error {
	id := in.Record.Instance
	enc, err := json.Marshal(in)
	if err != nil {
		return err
	}
	var ij []byte
	if item != nil {
		if ij, err = json.Marshal(item); err != nil {
			return err
		}
	}
	// Not synced: everything here follows from the attestation log, which a
	// restart catches up on from the instance's offsets.
	err = s.n.store.Batch(false, func(b store.Writes) {
		b.Set(instKey(id), enc)
		if item == nil {
			return // a step that only moved an offset (an event relayed twice)
		}
		b.Set(histKey(id, n), ij)
		if n >= token.MaxHistory {
			b.Delete(histKey(id, n-token.MaxHistory))
		}
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.inst[id] = in
	s.mu.Unlock()
	return nil
}

// moveHistory moves history kept inside instance records (stores written
// before history had keys of its own) to its keys.
func (s *serviceRole) moveHistory() error {
	for _, in := range s.inst {
		if len(in.History) == 0 {
			continue
		}
		items := in.History
		in.History = nil
		for i := range items {
			in.HistoryN++
			if err := s.putApplied(in, &items[i], in.HistoryN-1); err != nil {
				return err
			}
		}
	}
	return nil
}

// history reads an instance's last items, oldest first.
// read is a held instance for reading its "state" or "history": public
// when its TokenScript says so, else only with the owner's grant covering
// "read:<what>" (or the owner's own signed call).
func (s *serviceRole) read(id wire.InstanceID, what string, p grant.Presented) (*instance, error) {
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		return nil, errNotHere
	}
	if what == "root" {
		return in, nil // the root says nothing of the state
	}
	if lb, ok := s.bundleOf(in); ok && lb.Manifest.Service.IsPublic(what) {
		return in, nil
	}
	if err := s.grants.check(p, in.Owner, id, "read:"+what, s.n.now()); err != nil {
		return nil, &api.GrantRefused{Err: err}
	}
	return in, nil
}

// watch is read for a stream: the call checked once, and a check of what
// it rested on to run again before each batch (see api.Tokens.Watch).
func (s *serviceRole) watch(id wire.InstanceID, what string, p grant.Presented) (func() error, error) {
	in, err := s.read(id, what, p)
	if err != nil {
		return nil, err
	}
	owner, scope := in.Owner, "read:"+what
	var gr *grant.Grant
	if p.Grant != "" {
		if gr, _, err = s.grants.parsed(p.Grant, s.n.now()); err != nil {
			return nil, &api.GrantRefused{Err: err}
		}
	}
	return func() error {
		s.mu.RLock()
		cur := s.inst[id]
		s.mu.RUnlock()
		switch {
		case cur == nil:
			return errNotHere
		case func() bool { lb, ok := s.bundleOf(cur); return ok && lb.Manifest.Service.IsPublic(what) }():
			return nil
		case gr != nil:
			return gr.Check(cur.Owner, id, scope, s.n.now(), s.grants.revs.Revoked(gr.Signer, gr.UID))
		case cur.Owner != owner && p.Grant == "" && p.Proof != "":
			return fmt.Errorf("the instance's owner is %s now", cur.Owner)
		}
		return nil
	}, nil
}

func (s *serviceRole) history(id wire.InstanceID) ([]HistoryItem, error) {
	out := []HistoryItem{}
	err := s.n.store.Each(histPrefix(id), func(_, v []byte) error {
		var it HistoryItem
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("stored history: %w", err)
		}
		out = append(out, it)
		return nil
	})
	return out, err
}

func (s *serviceRole) put(in *instance) error {
	enc, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if err := s.n.store.Put(instKey(in.Record.Instance), enc); err != nil {
		return err
	}
	s.mu.Lock()
	s.inst[in.Record.Instance] = in
	s.mu.Unlock()
	return nil
}

// drop deletes a held instance, on its shard, so no apply queued before
// puts it back.
// dropFor drops an instance for a record that no longer names this node,
// on the instance's shard, unless the instance holds a record at least as
// new by then: assignments from two anchors are answered concurrently, and
// one that names this node may have landed since this one was read.
func (s *serviceRole) dropFor(rec *placement.Record) (dropped bool, err error) {
	return s.applier.runFor(rec.Instance, func() (bool, error) {
		s.mu.RLock()
		cur := s.inst[rec.Instance]
		s.mu.RUnlock()
		if cur == nil || !rec.Newer(cur.Record) {
			return false, nil
		}
		return true, s.dropNow(rec.Instance)
	})
}

// dropPlacedBy drops an instance (a full sync from anchor leaves it out) if
// its record is still one that anchor placed: another anchor's newer record
// may have landed since the sync was read.
func (s *serviceRole) dropPlacedBy(id wire.InstanceID, anchor common.Address) (dropped bool, err error) {
	return s.applier.runFor(id, func() (bool, error) {
		s.mu.RLock()
		cur := s.inst[id]
		s.mu.RUnlock()
		if cur == nil || cur.Record.Anchor != anchor {
			return false, nil
		}
		return true, s.dropNow(id)
	})
}

func (s *serviceRole) dropNow(id wire.InstanceID) error {
	if err := s.n.store.Delete(instKey(id)); err != nil {
		return err
	}
	// The outcomes of its actions go too: a repeated key now reaches the
	// new executor, and the external API's idempotency answers it.
	if err := s.n.store.DeletePrefix(executor.OutcomePrefix(id)); err != nil {
		return err
	}
	if err := s.n.store.DeletePrefix(histPrefix(id)); err != nil {
		return err
	}
	if err := s.n.store.DeletePrefix(answersInstancePrefix(id)); err != nil {
		return err
	}
	s.asked.Delete(id)
	s.askedHere.Delete(id)
	// Its topics no other held instance follows are left (its owner's
	// revocation topic among them): a node's subscriptions are those of
	// the instances it holds now, not of every instance it ever held (each
	// new epoch moves most of them).
	s.subMu.Lock()
	defer s.subMu.Unlock()
	s.mu.Lock()
	delete(s.inst, id)
	unused := s.unregisterLocked(id)
	s.mu.Unlock()
	if s.n.att != nil {
		for _, t := range unused {
			s.n.att.Unfollow(t)
		}
	}
	return nil
}

// runQuery answers one query on a held instance: the grant checked, the
// module run, the receipt sealed and the transcript kept for sampling.
func (s *serviceRole) runQuery(ctx context.Context, id wire.InstanceID, name string, args json.RawMessage, p grant.Presented) (*api.QueryOutcome, error) {
	if len(args) == 0 {
		args = []byte("{}")
	}
	if !json.Valid(args) {
		return nil, &api.Problem{Status: http.StatusBadRequest, Code: "malformed-json", Detail: "the query arguments must be a JSON value"}
	}
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		return nil, errNotHere
	}
	lb, ok := s.bundleOf(in)
	if !ok {
		return nil, &api.Problem{Status: http.StatusServiceUnavailable, Code: "bundle-missing", Detail: errBundleMissing.Error()}
	}
	if !lb.Module.HasQuery(name) {
		s.n.metric.queries.WithLabelValues("unknown-query").Inc()
		return nil, &api.Problem{Status: http.StatusNotFound, Code: "unknown-query",
			Detail: fmt.Sprintf("token %s has no query %q; it has %v", lb.Manifest.Name, name, lb.Module.Queries())}
	}
	if p := s.dormant(lb); p != nil {
		s.n.metric.queries.WithLabelValues("dormant").Inc()
		return nil, p
	}
	ctx, err := s.inCallChain(ctx, id, p, s.n.metric.queries)
	if err != nil {
		return nil, err
	}
	if s.archive != nil && s.receipts != nil && s.archive.Full() {
		s.n.metric.queries.WithLabelValues("archive-full").Inc()
		return nil, &api.Problem{Status: http.StatusServiceUnavailable, Code: "archive-full",
			Detail: "this node keeps the execution behind every answer for the network's transcript retention and holds service.max_archive_bytes of them; ask another replica"}
	}
	start := time.Now()
	byToken := false
	var caller common.Address // who proved the call, when a grant was checked
	if lb.Manifest.Service.GrantRequired(name) {
		if caller, byToken, err = s.grants.checkCall(p, in.Owner, id, "query:"+name, s.n.now()); err != nil {
			s.n.metric.queries.WithLabelValues("grant-refused").Inc()
			return nil, grantRefused(err)
		}
	}
	// A priced query needs a promise that pays for it, but for a token's
	// call under the grant the owner gave that token (the integration paid
	// for the call that made it, and the owner let that token read).
	if price := lb.Manifest.Service.QueryPriceOf(name); price > 0 && s.n.pay != nil && !byToken {
		if err := s.n.pay.charge(ctx, p.Payment, price, id, "query:"+name, s.callerOf(p, caller)); err != nil {
			s.n.metric.queries.WithLabelValues("payment-refused").Inc()
			return nil, err
		}
		if caller == (common.Address{}) {
			// No grant check took the call's proof: a signed one opens the
			// session the payer's next calls, on credit, are proved under.
			s.grants.learn(p, s.n.now())
		}
	}
	// The state is kept canonical, so its root is the hash of its bytes:
	// the sandbox need not canonicalize it again on every query.
	root := sandbox.Hash(in.Root())
	var rk reuseKey
	if s.reuse != nil {
		rk = s.reuse.key(id, name, in, root, crypto.Keccak256Hash(args), start)
		if out, ok := s.reuse.get(rk); ok {
			s.n.metric.queries.WithLabelValues("ok").Inc()
			s.n.metric.answersReused.Inc()
			return out, nil
		}
	}
	res, err := lb.Module.Run(ctx, sandbox.Call{Kind: sandbox.KindQuery, Name: name, State: in.State, Args: args, StateRoot: &root,
		Env: sandbox.Env{Instance: id.String(), Now: start, Tokens: s}, Memo: s.memo})
	s.n.metric.queryTime.Observe(time.Since(start).Seconds())
	if err != nil {
		status, code := api.ScriptStatus(err)
		s.n.metric.queries.WithLabelValues(code).Inc()
		return nil, &api.Problem{Status: status, Code: code, Detail: err.Error()}
	}
	s.n.metric.queries.WithLabelValues("ok").Inc()
	tr := res.Transcript
	tr.Offsets = in.Offsets // in is a snapshot: its map does not change
	out := &api.QueryOutcome{Output: res.Output, Transcript: tr, State: in.State, Fencing: in.Record.Fencing}
	if s.receipts != nil {
		var err error
		if out.Receipt, err = sealReceipt(s.receipts, tr, tr.Root(), in.Record.Fencing); err != nil {
			s.n.log.Error("cannot seal a receipt", "err", err)
			return nil, &api.Problem{Status: http.StatusInternalServerError, Code: "receipt", Detail: "the node could not sign a receipt; see its log"}
		}
	}
	s.keepTranscript(tr, in.State, out.Receipt)
	if res.Pure && s.reuse != nil && out.Receipt != nil {
		out.ReceiptHeader = api.ReceiptHeader(out.Receipt)
		s.reuse.put(rk, out)
	}
	return out, nil
}

// sealReceipt vouches for an execution: a receipt over its transcript
// (whose root the caller has), script and resulting state, sealed by b.
func sealReceipt(b *receipt.Batcher, tr *sandbox.Transcript, root sandbox.Hash, fencing uint64) (*receipt.Receipt, error) {
	rc := receipt.For(tr.Execution(root), fencing)
	return rc, b.Seal(rc)
}

// Errors of reaching an instance here.
var (
	errNotHere       = executor.ErrNotHere
	errBundleMissing = executor.ErrBundleMissing
)

// bundleOf returns the loaded bundle of an instance.
func (s *serviceRole) bundleOf(in *instance) (*loadedBundle, bool) {
	h, err := tokenscript.ParseBundleHash(in.Record.Bundle)
	if err != nil {
		return nil, false
	}
	return s.bundles.Get(h)
}

// peerIDOf decodes a peer ID string; a malformed one gives "".
func peerIDOf(s string) peer.ID {
	id, _ := peer.Decode(s)
	return id
}

// route is an instance's route from its held record or the network's
// record lookup (nil when the network knows no such instance).
func (s *serviceRole) route(ctx context.Context, id wire.InstanceID) *wire.Route {
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in != nil {
		return s.n.routeOf(in.Record)
	}
	rec, err := s.n.lookupRecord(ctx, id)
	if err != nil || rec == nil {
		return nil
	}
	return s.n.routeOf(rec)
}

// QueryToken lets a module read another token's query (ctx.tokens.query):
// the node routes it as an integration would, through the anchors it knows,
// as the calling token (an instance held here, whose record it shows),
// and takes the answer only with a receipt that binds it.
func (s *serviceRole) QueryToken(ctx context.Context, call sandbox.TokenCall) (*sandbox.TokenAnswer, error) {
	id, err := wire.ParseInstanceID(call.Caller)
	if err != nil {
		return nil, fmt.Errorf("calling instance: %w", err)
	}
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		return nil, errNotHere
	}
	chain := callChainOf(ctx)
	if len(chain) == 0 || chain[len(chain)-1] != id {
		chain = append(slices.Clone(chain), id)
	}
	rec, err := json.Marshal(in.Record)
	if err != nil {
		return nil, err
	}
	anchors, _ := s.n.network()
	var urls []string
	for _, a := range anchors {
		if a.State == wire.StateUp && a.HTTP != "" {
			urls = append(urls, a.HTTP)
		}
	}
	if len(urls) == 0 {
		return nil, errors.New("no anchor is reachable to route the query")
	}
	return s.tokens.query(ctx, urls, caller{instance: id, record: rec, chain: chain}, call)
}

// inCallChain checks a token's call (a query or an action a module's
// ctx.tokens makes): the chain of calls must not come back to id or run
// deeper than wire.MaxCallDepth; the returned context carries it on to
// the module's own calls.
func (s *serviceRole) inCallChain(ctx context.Context, id wire.InstanceID, p grant.Presented, refused *prometheus.CounterVec) (context.Context, error) {
	chain, err := wire.ParseCallChain(p.Caller.Chain)
	if err != nil {
		return nil, &api.Problem{Status: http.StatusBadRequest, Code: "bad-call-chain", Detail: err.Error()}
	}
	if slices.Contains(chain, id) || len(chain) >= wire.MaxCallDepth {
		refused.WithLabelValues("call-loop").Inc()
		return nil, &api.Problem{Status: http.StatusLoopDetected, Code: "call-loop",
			Detail: fmt.Sprintf("inter-token call chain %s -> %s: a cycle or deeper than %d calls", wire.FormatCallChain(chain), id, wire.MaxCallDepth)}
	}
	return withCallChain(ctx, append(chain, id)), nil
}
