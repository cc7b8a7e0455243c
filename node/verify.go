package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/egress"
	"github.com/smartlayer/smartlayer/governance"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/p2p"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// Protocols of execution verification.
const (
	protoSample = p2p.ProtocolPrefix + "/sample/1.0.0" // anchor -> service: recent transcripts
	protoExec   = p2p.ProtocolPrefix + "/exec/1.0.0"   // anchor -> service: a query in full fallback mode
)

// --- service side: transcripts kept for sampling ---

// transcriptsKept is how many recent executions a service node keeps for
// anchors to sample.
const transcriptsKept = 512

// keptTranscript is one recent execution: its transcript and the state it
// ran on, so an anchor can replay it.
type keptTranscript struct {
	Transcript *sandbox.Transcript `json:"transcript"`
	State      json.RawMessage     `json:"state"`
	Receipt    *receipt.Receipt    `json:"receipt,omitempty"`
}

type transcriptRing struct {
	mu   sync.Mutex
	buf  []keptTranscript
	next int
}

func newTranscriptRing(n int) *transcriptRing {
	return &transcriptRing{buf: make([]keptTranscript, 0, n)}
}

func (r *transcriptRing) add(k keptTranscript) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) < cap(r.buf) {
		r.buf = append(r.buf, k)
		return
	}
	r.buf[r.next] = k
	r.next = (r.next + 1) % len(r.buf)
}

// sample takes each kept transcript with probability share, at most max.
func (r *transcriptRing) sample(share float64, max int) []keptTranscript {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []keptTranscript
	for _, i := range rand.Perm(len(r.buf)) {
		if len(out) >= max {
			break
		}
		if rand.Float64() < share {
			out = append(out, r.buf[i])
		}
	}
	return out
}

func (s *serviceRole) keepTranscript(tr *sandbox.Transcript, state json.RawMessage, rc *receipt.Receipt) {
	if tr != nil {
		s.kept.add(keptTranscript{Transcript: tr, State: state, Receipt: rc})
	}
}

type sampleReq struct {
	Share float64 `json:"share"`
	Max   int     `json:"max"`
}

type sampleItem struct {
	keptTranscript
	Bundle string `json:"bundle"`
}

type sampleResp struct {
	Items []sampleItem `json:"items"`
}

// maxSampleItems caps one sample answer.
const maxSampleItems = 32

// handleSample answers an anchor's sampling request with a random share of
// the recent transcripts, each with a receipt this node signs now if it had
// none: the node vouches for what it claims it ran.
func (s *serviceRole) handleSample(_ context.Context, from p2p.PeerID, req *sampleReq) (*sampleResp, error) {
	if !s.n.isAnchorPeer(from) {
		return nil, errors.New("only anchors sample transcripts")
	}
	signer := s.receipts
	if signer == nil {
		signer = receipt.NewBatcher(receipt.Software{Key: s.n.key.ECDSA}, true)
	}
	out := &sampleResp{}
	for _, k := range s.kept.sample(req.Share, min(req.Max, maxSampleItems)) {
		it := sampleItem{keptTranscript: k}
		id, err := wire.ParseInstanceID(k.Transcript.Instance)
		if err != nil {
			continue
		}
		s.mu.RLock()
		in := s.inst[id]
		s.mu.RUnlock()
		if in == nil {
			continue // dropped since: its bundle may be gone too
		}
		it.Bundle = in.Record.Bundle
		if it.Receipt == nil {
			if it.Receipt, err = sealReceipt(signer, k.Transcript, k.Transcript.Root(), in.Record.Fencing); err != nil {
				return nil, err
			}
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}

// execReq is a query an anchor forwards in full fallback mode.
type execReq struct {
	Instance wire.InstanceID `json:"instance"`
	Name     string          `json:"name"`
	Args     json.RawMessage `json:"args"`
	Grant    string          `json:"grant,omitempty"`
	// Key, when set, makes this a request to run the action Name with this
	// idempotency key, on the executor.
	Key string `json:"key,omitempty"`
}

type execResp struct {
	Outcome *queryOutcome  `json:"outcome,omitempty"`
	Action  *actionOutcome `json:"action,omitempty"`
	Problem *queryProblem  `json:"problem,omitempty"`
}

// handleExec runs a query for an anchor and answers with its transcript and
// the state it ran on, so the anchor can re-execute it.
func (s *serviceRole) handleExec(ctx context.Context, from p2p.PeerID, req *execReq) (*execResp, error) {
	if !s.n.isAnchorPeer(from) {
		return nil, errors.New("only anchors forward queries")
	}
	if req.Key != "" {
		return s.execAction(ctx, req), nil
	}
	out, err := s.runQuery(ctx, req.Instance, req.Name, req.Args, req.Grant)
	if err == nil {
		return &execResp{Outcome: out}, nil
	}
	var qp *queryProblem
	switch {
	case errors.Is(err, errNotHere):
		return &execResp{Problem: &queryProblem{Status: http.StatusMisdirectedRequest, Code: "not-a-replica", Detail: err.Error()}}, nil
	case errors.As(err, &qp) && qp.grant != nil:
		return &execResp{Problem: &queryProblem{Status: http.StatusForbidden, Code: "grant-refused", Detail: qp.Detail}}, nil
	case errors.As(err, &qp):
		return &execResp{Problem: qp}, nil
	}
	return nil, err
}

// execAction runs an action an anchor forwards. It runs to its end even if
// the anchor's stream gives up: the outcome is kept under its key.
func (s *serviceRole) execAction(ctx context.Context, req *execReq) *execResp {
	problem := func(status int, code, detail string) *execResp {
		return &execResp{Problem: &queryProblem{Status: status, Code: code, Detail: detail}}
	}
	if req.Key == "" || len(req.Key) > maxIdempotencyKey || !json.Valid(req.Args) {
		return problem(http.StatusBadRequest, "bad-request", "an action needs a key of 1..200 characters and JSON arguments")
	}
	s.mu.RLock()
	in := s.inst[req.Instance]
	s.mu.RUnlock()
	if in == nil {
		return problem(http.StatusMisdirectedRequest, "not-a-replica", errNotHere.Error())
	}
	if err := s.checkActionGrant(in, req.Name, req.Grant); err != nil {
		return problem(http.StatusForbidden, "grant-refused", err.Error())
	}
	dctx, cancel := s.n.detach(ctx)
	defer cancel()
	out, err := s.exec.run(dctx, req.Instance, req.Name, req.Key, req.Args)
	if err != nil {
		status, code := actionErrorStatus(err)
		return problem(status, code, err.Error())
	}
	return &execResp{Action: out}
}

// --- anchor side ---

// slo is an anchor's view of one service node's service level
// (placement.Level: the scoring rules are pure and live there).
type slo = placement.Level

type verifier struct {
	a  *anchorRole
	mu sync.Mutex
	m  map[string]*slo // by service peer ID
	// seen evidence UIDs, so each counts once.
	seen map[string]bool
}

func newVerifier(a *anchorRole) (*verifier, error) {
	v := &verifier{a: a, m: map[string]*slo{}, seen: map[string]bool{}}
	err := a.n.store.Each(slosPrefix(), func(k, b []byte) error {
		var s slo
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("stored service level: %w", err)
		}
		p := sloPeer(k)
		v.m[p] = &s
		a.n.metric.slo.WithLabelValues(p).Set(s.Score)
		return nil
	})
	return v, err
}

// save keeps a node's service level across restarts (under v.mu).
func (v *verifier) save(p string, s *slo) {
	b, _ := json.Marshal(s)
	if err := v.a.n.store.PutNoSync(sloKey(p), b); err != nil {
		v.a.n.log.Warn("store service level", "node", p, "err", err)
	}
}

func (v *verifier) get(p string) slo {
	if s, ok := v.m[p]; ok {
		return *s
	}
	return placement.NewLevel()
}

// set changes a node's level (under v.mu), its gauge and its stored copy.
func (v *verifier) set(p string, s slo) {
	v.m[p] = &s
	v.a.n.metric.slo.WithLabelValues(p).Set(s.Score)
	v.save(p, &s)
}

// excluded reports whether a node's score keeps it from holding instances.
func (v *verifier) excluded(p string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.m[p]
	return s != nil && s.Excluded()
}

func (v *verifier) snapshot() map[string]slo {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]slo, len(v.m))
	for p, s := range v.m {
		out[p] = *s
	}
	return out
}

// strike records an SLA strike: the anchor had to make a call its executor
// could not.
func (v *verifier) strike(p string) {
	v.mu.Lock()
	s := v.get(p).Strike()
	v.set(p, s)
	excluded := s.Excluded()
	v.mu.Unlock()
	v.a.n.metric.strikes.Inc()
	if excluded {
		v.a.replace()
	}
}

// evidence counts one slashing evidence against p, once per UID.
func (v *verifier) evidence(p, uid string) {
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
	v.a.n.log.Warn("slashing evidence against a service node; moving its instances", "node", p, "evidence", uid)
	v.a.replace()
}

// probation gives an excluded node back a little of its score; once it
// reaches the threshold the node is placed on again.
func (v *verifier) probation(p string) {
	v.mu.Lock()
	back := false
	if s, ok := v.m[p]; ok && s.Excluded() {
		var next slo
		next, back = s.Probation()
		v.set(p, next)
	}
	v.mu.Unlock()
	if back {
		v.a.n.log.Info("service node back from probation", "node", p)
		v.a.replace()
	}
}

// maxSeenEvidence bounds the evidence UIDs an anchor remembers.
const maxSeenEvidence = 100_000

// replace makes the placement loop re-place every instance now.
func (a *anchorRole) replace() {
	a.mu.Lock()
	a.dirty = true
	a.mu.Unlock()
	a.poke()
}

// sampleLoop samples every live service node each interval.
func (v *verifier) sampleLoop() {
	iv := v.a.n.cfg.Network.SampleInterval.Duration
	if iv <= 0 {
		return
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-v.a.n.ctx.Done():
			return
		case <-t.C:
		}
		list, _ := v.a.n.members.snapshot()
		for _, mb := range list {
			if mb.Role != RoleService || mb.State != wire.StateUp {
				continue
			}
			if mb.Instances > 0 {
				v.sampleNode(v.a.n.ctx, mb)
			}
			v.probation(mb.Peer)
		}
	}
}

// sampleNode asks one node for a share of its recent transcripts and
// replays them.
func (v *verifier) sampleNode(ctx context.Context, mb Member) {
	n := v.a.n
	ctx, cancel := context.WithTimeout(ctx, p2p.StreamTimeout)
	defer cancel()
	resp, err := p2p.Call[sampleReq, sampleResp](ctx, n.host, peerIDOf(mb.Peer), protoSample,
		&sampleReq{Share: n.cfg.Network.SampleShare, Max: maxSampleItems})
	if err != nil {
		n.log.Debug("sampling failed", "node", shortID(mb.Peer), "err", err)
		return
	}
	addr, err := nodekey.AddressOfPeer(peerIDOf(mb.Peer))
	if err != nil {
		return
	}
	clean := true
	for _, it := range resp.Items {
		if v.check(ctx, mb.Peer, addr, &it) == "mismatch" {
			clean = false
		}
	}
	if clean && len(resp.Items) > 0 {
		v.mu.Lock()
		v.set(mb.Peer, v.get(mb.Peer).Clean())
		v.mu.Unlock()
	}
}

// check replays one sampled transcript: "match", "mismatch" (evidence
// signed and published) or "error" (nothing proven either way).
func (v *verifier) check(ctx context.Context, p string, addr common.Address, it *sampleItem) string {
	n := v.a.n
	result := "error"
	defer func() { n.metric.samples.WithLabelValues(result).Inc() }()
	tr, rc := it.Transcript, it.Receipt
	// Only a receipt the node signed over this very transcript is evidence.
	if rc == nil || rc.Verify(addr) != nil || rc.TranscriptRoot != tr.Root() || rc.StateRoot != tr.StateAfter {
		return result
	}
	h, err := tokenscript.ParseBundleHash(it.Bundle)
	if err != nil {
		return result
	}
	lb, ok := v.a.findBundle(ctx, h)
	if !ok {
		return result
	}
	v.mu.Lock()
	v.set(p, v.get(p).Sampled())
	v.mu.Unlock()
	replayed, err := sandbox.Replay(ctx, lb.Module, tr, it.State)
	var d *sandbox.Divergence
	if err == nil {
		result = "match"
		return result
	}
	if !errors.As(err, &d) {
		return result // the replay could not finish here (time, memory): no proof either way
	}
	// A module that does not replay the same way twice on this anchor is
	// nondeterministic on its own: the token's fault, not the node's. Only
	// a divergence that a second replay reproduces exactly is evidence.
	again, err2 := sandbox.Replay(ctx, lb.Module, tr, it.State)
	var d2 *sandbox.Divergence
	if !errors.As(err2, &d2) || d2.Error() != d.Error() || (again == nil) != (replayed == nil) ||
		again != nil && again.Transcript.StateAfter != replayed.Transcript.StateAfter {
		result = "nondeterministic"
		n.log.Warn("a token's module does not replay the same way twice; no evidence against the node", "node", shortID(p),
			"instance", tr.Instance, "first", d.Error(), "second", fmt.Sprint(err2))
		return result
	}
	result = "mismatch"
	var got sandbox.Hash
	if replayed != nil {
		got = replayed.Transcript.StateAfter
	}
	v.mu.Lock()
	v.set(p, v.get(p).Mismatched())
	v.mu.Unlock()
	uid, err := v.a.slash(ctx, addr, tr.Instance, rc.Leaf(), tr.StateAfter, got, d.Error())
	if err != nil {
		n.log.Error("cannot publish slashing evidence", "err", err)
		return result
	}
	v.evidence(p, uid)
	return result
}

// slash signs and publishes slashing evidence.
func (a *anchorRole) slash(ctx context.Context, node common.Address, instance string, receiptLeaf common.Hash, claimed, replayed sandbox.Hash, reason string) (string, error) {
	att, err := attest.SignNetwork(a.n.key.ECDSA, a.n.domain, attest.SlashingEvidenceSchema, map[string]any{
		"node": node.Hex(), "instance": instance, "receiptUID": receiptLeaf.Hex(),
		"claimedRoot": hexutil.Encode(claimed[:]), "replayedRoot": hexutil.Encode(replayed[:]), "reason": reason,
	}, time.Now())
	if err != nil {
		return "", err
	}
	if err := a.n.publishOwn(ctx, a.n.key, wire.SlashingTopic(node), att); err != nil {
		return "", err
	}
	a.n.metric.slashed.Inc()
	return att.UID.String(), nil
}

// delivered is the anchor's view of the attestation log: slashing evidence
// signed by any anchor lowers the named node's score here too.
func (a *anchorRole) delivered(d attengine.Delivered) {
	if d.Att.Message.Schema != attest.SlashingEvidenceSchema.UID || !a.n.isAnchorAddress(d.Att.Signer) {
		return
	}
	data, err := attest.SlashingEvidenceSchema.Schema.Decode(d.Att.Message.Data)
	if err != nil {
		return
	}
	node, _ := data["node"].(string)
	if p := a.peerOfAddress(common.HexToAddress(node)); p != "" {
		a.verify.evidence(p, d.Att.UID.String())
	}
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

// --- routing an executor's failing external call ---

// handleRoute makes an external call for the executor of an instance: up to
// route_attempts tries. Success is an SLA
// strike against the executor; failure is a failure attestation on the
// instance's failure topic.
func (a *anchorRole) handleRoute(ctx context.Context, from p2p.PeerID, req *routeCall) (*routeAnswer, error) {
	n := a.n
	if req.Record == nil || req.Request == nil {
		return nil, errors.New("route: record and request are required")
	}
	id := req.Record.Instance
	if err := req.Record.Verify(n.isAnchorAddress); err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	// Any anchor may route for the executor the newest record it knows
	// names. (Anchors may briefly disagree on which of them is responsible,
	// so the record's signer is not required to be this anchor.)
	a.mu.Lock()
	cur := a.records[id]
	a.mu.Unlock()
	if cur == nil || req.Record.Newer(cur) {
		cur = req.Record
	}
	if cur.Executor != from.String() {
		return nil, fmt.Errorf("route: %s is not the executor of %s (fencing %d)", shortID(from.String()), id, cur.Fencing)
	}
	lb, ok := a.findBundle(ctx, mustBundleHash(cur.Bundle))
	if !ok {
		return nil, errors.New("route: the token's bundle is not here")
	}
	// Local networks (network.route_private) reach loopback and private
	// addresses on any port of a declared host; otherwise every hop must be
	// a declared host on its declared (or default) port at a public address.
	local := n.cfg.Network.RoutePrivate
	pol := egress.Policy{Hosts: lb.Manifest.Service.Egress, AllowPrivate: local, AnyPort: local}
	if err := egress.Check(req.Request.URL, pol); err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	if err := a.checkRoutedCall(ctx, lb, id, req); err != nil {
		n.metric.routed.WithLabelValues("refused").Inc()
		return nil, fmt.Errorf("route: %w", err)
	}
	hf := sandbox.HTTPFetcher{Hosts: lb.Manifest.Service.Egress, AllowPrivate: local, AnyPort: local}
	last := fetchTries(ctx, hf, req.Request, sandbox.DefaultLimits.MaxFetchBytes, n.cfg.Network.RouteAttempts, n.cfg.Network.RouteTimeout.Duration, 0, func() {})
	if fetchOK(last) {
		n.metric.routed.WithLabelValues("ok").Inc()
		n.log.Warn("routed an executor's failing call; SLA strike", "instance", id, "executor", shortID(from.String()), "status", last.Status)
		a.verify.strike(from.String())
		return &routeAnswer{Response: last}, nil
	}
	class := "timeout"
	switch {
	case last.Status >= 500:
		class = fmt.Sprintf("http-%d", last.Status)
	case !strings.Contains(last.Error, "deadline") && !strings.Contains(last.Error, "Timeout"):
		class = "network"
	}
	rj, _ := json.Marshal(req.Request)
	named := req.Request.Method + " " + req.Request.URL
	if len(named) > 512 {
		named = named[:512]
	}
	att, err := attest.SignNetwork(n.key.ECDSA, n.domain, attest.FailureSchema, map[string]any{
		"instance": id.String(), "action": req.Action, "request": named, "requestHash": crypto.Keccak256Hash(rj).Hex(),
		"errorClass": class, "attempts": fmt.Sprint(req.Attempts + n.cfg.Network.RouteAttempts),
	}, time.Now())
	if err != nil {
		return nil, err
	}
	if err := n.publishOwn(ctx, n.key, wire.FailureTopic(id), att); err != nil {
		n.metric.routed.WithLabelValues("publish-failed").Inc()
		return nil, fmt.Errorf("route: publish the failure attestation: %w", err)
	}
	n.metric.routed.WithLabelValues("failed").Inc()
	n.log.Warn("external call failed on the anchor too; failure attested", "instance", id, "action", req.Action, "class", class, "failure", att.UID)
	return &routeAnswer{Response: last, Failure: att.UID.String()}, nil
}

// errNotTheScriptsCall refuses to route a request the action's script does
// not make: an executor cannot have an anchor attest the failure of a call
// of its own choosing.
var errNotTheScriptsCall = errors.New("the action's script does not make this call")

// checkRoutedCall runs the action on the inputs the executor sent, answering
// its earlier external calls from what the executor recorded, and accepts
// the request only if the script makes exactly it next.
func (a *anchorRole) checkRoutedCall(ctx context.Context, lb *loadedBundle, id wire.InstanceID, req *routeCall) error {
	chk := &routeCheck{prior: req.Prior, want: req.Request}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, _ = lb.Module.Run(ctx, sandbox.Call{Kind: sandbox.KindAction, Name: req.Action, State: req.State, Args: req.Args,
		Env: sandbox.Env{Instance: id.String(), Now: time.UnixMilli(req.NowMs), Egress: lb.Manifest.Service.Egress,
			EgressAnyPort: a.n.cfg.Network.RoutePrivate, Fetcher: chk, Tokens: chk, IdempotencyKey: req.Key}})
	switch {
	case chk.bad != "":
		return fmt.Errorf("%w: %s", errNotTheScriptsCall, chk.bad)
	case !chk.reached:
		return fmt.Errorf("%w: it makes %d external calls on these inputs, not %d", errNotTheScriptsCall, chk.i, len(req.Prior)+1)
	case !chk.matched:
		return fmt.Errorf("%w: call %d is another request", errNotTheScriptsCall, len(req.Prior)+1)
	}
	return nil
}

// routeCheck answers a re-run action's calls from the executor's record
// and compares the next one with the request to route.
type routeCheck struct {
	prior            []sandbox.External
	want             *sandbox.FetchRequest
	i                int
	reached, matched bool
	bad              string
}

// errRouteChecked answers the re-run's calls that are not the executor's
// earlier ones.
var errRouteChecked = errors.New("checked by the anchor")

// recorded takes the re-run's next call. If it is one the executor made
// before the call to route, it checks the request against the executor's
// record and decodes the recorded answer into out, and reports true.
func (c *routeCheck) recorded(kind string, req, out any) bool {
	i := c.i
	c.i++
	if i >= len(c.prior) {
		return false
	}
	rq, _ := json.Marshal(req)
	if c.prior[i].Kind != kind || !wire.SameJSON(rq, c.prior[i].Request) {
		if c.bad == "" {
			c.bad = fmt.Sprintf("call %d differs from the executor's record", i+1)
		}
		return false
	}
	if json.Unmarshal(c.prior[i].Response, out) != nil {
		c.bad = fmt.Sprintf("call %d: the recorded answer is not a %s answer", i+1, kind)
		return false
	}
	return true
}

// QueryToken answers an earlier ctx.tokens.query from the executor's record.
func (c *routeCheck) QueryToken(_ context.Context, instance, name string, args json.RawMessage) (json.RawMessage, error) {
	var ans struct {
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	if !c.recorded("tokens.query", map[string]any{"instance": instance, "name": name, "args": args}, &ans) {
		return nil, errRouteChecked // the call to route is a fetch, not this
	}
	if ans.Error != "" {
		return nil, errors.New(ans.Error)
	}
	return ans.Result, nil
}

// Fetch answers an earlier fetch from the executor's record and compares
// the next one with the request to route.
func (c *routeCheck) Fetch(_ context.Context, req *sandbox.FetchRequest, _ int) *sandbox.FetchResponse {
	stop := &sandbox.FetchResponse{Error: errRouteChecked.Error()}
	if c.i == len(c.prior) {
		c.i++
		c.reached = true
		a, _ := json.Marshal(req)
		b, _ := json.Marshal(c.want)
		c.matched = wire.SameJSON(a, b)
		return stop
	}
	var resp sandbox.FetchResponse
	if !c.recorded("fetch", req, &resp) {
		return stop
	}
	return &resp
}

func mustBundleHash(s string) tokenscript.BundleHash {
	h, _ := tokenscript.ParseBundleHash(s)
	return h
}

// --- full fallback mode: integrations' queries through anchors ---

// fullMode reads an anchor's query or action request: the instance's
// record and the body, or, outside full fallback mode, a 421 sending the
// caller to the replicas.
func (a *anchorRole) fullMode(w http.ResponseWriter, r *http.Request) (*placement.Record, []byte, bool) {
	id, ok := instanceParam(w, r)
	if !ok {
		return nil, nil, false
	}
	body, ok := httpapi.Body(w, r, a.n.cfg.HTTP.MaxBodyBytes)
	if !ok {
		return nil, nil, false
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	rec, _ := a.record(r.Context(), id)
	if rec == nil {
		httpapi.Error(w, r, http.StatusNotFound, "unknown-instance", "no token instance "+id.String()+" is known to the network")
		return nil, nil, false
	}
	if mode, _ := a.mode(); mode != governance.ModeFull {
		httpapi.WriteProblem(w, r, wire.Problem{
			Type: httpapi.ProblemType("not-a-replica"), Title: "Misdirected Request", Status: http.StatusMisdirectedRequest,
			Detail: "the network is in " + mode + " mode: ask the instance's replicas (actions: its executor) in route", Route: a.n.routeOf(rec),
		})
		return nil, nil, false
	}
	return rec, body, true
}

// reexecute replays a forwarded execution for a share of calls: "yes" when
// it replayed, "no" when not sampled or not provable, "mismatch" when the
// node's answer does not replay (evidence published).
func (a *anchorRole) reexecute(ctx context.Context, p string, rec *placement.Record, it keptTranscript) string {
	if it.Transcript == nil || rand.Float64() >= a.n.cfg.Network.FullShare {
		return "no"
	}
	addr, _ := nodekey.AddressOfPeer(peerIDOf(p))
	switch a.verify.check(ctx, p, addr, &sampleItem{keptTranscript: it, Bundle: rec.Bundle}) {
	case "mismatch":
		return "mismatch"
	case "match":
		return "yes"
	}
	return "no"
}

// httpQuery on an anchor: in full mode it forwards the query to a replica,
// re-executes a share of the answers and answers with the replica's
// receipt; in other modes it sends the caller to the replicas (421).
func (a *anchorRole) httpQuery(w http.ResponseWriter, r *http.Request) {
	rec, body, ok := a.fullMode(w, r)
	if !ok {
		return
	}
	req := &execReq{Instance: rec.Instance, Name: r.PathValue("name"), Args: body, Grant: r.Header.Get(wire.GrantHeader)}
	var lastErr error
	for _, p := range append([]string{rec.Executor}, rec.Replicas...) {
		resp, err := p2p.Call[execReq, execResp](r.Context(), a.n.host, peerIDOf(p), protoExec, req)
		if err != nil {
			lastErr = err
			continue
		}
		if pr := resp.Problem; pr != nil {
			httpapi.Error(w, r, pr.Status, pr.Code, pr.Detail)
			return
		}
		out := resp.Outcome
		if out == nil {
			lastErr = errors.New("empty answer")
			continue
		}
		verified := a.reexecute(r.Context(), p, rec, keptTranscript{Transcript: out.Transcript, State: out.State, Receipt: out.Receipt})
		if verified == "mismatch" {
			lastErr = fmt.Errorf("replica %s answered wrongly; evidence published", shortID(p))
			continue
		}
		writeQueryAnswer(w, out, p, map[string]string{wire.ViaHeader: a.n.peerStr, wire.ReexecutedHeader: verified})
		return
	}
	httpapi.Error(w, r, http.StatusBadGateway, "no-replica-answered", fmt.Sprintf("no replica of %s answered", rec.Instance))
	a.n.log.Warn("full mode: no replica answered", "instance", rec.Instance, "err", lastErr)
}

// httpAction on an anchor: in full mode it forwards the action to the
// executor and replays a share of the executions (external calls answered
// from the transcript); in other modes it sends the caller to the executor.
func (a *anchorRole) httpAction(w http.ResponseWriter, r *http.Request) {
	httpapi.ExtendWrite(w, a.n.cfg.Service.ActionTimeout.Duration)
	key := r.Header.Get(wire.IdempotencyHeader)
	if key == "" || len(key) > maxIdempotencyKey {
		httpapi.Error(w, r, http.StatusBadRequest, "idempotency-key-required",
			fmt.Sprintf("an action needs an %s header of 1..%d characters", wire.IdempotencyHeader, maxIdempotencyKey))
		return
	}
	rec, body, ok := a.fullMode(w, r)
	if !ok {
		return
	}
	req := &execReq{Instance: rec.Instance, Name: r.PathValue("name"), Args: body, Grant: r.Header.Get(wire.GrantHeader), Key: key}
	resp, err := p2p.Call[execReq, execResp](r.Context(), a.n.host, peerIDOf(rec.Executor), protoExec, req)
	switch {
	case err != nil:
		w.Header().Set("Retry-After", "1")
		httpapi.Error(w, r, http.StatusBadGateway, "executor-unreachable", fmt.Sprintf("the executor of %s did not answer (retry with the same key)", rec.Instance))
		a.n.log.Warn("full mode: executor did not answer", "instance", rec.Instance, "err", err)
		return
	case resp.Problem != nil:
		httpapi.Error(w, r, resp.Problem.Status, resp.Problem.Code, resp.Problem.Detail)
		return
	case resp.Action == nil:
		httpapi.Error(w, r, http.StatusBadGateway, "executor-unreachable", "empty answer from the executor")
		return
	}
	out := resp.Action
	verified := a.reexecute(r.Context(), rec.Executor, rec, keptTranscript{Transcript: out.Transcript, State: out.StateBefore, Receipt: receiptOf(out.Receipt)})
	if verified == "mismatch" {
		httpapi.Error(w, r, http.StatusBadGateway, "wrong-execution",
			"the executor's execution does not replay; slashing evidence is published: retry with the same key once the instance has moved")
		return
	}
	writeActionAnswer(w, out, rec.Executor, map[string]string{wire.ViaHeader: a.n.peerStr, wire.ReexecutedHeader: verified})
}
