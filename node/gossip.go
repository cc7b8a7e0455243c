package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/p2p"
)

// ProtoAttlog serves log entries and heads for repair.
const protoAttlog = "/smartlayer/attlog/1.0.0"

type attlogReq struct {
	Topic     string `json:"topic"`
	Publisher string `json:"publisher,omitempty"` // empty: the topic's heads
	From      uint64 `json:"from,omitempty"`
	To        uint64 `json:"to,omitempty"`
	// After pages heads: only streams after this one (topic, publisher).
	After *attlog.StreamID `json:"after,omitempty"`
}

type attlogResp struct {
	Entries []*attlog.Entry     `json:"entries,omitempty"`
	Heads   []attlog.StreamHead `json:"heads,omitempty"`
	// More says heads were cut at maxHeadsPage: ask again after the last.
	More bool `json:"more,omitempty"`
}

// maxHeadsPage bounds one heads answer (about 200 bytes a head), so any
// number of streams can be listed within a frame.
const maxHeadsPage = 1024

const maxRepairBatch = 512

// delivered is an entry applied in order, with its verified attestation.
type delivered struct {
	Entry *attlog.Entry
	Att   *attest.Signed
}

// attEngine is a node's ordered attestation log: gossip in, validation,
// in-order delivery, repair of gaps from anchors and peers.
type attEngine struct {
	n       *Node
	gossip  *p2p.Gossip
	store   attStore
	policy  *attest.Policy
	deliver func(d delivered) // called in order, one entry at a time

	order   sync.Mutex // one offer at a time, so delivery is in order
	seqMu   sync.Mutex // one sequencing at a time
	syncPut bool       // under order: the current offer must be durable
	mu      sync.Mutex
	log     *attlog.Log
	offsets map[string]uint64 // next topic offset (anchors: for streams)
	repairs map[attlog.StreamID]time.Time
	notify  map[string]chan struct{} // closed when a topic gets an entry
}

func newAttEngine(n *Node, deliver func(delivered)) (*attEngine, error) {
	offs, err := attStore{s: n.store}.topicOffsets()
	if err != nil {
		return nil, err
	}
	e := &attEngine{
		n: n, offsets: offs, deliver: deliver,
		repairs: map[attlog.StreamID]time.Time{}, notify: map[string]chan struct{}{},
		policy: n.policy(nil),
	}
	e.store = attStore{s: n.store, sync: &e.syncPut}
	if built, err := e.store.buildReplayIndex(func(en *attlog.Entry) string {
		if s, err := attest.Parse(en.Attestation); err == nil {
			return attKey(s)
		}
		return ""
	}); err != nil {
		return nil, fmt.Errorf("replay index: %w", err)
	} else if built > 0 {
		n.log.Info("indexed stored attestations for replay checks", "entries", built)
	}
	e.log, err = attlog.New(e.store, 4096)
	if err != nil {
		return nil, err
	}
	// Entries that race one attestation into several streams are kept but
	// applied once, so anchors' logs converge by repair (see publish and
	// validateGossip for the refusals clients and peers see).
	e.log.KeepReplays = true
	// Logs are served to the anchors and the admitted service nodes (the
	// only peers that repair from them), not to any peer that connects.
	p2p.HandleFrom(n.host, protoAttlog, 64<<10, n.isMember, e.serve)
	return e, nil
}

func (e *attEngine) start(ctx context.Context) error {
	g, err := p2p.NewGossip(ctx, e.n.host, e.validateGossip, e.n.isAnchorPeer)
	if err != nil {
		return err
	}
	g.Go = e.n.spawn
	e.n.spawn(e.antiEntropy)
	if r := e.n.cfg.Network.LogRetention.Duration; r > 0 {
		e.n.spawn(func() { e.pruneLoop(r) })
	}
	g.Rejected = func(from peer.ID, err error) {
		e.n.log.Debug("gossip message refused", "from", shortID(from.String()), "err", err)
	}
	e.gossip = g
	return nil
}

// decode reads and checks an entry and its attestation, without the log.
func (e *attEngine) decode(data []byte, now time.Time) (*attlog.Entry, *attest.Signed, error) {
	var en attlog.Entry
	if err := json.Unmarshal(data, &en); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", attlog.ErrBadEntry, err)
	}
	if err := en.Verify(); err != nil {
		return nil, nil, err
	}
	s, err := attest.Parse(en.Attestation)
	if err != nil {
		return nil, nil, err
	}
	if err := e.policy.Check(s, attest.Use{}, now); err != nil {
		return nil, nil, err
	}
	if err := checkTopic(en.Topic, s); err != nil {
		return nil, nil, err
	}
	if sc := s.Message.Schema; (sc == attest.FailureSchema.UID || sc == attest.SlashingEvidenceSchema.UID) && !e.n.isAnchorAddress(s.Signer) {
		return nil, nil, fmt.Errorf("%w: %s attestations are signed by anchors, not %s", errNotAnchor, schemaName(sc), s.Signer)
	}
	return &en, s, nil
}

// errPublisherRate refuses an entry over its publisher's rate.
var errPublisherRate = errors.New("publisher over its rate")

// errTooOld refuses a new entry whose attestation is older than the log
// keeps: the replay index has forgotten what old, so it could be a replay.
var errTooOld = errors.New("attestation older than the log's retention")

// fresh checks a new entry (published or gossiped, not repaired) against
// the retention the replay index is kept for, and an action result against
// maxResultAge.
func (e *attEngine) fresh(s *attest.Signed, now time.Time) error {
	if r := e.n.cfg.Network.LogRetention.Duration; r > 0 && time.Unix(int64(s.Message.Time), 0).Before(now.Add(-r)) {
		return fmt.Errorf("%w (%s): it cannot be checked for replay", errTooOld, r)
	}
	return freshResult(s, now)
}

// maxResultAge bounds how old an action result may be when an anchor takes
// it: replicas fence results by their signing time (see applyResult), so
// an executor replaced since cannot publish results dated in its time
// later than this.
const maxResultAge = 5 * time.Minute

// freshResult checks an action result posted to an anchor.
func freshResult(s *attest.Signed, now time.Time) error {
	if s.Message.Schema == attest.ActionResultSchema.UID && time.Unix(int64(s.Message.Time), 0).Before(now.Add(-maxResultAge)) {
		return fmt.Errorf("%w: an action result signed %s ago (at most %s)", errTooOld, now.Sub(time.Unix(int64(s.Message.Time), 0)).Round(time.Second), maxResultAge)
	}
	return nil
}

// checkTopic: the topic's schema is the attestation's, and for the
// network's schemas with a key template the key is the attestation's.
func checkTopic(topic string, s *attest.Signed) error {
	schema, key, _ := strings.Cut(topic, "/")
	if schema != s.Message.Schema.String() {
		return fmt.Errorf("%w: topic schema %s, attestation schema %s", attlog.ErrTopic, schema, s.Message.Schema)
	}
	if ns, ok := attest.NetworkSchemaOf(s.Message.Schema); ok && ns.TopicKey != "" {
		data, err := ns.Schema.Decode(s.Message.Data)
		if err != nil {
			return err
		}
		want := ns.TopicKey
		for f, v := range data {
			want = strings.ReplaceAll(want, "{"+f+"}", fmt.Sprint(v))
		}
		if key != want {
			return fmt.Errorf("%w: attestation belongs on key %q, not %q", attlog.ErrTopic, want, key)
		}
	}
	return nil
}

func schemaName(uid attest.SchemaUID) string {
	ns, _ := attest.NetworkSchemaOf(uid)
	return ns.Name
}

// errNotAnchor refuses a failure or slashing-evidence attestation that no
// anchor signed.
var errNotAnchor = errors.New("not signed by an anchor")

// validateGossip is the GossipSub validator: invalid, replayed or
// wrong-topic entries are rejected (and cost their sender score); entries
// already held are ignored. An accepted message goes to receive with its
// decoded entry and attestation.
func (e *attEngine) validateGossip(_ context.Context, _ peer.ID, data []byte) (any, error) {
	en, s, err := e.decode(data, time.Now())
	if err == nil {
		err = e.fresh(s, time.Now())
	}
	if err != nil {
		e.countRefusal(err)
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	h := e.log.Head(en.ID())
	if en.Seq <= h.Seq {
		return nil, p2p.ErrIgnore
	}
	if e.log.Seen(attKey(s)) {
		// Not forwarded, and no blame: the same attestation can race into
		// two streams through honest anchors. Repair stores the entry
		// later, unapplied, so logs still converge.
		e.countRefusal(attlog.ErrReplayed)
		return nil, p2p.ErrIgnore
	}
	return delivered{en, s}, nil
}

func (e *attEngine) countRefusal(err error) {
	code := "invalid"
	switch {
	case errors.Is(err, attlog.ErrReplayed):
		code = "replayed"
	case errors.Is(err, attlog.ErrTopic):
		code = "wrong-topic"
	case errors.Is(err, attlog.ErrSignature), errors.Is(err, attest.ErrSignerMismatch):
		code = "forged"
	case errors.Is(err, errNotAnchor):
		code = "not-anchor"
	}
	// A counter, not a field under e.mu: validateGossip calls this holding e.mu.
	e.n.metric.refused.WithLabelValues(code).Inc()
}

// offer takes a decoded entry into the log and delivers what became
// deliverable, in order. It returns the gap it found, if any.
func (e *attEngine) offer(en *attlog.Entry, s *attest.Signed) (*attlog.Gap, error) {
	return e.offerSync(en, s, false)
}

// offerSync is offer with the entry synced to disk when durable is set.
func (e *attEngine) offerSync(en *attlog.Entry, s *attest.Signed, durable bool) (*attlog.Gap, error) {
	e.order.Lock()
	defer e.order.Unlock()
	e.syncPut = durable
	defer func() { e.syncPut = false }()
	e.mu.Lock()
	ds, gap, err := e.log.Offer(en, attKey(s))
	var out []delivered
	for _, d := range ds {
		att := s
		if d != en {
			if att, err = attest.Parse(d.Attestation); err != nil {
				break
			}
		}
		off := e.offsets[d.Topic]
		e.offsets[d.Topic] = off + 1
		if ierr := e.store.indexTopic(d, off); ierr != nil {
			err = ierr
			break
		}
		if ch, ok := e.notify[d.Topic]; ok {
			close(ch)
			delete(e.notify, d.Topic)
		}
		out = append(out, delivered{d, att})
	}
	e.mu.Unlock()
	for _, d := range out {
		e.deliver(d)
	}
	return gap, err
}

// receive handles a gossiped message, decoded by validateGossip.
func (e *attEngine) receive(_ []byte, validated any) {
	if drop := e.n.cfg.Faults.DropGossip; drop != nil && drop() {
		return // fault injection: lost on the way; repair must recover it
	}
	v, ok := validated.(delivered)
	if !ok {
		return
	}
	en, s := v.Entry, v.Att
	gap, err := e.offer(en, s)
	if err != nil {
		e.n.log.Debug("entry not taken", "stream", en.ID(), "seq", en.Seq, "err", err)
		return
	}
	if gap != nil {
		e.repairAsync(gap.Stream, gap.From, gap.To)
	}
}

// publish takes an entry from the HTTP edge: on disk here before it is
// gossiped on its topic and the firehose.
//
// From a client (fromClient), the entry counts against its publisher's
// rate; a node's own results, failures and evidence do not.
func (e *attEngine) publish(ctx context.Context, data []byte, fromClient bool) (*attlog.Entry, error) {
	en, s, err := e.decode(data, time.Now())
	if err == nil {
		err = e.fresh(s, time.Now())
	}
	if err != nil {
		return nil, err
	}
	// Counted only once the entry's signature is checked: forged entries
	// naming a publisher cannot use up its rate.
	if fromClient && !e.n.publishers.Allow(en.Publisher.Hex(), time.Now()) {
		return nil, errPublisherRate
	}
	e.mu.Lock()
	h := e.log.Head(en.ID())
	seen := en.Seq > h.Seq && e.log.Seen(attKey(s))
	e.mu.Unlock()
	if seen {
		return nil, fmt.Errorf("%w: %s", attlog.ErrReplayed, attKey(s))
	}
	if en.Seq != h.Seq+1 {
		if en.Seq <= h.Seq {
			if stored, _ := e.store.Get(en.ID(), en.Seq); stored != nil && stored.Hash() == en.Hash() {
				return en, nil // already here: idempotent
			}
			return nil, fmt.Errorf("%w: seq %d is taken; the head is %d", attlog.ErrFork, en.Seq, h.Seq)
		}
		return nil, fmt.Errorf("%w: seq %d leaves a gap; the head is %d (publish seq %d next)", attlog.ErrBadEntry, en.Seq, h.Seq, h.Seq+1)
	}
	if _, err := e.offerSync(en, s, true); err != nil {
		return nil, err
	}
	for _, t := range []string{p2p.GossipPrefix + en.Topic, p2p.Firehose} {
		if err := e.gossip.Publish(ctx, t, data); err != nil {
			e.n.log.Warn("gossip publish failed", "topic", t, "err", err)
		}
	}
	return en, nil
}

// antiEntropy compares the heads of every followed topic with the anchors
// now and then: an entry whose gossip was lost, with none after it to reveal
// the gap, is found this way.
func (e *attEngine) antiEntropy() {
	t := time.NewTicker(max(5*time.Second, 10*e.n.cfg.Network.HeartbeatInterval.Duration))
	defer t.Stop()
	for {
		select {
		case <-e.n.ctx.Done():
			return
		case <-t.C:
		}
		if e.n.cfg.Role == RoleAnchor {
			e.catchUp("") // anchors keep full logs: every stream of every topic
			continue
		}
		for _, topic := range e.gossip.Topics() {
			if t, ok := strings.CutPrefix(topic, p2p.GossipPrefix); ok && t != "all" {
				e.catchUp(t)
			}
		}
	}
}

// follow subscribes to a topic's gossip and catches up on its history.
func (e *attEngine) follow(ctx context.Context, topic string) error {
	name := p2p.GossipPrefix + topic
	if e.gossip.Subscribed(name) {
		return nil
	}
	if err := e.gossip.Subscribe(ctx, name, e.receive); err != nil {
		return err
	}
	e.n.spawn(func() { e.catchUp(topic) })
	return nil
}

// catchUp asks every anchor for the heads of a topic ("" for every topic)
// and repairs the streams this node is behind on.
func (e *attEngine) catchUp(topic string) {
	for _, a := range e.peersToAsk() {
		var after *attlog.StreamID
		for {
			ctx, cancel := context.WithTimeout(e.n.ctx, p2p.StreamTimeout)
			resp, err := p2p.Call[attlogReq, attlogResp](ctx, e.n.host, a, protoAttlog, &attlogReq{Topic: topic, After: after})
			cancel()
			if err != nil {
				break
			}
			for _, h := range resp.Heads {
				id := attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}
				e.mu.Lock()
				mine := e.log.Head(id).Seq
				e.mu.Unlock()
				if mine < h.Seq {
					e.repairFrom(a, id, mine+1, h.Seq)
				}
			}
			if !resp.More || len(resp.Heads) == 0 {
				break
			}
			last := resp.Heads[len(resp.Heads)-1]
			after = &attlog.StreamID{Topic: last.Topic, Publisher: last.Publisher}
		}
	}
}

func (e *attEngine) peersToAsk() []peer.ID {
	var out []peer.ID
	for id := range e.n.anchors {
		if id != e.n.PeerID() {
			out = append(out, id)
		}
	}
	return out
}

// repairAsync fetches a missing range in the background, at most once a
// second per stream.
func (e *attEngine) repairAsync(id attlog.StreamID, from, to uint64) {
	e.mu.Lock()
	if time.Since(e.repairs[id]) < time.Second {
		e.mu.Unlock()
		return
	}
	e.repairs[id] = time.Now()
	e.mu.Unlock()
	e.n.spawn(func() {
		for _, a := range e.peersToAsk() {
			if e.repairFrom(a, id, from, to) {
				return
			}
		}
	})
}

// repairFrom fetches entries from..to of a stream from one peer. It reports
// whether the range is now complete.
func (e *attEngine) repairFrom(a peer.ID, id attlog.StreamID, from, to uint64) bool {
	for from <= to {
		end := min(to, from+maxRepairBatch-1)
		ctx, cancel := context.WithTimeout(e.n.ctx, p2p.StreamTimeout)
		resp, err := p2p.Call[attlogReq, attlogResp](ctx, e.n.host, a, protoAttlog,
			&attlogReq{Topic: id.Topic, Publisher: id.Publisher.Hex(), From: from, To: end})
		cancel()
		if err != nil || len(resp.Entries) == 0 {
			return false
		}
		if first := resp.Entries[0]; first.Seq > from && first.ID() == id {
			// The anchor pruned entries before first (retention): start there.
			e.mu.Lock()
			e.log.Skip(id, first.Seq, first.Prev)
			e.mu.Unlock()
		}
		for _, raw := range resp.Entries {
			data, _ := json.Marshal(raw)
			en, s, err := e.decode(data, time.Now())
			if err != nil || en.ID() != id {
				return false // a peer that serves bad entries is not asked further
			}
			if _, err := e.offer(en, s); err != nil {
				return false
			}
		}
		from = resp.Entries[len(resp.Entries)-1].Seq + 1
	}
	return true
}

// serve answers repair requests from what this node holds.
func (e *attEngine) serve(_ context.Context, _ p2p.PeerID, req *attlogReq) (*attlogResp, error) {
	if req.Topic != "" {
		if err := attlog.CheckTopic(req.Topic); err != nil {
			return nil, err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if req.Publisher == "" {
		heads, more := e.log.HeadsPage(req.Topic, req.After, maxHeadsPage)
		return &attlogResp{Heads: heads, More: more}, nil
	}
	id := attlog.StreamID{Topic: req.Topic, Publisher: commonAddress(req.Publisher)}
	to := min(req.To, req.From+maxRepairBatch-1)
	es, err := e.log.Range(id, req.From, to)
	return &attlogResp{Entries: es}, err
}

// waitTopic returns a channel closed at the topic's next delivery.
func (e *attEngine) waitTopic(topic string) <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch, ok := e.notify[topic]
	if !ok {
		ch = make(chan struct{})
		e.notify[topic] = ch
	}
	return ch
}

// streamRange returns stored entries of a stream from..to, with their
// attestations, for catching an instance up.
func (e *attEngine) streamRange(id attlog.StreamID, from, to uint64) ([]delivered, error) {
	e.mu.Lock()
	es, err := e.log.Range(id, from, to)
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]delivered, 0, len(es))
	for _, en := range es {
		s, err := attest.Parse(en.Attestation)
		if err != nil {
			return nil, err
		}
		out = append(out, delivered{en, s})
	}
	return out, nil
}

// topicHeads returns the heads of a topic's streams.
func (e *attEngine) topicHeads(topic string) []attlog.StreamHead {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []attlog.StreamHead
	for _, h := range e.log.Heads() {
		if h.Topic == topic {
			out = append(out, h)
		}
	}
	return out
}

// Ingest takes one gossip message as if it had arrived from the network:
// validated, ordered, stored and delivered. Benchmarks measure it.
func (n *Node) Ingest(data []byte) error {
	en, s, err := n.att.decode(data, time.Now())
	if err != nil {
		return err
	}
	_, err = n.att.offer(en, s)
	return err
}

// sequence makes the next entry of key's stream on topic for an attestation.
// Sequencing is serialised so two requests never take the same number.
func (e *attEngine) sequence(key *nodekey.Key, topic string, att json.RawMessage) ([]byte, error) {
	e.seqMu.Lock()
	defer e.seqMu.Unlock()
	id := attlog.StreamID{Topic: topic, Publisher: key.Address()}
	e.mu.Lock()
	h := e.log.Head(id)
	e.mu.Unlock()
	en := &attlog.Entry{Topic: topic, Seq: h.Seq + 1, Prev: h.Hash, Attestation: att}
	if err := en.Sign(key.ECDSA); err != nil {
		return nil, err
	}
	return json.Marshal(en)
}

// pruneLoop deletes entries older than the retention, keeping each stream's
// last entry so that late subscribers can start from it.
func (e *attEngine) pruneLoop(retention time.Duration) {
	t := time.NewTicker(max(time.Minute, retention/10))
	defer t.Stop()
	for {
		select {
		case <-e.n.ctx.Done():
			return
		case <-t.C:
		}
		if n, err := e.prune(time.Now().Add(-retention)); err != nil {
			e.n.log.Warn("prune attestation log", "err", err)
		} else if n > 0 {
			e.n.log.Info("pruned attestation log", "entries", n)
		}
	}
}

// prune deletes entries whose attestation is older than cutoff.
func (e *attEngine) prune(cutoff time.Time) (int, error) {
	e.mu.Lock()
	heads := map[attlog.StreamID]uint64{}
	for _, h := range e.log.Heads() {
		heads[attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}] = h.Seq
	}
	e.mu.Unlock()
	var old [][]byte
	err := e.store.s.Each(entriesPrefix(), func(k, v []byte) error {
		var en attlog.Entry
		if json.Unmarshal(v, &en) != nil || heads[en.ID()] == en.Seq {
			return nil
		}
		s, err := attest.Parse(en.Attestation)
		if err == nil && time.Unix(int64(s.Message.Time), 0).Before(cutoff) {
			// The replay index forgets it too: a fresh entry this old is
			// refused (see fresh), so it cannot come back.
			old = append(old, append([]byte(nil), k...), replayKey(attKey(s)))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range old {
		if err := e.store.s.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(old) / 2, nil
}
