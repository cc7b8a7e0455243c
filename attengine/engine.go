// Package attengine is a node's ordered attestation log at work: entries
// in from gossip and publishers, decoded and verified, ordered per
// publisher stream by the attlog core, stored in Pebble through package
// store with a durable replay index, Delivered in order to the node's
// role, gossiped on, and repaired from anchors (gaps and anti-entropy). It
// knows nothing of token instances: what to do with a Delivered entry is
// the Deliver function the node gives it.
package attengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/internal/failpoint"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/transport"
)

// ProtoAttlog serves log entries and heads for repair.
const protoAttlog = "/smartlayer/attlog/1.0.0"

// Request asks a node for a stream's entries or a topic's heads (repair).
type Request struct {
	Topic     string `json:"topic"`
	Publisher string `json:"publisher,omitempty"` // empty: the topic's heads
	From      uint64 `json:"from,omitempty"`
	To        uint64 `json:"to,omitempty"`
	// After pages heads: only streams after this one (topic, publisher).
	After *attlog.StreamID `json:"after,omitempty"`
}

// Response answers a Request.
type Response struct {
	Entries []*attlog.Entry     `json:"entries,omitempty"`
	Heads   []attlog.StreamHead `json:"heads,omitempty"`
	// More says heads were cut at MaxHeadsPage: ask again after the last.
	More bool `json:"more,omitempty"`
}

// MaxHeadsPage bounds one heads answer (about 200 bytes a head), so any
// number of streams can be listed within a frame.
const MaxHeadsPage = 1024

const maxRepairBatch = 512

// Delivered is an entry delivered in order, with its verified attestation.
type Delivered struct {
	Entry *attlog.Entry
	Att   *attest.Signed
}

// Engine is a node's ordered attestation log: gossip in, validation,
// in-order delivery, repair of gaps from anchors and peers.
type Engine struct {
	d      Deps
	ctx    context.Context // from Start
	gossip transport.Gossip
	// joined is closed once Start has joined gossip: what publishes before
	// (an executor resuming a restored instance's pending action) waits.
	joined chan struct{}
	store  attStore

	order    sync.Mutex // one offer at a time, so delivery is in order
	followMu sync.Mutex // one Follow at a time, so the topic cap holds
	seqMu    sync.Mutex // one sequencing at a time
	syncPut  bool       // under order: the current offer must be durable
	mu       sync.Mutex
	log      *attlog.Log
	offsets  map[string]uint64 // next topic offset (anchors: for streams)
	repairs  map[attlog.StreamID]time.Time
	notify   map[string]chan struct{} // closed when a topic gets an entry
	// repairing holds a token per repair under way (at most maxRepairs).
	repairing chan struct{}
	own       ownPushed // service nodes: own streams the anchors acknowledged
}

// Deps is what an engine needs of its node, given once: no back-pointer.
type Deps struct {
	Host   transport.Transport // the network: gossip, log repair
	Store  *store.Store
	Log    *slog.Logger
	Policy *attest.Policy // the attestation policy entries are checked against
	// Spawn runs a goroutine the node waits for when it stops.
	Spawn func(func())
	// Deliver is called in order, one entry at a time, under the log's
	// order lock: it should hand the entry on and return.
	Deliver func(Delivered)
	// Anchor: this node keeps the full log (anti-entropy over every topic).
	Anchor bool
	// Retention prunes entries older than this (0: keep all).
	Retention time.Duration
	// AntiEntropyEvery is how often followed topics are compared with the
	// anchors' heads (at least 5 s).
	AntiEntropyEvery time.Duration
	IsAnchorPeer     func(peer.ID) bool
	IsAnchorAddress  func(common.Address) bool
	// IsMember: peers the log is served to (anchors and admitted nodes).
	IsMember func(peer.ID) bool
	// Anchors lists the anchors to repair from.
	Anchors func() []peer.ID
	// PublisherAllowed rate-limits publishers of client posts.
	PublisherAllowed func(publisher string, now time.Time) bool
	// Refused counts an entry refused, by reason.
	Refused func(reason string)
	// MaxTopics caps the topics Follow subscribes to (0: no cap); past it
	// Follow fails with ErrTopicCap.
	MaxTopics int
	// Now is the engine's clock (nil: the wall clock): what freshness,
	// retention, publisher rates and repair pacing are judged by.
	Now func() time.Time
}

// now reads the engine's clock.
func (e *Engine) now() time.Time {
	if e.d.Now != nil {
		return e.d.Now()
	}
	return time.Now()
}

// New opens the engine over the store: topic offsets and the replay index
// read (built once from older stores), the log resumed from its heads, and
// the repair protocol served.
func New(d Deps) (*Engine, error) {
	offs, err := attStore{s: d.Store}.topicOffsets()
	if err != nil {
		return nil, err
	}
	e := &Engine{
		d: d, offsets: offs, joined: make(chan struct{}),
		repairs: map[attlog.StreamID]time.Time{}, repairing: make(chan struct{}, maxRepairs), notify: map[string]chan struct{}{},
		own: ownPushed{acked: map[attlog.StreamID]uint64{}},
	}
	e.store = attStore{s: d.Store, sync: &e.syncPut, next: func(topic string) uint64 {
		off := e.offsets[topic] // under e.mu: Put runs inside log.Offer
		e.offsets[topic] = off + 1
		return off
	}}
	if built, err := e.store.buildReplayIndex(func(en *attlog.Entry) string {
		if s, err := attest.Parse(en.Attestation); err == nil {
			return AttKey(s)
		}
		return ""
	}); err != nil {
		return nil, fmt.Errorf("replay index: %w", err)
	} else if built > 0 {
		d.Log.Info("indexed stored attestations for replay checks", "entries", built)
	}
	if e.store.seen, err = newReplayFilter(d.Store); err != nil {
		return nil, fmt.Errorf("replay index: %w", err)
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
	transport.HandleFrom(d.Host, protoAttlog, 64<<10, d.IsMember, e.Serve)
	if d.Anchor {
		transport.HandleFrom(d.Host, protoHave, 64<<10, d.IsMember, e.serveHave)
	}
	return e, nil
}

// Start joins gossip and starts anti-entropy and pruning, until ctx ends.
func (e *Engine) Start(ctx context.Context) error {
	e.ctx = ctx
	g, err := e.d.Host.Gossip(ctx, transport.GossipOptions{
		Validate: e.ValidateGossip, Trusted: e.d.IsAnchorPeer, Member: e.d.IsMember, Spawn: e.d.Spawn,
		Rejected: func(from peer.ID, err error) {
			e.d.Log.Debug("gossip message refused", "from", from.ShortString(), "err", err)
		},
	})
	if err != nil {
		return err
	}
	e.mu.Lock() // read early by Unfollow, Following, FollowedTopics, Running
	e.gossip = g
	e.mu.Unlock()
	close(e.joined)
	e.d.Spawn(e.antiEntropy) // after the gossip is set: it reads it
	if r := e.d.Retention; r > 0 {
		e.d.Spawn(func() { e.pruneLoop(r) })
	}
	if e.d.Anchor { // anchors keep every topic: the firehose carries them all
		if err := g.Subscribe(ctx, transport.Firehose, e.Receive); err != nil {
			return fmt.Errorf("firehose: %w", err)
		}
	}
	return nil
}

// decode reads and checks an entry and its attestation, without the log.
func (e *Engine) Decode(data []byte, now time.Time) (*attlog.Entry, *attest.Signed, error) {
	var en attlog.Entry
	if err := json.Unmarshal(data, &en); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", attlog.ErrBadEntry, err)
	}
	if err := en.Verify(); err != nil {
		return nil, nil, err
	}
	en.SetRaw(data)
	s, err := attest.Parse(en.Attestation)
	if err != nil {
		return nil, nil, err
	}
	if err := e.d.Policy.Check(s, attest.Use{}, now); err != nil {
		return nil, nil, err
	}
	if err := checkTopic(en.Topic, s); err != nil {
		return nil, nil, err
	}
	if sc := s.Message.Schema; (sc == attest.FailureSchema.UID || sc == attest.SlashingEvidenceSchema.UID || sc == attest.ChainLogSchema.UID) && !e.d.IsAnchorAddress(s.Signer) {
		return nil, nil, fmt.Errorf("%w: %s attestations are signed by anchors, not %s", ErrNotAnchor, schemaName(sc), s.Signer)
	}
	return &en, s, nil
}

// ErrPublisherRate refuses an entry over its publisher's rate.
var ErrPublisherRate = errors.New("publisher over its rate")

// ErrTooOld refuses a new entry whose attestation is older than the log
// keeps: the replay index has forgotten what old, so it could be a replay.
var ErrTooOld = errors.New("attestation older than the log's retention")

// fresh checks a new entry (published or gossiped, not repaired) against
// the retention the replay index is kept for, and an action result against
// maxResultAge.
func (e *Engine) fresh(s *attest.Signed, now time.Time) error {
	if r := e.d.Retention; r > 0 && time.Unix(int64(s.Message.Time), 0).Before(now.Add(-r)) {
		return fmt.Errorf("%w (%s): it cannot be checked for replay", ErrTooOld, r)
	}
	return FreshResult(s, now)
}

// maxResultAge bounds how old an action result may be when an anchor takes
// it: replicas fence results by their signing time (see applyResult), so
// an executor replaced since cannot publish results dated in its time
// later than this.
const maxResultAge = 5 * time.Minute

// FreshResult checks an action result posted to an anchor.
func FreshResult(s *attest.Signed, now time.Time) error {
	if s.Message.Schema == attest.ActionResultSchema.UID && time.Unix(int64(s.Message.Time), 0).Before(now.Add(-maxResultAge)) {
		return fmt.Errorf("%w: an action result signed %s ago (at most %s)", ErrTooOld, now.Sub(time.Unix(int64(s.Message.Time), 0)).Round(time.Second), maxResultAge)
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

// ErrNotAnchor refuses a failure, slashing-evidence or chain-log
// attestation that no anchor signed.
var ErrNotAnchor = errors.New("not signed by an anchor")

// validateGossip is the GossipSub validator: invalid, replayed or
// wrong-topic entries are rejected (and cost their sender score); entries
// already held are ignored. An accepted message goes to receive with its
// decoded entry and attestation.
func (e *Engine) ValidateGossip(_ context.Context, _ peer.ID, data []byte) (any, error) {
	en, s, err := e.Decode(data, e.now())
	if err == nil {
		err = e.fresh(s, e.now())
	}
	if err != nil {
		e.countRefusal(err)
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	h := e.log.Head(en.ID())
	if en.Seq <= h.Seq {
		return nil, transport.ErrIgnore
	}
	if e.log.Seen(AttKey(s)) {
		// Not forwarded, and no blame: the same attestation can race into
		// two streams through honest anchors. Repair stores the entry
		// later, unapplied, so logs still converge.
		e.countRefusal(attlog.ErrReplayed)
		return nil, transport.ErrIgnore
	}
	return Delivered{en, s}, nil
}

func (e *Engine) countRefusal(err error) {
	code := "invalid"
	switch {
	case errors.Is(err, attlog.ErrReplayed):
		code = "replayed"
	case errors.Is(err, attlog.ErrTopic):
		code = "wrong-topic"
	case errors.Is(err, attlog.ErrSignature), errors.Is(err, attest.ErrSignerMismatch):
		code = "forged"
	case errors.Is(err, ErrNotAnchor):
		code = "not-anchor"
	}
	// A counter, not a field under e.mu: validateGossip calls this holding e.mu.
	if e.d.Refused != nil {
		e.d.Refused(code)
	}
}

// offer takes a decoded entry into the log and delivers what became
// deliverable, in order. It returns the gap it found, if any.
func (e *Engine) Offer(en *attlog.Entry, s *attest.Signed) (*attlog.Gap, error) {
	return e.OfferSync(en, s, false)
}

// offerSync is offer with the entry synced to disk when durable is set.
func (e *Engine) OfferSync(en *attlog.Entry, s *attest.Signed, durable bool) (*attlog.Gap, error) {
	e.order.Lock()
	defer e.order.Unlock()
	e.syncPut = durable
	defer func() { e.syncPut = false }()
	e.mu.Lock()
	ds, gap, err := e.log.Offer(en, AttKey(s))
	var out []Delivered
	for _, d := range ds {
		att := s
		if d != en {
			if att, err = attest.Parse(d.Attestation); err != nil {
				break
			}
		}
		if ch, ok := e.notify[d.Topic]; ok {
			close(ch)
			delete(e.notify, d.Topic)
		}
		out = append(out, Delivered{d, att})
	}
	e.mu.Unlock()
	for _, d := range out {
		failpoint.Hit(failpoint.CrashBeforeApply, d.Entry.Topic)
		e.d.Deliver(d)
	}
	return gap, err
}

// receive handles a gossiped message, decoded by validateGossip.
func (e *Engine) Receive(data []byte, validated any) {
	v, ok := validated.(Delivered)
	if !ok {
		return
	}
	en, s := v.Entry, v.Att
	gap, err := e.Offer(en, s)
	if err != nil {
		e.d.Log.Debug("entry not taken", "stream", en.ID(), "seq", en.Seq, "err", err)
		return
	}
	if e.d.Anchor {
		// Anchors hear every entry on the firehose and relay it on its own
		// topic: service nodes connect to anchors, not to each other, so an
		// executor's result reaches its fellow replicas this way (the
		// message is known by its content, so the relays of several anchors
		// and the publisher's own are one message to a receiver).
		if err := e.gossip.Publish(e.ctx, transport.GossipPrefix+en.Topic, data); err != nil {
			e.d.Log.Debug("relay failed", "topic", en.Topic, "err", err)
		}
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
func (e *Engine) Publish(ctx context.Context, data []byte, fromClient bool) (*attlog.Entry, error) {
	en, s, err := e.Decode(data, e.now())
	if err == nil {
		err = e.fresh(s, e.now())
	}
	if err != nil {
		return nil, err
	}
	// Counted only once the entry's signature is checked: forged entries
	// naming a publisher cannot use up its rate.
	if fromClient && !e.d.PublisherAllowed(en.Publisher.Hex(), e.now()) {
		return nil, ErrPublisherRate
	}
	e.mu.Lock()
	h := e.log.Head(en.ID())
	seen := en.Seq > h.Seq && e.log.Seen(AttKey(s))
	e.mu.Unlock()
	if seen {
		return nil, fmt.Errorf("%w: %s", attlog.ErrReplayed, AttKey(s))
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
	if _, err := e.OfferSync(en, s, true); err != nil {
		return nil, err
	}
	// A node publishing before it has joined gossip (an executor resuming
	// a restored instance's pending action as the node starts) waits for
	// it to gossip the entry, which is on disk already; if ctx ends first,
	// the entry goes out by repair.
	select {
	case <-e.joined:
	case <-ctx.Done():
		return en, nil
	}
	for _, t := range []string{transport.GossipPrefix + en.Topic, transport.Firehose} {
		if err := e.gossip.Publish(ctx, t, data); err != nil {
			e.d.Log.Warn("gossip publish failed", "topic", t, "err", err)
		}
	}
	return en, nil
}

// antiEntropy compares the heads of every followed topic with the anchors
// now and then: an entry whose gossip was lost, with none after it to reveal
// the gap, is found this way. A service node also tells the anchors how far
// its own streams go (pushOwn).
func (e *Engine) antiEntropy() {
	t := time.NewTicker(max(5*time.Second, e.d.AntiEntropyEvery))
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
		if e.d.Anchor {
			e.CatchUp("") // anchors keep full logs: every stream of every topic
			continue
		}
		for _, topic := range e.gossip.Topics() {
			if t, ok := strings.CutPrefix(topic, transport.GossipPrefix); ok && t != "all" {
				e.CatchUp(t)
			}
		}
		e.pushOwn() // and what only this node may hold: its own streams
	}
}

// ErrTopicCap is Follow's refusal past Deps.MaxTopics.
var ErrTopicCap = errors.New("at the cap on topics followed")

// Follow subscribes to a topic's gossip and catches up on its history;
// past Deps.MaxTopics it fails with ErrTopicCap.
func (e *Engine) Follow(ctx context.Context, topic string) error { return e.follow(ctx, topic, true) }

// FollowRequired is Follow past the cap: for a topic the node cannot do
// without (a held token's owner's revocations), whose number its caller
// bounds.
func (e *Engine) FollowRequired(ctx context.Context, topic string) error {
	return e.follow(ctx, topic, false)
}

func (e *Engine) follow(ctx context.Context, topic string, capped bool) error {
	name := transport.GossipPrefix + topic
	e.followMu.Lock()
	defer e.followMu.Unlock()
	if e.gossip.Subscribed(name) {
		return nil
	}
	if capped && e.d.MaxTopics > 0 && len(e.gossip.Topics()) >= e.d.MaxTopics {
		return fmt.Errorf("topic %s: %w (%d)", topic, ErrTopicCap, e.d.MaxTopics)
	}
	if err := e.gossip.Subscribe(ctx, name, e.Receive); err != nil {
		return err
	}
	e.d.Spawn(func() { e.CatchUp(topic) })
	return nil
}

// Following reports whether the node receives a topic's gossip.
func (e *Engine) Following(topic string) bool {
	g := e.started()
	return g != nil && g.Subscribed(transport.GossipPrefix+topic)
}

// started is the engine's gossip once Start has joined it, else nil (an
// assignment or a metric may ask before that, from another goroutine).
func (e *Engine) started() transport.Gossip {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gossip
}

// FollowedTopics counts the gossip topics the node receives.
func (e *Engine) FollowedTopics() int {
	g := e.started()
	if g == nil {
		return 0
	}
	return len(g.Topics())
}

// Unfollow stops receiving a topic's gossip (the last instance that
// followed it left this node). Its entries stay in the store until
// retention prunes them; Follow catches up again.
// Before the engine's gossip has started (an assignment can drop an
// instance that early) nothing is subscribed: nothing to leave.
func (e *Engine) Unfollow(topic string) {
	if g := e.started(); g != nil {
		g.Unsubscribe(transport.GossipPrefix + topic)
	}
}

// catchUp asks every anchor for the heads of a topic ("" for every topic)
// and repairs the streams this node is behind on.
func (e *Engine) CatchUp(topic string) {
	for _, a := range e.peersToAsk() {
		var after *attlog.StreamID
		for {
			ctx, cancel := context.WithTimeout(e.ctx, transport.StreamTimeout)
			resp, err := transport.Call[Request, Response](ctx, e.d.Host, a, protoAttlog, &Request{Topic: topic, After: after})
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

func (e *Engine) peersToAsk() []peer.ID {
	var out []peer.ID
	for _, id := range e.d.Anchors() {
		if id != e.d.Host.ID() {
			out = append(out, id)
		}
	}
	return out
}

// repairAsync fetches a missing range in the background, at most once a
// second per stream.
func (e *Engine) repairAsync(id attlog.StreamID, from, to uint64) {
	if !e.repairDue(id) {
		return
	}
	select {
	case e.repairing <- struct{}{}:
	default:
		return // maxRepairs under way: anti-entropy finds the gap later
	}
	e.d.Spawn(func() {
		defer func() { <-e.repairing }()
		for _, a := range e.peersToAsk() {
			if e.repairFrom(a, id, from, to) {
				return
			}
		}
	})
}

// repairDue reports whether a stream may be repaired now (at most once a
// second), and counts this one.
func (e *Engine) repairDue(id attlog.StreamID) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if now.Sub(e.repairs[id]) < time.Second {
		return false
	}
	if len(e.repairs) >= maxRepairsKept {
		for k, at := range e.repairs {
			if now.Sub(at) >= time.Second {
				delete(e.repairs, k)
			}
		}
	}
	e.repairs[id] = now
	return true
}

// Bounds of repair: streams remembered as repaired in the last second, and
// repairs under way at once.
const (
	maxRepairsKept = 10_000
	maxRepairs     = 64
)

// repairFrom fetches entries from..to of a stream from one peer. It reports
// whether the range is now complete.
func (e *Engine) repairFrom(a peer.ID, id attlog.StreamID, from, to uint64) bool {
	for from <= to {
		end := min(to, from+maxRepairBatch-1)
		ctx, cancel := context.WithTimeout(e.ctx, transport.StreamTimeout)
		resp, err := transport.Call[Request, Response](ctx, e.d.Host, a, protoAttlog,
			&Request{Topic: id.Topic, Publisher: id.Publisher.Hex(), From: from, To: end})
		cancel()
		if err != nil || len(resp.Entries) == 0 {
			return false
		}
		if slices.Contains(resp.Entries, nil) {
			return false // a null entry: nothing of the answer is taken
		}
		if first := resp.Entries[0]; first.Seq > from && first.ID() == id {
			// The anchor pruned entries before first (retention): start there.
			e.mu.Lock()
			e.log.Skip(id, first.Seq, first.Prev)
			e.mu.Unlock()
		}
		for _, raw := range resp.Entries {
			data, _ := json.Marshal(raw)
			en, s, err := e.Decode(data, e.now())
			if err != nil || en.ID() != id {
				return false // a peer that serves bad entries is not asked further
			}
			if _, err := e.Offer(en, s); err != nil {
				return false
			}
		}
		from = resp.Entries[len(resp.Entries)-1].Seq + 1
	}
	return true
}

// serve answers repair requests from what this node holds.
func (e *Engine) Serve(_ context.Context, _ transport.PeerID, req *Request) (*Response, error) {
	if req.Topic != "" {
		if err := attlog.CheckTopic(req.Topic); err != nil {
			return nil, err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if req.Publisher == "" {
		heads, more := e.log.HeadsPage(req.Topic, req.After, MaxHeadsPage)
		return &Response{Heads: heads, More: more}, nil
	}
	id := attlog.StreamID{Topic: req.Topic, Publisher: commonAddress(req.Publisher)}
	to := min(req.To, req.From+maxRepairBatch-1)
	es, err := e.log.Range(id, req.From, to)
	return &Response{Entries: es}, err
}

// maxNotify bounds the topics waited on (WaitTopic).
const maxNotify = 4096

// WaitTopic returns a channel closed at the topic's next delivery, or
// earlier: a waiter reads the topic again and waits anew. Past maxNotify
// topics waited on (streams of topics that get no entry, opened and
// dropped: found in review, each one was kept for good) every waiter is
// woken and the map starts again.
func (e *Engine) WaitTopic(topic string) <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch, ok := e.notify[topic]
	if !ok {
		if len(e.notify) >= maxNotify {
			for t, c := range e.notify {
				close(c)
				delete(e.notify, t)
			}
		}
		ch = make(chan struct{})
		e.notify[topic] = ch
	}
	return ch
}

// streamRange returns stored entries of a stream from..to, with their
// attestations, for catching an instance up.
func (e *Engine) StreamRange(id attlog.StreamID, from, to uint64) ([]Delivered, error) {
	e.mu.Lock()
	es, err := e.log.Range(id, from, to)
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]Delivered, 0, len(es))
	for _, en := range es {
		s, err := attest.Parse(en.Attestation)
		if err != nil {
			return nil, err
		}
		// An entry whose attestation another stream held first was stored
		// but never delivered (a racing replay): it is not handed out here
		// either, so it is applied once, where it came first.
		if holder, ok, err := e.store.Holder(AttKey(s)); err != nil {
			return nil, err
		} else if ok && holder != id {
			continue
		}
		out = append(out, Delivered{en, s})
	}
	return out, nil
}

// topicHeads returns the heads of a topic's streams.
func (e *Engine) TopicHeads(topic string) []attlog.StreamHead {
	e.mu.Lock()
	defer e.mu.Unlock()
	out, _ := e.log.HeadsPage(topic, nil, math.MaxInt)
	return out
}

// Ingest takes one gossip message as if it had arrived from the network:
// validated, ordered, stored and delivered. Benchmarks measure it.
func (e *Engine) Ingest(data []byte) error {
	en, s, err := e.Decode(data, e.now())
	if err != nil {
		return err
	}
	_, err = e.Offer(en, s)
	return err
}

// sequence makes the next entry of key's stream on topic for an attestation.
// Sequencing is serialised so two requests never take the same number.
func (e *Engine) Sequence(key *nodekey.Key, topic string, att json.RawMessage) ([]byte, error) {
	e.seqMu.Lock()
	defer e.seqMu.Unlock()
	id := attlog.StreamID{Topic: topic, Publisher: key.Address()}
	e.mu.Lock()
	h := e.log.Head(id)
	e.mu.Unlock()
	canon, err := json.Marshal(att) // the form the entry carries it in
	if err != nil {
		return nil, err
	}
	en := &attlog.Entry{Topic: topic, Seq: h.Seq + 1, Prev: h.Hash, Attestation: canon}
	if err := en.Sign(key.ECDSA); err != nil {
		return nil, err
	}
	return json.Marshal(en)
}

// pruneLoop deletes entries older than the retention, keeping each stream's
// last entry so that late subscribers can start from it.
func (e *Engine) pruneLoop(retention time.Duration) {
	t := time.NewTicker(max(time.Minute, retention/10))
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
		if n, err := e.Prune(e.now().Add(-retention)); err != nil {
			e.d.Log.Warn("prune attestation log", "err", err)
		} else if n > 0 {
			e.d.Log.Info("pruned attestation log", "entries", n)
		}
	}
}

// prune deletes entries whose attestation is older than cutoff.
func (e *Engine) Prune(cutoff time.Time) (int, error) {
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
			old = append(old, append([]byte(nil), k...), replayKey(AttKey(s)))
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

// ReplayFilter reports the in-memory filter of the replay index: the keys
// in it and the count past which it is rebuilt from the store.
func (e *Engine) ReplayFilter() (keys, size uint) {
	if e.store.seen == nil {
		return 0, 0
	}
	return e.store.seen.Stats()
}

// Running reports whether Start joined gossip.
func (e *Engine) Running() bool { return e.started() != nil }

// TopicEntries returns a topic's entries in this node's delivery order from
// offset from, at most max, with their offsets.
func (e *Engine) TopicEntries(topic string, from uint64, max int) ([]*attlog.Entry, []uint64, error) {
	return e.store.topicEntries(topic, from, max)
}

// TopicHeadsPage returns at most limit heads of a topic's streams after
// the stream after (nil: from the first), and whether more follow.
func (e *Engine) TopicHeadsPage(topic string, after *attlog.StreamID, limit int) ([]attlog.StreamHead, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.log.HeadsPage(topic, after, limit)
}

// Head returns a stream's head.
func (e *Engine) Head(id attlog.StreamID) attlog.Head {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.log.Head(id)
}

// Range returns a stream's stored entries from..to.
func (e *Engine) Range(id attlog.StreamID, from, to uint64) ([]*attlog.Entry, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.log.Range(id, from, to)
}
