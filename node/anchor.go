package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/dashboard"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/governance"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/slo"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// maxAssignItems caps one assignment batch.
const maxAssignItems = 500

// anchorRole keeps the token registry, places instances on service nodes and
// answers route lookups.
type anchorRole struct {
	n       *Node
	bundles *registry.Cache
	kick    chan struct{}

	mu      sync.Mutex
	regs    map[wire.InstanceID]*Registration
	records map[wire.InstanceID]*placement.Record
	acked   map[wire.InstanceID]map[string]uint64 // peer -> fencing it stored
	drops   map[string]map[wire.InstanceID]*placement.Record
	// refused: service nodes that turned an instance down, full, under
	// its current record (cleared when a new record is stored).
	refused  map[wire.InstanceID]map[string]bool
	fullSync map[string]bool
	sending  map[string]bool
	placedAt uint64 // membership version of the last rebalance
	dirty    bool
	// planned: the candidates and weights of the last plan, so the next
	// one can re-plan only what a removal or a join changes.
	planned      map[string]float64
	plannedBasis string // the mode, seed and epoch of the last plan
	votes        *governance.Tally
	verify       *sampling.Verifier // sampling and service levels
	probe        *prober            // measured service levels
	// classes: the service levels the last plan's instances ask for, by
	// key; moveStart and movesLeft: the window of network.max_moves.
	classes   map[string]slo.Target
	moveStart time.Time
	movesLeft int
	deferred  bool // the last plan held moves back
	// levels: the sampling level each node's weight was last planned with.
	levels map[string]float64
	router *executor.Router // failure routing for executors
	// newBundles: new bundles one client address may publish
	newBundles *httpapi.RateLimiter
	// down: every anchor's newest down vote on each silent anchor;
	// votedAt: when this anchor last voted each one down; downBasis: the
	// anchors certified down at the last plan.
	down      downVotes
	votedAt   map[string]time.Time
	downBasis string
	loopStart time.Time // anchors never heard from are silent from here
	// aeCursor: the last instance anti-entropy checked (its loop's own);
	// nondet: token modules found not deterministic, by bundle.
	aeCursor wire.InstanceID
	aeDone   map[string]time.Time // instance+replica+position found persisting, when
	// resync: anchors a replication did not reach (down, paused, cut off),
	// sent all this anchor's records until one sync succeeds; syncing: a
	// sync in flight to that anchor.
	resync   map[string]bool
	syncing  map[string]bool
	lastSync map[string]time.Time // when retrySyncs last tried each
	nondet   map[string]Nondeterministic
	// feed: what the dashboard shows as it happens (GET /v1/events).
	feed *dashboard.Feed
}

func newAnchorRole(n *Node) (*anchorRole, error) {
	a := &anchorRole{
		n: n, bundles: newBundleCache(n), kick: make(chan struct{}, 1), feed: dashboard.NewFeed(),
		regs:       map[wire.InstanceID]*Registration{},
		records:    map[wire.InstanceID]*placement.Record{},
		acked:      map[wire.InstanceID]map[string]uint64{},
		drops:      map[string]map[wire.InstanceID]*placement.Record{},
		refused:    map[wire.InstanceID]map[string]bool{},
		fullSync:   map[string]bool{},
		sending:    map[string]bool{},
		dirty:      true,
		votes:      governance.New(),
		down:       downVotes{},
		votedAt:    map[string]time.Time{},
		nondet:     map[string]Nondeterministic{},
		aeDone:     map[string]time.Time{},
		resync:     map[string]bool{},
		syncing:    map[string]bool{},
		lastSync:   map[string]time.Time{},
		newBundles: httpapi.NewRateLimiter(float64(n.cfg.HTTP.BundlesPerHour)/3600, n.cfg.HTTP.BundlesPerHour, 100_000),
	}
	a.probe = newProber(n)
	n.reg.MustRegister(a.probe)
	var err error
	if a.verify, err = a.newVerifier(); err != nil {
		return nil, err
	}
	if err := a.bundles.Load(); err != nil {
		return nil, err
	}
	if err := a.load(); err != nil {
		return nil, err
	}
	if err := a.loadVotes(); err != nil {
		return nil, err
	}
	transport.HandleMax(n.net, transport.ProtoBundle, smallRequest, a.bundles.Serve)
	transport.HandleFrom(n.net, transport.ProtoReplicate, transport.MaxMessage, n.isAnchorPeer, a.handleReplicate)
	a.router = executor.NewRouter(executor.RouterDeps{
		Private: n.cfg.Network.RoutePrivate, Attempts: n.cfg.Network.RouteAttempts, Timeout: n.cfg.Network.RouteTimeout.Duration,
		Key: n.key, Domain: n.domain, Log: n.log, Now: n.now, CheckRecord: n.authority.Check,
		Record: func(id wire.InstanceID) *placement.Record {
			a.mu.Lock()
			defer a.mu.Unlock()
			return a.records[id]
		},
		Bundle: a.findBundle,
		Publish: func(ctx context.Context, topic string, att *attest.Signed) error {
			return n.publishOwn(ctx, n.key, topic, att)
		},
		Strike: a.verify.Strike,
		Routed: n.metric.routed,
	})
	transport.HandleFrom(n.net, executor.ProtoRoute, transport.MaxMessage, n.isMember, a.router.Handle)
	transport.HandleFrom(n.net, sampling.ProtoEvidence, smallRequest, n.isAnchorPeer, a.serveEvidence)
	if n.slash != nil {
		n.slash.listen()
	}
	return a, nil
}

// load restores registrations and records, and expects the service nodes the
// records name, so they are judged by missed heartbeats from now on.
func (a *anchorRole) load() error {
	err := a.n.store.Each(regsPrefix(), func(_, v []byte) error {
		var r Registration
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("stored registration: %w", err)
		}
		a.regs[r.Instance] = &r
		return nil
	})
	if err != nil {
		return err
	}
	now := a.n.now()
	return a.n.store.Each(recordsPrefix(), func(_, v []byte) error {
		rec, err := placement.DecodeRecord(v)
		if err != nil {
			return fmt.Errorf("stored record: %w", err)
		}
		a.records[rec.Instance] = rec
		for _, p := range rec.Replicas {
			a.n.members.expect(Member{Peer: p, Role: RoleService}, now)
		}
		return nil
	})
}

func (a *anchorRole) start() {
	a.n.wg.Add(1)
	go func() {
		defer a.n.wg.Done()
		a.loop()
	}()
	a.n.spawn(func() { a.verify.Loop(a.n.ctx) })
	a.n.spawn(func() { a.antiEntropyLoop(a.n.ctx) })
	a.n.spawn(func() { a.probeLoop(a.n.ctx) })
	if a.n.slash != nil {
		a.n.spawn(a.n.slash.sweep)
	}
}

// newVerifier wires sampling to this anchor: live service nodes from the
// membership view, samples over the transport, evidence on its own stream.
func (a *anchorRole) newVerifier() (*sampling.Verifier, error) {
	n := a.n
	return sampling.NewVerifier(sampling.Deps{
		Metrics: sampling.Metrics{Samples: n.metric.samples, Slashed: n.metric.slashed, Strikes: n.metric.strikes, SLOScore: n.metric.slo,
			Forwarded: n.metric.forwarded},
		Store: n.store, Log: n.log, Now: n.now, Key: n.key, Domain: n.domain,
		Interval: n.cfg.Network.SampleInterval.Duration, Share: n.cfg.Network.SampleShare,
		Live: func() []sampling.Service {
			list, _ := n.members.snapshot()
			var out []sampling.Service
			for _, mb := range list {
				if mb.Role == RoleService && mb.State == wire.StateUp {
					out = append(out, sampling.Service{Peer: mb.Peer, Instances: mb.Instances})
				}
			}
			return out
		},
		Sample: func(ctx context.Context, p string, req *sampling.Request) (*sampling.Response, error) {
			return transport.Call[sampling.Request, sampling.Response](ctx, n.net, peerIDOf(p), sampling.ProtoSample, req)
		},
		Bundle: a.findBundle,
		Publish: func(ctx context.Context, topic string, att *attest.Signed) error {
			return n.publishOwn(ctx, n.key, topic, att)
		},
		Replace:         a.replace,
		IsAnchorAddress: n.isAnchorAddress,
		PeerOfAddress:   a.peerOfAddress,
		Transcript:      a.fetchTranscript,
		Retention:       n.cfg.Network.TranscriptRetention.Duration,
		FetchEvidence:   a.fetchEvidence,
		Go:              n.spawn,
		Convicted:       n.convicted(),
		CheckRecord:     n.authority.Check,
		Derive:          a.deriveState,
		Peers:           a.peerRoots,
		Observe:         a.probe.observe,
	})
}

// peerRoots asks the instance's replicas but peer for their state roots,
// and lists those of the replicas at exactly offsets (sampling.Deps.Peers).
func (a *anchorRole) peerRoots(ctx context.Context, instance, peer string, offsets map[string]uint64) ([]sandbox.Hash, error) {
	id, err := wire.ParseInstanceID(instance)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	rec := a.records[id]
	a.mu.Unlock()
	if rec == nil {
		return nil, fmt.Errorf("instance %s is not placed from here", instance)
	}
	var out []sandbox.Hash
	for _, st := range a.replicaRoots(ctx, id, a.n.routeOf(rec)) {
		if st.Peer == peer || st.Error != "" || !maps.Equal(st.Offsets, offsets) {
			continue
		}
		if b, err := hexutil.Decode(st.StateRoot); err == nil && len(b) == 32 {
			out = append(out, sandbox.Hash(b))
		}
	}
	return out, nil
}

// An anchor derives the state of a sampled execution from at most
// maxDeriveEntries entries (the sum of its offsets: every entry of its
// streams up to them, the instance's or not) of at most maxDeriveStreams
// streams, within deriveTimeout; a longer derivation leaves the execution
// to be replayed on the state the node supplies.
const (
	maxDeriveEntries = 10_000
	maxDeriveStreams = 256
	deriveTimeout    = 10 * time.Second
)

// deriveBounds refuses offsets whose derivation would pass the bounds.
func deriveBounds(offsets map[string]uint64) error {
	if len(offsets) > maxDeriveStreams {
		return fmt.Errorf("%d streams in the execution's offsets; an anchor derives at most %d", len(offsets), maxDeriveStreams)
	}
	var entries uint64
	for _, seq := range offsets {
		if seq > maxDeriveEntries { // each bounded first: the sum cannot wrap
			return fmt.Errorf("%d entries of one stream up to the execution's offsets; an anchor derives at most %d", seq, maxDeriveEntries)
		}
		entries += seq
	}
	if entries > maxDeriveEntries {
		return fmt.Errorf("%d entries up to the execution's offsets; an anchor derives at most %d", entries, maxDeriveEntries)
	}
	return nil
}

// deriveState is the state an instance had at offsets, derived from this
// anchor's own log (sampling.Deps.Derive): from the registration it keeps
// and the instance's record, whose token type the execution must have run.
func (a *anchorRole) deriveState(ctx context.Context, instance string, lb *loadedBundle, offsets map[string]uint64) (json.RawMessage, error) {
	id, err := wire.ParseInstanceID(instance)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	reg, rec := a.regs[id], a.records[id]
	a.mu.Unlock()
	if reg == nil || rec == nil {
		return nil, fmt.Errorf("instance %s is not placed from here", instance)
	}
	if h, err := tokenscript.ParseBundleHash(rec.Bundle); err != nil || h != lb.Hash {
		return nil, fmt.Errorf("the execution names bundle %s, the instance's record %s", lb.Hash, rec.Bundle)
	}
	if err := deriveBounds(offsets); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, deriveTimeout)
	defer cancel()
	in, err := a.n.derive(ctx, lb, rec, reg, offsets, nil)
	if err != nil {
		return nil, err
	}
	return in.State, nil
}

// fetchEvidence asks the anchor that signed a piece of slashing evidence for
// the execution behind it.
func (a *anchorRole) fetchEvidence(ctx context.Context, anchor common.Address, uid string) (*sampling.Kept, error) {
	for p, addr := range a.n.anchors {
		if addr == anchor {
			return transport.Call[sampling.EvidenceRequest, sampling.Kept](ctx, a.n.net, p, sampling.ProtoEvidence, &sampling.EvidenceRequest{UID: uid})
		}
	}
	return nil, fmt.Errorf("%s is not an anchor of the set", anchor)
}

// serveEvidence answers another anchor's EvidenceRequest.
func (a *anchorRole) serveEvidence(_ context.Context, _ transport.PeerID, req *sampling.EvidenceRequest) (*sampling.Kept, error) {
	k, ok := a.verify.Material(req.UID)
	if !ok {
		return nil, fmt.Errorf("no evidence %q of this anchor", req.UID)
	}
	return k, nil
}

// ForwardReceipt queues a receipt an integration forwards for sampling.
func (a *anchorRole) ForwardReceipt(rc *receipt.Receipt) error { return a.verify.Forward(rc) }

// fetchTranscript asks a service node for the execution one of its
// receipts vouches for (sampling.ProtoTranscript: anchors only).
func (a *anchorRole) fetchTranscript(ctx context.Context, p string, leaf common.Hash) (*sampling.Kept, error) {
	return transport.Call[sampling.TranscriptRequest, sampling.Kept](ctx, a.n.net, peerIDOf(p), sampling.ProtoTranscript, &sampling.TranscriptRequest{Leaf: leaf})
}

// replace makes the placement loop re-place every instance now.
func (a *anchorRole) replace() {
	a.mu.Lock()
	a.dirty = true
	a.mu.Unlock()
	a.poke()
}

// peerOfAddress finds a known service node by its address.
func (a *anchorRole) peerOfAddress(addr common.Address) string {
	list, _ := a.n.members.snapshot()
	for _, mb := range list {
		if common.HexToAddress(mb.Address) == addr {
			return mb.Peer
		}
	}
	return ""
}

// delivered is the anchor's view of the attestation log: slashing evidence
// signed by any anchor lowers the named node's score here too.
func (a *anchorRole) delivered(d attengine.Delivered) {
	a.verify.Evidence(d.Att)
	a.feed.AddEntry(d.Entry, d.Att, time.Now())
	if a.n.commit != nil {
		a.n.commit.delivered(d)
	}
}

// poke asks the placement loop to run soon.
func (a *anchorRole) poke() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

func (a *anchorRole) loop() {
	iv := a.n.cfg.Network.HeartbeatInterval.Duration
	t := time.NewTicker(iv / 2)
	defer t.Stop()
	republish := time.NewTicker(10 * time.Minute)
	defer republish.Stop()
	a.loopStart = a.n.now()
	a.publishRecords(a.allRecords(true))
	for {
		select {
		case <-a.n.ctx.Done():
			return
		case <-t.C:
		case <-a.kick:
		case <-republish.C:
			a.publishRecords(a.allRecords(true))
		}
		a.n.members.sweep(a.n.now(), a.n.downAfter())
		list, _ := a.n.members.snapshot()
		a.probe.missedHeartbeats(list, a.n.now(), iv)
		for _, p := range a.n.members.takeUpEvents() {
			a.rejoined(p)
			if _, ok := a.n.authority.Anchors[p]; ok && p != a.me() {
				a.syncAnchor(p)
			}
		}
		a.retrySyncs()
		a.voteDown(a.n.now())
		if recs := a.rebalance(a.n.now()); len(recs) > 0 {
			a.replicate(&replicate{Records: recs})
			a.publishRecords(recs)
		}
		a.deliver()
	}
}

// rejoined forgets what a returning node acknowledged and schedules a full
// sync, so it holds exactly what this anchor places on it.
func (a *anchorRole) rejoined(p string) {
	// What was measured of it before it went down (probes that timed out
	// as it went) says nothing of it now: it is measured afresh, and not
	// taken for slow and moved off again right after its return.
	a.probe.forget(p)
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.acked {
		delete(m, p)
	}
	a.fullSync[p] = true
}

func (a *anchorRole) me() string { return a.n.peerStr }

// rebalance re-places every instance this anchor is responsible for whose
// replicas are no longer the best live ones. It returns the new records.
func (a *anchorRole) rebalance(now time.Time) []*placement.Record {
	list, version := a.n.members.snapshot()
	a.mu.Lock()
	defer a.mu.Unlock()
	// The anchors this one plans among: the whole set but those a majority
	// certified down (and this one has not heard from since).
	down, votes := a.certifiedLocked(now)
	anchors := a.n.authority.Live(down)
	epoch, seed := a.n.epochs.now()
	in := placement.PlanInput{Seed: seed, Epoch: epoch, Self: a.me(), Anchors: anchors,
		Platforms: map[string]string{}, Diverse: a.votes.Mode == governance.ModePartial, NowMs: now.UnixMilli(),
		Previous: func(id wire.InstanceID) *placement.Record { return a.records[id] },
		Refused:  func(id wire.InstanceID, p string) bool { return a.refused[id][p] }}
	// Weight: the stake-bounded capacity times the service level sampling
	// gave the node, in tenths, changed only when the score has moved more
	// than a tenth from it (a small change in score moves nothing).
	levels := a.verify.Snapshot()
	var full, ids []string
	for _, mb := range list {
		if mb.State != wire.StateUp {
			continue
		}
		if mb.Role == RoleService && mb.Capacity > 0 && !a.verify.Excluded(mb.Peer) {
			level := 1.0
			if l, ok := levels[mb.Peer]; ok {
				level = a.levelUsed(mb.Peer, l.Score)
			}
			in.Candidates = append(in.Candidates, placement.Candidate{ID: mb.Peer, Weight: float64(a.n.weight(mb)) * level})
			ids = append(ids, mb.Peer)
			in.Platforms[mb.Peer] = mb.Platform
			if mb.Full {
				if in.Full == nil {
					in.Full = map[string]bool{}
				}
				in.Full[mb.Peer] = true
				full = append(full, mb.Peer)
			}
		}
	}
	// Measured service levels: the nodes that fail the network's floor or
	// a token's SLA (package slo, with hysteresis).
	in.Unfit = a.probe.unfit(ids, a.classes, now.UnixMilli())
	unfit := fingerprint(in.Unfit)
	// A registry read that changed the admitted stakes re-places too, as
	// does a node falling below a service level or meeting it again, or a
	// weight changed, and moves held back once the window allows more.
	liveBasis := fmt.Sprint(anchors, " unfit ", unfit, " weights ", in.Candidates)
	if a.n.staked != nil {
		liveBasis += fmt.Sprint(" registry ", a.n.staked.Version())
	}
	if now.Sub(a.moveStart) >= a.n.cfg.Network.MoveInterval.Duration {
		a.moveStart, a.movesLeft = now, a.n.cfg.Network.MaxMoves
		if a.deferred {
			a.dirty = true
		}
	}
	if version == a.placedAt && !a.dirty && liveBasis == a.downBasis {
		return nil
	}
	a.placedAt, a.dirty, a.downBasis = version, false, liveBasis
	if len(in.Candidates) == 0 {
		return nil
	}
	in.LimitMoves, in.MaxMoves = true, a.movesLeft
	// A plan after a mode switch, a new seed or a change of anchors starts
	// from scratch: the records it holds may not be the top replicas of
	// this plan's ranking (another anchor made them, or another rule).
	// A node turning full, or taking instances again, or one failing or
	// meeting a service level, counts as a change of basis too: what it
	// may be given changed.
	sort.Strings(full)
	basis := fmt.Sprint(in.Diverse, in.Seed, in.Epoch, in.Anchors, full, unfit)
	// Moves held back by the last plan are not in what Joined describes
	// (the candidates they go to are planned already): compare everything.
	in.Joined = joinedSince(a.planned, in.Candidates, len(a.records) > 0 && !in.Diverse && basis == a.plannedBasis && !a.deferred)
	a.plannedBasis = basis
	a.planned = map[string]float64{}
	for _, c := range in.Candidates {
		a.planned[c.ID] = c.Weight
	}
	classes := map[string]slo.Target{}
	classOf := map[wire.InstanceID]string{}
	for id, reg := range a.regs {
		h, _ := tokenscript.ParseBundleHash(reg.Bundle)
		lb, ok := a.bundles.Get(h)
		if !ok {
			// Retry once the bundle arrives, with every candidate compared.
			a.dirty, a.planned = true, nil
			continue
		}
		svc := lb.Manifest.Service
		target := slo.Target{Latency: svc.Latency, Availability: svc.Availability}
		class := target.Key()
		if _, known := classes[class]; class != "" && !known && len(classes) >= maxClasses {
			class = "" // token authors choose the levels: past the cap, none is judged
		}
		if class != "" {
			classes[class] = target
			classOf[id] = class
		}
		in.Instances = append(in.Instances, placement.Placed{ID: id, Bundle: reg.Bundle, Replicas: svc.Replicas, Class: class})
	}
	if !maps.Equal(classes, a.classes) {
		// A service level no plan judged nodes against yet: judge them
		// and plan again.
		a.classes, a.dirty = classes, true
	}
	var out []*placement.Record
	moved := 0
	pl := placement.PlanMoves(in)
	a.movesLeft -= pl.Limited
	a.deferred = pl.Deferred > 0
	a.n.metric.deferredMoves.Set(float64(pl.Deferred))
	for _, rec := range pl.Records {
		cur := a.records[rec.Instance]
		id := rec.Instance
		rec.Takeover = a.takeoverVotes(in.Epoch, placement.DHTKey(in.Seed, id), votes, now)
		if err := rec.Sign(a.n.key.ECDSA); err != nil {
			a.n.log.Error("sign record", "err", err)
			a.dirty, a.planned = true, nil
			continue
		}
		// What replicas will refuse is not stored or sent.
		if err := a.n.authority.Check(rec); err != nil {
			a.n.log.Error("a record this anchor signed does not pass its own check", "instance", id, "err", err)
			a.dirty, a.planned = true, nil
			continue
		}
		if err := a.storeRecordLocked(rec); err != nil {
			a.n.log.Error("store record", "err", err)
			a.dirty, a.planned = true, nil
			continue
		}
		if cur != nil {
			moved++
			a.n.metric.moves.WithLabelValues(in.MoveReason(&placement.Placed{ID: id, Class: classOf[id]}, cur)).Inc()
			for _, p := range cur.Replicas {
				if !rec.Holds(p) {
					if a.drops[p] == nil {
						a.drops[p] = map[wire.InstanceID]*placement.Record{}
					}
					a.drops[p][id] = rec
				}
			}
		}
		out = append(out, rec)
	}
	if len(out) > 0 {
		a.n.metric.placements.Add(float64(len(out)))
		log := a.n.log.Debug
		if moved > 0 {
			log = a.n.log.Info // re-placement after a change is worth an operator's eye
		}
		log("placed instances", "new", len(out)-moved, "moved", moved, "services", len(in.Candidates), "anchors", len(in.Anchors))
	}
	return out
}

// maxClasses bounds the distinct service levels (token SLAs) an anchor
// judges nodes against: instances of a level past it are placed as if
// their token declared none.
const maxClasses = 64

// levelUsed is the level node's weight is planned with: its score in
// tenths, changed only once the score is more than a tenth away from the
// level last used, so a score hovering near a boundary moves nothing.
func (a *anchorRole) levelUsed(node string, score float64) float64 {
	if a.levels == nil {
		a.levels = map[string]float64{}
	}
	used, ok := a.levels[node]
	if !ok || math.Abs(score-used) > 0.1 {
		used = math.Round(score*10) / 10
		a.levels[node] = used
	}
	return used
}

// joinedSince returns the candidates that are new since the last plan, or
// nil (re-plan everything) when a candidate's weight changed, there was no
// last plan, or ok is false.
func joinedSince(last map[string]float64, cands []placement.Candidate, ok bool) []placement.Candidate {
	if !ok || last == nil {
		return nil
	}
	joined := []placement.Candidate{}
	for _, c := range cands {
		w, was := last[c.ID]
		switch {
		case !was:
			joined = append(joined, c)
		case w != c.Weight:
			return nil
		}
	}
	return joined
}

func (a *anchorRole) storeRecordLocked(rec *placement.Record) error {
	enc, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := a.n.store.Put(recordKey(rec.Instance), enc); err != nil {
		return err
	}
	a.records[rec.Instance] = rec
	delete(a.refused, rec.Instance)
	return nil
}

// deliver sends every live service node the records it has not acknowledged.
func (a *anchorRole) deliver() {
	list, _ := a.n.members.snapshot()
	me, now := a.n.Address(), a.n.now()
	for _, mb := range list {
		if mb.Role != RoleService || mb.State != wire.StateUp {
			continue
		}
		p := mb.Peer
		a.mu.Lock()
		if a.sending[p] {
			a.mu.Unlock()
			continue
		}
		msg := &assign{Full: a.fullSync[p]}
		for id, rec := range a.records {
			if rec.Anchor != me || !rec.Holds(p) {
				continue
			}
			if msg.Full {
				msg.AllIDs = append(msg.AllIDs, id)
			}
			// An instance the node turned down, full, is not sent again
			// under this record: the next plan moves it.
			if a.acked[id][p] < rec.Fencing && !a.refused[id][p] && len(msg.Items) < maxAssignItems {
				if rec = a.refreshLocked(rec, now); rec != nil {
					msg.Items = append(msg.Items, assignItem{Record: rec, Registration: a.regs[id]})
				}
			}
		}
		for _, rec := range a.drops[p] {
			if len(msg.Items) < maxAssignItems {
				msg.Items = append(msg.Items, assignItem{Record: rec})
			}
		}
		if len(msg.Items) == 0 && !msg.Full {
			a.mu.Unlock()
			continue
		}
		a.sending[p] = true
		a.mu.Unlock()
		a.n.wg.Add(1)
		go func() {
			defer a.n.wg.Done()
			a.send(p, msg)
		}()
	}
}

func (a *anchorRole) send(p string, msg *assign) {
	defer func() {
		a.mu.Lock()
		a.sending[p] = false
		a.mu.Unlock()
	}()
	id, err := peer.Decode(p)
	if err != nil {
		return
	}
	resp, err := transport.CallMax[assign, assignAck](a.n.ctx, a.n.net, id, transport.ProtoAssign, msg, transport.SmallAnswer)
	if err != nil {
		a.n.metric.assigns.WithLabelValues("error").Inc()
		a.n.log.Debug("assign failed", "service", shortID(p), "err", err)
		return
	}
	a.n.metric.assigns.WithLabelValues("ok").Inc()
	a.mu.Lock()
	defer a.mu.Unlock()
	if msg.Full {
		a.fullSync[p] = false
	}
	for _, id := range resp.Full {
		// Turned down for want of room: the next plan places it elsewhere,
		// once the node's heartbeat says it is full (until then it is not
		// sent again).
		if rec := a.records[id]; rec != nil && rec.Holds(p) && slices.ContainsFunc(msg.Items, func(it assignItem) bool { return it.Record.Instance == id }) {
			if a.refused[id] == nil {
				a.refused[id] = map[string]bool{}
			}
			a.refused[id][p] = true
			a.dirty = true
		}
	}
	applied := make(map[wire.InstanceID]bool, len(resp.Applied))
	for _, id := range resp.Applied {
		applied[id] = true
	}
	for _, it := range msg.Items {
		id := it.Record.Instance
		if !applied[id] {
			continue // not taken yet: it stays unacknowledged and goes out again
		}
		if it.Record.Holds(p) {
			if a.acked[id] == nil {
				a.acked[id] = map[string]uint64{}
			}
			a.acked[id][p] = it.Record.Fencing
		} else if cur := a.drops[p][id]; cur == it.Record {
			delete(a.drops[p], id)
		}
	}
	if len(msg.Items) == maxAssignItems {
		a.poke()
	}
}

// publishRecords stores records in the DHT, a few at a time, in the background.
func (a *anchorRole) publishRecords(recs []*placement.Record) {
	if len(recs) == 0 {
		return
	}
	a.n.wg.Add(1)
	go func() {
		defer a.n.wg.Done()
		sem := make(chan struct{}, 8)
		var wg sync.WaitGroup
		for _, rec := range recs {
			enc, err := json.Marshal(rec)
			if err != nil {
				continue
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				ctx, cancel := context.WithTimeout(a.n.ctx, 10*time.Second)
				defer cancel()
				seed, ok := a.n.epochs.seed(rec.Epoch)
				if !ok {
					return // an epoch left long ago: a newer record replaces it
				}
				path := placement.DHTPath(placement.DHTKey(seed, rec.Instance))
				if err := a.n.net.PutRecord(ctx, path, enc); err != nil {
					a.n.log.Debug("dht put", "instance", rec.Instance, "err", err)
				}
			}()
		}
		wg.Wait()
	}()
}

func (a *anchorRole) allRecords(mine bool) []*placement.Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*placement.Record
	for _, r := range a.records {
		if !mine || r.Anchor == a.n.Address() {
			out = append(out, r)
		}
	}
	return out
}

// replicate sends new state to every other anchor in the background.
func (a *anchorRole) replicate(msg *replicate) {
	for id := range a.n.anchors {
		if id == a.n.PeerID() {
			continue
		}
		a.n.wg.Add(1)
		go func(id peer.ID) {
			defer a.n.wg.Done()
			ctx, cancel := context.WithTimeout(a.n.ctx, transport.StreamTimeout)
			defer cancel()
			if _, err := transport.CallMax[replicate, ack](ctx, a.n.net, id, transport.ProtoReplicate, msg, transport.SmallAnswer); err != nil {
				a.n.log.Debug("replicate failed", "anchor", shortID(id.String()), "err", err)
				if len(msg.Records) > 0 {
					a.mu.Lock()
					a.resync[id.String()] = true
					a.mu.Unlock()
				}
			}
		}(id)
	}
}

// handleReplicate takes bundles, registrations and records from another anchor.
func (a *anchorRole) handleReplicate(ctx context.Context, from transport.PeerID, msg *replicate) (*ack, error) {
	if !a.n.isAnchorPeer(from) {
		return nil, errors.New("only anchors replicate")
	}
	for _, b := range msg.Bundles {
		if _, err := a.bundles.Add(b); err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
	}
	for _, reg := range msg.Registrations {
		h, err := tokenscript.ParseBundleHash(reg.Bundle)
		if err != nil {
			return nil, err
		}
		lb, err := a.bundles.Fetch(ctx, from, h)
		if err != nil {
			return nil, err
		}
		if _, err := a.n.verifyRegistration(lb, reg, a.n.now()); err != nil {
			return nil, err
		}
		if err := a.addRegistration(reg); err != nil {
			return nil, err
		}
	}
	for _, v := range msg.Votes {
		if _, err := a.addVote(v, a.n.now()); err != nil {
			return nil, err
		}
	}
	if err := a.addDownVotes(msg.DownVotes); err != nil {
		return nil, err
	}
	a.n.catchUpEpoch(ctx, msg.Records)
	a.mu.Lock()
	defer a.mu.Unlock()
	// Records are checked one by one; a refused one does not cost the
	// others. (No freshness test here: an anchor that comes back is sent
	// the takeovers made while it was away, to plan above their fencing.)
	var refused error
	for _, rec := range msg.Records {
		if err := a.n.authority.Check(rec); err != nil {
			a.n.metric.input.WithLabelValues("placement-record").Inc()
			a.n.log.Warn("refused a replicated placement record", "instance", rec.Instance, "anchor", shortID(from.String()), "err", err)
			refused = err
			continue
		}
		if cur := a.records[rec.Instance]; rec.Newer(cur) {
			if err := a.storeRecordLocked(rec); err != nil {
				return nil, err
			}
			// Another anchor replaced a record this anchor made: it need
			// not be this anchor's ranking, so the next plan re-plans all.
			// (An instance this anchor never placed becomes its own only
			// when the anchor set changes, which re-plans all anyway.)
			if cur != nil && cur.Anchor == a.n.Address() && rec.Anchor != a.n.Address() {
				a.planned, a.dirty = nil, true
			}
		}
	}
	if refused != nil {
		return nil, refused
	}
	return &ack{OK: true}, nil
}

func (a *anchorRole) addRegistration(reg *Registration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.regs[reg.Instance]; ok {
		return nil
	}
	enc, err := json.Marshal(reg)
	if err != nil {
		return err
	}
	if err := a.n.store.Put(regKey(reg.Instance), enc); err != nil {
		return err
	}
	a.regs[reg.Instance] = reg
	a.dirty = true
	a.poke()
	if a.n.commit != nil { // a registration is a key operation; its UID is the instance ID
		a.n.commit.keep(common.Hash(reg.Instance), common.Hash(reg.Instance), nil, common.Hash{}, 0)
	}
	return nil
}

// findBundle returns a bundle from this anchor or, failing that, from the
// other anchors: a bundle published to one anchor is available from all.
func (a *anchorRole) findBundle(ctx context.Context, h tokenscript.BundleHash) (*loadedBundle, bool) {
	if lb, ok := a.bundles.Get(h); ok {
		return lb, true
	}
	for id := range a.n.anchors {
		if id == a.n.PeerID() || !a.n.net.Reachable(id) {
			continue
		}
		if lb, err := a.bundles.Fetch(ctx, id, h); err == nil {
			return lb, true
		}
	}
	return nil, false
}

// --- HTTP ---

// PublishBundle checks, keeps and replicates a client's bundle. Each new
// bundle is a compiled module kept for good: a quota per client address
// (a bundle already here costs nothing).
func (a *anchorRole) PublishBundle(client string, b *tokenscript.Bundle) (*wire.Published, error) {
	if _, known := a.bundles.Get(b.Hash()); !known && !a.newBundles.Allow(client, a.n.now()) {
		return nil, fmt.Errorf("%w (%d an hour)", api.ErrBundleQuota, a.n.cfg.HTTP.BundlesPerHour)
	}
	lb, err := a.bundles.AddChecked(b, a.n.bundleOnChain())
	if err != nil {
		return nil, err
	}
	a.replicate(&replicate{Bundles: []*tokenscript.Bundle{b}})
	return &wire.Published{Bundle: lb.Hash.String(), Name: lb.Manifest.Name, Queries: append([]string{}, lb.Module.Queries()...)}, nil
}

// Bundle finds a published bundle, here or at the other anchors.
func (a *anchorRole) Bundle(ctx context.Context, h tokenscript.BundleHash) (*tokenscript.Bundle, bool) {
	lb, ok := a.findBundle(ctx, h)
	if !ok {
		return nil, false
	}
	return lb.Bundle, true
}

// Register checks an instance's registration against a published bundle,
// keeps it and replicates it to the other anchors.
func (a *anchorRole) Register(ctx context.Context, h tokenscript.BundleHash, att json.RawMessage) (*wire.Registered, error) {
	lb, ok := a.findBundle(ctx, h)
	if !ok {
		return nil, api.ErrUnknownBundle
	}
	if lb.Issuer == (common.Address{}) {
		return nil, fmt.Errorf("%w: bundle %s carries no issuer signature (it was kept from before issuers signed bundles): publish it signed", api.ErrBadRegistration, h)
	}
	reg := &Registration{Bundle: h.String(), Attestation: att}
	// The instance ID is the attestation's UID; verification checks it.
	var probe struct {
		Sig *struct {
			UID string `json:"uid"`
		} `json:"sig"`
		UID string `json:"uid"`
	}
	_ = json.Unmarshal(att, &probe)
	uid := probe.UID
	if probe.Sig != nil {
		uid = probe.Sig.UID
	}
	var err error
	if reg.Instance, err = wire.ParseInstanceID(uid); err != nil {
		return nil, fmt.Errorf("%w: attestation uid: %v", attest.ErrMalformed, err)
	}
	if _, err := a.n.verifyRegistration(lb, reg, a.n.now()); err != nil {
		return nil, fmt.Errorf("%w: %v", api.ErrBadRegistration, err)
	}
	if err := a.addRegistration(reg); err != nil {
		return nil, err
	}
	a.replicate(&replicate{Registrations: []*Registration{reg}})
	return &wire.Registered{Instance: reg.Instance, Route: "/v1/tokens/" + reg.Instance.String() + "/route"}, nil
}

// routeOf is the route of a record: its replicas with the addresses and
// states this node knows.
func (n *Node) routeOf(rec *placement.Record) *wire.Route {
	rj, _ := json.Marshal(rec)
	rt := &wire.Route{Instance: rec.Instance, Record: rj, Executor: rec.Executor, Replicas: make([]wire.Replica, 0, len(rec.Replicas))}
	for _, p := range rec.Replicas {
		rr := wire.Replica{Peer: p, State: wire.StateUnknown}
		if mb, ok := n.members.get(p); ok {
			rr.HTTP, rr.State = mb.HTTP, mb.State
		}
		rt.Replicas = append(rt.Replicas, rr)
	}
	if n.anchor != nil {
		n.anchor.probe.order(rt.Replicas) // routing that follows measured load
	}
	rt.Mode, rt.Via = n.routeMode()
	return rt
}

// lookupRecord finds an instance's record in the network's record lookup (the DHT).
func (n *Node) lookupRecord(ctx context.Context, id wire.InstanceID) (*placement.Record, error) {
	get := func(seed [32]byte) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		return n.net.GetRecord(ctx, placement.DHTPath(placement.DHTKey(seed, id)))
	}
	_, seed := n.epochs.now()
	v, err := get(seed)
	if err != nil {
		// Just after a new epoch, before the anchors re-placed the
		// instance under its seed: the record of the epoch before.
		_, prev, ok := n.epochs.previous()
		if !ok || ctx.Err() != nil {
			return nil, err
		}
		if v, err = get(prev); err != nil {
			return nil, err
		}
	}
	return placement.DecodeRecord(v)
}

// record is an instance's record, this anchor's or else the DHT's (nil
// when neither has one), and whether the instance is registered.
func (a *anchorRole) record(ctx context.Context, id wire.InstanceID) (rec *placement.Record, registered bool) {
	a.mu.Lock()
	rec = a.records[id]
	_, registered = a.regs[id]
	a.mu.Unlock()
	if rec == nil {
		rec, _ = a.n.lookupRecord(ctx, id) // nil when not found
	}
	return rec, registered
}

// Route is an instance's route as this anchor knows it.
func (a *anchorRole) Route(ctx context.Context, id wire.InstanceID) (*wire.Route, error) {
	rec, registered := a.record(ctx, id)
	if rec == nil {
		if registered {
			return nil, api.ErrNotPlaced
		}
		return nil, api.ErrUnknownInstance
	}
	return a.n.routeOf(rec), nil
}

// Consistency asks every replica of an instance for its state root and
// reports whether they agree; a replica whose root differs is named.
func (a *anchorRole) Consistency(ctx context.Context, id wire.InstanceID) (*wire.Consistency, error) {
	a.mu.Lock()
	rec := a.records[id]
	a.mu.Unlock()
	if rec == nil {
		return nil, api.ErrUnknownInstance
	}
	out := a.replicaRoots(ctx, id, a.n.routeOf(rec))
	// The majority root is the reference; the others are reported. Roots
	// are compared as anti-entropy compares them: the state's and the
	// pending actions'.
	key := votesOn(out)
	votes := map[string]int{}
	for _, s := range out {
		if s.StateRoot != "" {
			votes[key(s)]++
		}
	}
	best := ""
	for root, n := range votes {
		if n > votes[best] || n == votes[best] && root < best {
			best = root
		}
	}
	differ := []string{} // never null: none is []
	for _, s := range out {
		k := ""
		if s.StateRoot != "" {
			k = key(s)
		}
		if k != best {
			differ = append(differ, s.Peer)
		}
	}
	best, _, _ = strings.Cut(best, "/") // the state root of the majority
	if len(differ) > 0 {
		a.n.log.Warn("replicas disagree on a state root", "instance", id, "differ", differ)
	}
	return &wire.Consistency{Instance: id, Agree: len(differ) == 0, StateRoot: best, Differ: differ, Replicas: out}, nil
}

// placements lists the instances whose records this anchor holds (its own
// and those synced from other anchors), for the dashboard: the first
// dashboard.MaxPlacements by instance ID, cloned only those.
func (a *anchorRole) placements() []dashboard.Placement {
	a.mu.Lock()
	ids := make([]wire.InstanceID, 0, len(a.records))
	for id := range a.records {
		ids = append(ids, id)
	}
	a.mu.Unlock()
	slices.SortFunc(ids, func(x, y wire.InstanceID) int { return bytes.Compare(x[:], y[:]) })
	ids = ids[:min(len(ids), dashboard.MaxPlacements)]
	out := make([]dashboard.Placement, 0, len(ids))
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		if r := a.records[id]; r != nil {
			out = append(out, dashboard.Placement{Instance: id.String(), Executor: r.Executor, Replicas: slices.Clone(r.Replicas), Fencing: r.Fencing})
		}
	}
	return out
}
