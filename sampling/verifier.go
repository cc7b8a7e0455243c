package sampling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/slo"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// Results of checking one sampled execution (the samples metric's labels).
const (
	Match            = "match"            // the replay reproduced it
	Mismatch         = "mismatch"         // it does not replay: evidence signed and published
	Nondeterministic = "nondeterministic" // the module does not replay the same way twice: no evidence
	// Drift: the execution replays, but on a state the anchor's own log
	// does not give at the offsets it names, and the instance's other
	// replicas there hold the log's state, none the node's: an SLA strike,
	// once per node and instance, not evidence (a state at given offsets
	// is not unique in every case: a healed replica, a result refused by
	// fencing on one replica and not another, a record that changed).
	Drift    = "drift"
	Unproven = "error" // no receipt over it, no bundle, or the replay could not finish here
	// Unanswered: a sampling call to a node that gave no executions (it
	// answered an error, did not answer, or reset the stream). Counted,
	// not yet held against the node.
	Unanswered = "unanswered"
)

// Metrics are the verifier's; nil fields are not counted.
type Metrics struct {
	Samples  *prometheus.CounterVec // by result
	Slashed  prometheus.Counter     // evidence signed here
	Strikes  prometheus.Counter     // SLA strikes recorded here
	SLOScore *prometheus.GaugeVec   // by node
	// Forwarded counts forwarded receipts checked, by result (Check's, or
	// no-transcript, transcript-mismatch).
	Forwarded *prometheus.CounterVec
}

// Service is a live service node the verifier samples.
type Service struct {
	Peer      string
	Instances int
}

// Deps is what a verifier needs of its anchor, given once.
type Deps struct {
	Metrics Metrics
	Store   *store.Store
	Log     *slog.Logger
	Now     func() time.Time
	Key     *nodekey.Key
	Domain  attest.Domain
	// Interval between samples of each node (0: no sampling) and the share
	// of its kept executions asked for.
	Interval time.Duration
	Share    float64
	// Live lists the service nodes up now.
	Live func() []Service
	// Sample asks a service node for a sample (ProtoSample).
	Sample func(ctx context.Context, peer string, req *Request) (*Response, error)
	// Bundle finds a token bundle, here or at the other anchors.
	Bundle func(context.Context, tokenscript.BundleHash) (*registry.Bundle, bool)
	// Publish sequences an attestation on this anchor's stream of a topic
	// and publishes it.
	Publish func(ctx context.Context, topic string, att *attest.Signed) error
	// Replace makes the placement loop re-place every instance now (a
	// node's exclusion changed).
	Replace func()
	// IsAnchorAddress: only anchors' evidence counts.
	IsAnchorAddress func(common.Address) bool
	// PeerOfAddress finds a known service node by its address ("": none).
	PeerOfAddress func(common.Address) string
	// Retention is the network's transcript retention: a node must
	// produce the execution behind a receipt dated within it
	// (network.transcript_retention; 0: no one is blamed for not having
	// one).
	Retention time.Duration
	// Transcript fetches from a service node the execution one of its
	// receipts vouches for (by the receipt's leaf), for forwarded receipts.
	Transcript func(ctx context.Context, peer string, leaf common.Hash) (*Kept, error)
	// FetchEvidence fetches from another anchor the execution behind its
	// slashing evidence (ProtoEvidence), so this anchor replays it before
	// acting on it; Go runs that in the background.
	FetchEvidence func(ctx context.Context, anchor common.Address, uid string) (*Kept, error)
	Go            func(func())
	// Convicted, when set, is told of each piece of evidence this anchor
	// signed or replayed itself, once (the registry's slashing).
	Convicted func(node common.Address, evidence common.Hash)
	// CheckRecord checks the placement records recorded inter-token
	// answers were routed by (CheckCalls; nil: not checked).
	CheckRecord func(*placement.Record) error
	// Derive, when set, gives the state an instance had at the log
	// offsets an execution names (sandbox.Transcript.Offsets), derived from
	// this anchor's own attestation log: an execution is replayed on that
	// state, not on the one the node supplies, and one whose state before
	// is not it may be a Drift (see Peers). An error (the log here is
	// behind or pruned, the instance unknown, an applied run that waits for
	// an executor's answers) leaves the execution to be replayed on the
	// state the node supplies.
	Derive func(ctx context.Context, instance string, lb *registry.Bundle, offsets map[string]uint64) (json.RawMessage, error)
	// Peers, when set, gives the state roots of the instance's other
	// replicas (not peer) that stand at exactly these offsets now. A state
	// before that differs from the derived one is a Drift only when such a
	// replica holds the derived state and none holds the node's: a
	// module whose apply depends on the order its streams interleave in
	// (which modules must not, and a token's author could write to frame
	// nodes) gives honest replicas states no derivation reproduces, and
	// another replica that came to the node's state clears it.
	Peers func(ctx context.Context, instance, peer string, offsets map[string]uint64) ([]sandbox.Hash, error)
	// Observe, when set, is given what this anchor's calls to service
	// nodes showed of them (did the node answer, and well): each sampling
	// call, and at most one fetch of a forwarded receipt's execution per
	// node and round, for the node's measured service level (package slo).
	Observe func(peer string, s slo.Sample)
}

// Verifier is an anchor's sampling and the service levels it keeps.
type Verifier struct {
	d  Deps
	mu sync.Mutex
	m  map[string]*placement.Level // by service peer ID
	// seen evidence UIDs, so each counts once.
	seen map[string]bool

	fmu       sync.Mutex
	forwarded []*receipt.Receipt     // queued by Forward, checked each round
	fseen     map[common.Hash]bool   // queued leaves
	fnode     map[common.Address]int // queued receipts per node
	checked   map[common.Hash]bool   // leaves taken for checking already

	dmu       sync.Mutex
	derived   map[common.Hash]derived // derivations made, by derivedKey
	dspent    map[string]int          // derivations made this round, by node
	driftSeen map[string]bool         // node "/" instance struck for a drift
	// withheldRound: nodes struck this round for a withheld execution.
	withheldRound map[string]bool
}

// maxDerived bounds the derived states a verifier remembers: queries on
// an unchanged instance share one.
const maxDerived = 256

// maxSeenEvidence bounds the evidence UIDs an anchor remembers.
const maxSeenEvidence = 100_000

// NewVerifier loads the stored service levels.
func NewVerifier(d Deps) (*Verifier, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	v := &Verifier{d: d, m: map[string]*placement.Level{}, seen: map[string]bool{}}
	err := d.Store.Each([]byte(PrefixLevel), func(k, b []byte) error {
		var s placement.Level
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("stored service level: %w", err)
		}
		p := levelPeer(k)
		v.m[p] = &s
		v.gauge(p, s.Score)
		return nil
	})
	return v, err
}

func (v *Verifier) gauge(p string, score float64) {
	if g := v.d.Metrics.SLOScore; g != nil {
		g.WithLabelValues(p).Set(score)
	}
}

func (v *Verifier) sampled(result string) {
	if c := v.d.Metrics.Samples; c != nil {
		c.WithLabelValues(result).Inc()
	}
}

func (v *Verifier) get(p string) placement.Level {
	if s, ok := v.m[p]; ok {
		return *s
	}
	return placement.NewLevel()
}

// set changes a node's level (under v.mu), its gauge and its stored copy.
func (v *Verifier) set(p string, s placement.Level) {
	v.m[p] = &s
	v.gauge(p, s.Score)
	b, _ := json.Marshal(&s)
	if err := v.d.Store.PutNoSync(LevelKey(p), b); err != nil {
		v.d.Log.Warn("store service level", "node", p, "err", err)
	}
}

func (v *Verifier) update(p string, f func(placement.Level) placement.Level) {
	v.mu.Lock()
	v.set(p, f(v.get(p)))
	v.mu.Unlock()
}

// Excluded reports whether a node's score keeps it from holding instances.
func (v *Verifier) Excluded(p string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.m[p]
	return s != nil && s.Excluded()
}

// Snapshot is every node's level.
func (v *Verifier) Snapshot() map[string]placement.Level {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]placement.Level, len(v.m))
	for p, s := range v.m {
		out[p] = *s
	}
	return out
}

// Strike records an SLA strike: the anchor had to make a call its executor
// could not.
func (v *Verifier) Strike(p string) {
	v.mu.Lock()
	s := v.get(p).Strike()
	v.set(p, s)
	v.mu.Unlock()
	if c := v.d.Metrics.Strikes; c != nil {
		c.Inc()
	}
	if s.Excluded() {
		v.d.Replace()
	}
}

// evidence counts one slashing evidence against p (at address node), once
// per UID.
func (v *Verifier) evidence(p string, node common.Address, uid string) {
	v.mu.Lock()
	if v.seen[uid] {
		v.mu.Unlock()
		return
	}
	if len(v.seen) >= maxSeenEvidence {
		clear(v.seen) // a bound: a repeat after this only lowers a score again
	}
	v.seen[uid] = true
	v.set(p, v.get(p).WithEvidence())
	v.mu.Unlock()
	v.d.Log.Warn("slashing evidence against a service node; moving its instances", "node", p, "evidence", uid)
	v.d.Replace()
	if v.d.Convicted != nil {
		v.d.Convicted(node, common.HexToHash(uid))
	}
}

// Evidence takes a slashing-evidence attestation from the log. This
// anchor's own was acted on when it was signed; another anchor's is acted
// on only once this anchor has replayed it itself: it fetches the
// execution (transcript, state, the node's receipt, the bundle) from the
// anchor that signed the evidence and replays it (in the background).
func (v *Verifier) Evidence(att *attest.Signed) {
	if att.Message.Schema != attest.SlashingEvidenceSchema.UID || !v.d.IsAnchorAddress(att.Signer) {
		return
	}
	data, err := attest.SlashingEvidenceSchema.Schema.Decode(att.Message.Data)
	if err != nil {
		return
	}
	node, _ := data["node"].(string)
	leaf, _ := data["receiptUID"].(string)
	p := v.d.PeerOfAddress(common.HexToAddress(node))
	if p == "" {
		return
	}
	uid := att.UID.String()
	if v.d.Key != nil && att.Signer == v.d.Key.Address() {
		v.evidence(p, common.HexToAddress(node), uid)
		return
	}
	if v.d.FetchEvidence == nil || v.d.Go == nil {
		return
	}
	v.d.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if v.confirm(ctx, att.Signer, uid, p, common.HexToAddress(node), common.HexToHash(leaf)) {
			v.evidence(p, common.HexToAddress(node), uid)
		}
	})
}

// confirm replays another anchor's evidence against node: true when the
// execution it names, signed for by the node, does not replay here either.
func (v *Verifier) confirm(ctx context.Context, anchor common.Address, uid, p string, node common.Address, leaf common.Hash) bool {
	k, err := v.d.FetchEvidence(ctx, anchor, uid)
	if err == nil && (k == nil || k.Receipt == nil || k.Receipt.Leaf() != leaf || !receiptNames(k, node)) {
		err = errors.New("the execution served is not the one the evidence names")
	}
	var lb *registry.Bundle
	if err == nil {
		h, _ := tokenscript.ParseBundleHash(k.Bundle)
		var ok bool
		if lb, ok = v.d.Bundle(ctx, h); !ok {
			err = errors.New("the token's bundle is not here")
		}
	}
	if err != nil {
		v.d.Log.Warn("slashing evidence not acted on: it could not be checked here", "evidence", uid, "by", anchor, "err", err)
		return false
	}
	if vd := v.replay(ctx, p, lb, k); vd.result != Mismatch {
		v.d.Log.Warn("slashing evidence not acted on: the execution replays here", "evidence", uid, "by", anchor, "result", vd.result)
		return false
	}
	return true
}

// keepMaterial keeps what this anchor's evidence rests on, for the other
// anchors to replay (Material).
func (v *Verifier) keepMaterial(uid string, it *Kept) {
	b, err := json.Marshal(it)
	if err == nil {
		err = v.d.Store.Put(EvidenceKey(uid), b)
	}
	if err != nil {
		v.d.Log.Warn("cannot keep the execution behind slashing evidence", "evidence", uid, "err", err)
	}
}

// Material is the execution behind a piece of this anchor's evidence.
func (v *Verifier) Material(uid string) (*Kept, bool) {
	b, err := v.d.Store.Get(EvidenceKey(uid))
	if err != nil || b == nil {
		return nil, false
	}
	var k Kept
	if json.Unmarshal(b, &k) != nil {
		return nil, false
	}
	return &k, true
}

// probation gives an excluded node back a little of its score; once it
// reaches the threshold the node is placed on again.
func (v *Verifier) probation(p string) {
	v.mu.Lock()
	back := false
	if s, ok := v.m[p]; ok && s.Excluded() {
		var next placement.Level
		next, back = s.Probation()
		v.set(p, next)
	}
	v.mu.Unlock()
	if back {
		v.d.Log.Info("service node back from probation", "node", p)
		v.d.Replace()
	}
}

// Loop samples every live service node each interval until ctx ends.
func (v *Verifier) Loop(ctx context.Context) {
	if v.d.Interval <= 0 {
		return
	}
	t := time.NewTicker(v.d.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v.newRound()
		for _, s := range v.d.Live() {
			if s.Instances > 0 {
				v.sampleNode(ctx, s.Peer)
			}
			v.probation(s.Peer)
		}
		observed := map[common.Address]bool{} // a node's forwarded receipts: one sample a round
		for _, rc := range v.takeForwarded(forwardedPerRound) {
			v.checkForwarded(ctx, rc, !observed[rc.Node])
			observed[rc.Node] = true
		}
	}
}

// observe reports one call to node p begun at start that ended with err
// (answered: the node answered it, with an error if err is not nil). Only
// what the node is answerable for counts: an answer, an error it answered,
// or no answer within the call's time. A call cut short because this
// anchor is stopping, a stream reset (an answer over the message bound,
// which a token's large executions can make of an honest node's sample; a
// node that does not know this anchor yet) or a failure to connect (the
// probes see a node that is down) says nothing of it here.
func (v *Verifier) observe(ctx context.Context, p string, src slo.Source, start time.Time, err error, answered bool) {
	if v.d.Observe == nil || ctx.Err() != nil {
		return
	}
	if err != nil && !answered && !errors.Is(err, context.DeadlineExceeded) {
		return
	}
	now := v.d.Now()
	s := slo.Sample{Source: src, AtMs: now.UnixMilli(), Latency: now.Sub(start), Answered: err == nil || answered, OK: err == nil}
	s.TimedOut = !s.Answered && errors.Is(err, context.DeadlineExceeded)
	v.d.Observe(p, s)
}

// sampleNode asks one node for a share of its recent executions and
// replays them.
func (v *Verifier) sampleNode(ctx context.Context, p string) {
	cctx, cancel := context.WithTimeout(ctx, transport.StreamTimeout)
	defer cancel()
	start := v.d.Now()
	resp, err := v.d.Sample(cctx, p, &Request{Share: v.d.Share, Max: MaxItems})
	// A node that answers the call with an error (it could not gather
	// its executions) is at fault as much as one that does not answer.
	v.observe(ctx, p, slo.Sampled, start, err, errors.Is(err, transport.ErrRemote))
	if err != nil {
		if ctx.Err() == nil {
			v.sampled(Unanswered)
		}
		v.d.Log.Debug("sampling failed", "node", p, "err", err)
		return
	}
	id, err := peer.Decode(p)
	if err != nil {
		return
	}
	addr, err := nodekey.AddressOfPeer(id)
	if err != nil {
		return
	}
	clean, matched := true, false
	for _, it := range resp.Items {
		switch v.Check(ctx, p, addr, &it) {
		case Mismatch, Drift:
			clean = false
		case Match:
			matched = true
		}
	}
	if clean && matched { // a round that proved nothing earns nothing
		v.update(p, placement.Level.Clean)
	}
}

// Check replays one sampled execution of node p (address addr): Match,
// Mismatch (evidence signed and published), Nondeterministic or Unproven.
func (v *Verifier) Check(ctx context.Context, p string, addr common.Address, it *Kept) string {
	result := Unproven
	defer func() { v.sampled(result) }()
	if !receiptNames(it, addr) {
		return result
	}
	h, err := tokenscript.ParseBundleHash(it.Bundle)
	if err != nil {
		return result
	}
	lb, ok := v.d.Bundle(ctx, h)
	if !ok {
		return result
	}
	v.update(p, placement.Level.Sampled)
	vd := v.replay(ctx, p, lb, it)
	if result = vd.result; result == Drift {
		v.drifted(p, it.Transcript.Instance)
	}
	if result != Mismatch {
		return result
	}
	v.update(p, placement.Level.Mismatched)
	tr, rc := it.Transcript, it.Receipt
	uid, err := v.slash(ctx, addr, tr.Instance, rc.Leaf(), vd.claimed, vd.got, vd.reason)
	if err != nil {
		v.d.Log.Error("cannot publish slashing evidence", "err", err)
		return result
	}
	v.keepMaterial(uid, it)
	v.evidence(p, addr, uid)
	return result
}

// receiptNames reports whether the execution's receipt is signed by addr
// over this very transcript: only such a receipt is evidence.
func receiptNames(it *Kept, addr common.Address) bool {
	tr, rc := it.Transcript, it.Receipt
	return tr != nil && rc != nil && rc.Verify(addr) == nil && rc.Names(tr.Execution(tr.Root())) == nil
}

// verdict is what a replay found: its result, and for a Mismatch the
// root the node claimed, the root this anchor reached instead and why.
type verdict struct {
	result       string
	claimed, got sandbox.Hash
	reason       string
}

// replay runs an execution again: Match, Unproven (it could not finish
// here), Nondeterministic (two replays differ: the token's fault, not the
// node's), Mismatch or Drift. With Derive it first derives the state the
// execution should have run on from this anchor's log: the execution is
// replayed on that state when it is the one the node ran on; otherwise (a
// derivation that could not be made here, or a drift) on the state the
// node supplies, so that a forged answer is caught either way.
func (v *Verifier) replay(ctx context.Context, p string, lb *registry.Bundle, it *Kept) verdict {
	tr := it.Transcript
	// The material must be what the transcript names: the module it ran
	// and the state it ran on. Otherwise whoever supplied it (the node, or
	// an anchor serving its evidence) could make any execution diverge.
	state := it.State
	if len(state) == 0 {
		state = json.RawMessage("null")
	}
	if lb.Module.Hash() != tr.ScriptHash {
		return verdict{result: Unproven}
	}
	var drift *verdict
	if v.d.Derive != nil {
		if derived, vd := v.deriveState(ctx, p, lb, tr); derived != nil {
			state = derived
		} else if vd.result == Drift {
			drift = &vd
		}
	}
	if sandbox.StateRoot(state) != tr.StateBefore {
		if drift != nil {
			return *drift
		}
		return verdict{result: Unproven}
	}
	// A replay answers other tokens' queries from the transcript: each
	// recorded answer must be vouched for by a replica of that token.
	if err := CheckCalls(tr, v.d.CheckRecord); err != nil {
		if errors.Is(err, ErrCallUnvouched) {
			return verdict{result: Mismatch, claimed: tr.StateAfter, reason: err.Error()}
		}
		v.d.Log.Warn("a sampled execution's inter-token answer could not be checked", "node", p, "instance", tr.Instance, "err", err)
		return verdict{result: Unproven}
	}
	replayed, err := sandbox.Replay(ctx, lb.Module, tr, state)
	var d *sandbox.Divergence
	if err == nil {
		if drift != nil {
			return *drift
		}
		return verdict{result: Match}
	}
	if !errors.As(err, &d) {
		return verdict{result: Unproven} // time, memory: no proof either way
	}
	// A module that does not replay the same way twice on this anchor is
	// nondeterministic on its own: the token's fault, not the node's. Only
	// a divergence that a second replay reproduces exactly is evidence.
	again, err2 := sandbox.Replay(ctx, lb.Module, tr, state)
	var d2 *sandbox.Divergence
	if !errors.As(err2, &d2) || d2.Error() != d.Error() || (again == nil) != (replayed == nil) ||
		again != nil && again.Transcript.StateAfter != replayed.Transcript.StateAfter {
		v.d.Log.Warn("a token's module does not replay the same way twice; no evidence against the node", "node", p,
			"instance", tr.Instance, "first", d.Error(), "second", fmt.Sprint(err2))
		return verdict{result: Nondeterministic}
	}
	var got sandbox.Hash
	if replayed != nil {
		got = replayed.Transcript.StateAfter
	}
	return verdict{result: Mismatch, claimed: tr.StateAfter, got: got, reason: d.Error()}
}

// derived is a derivation remembered: the state, or why there is none.
type derived struct {
	state json.RawMessage
	err   error
}

// maxDerivePerRound bounds the derivations an anchor makes for one node in
// one sampling round (remembered ones are free): the rest of its
// executions that round are replayed on the state it supplies.
const maxDerivePerRound = 8

// deriveState is the state tr should have run on, derived from this
// anchor's log at the offsets tr names, when it is the state tr ran on.
// Otherwise it is nil with: Drift, when a second derivation (not
// remembered) agrees with the first and the instance's other replicas at
// those offsets hold the derived state and none the node's; or Unproven
// (the state cannot be derived here, the budget is spent, no replica
// stands at those offsets now, the module applies the log differently
// twice).
func (v *Verifier) deriveState(ctx context.Context, p string, lb *registry.Bundle, tr *sandbox.Transcript) (json.RawMessage, verdict) {
	key := derivedKey(lb.Hash, tr.Instance, tr.Offsets)
	v.dmu.Lock()
	dv, ok := v.derived[key]
	spent := !ok && v.dspent[p] >= maxDerivePerRound
	if !ok && !spent {
		if v.dspent == nil {
			v.dspent = map[string]int{}
		}
		v.dspent[p]++
	}
	v.dmu.Unlock()
	if spent {
		return nil, verdict{result: Unproven}
	}
	if !ok {
		dv.state, dv.err = v.d.Derive(ctx, tr.Instance, lb, tr.Offsets)
		if ctx.Err() == nil { // a derivation cut short by this anchor stopping says nothing
			v.dmu.Lock()
			if v.derived == nil || len(v.derived) >= maxDerived {
				v.derived = map[common.Hash]derived{}
			}
			v.derived[key] = dv
			v.dmu.Unlock()
		}
	}
	if dv.err != nil {
		v.d.Log.Debug("a sampled execution's state could not be derived here", "node", p, "instance", tr.Instance, "err", dv.err)
		return nil, verdict{result: Unproven}
	}
	root := sandbox.StateRoot(dv.state)
	if root == tr.StateBefore {
		return dv.state, verdict{}
	}
	again, err := v.d.Derive(ctx, tr.Instance, lb, tr.Offsets)
	if err != nil {
		return nil, verdict{result: Unproven}
	}
	if sandbox.StateRoot(again) != root {
		v.d.Log.Warn("a token's module does not apply the log the same way twice", "node", p, "instance", tr.Instance)
		return nil, verdict{result: Unproven}
	}
	if v.d.Peers != nil {
		roots, err := v.d.Peers(ctx, tr.Instance, p, tr.Offsets)
		if err != nil {
			v.d.Log.Info("a sampled execution's state differs from the log's; the other replicas could not be asked", "node", p, "instance", tr.Instance, "err", err)
			return nil, verdict{result: Unproven}
		}
		switch {
		case slices.Contains(roots, tr.StateBefore):
			v.d.Log.Warn("another replica came to the sampled node's state at the same offsets, which the log here does not give: "+
				"the token's module depends on the order its streams interleave in; nothing held against the node", "node", p, "instance", tr.Instance)
			return nil, verdict{result: Unproven}
		case !slices.Contains(roots, root):
			return nil, verdict{result: Unproven} // no replica at those offsets now: cannot tell
		}
	}
	return nil, verdict{result: Drift, claimed: tr.StateBefore, got: root,
		reason: fmt.Sprintf("state before: the execution ran on %x, the log gives %x at the offsets it names", tr.StateBefore, root)}
}

// maxDrifted bounds the (node, instance) pairs an anchor remembers having
// struck for a drift.
const maxDrifted = 65536

// drifted strikes node p once for a drift of instance.
func (v *Verifier) drifted(p, instance string) {
	v.dmu.Lock()
	k := p + "/" + instance
	first := !v.driftSeen[k]
	if first {
		if v.driftSeen == nil || len(v.driftSeen) >= maxDrifted {
			v.driftSeen = map[string]bool{}
		}
		v.driftSeen[k] = true
	}
	v.dmu.Unlock()
	if first {
		v.d.Log.Warn("a service node ran an execution on a state the log does not give; SLA strike", "node", p, "instance", instance)
		v.Strike(p)
	}
}

// newRound gives every node its derivation budget again, and its
// withheld-execution strike.
func (v *Verifier) newRound() {
	v.dmu.Lock()
	clear(v.dspent)
	clear(v.withheldRound)
	v.dmu.Unlock()
}

// derivedKey names a derived state: the bundle, the instance and the
// offsets, in stream order.
func derivedKey(bundle tokenscript.BundleHash, instance string, offsets map[string]uint64) common.Hash {
	at := sandbox.OffsetsLeaf(offsets)
	return crypto.Keccak256Hash(bundle[:], at[:], []byte(instance))
}

// slash signs and publishes slashing evidence.
func (v *Verifier) slash(ctx context.Context, node common.Address, instance string, receiptLeaf common.Hash, claimed, replayed sandbox.Hash, reason string) (string, error) {
	att, err := attest.SignNetwork(v.d.Key.ECDSA, v.d.Domain, attest.SlashingEvidenceSchema, map[string]any{
		"node": node.Hex(), "instance": instance, "receiptUID": receiptLeaf.Hex(),
		"claimedRoot": hexutil.Encode(claimed[:]), "replayedRoot": hexutil.Encode(replayed[:]), "reason": reason,
	}, v.d.Now())
	if err != nil {
		return "", err
	}
	if err := v.d.Publish(ctx, wire.SlashingTopic(node), att); err != nil {
		return "", err
	}
	if c := v.d.Metrics.Slashed; c != nil {
		c.Inc()
	}
	return att.UID.String(), nil
}
