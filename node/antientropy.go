package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// Anti-entropy: each anchor, every network.anti_entropy_interval, compares
// the state roots of the replicas of a batch of the instances it placed.
// Replicas at the same log position (equal offsets) must hold the same
// state; one that differs from a majority of them is asked to rebuild the
// instance from the attestation log (ProtoHeal). The replica rebuilds it
// twice, from its registration and the log up to the offsets it holds: if
// the two rebuilds differ the token's module is not deterministic, which
// the anchor reports; otherwise the replica keeps the rebuilt state.

// ProtoHeal asks a service node to rebuild one of its instances from the
// log (anchors only).
// A request's root is a replicaRoot (state root "/" pending root), or a
// state root alone from an anchor, or about replicas, that know no pending
// roots: the rebuild is then compared by its state root.
const ProtoHeal = transport.Protocol("/smartlayer/heal/1.0.0")

// healRequest names the instance and the log position the anchor compared
// it at: a replica that has moved on since answers Skipped.
type healRequest struct {
	Instance wire.InstanceID   `json:"instance"`
	Offsets  map[string]uint64 `json:"offsets"`
	// Root is the majority's replicaRoot (state root and pending actions'
	// root): the replica keeps a rebuild only if it comes to this.
	Root string `json:"root"`
}

// healAnswer says what a rebuild found: the replicaRoots before and after,
// or why it did not rebuild.
type healAnswer struct {
	Before        string `json:"before"`
	After         string `json:"after,omitempty"`
	Deterministic bool   `json:"deterministic"`
	Skipped       string `json:"skipped,omitempty"`
}

// Nondeterministic is an anchor's report of a token module that gave two
// states from one log.
type Nondeterministic struct {
	Bundle   string          `json:"bundle"`
	Instance wire.InstanceID `json:"instance"`
	Node     string          `json:"node"`
	AtMs     int64           `json:"atMs"`
}

// maxRootAnswer bounds a replica's GET /root answer an anchor reads.
const maxRootAnswer = 1 << 20

// rootClient reads replicas' roots; it follows no redirect (a replica
// must not point an anchor's requests elsewhere).
var rootClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// replicaRoots asks every replica of rec for its state root and offsets.
func (a *anchorRole) replicaRoots(ctx context.Context, id wire.InstanceID, rt *wire.Route) []wire.ReplicaState {
	out := make([]wire.ReplicaState, len(rt.Replicas))
	var wg sync.WaitGroup
	for i, rep := range rt.Replicas {
		out[i] = wire.ReplicaState{Peer: rep.Peer, HTTP: rep.HTTP}
		if rep.HTTP == "" {
			out[i].Error = "no HTTP address known"
			continue
		}
		wg.Add(1)
		go func(i int, url string) {
			defer wg.Done()
			var v wire.Root
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/tokens/"+id.String()+"/root", nil)
			resp, err := rootClient.Do(req)
			if err != nil {
				out[i].Error = err.Error()
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, maxRootAnswer)).Decode(&v) != nil {
				out[i].Error = "state: " + resp.Status
				return
			}
			out[i].StateRoot, out[i].PendingRoot, out[i].Offsets, out[i].Fencing = v.StateRoot, v.PendingRoot, v.Offsets, v.Fencing
		}(i, rep.HTTP)
	}
	wg.Wait()
	return out
}

// replicaRoot is what anti-entropy compares of a replica: its state root
// and the root of its pending actions (token.Instance.PendingRoot).
func replicaRoot(state, pending string) string { return state + "/" + pending }

// rootsOf is replicaRoot of an instance this node holds, or its state root
// alone without pending.
func rootsOf(in *instance, pending bool) string {
	s := rootHex(in.Root())
	if !pending {
		return s
	}
	return replicaRoot(s, rootHex(in.PendingRoot()))
}

// votesOn is what replicas are compared on: replicaRoot when every one of
// them reports a pending root, else (a node of an earlier version among
// them) the state root alone.
func votesOn(reps []wire.ReplicaState) func(wire.ReplicaState) string {
	for _, r := range reps {
		if r.StateRoot != "" && r.PendingRoot == "" {
			return func(r wire.ReplicaState) string { return r.StateRoot }
		}
	}
	return func(r wire.ReplicaState) string { return replicaRoot(r.StateRoot, r.PendingRoot) }
}

// diverged returns the replicas that differ from a strict majority of the
// replicas at the most common log position (in state or in pending
// actions), with that position and the majority's replicaRoot; none when
// there is no such majority.
func diverged(reps []wire.ReplicaState) (bad []string, at map[string]uint64, root string) {
	groups := map[string][]wire.ReplicaState{}
	for _, r := range reps {
		if r.StateRoot == "" {
			continue
		}
		k, _ := json.Marshal(r.Offsets) // sorted keys: one text per position
		groups[string(k)] = append(groups[string(k)], r)
	}
	keys := slices.Sorted(maps.Keys(groups))
	var group []wire.ReplicaState
	for _, k := range keys {
		if len(groups[k]) > len(group) {
			group = groups[k]
		}
	}
	key := votesOn(group)
	votes := map[string]int{}
	for _, r := range group {
		votes[key(r)]++
	}
	for root, n := range votes {
		if 2*n <= len(group) {
			continue
		}
		for _, r := range group {
			if key(r) != root {
				bad = append(bad, r.Peer)
			}
		}
		return bad, group[0].Offsets, root
	}
	return nil, nil, ""
}

// antiEntropyLoop runs a round each interval until the node stops.
func (a *anchorRole) antiEntropyLoop(ctx context.Context) {
	every(ctx, a.n.cfg.Network.AntiEntropyInterval.Duration, func() { a.antiEntropyRound(ctx) })
}

// antiEntropyRound checks the next batch of this anchor's instances, in
// instance order, wrapping around.
func (a *anchorRole) antiEntropyRound(ctx context.Context) {
	me := a.n.Address()
	a.mu.Lock()
	var ids []wire.InstanceID
	for id, rec := range a.records {
		if rec.Anchor == me {
			ids = append(ids, id)
		}
	}
	a.mu.Unlock()
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	start := sort.Search(len(ids), func(i int) bool { return string(ids[i][:]) > string(a.aeCursor[:]) })
	for i := 0; i < min(len(ids), a.n.cfg.Network.AntiEntropyBatch); i++ {
		id := ids[(start+i)%len(ids)]
		a.aeCursor = id
		if ctx.Err() != nil {
			return
		}
		a.checkReplicas(ctx, id)
	}
}

// checkReplicas compares an instance's replicas and heals the ones that
// differ.
func (a *anchorRole) checkReplicas(ctx context.Context, id wire.InstanceID) {
	a.mu.Lock()
	rec := a.records[id]
	a.mu.Unlock()
	if rec == nil {
		return
	}
	reps := a.replicaRoots(ctx, id, a.n.routeOf(rec))
	bad, at, root := diverged(reps)
	logRoot := ""
	fencing := map[string]uint64{}
	for _, r := range reps {
		fencing[r.Peer] = r.Fencing
	}
	for _, p := range bad {
		// A replica that rebuilt to the same differing state at this
		// position is asked again only after 30 rounds (the fault that made
		// its rebuild differ may have passed), or once it moves on or holds
		// another record (a result's fencing is judged against the record
		// a replica holds: its rebuild may come out otherwise now).
		pos, _ := json.Marshal(at)
		key := fmt.Sprintf("%s%s%s@%d", id, p, pos, fencing[p])
		now := a.n.now()
		if t, ok := a.aeDone[key]; ok && now.Sub(t) < 30*a.n.cfg.Network.AntiEntropyInterval.Duration {
			continue
		}
		delete(a.aeDone, key)
		settled, rebuilt := a.heal(ctx, rec.Bundle, id, p, at, root)
		if settled {
			if len(a.aeDone) >= 10_000 {
				clear(a.aeDone)
			}
			a.aeDone[key] = now
		}
		if rebuilt != "" && rebuilt != root {
			logRoot = rebuilt
		}
	}
	if logRoot == "" {
		return
	}
	// The differing replica's rebuild from the log is deterministic and
	// still not the majority's state: the majority came to theirs by the
	// order they heard the log in (results of two executors, a failure
	// and a result), not by the log. Each of them rebuilds too and keeps
	// its rebuild if it comes to the same state, so that the replicas
	// converge on the log's state (a replica adopts only its own rebuild:
	// a wrong root named here changes nothing).
	var same []wire.ReplicaState
	for _, r := range reps {
		if maps.Equal(r.Offsets, at) {
			same = append(same, r)
		}
	}
	key := votesOn(same)
	for _, r := range reps {
		if r.StateRoot == "" || key(r) == logRoot || !maps.Equal(r.Offsets, at) {
			continue
		}
		if _, rebuilt := a.heal(ctx, rec.Bundle, id, r.Peer, at, logRoot); rebuilt == logRoot {
			a.n.log.Info("anti-entropy: a replica of the majority adopted the log's state", "instance", id, "replica", shortID(r.Peer), "root", logRoot)
		}
	}
}

// heal asks replica p to rebuild instance id towards root (the majority's,
// or the log's) and records what it found; settled says asking again at
// this position would find the same; rebuilt is the root a deterministic
// rebuild came to.
func (a *anchorRole) heal(ctx context.Context, bundle string, id wire.InstanceID, p string, at map[string]uint64, root string) (settled bool, rebuilt string) {
	log := a.n.log.With("instance", id, "replica", shortID(p))
	ans, err := transport.CallMax[healRequest, healAnswer](ctx, a.n.net, peerIDOf(p), ProtoHeal, &healRequest{Instance: id, Offsets: at, Root: root}, transport.SmallAnswer)
	result := ""
	switch {
	case err != nil:
		result = "error"
		log.Warn("anti-entropy: replica differs and did not rebuild", "err", err)
	case ans.Skipped != "":
		result = "skipped"
		log.Debug("anti-entropy: replica did not rebuild", "why", ans.Skipped)
	case !ans.Deterministic:
		result = "nondeterministic"
		log.Warn("anti-entropy: the token's module gave two states from one log: it is not deterministic", "bundle", bundle)
		a.mu.Lock()
		a.nondet[bundle] = Nondeterministic{Bundle: bundle, Instance: id, Node: p, AtMs: a.n.now().UnixMilli()}
		a.mu.Unlock()
	case ans.After == root:
		result = "healed"
		log.Info("anti-entropy: replica rebuilt a differing instance from the log", "before", ans.Before, "after", ans.After)
	default:
		result = "persists"
		log.Warn("anti-entropy: replica differs from the others and its rebuild from the log does not come to their state", "root", ans.Before, "rebuilt", ans.After, "majority", root)
	}
	a.n.metric.antiEntropy.WithLabelValues(result).Inc()
	if err == nil && ans.Skipped == "" && ans.Deterministic {
		rebuilt = ans.After
	}
	return result == "persists" || result == "nondeterministic", rebuilt
}

// nondeterministic lists the token modules this anchor found not
// deterministic, by bundle.
func (a *anchorRole) nondeterministic() []Nondeterministic {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := slices.AppendSeq(make([]Nondeterministic, 0, len(a.nondet)), maps.Values(a.nondet)) // never null: none is []
	sort.Slice(out, func(i, j int) bool { return out[i].Bundle < out[j].Bundle })
	return out
}

// --- service node ---

// handleHeal rebuilds an instance from its registration and the log, on its
// shard, twice; it keeps the rebuild when both agree.
func (s *serviceRole) handleHeal(ctx context.Context, _ transport.PeerID, req *healRequest) (*healAnswer, error) {
	ans := &healAnswer{}
	held := false
	err := s.applier.run(req.Instance, func() error {
		s.mu.RLock()
		cur := s.inst[req.Instance]
		s.mu.RUnlock()
		if cur == nil {
			return nil
		}
		held = true
		pending := strings.Contains(req.Root, "/")
		ans.Before = rootsOf(cur, pending)
		if !maps.Equal(cur.Offsets, req.Offsets) {
			ans.Skipped = "the instance has moved on since it was compared"
			return nil
		}
		first, err := s.rebuild(ctx, cur)
		if err != nil {
			ans.Skipped = err.Error()
			return nil
		}
		second, err := s.rebuild(ctx, cur)
		if err != nil {
			ans.Skipped = err.Error()
			return nil
		}
		if rootsOf(first, true) != rootsOf(second, true) {
			s.n.log.Warn("the token's module gave two states from one log: it is not deterministic", "instance", req.Instance, "bundle", cur.Record.Bundle)
			return nil
		}
		ans.Deterministic, ans.After = true, rootsOf(first, pending)
		if ans.After == ans.Before || ans.After != req.Root {
			return nil // kept only when it comes to the majority's state
		}
		// The state, pending and done actions, the fields results wrote, the owner and the chain
		// cursors are the log's; the record, offsets and history stay this
		// replica's own.
		healed := *cur
		healed.State, healed.Pending, healed.Done, healed.Written = first.State, first.Pending, first.Done, first.Written
		healed.Owner, healed.Chain = first.Owner, first.Chain
		if err := s.put(&healed); err != nil {
			return err
		}
		s.n.log.Info("rebuilt a differing instance from the log", "instance", req.Instance, "before", ans.Before, "after", ans.After)
		if len(healed.Pending) > 0 {
			s.exec.Kick(req.Instance)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !held {
		return nil, fmt.Errorf("instance %s is not held here", req.Instance)
	}
	return ans, nil
}

func rootHex(r [32]byte) string { return hexutil.Encode(r[:]) }

// errLogShort: the log no longer reaches back to an instance's beginning.
var errLogShort = errors.New("the log here does not reach back to the instance's first entries (pruned or missing): cannot rebuild")

// rebuild derives cur afresh from the log (derive). Nothing is stored.
func (s *serviceRole) rebuild(ctx context.Context, cur *instance) (*instance, error) {
	lb, ok := s.bundleOf(cur)
	if !ok {
		return nil, fmt.Errorf("bundle %s not loaded", cur.Record.Bundle)
	}
	return s.n.derive(ctx, lb, cur.Record, cur.Registration, cur.Offsets, s.answersOf(cur.ID()))
}

// derive is an instance as this node's attestation log gives it at offsets:
// its first state from its registration, then every entry of its topics up
// to offsets, stream by stream in sorted order. A replica rebuilds a
// diverging instance with it; an anchor derives the state a sampled
// execution should have run on (answers nil: an entry whose run waits for
// an executor's answers to its calls to other tokens cannot be derived
// there). Nothing is stored.
func (n *Node) derive(ctx context.Context, lb *loadedBundle, rec *placement.Record, reg *Registration, offsets map[string]uint64,
	answers func(uid string) []*attest.Signed) (*instance, error) {
	t, err := n.verifyRegistration(lb, reg, n.now())
	if err != nil {
		return nil, err
	}
	tj, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	env := n.envOf(lb)
	env.Answers = answers
	rd, err := token.Step(ctx, nil, token.Event{Register: &token.Register{Record: rec, Registration: reg,
		Owner: common.HexToAddress(t.Recipient), Ticket: tj}}, env)
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("rebuild did not finish in time: %w", ctx.Err())
	}
	in := rd.Instance
	// The topics the instance follows: a subscription whose topic cannot
	// be made is not followed (topicsOf warns of it), here as on a replica.
	topics, _ := token.Topics(in, lb.Manifest.Service.Subscriptions)
	var streams [][]attengine.Delivered
	for _, topic := range slices.Sorted(maps.Keys(topics)) {
		for _, h := range n.att.TopicHeads(topic) {
			sid := attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}
			upto := offsets[sid.String()]
			if upto == 0 {
				continue
			}
			ds, err := n.att.StreamRange(sid, 1, upto)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", errLogShort, err)
			}
			// Pruning removes a stream's oldest entries: a stream that does
			// not start at 1 here cannot be rebuilt.
			if len(ds) == 0 || ds[0].Entry.Seq != 1 {
				return nil, errLogShort
			}
			streams = append(streams, ds)
		}
	}
	// Stream by stream; one whose entry waits for the executor's answers to
	// its calls to other tokens (on the result stream) is left until the
	// others have gone as far as they can, then taken up again.
	refusedTo := map[string]uint64{} // per stream, the last entry refused as a stranger's
	for progress := true; progress; {
		progress = false
		for i, ds := range streams {
			for len(ds) > 0 {
				d := ds[0]
				rd, err := token.Step(ctx, in, token.Event{Entry: &token.Entry{Topic: d.Entry.Topic, Publisher: d.Entry.Publisher,
					Seq: d.Entry.Seq, Att: d.Att}}, env)
				if errors.Is(err, token.ErrNeedAnswer) {
					break
				}
				if err != nil {
					return nil, err
				}
				// A script cut short by the deadline counts as not
				// applied: the rebuild would be wrong, not just slow.
				if ctx.Err() != nil {
					return nil, fmt.Errorf("rebuild did not finish in time: %w", ctx.Err())
				}
				if rd.Instance != nil {
					in = rd.Instance
				}
				if rd.Refused != "" {
					refusedTo[d.Entry.ID().String()] = d.Entry.Seq
				}
				ds, progress = ds[1:], true
			}
			streams[i] = ds
		}
	}
	for _, ds := range streams {
		if len(ds) > 0 {
			return nil, fmt.Errorf("entry %d of %s waits for the executor's answers to its calls to other tokens: cannot rebuild", ds[0].Entry.Seq, ds[0].Entry.ID())
		}
	}
	// Offsets kept before strangers' entries left none (2026-12-03) count
	// a stream up to its last entry, refused or not: a stream whose
	// entries after the applied ones were all refused stands where they
	// say.
	for sid, want := range offsets {
		if in.Offsets[sid] < want && refusedTo[sid] == want {
			if in.Offsets == nil {
				in.Offsets = map[string]uint64{}
			}
			in.Offsets[sid] = want
		}
	}
	if !maps.Equal(in.Offsets, offsets) { // none and empty are equal
		return nil, errLogShort
	}
	return in, nil
}
