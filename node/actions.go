package node

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/p2p"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// maxIdempotencyKey bounds the key's length.
const maxIdempotencyKey = 200

// actionOutcome is an action's outcome as the executor keeps it: the
// answer (stored under its key for repeated requests) and, for a fresh run,
// what an anchor in full fallback mode replays.
type actionOutcome struct {
	wire.ActionOutcome
	// Transcript and StateBefore of a fresh run (not of a repeated key);
	// never stored and never in the HTTP answer.
	Transcript  *sandbox.Transcript `json:"transcript,omitempty"`
	StateBefore json.RawMessage     `json:"stateBefore,omitempty"`
}

// Errors of running an action.
var (
	errNotExecutor   = errors.New("this replica is not the instance's executor")
	errUnknownAction = errors.New("unknown action")
)

// executor runs actions on the instances this node executes.
type executor struct {
	s        *serviceRole
	mu       sync.Mutex
	inflight map[string]*actionCall // by instance/key
	workers  map[wire.InstanceID]bool
	// One action of an instance at a time: the next one sees the state the
	// previous one left (its result is applied here before it returns).
	locks map[wire.InstanceID]*instLock
}

type instLock struct {
	mu   sync.Mutex
	refs int
}

// lock takes the instance's action lock; the returned function releases it.
func (x *executor) lock(id wire.InstanceID) func() {
	x.mu.Lock()
	l := x.locks[id]
	if l == nil {
		l = &instLock{}
		x.locks[id] = l
	}
	l.refs++
	x.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		x.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(x.locks, id)
		}
		x.mu.Unlock()
	}
}

type actionCall struct {
	done chan struct{}
	out  *actionOutcome
	err  error
}

func newExecutor(s *serviceRole) *executor {
	return &executor{s: s, inflight: map[string]*actionCall{}, workers: map[wire.InstanceID]bool{}, locks: map[wire.InstanceID]*instLock{}}
}

// scopedKey is an idempotency key within its action.
func scopedKey(action, key string) string { return action + "\x00" + key }

// run performs an action once per idempotency key: a repeated key gets the
// stored outcome, a concurrent one waits for the first.
func (x *executor) run(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage) (*actionOutcome, error) {
	// Keys are scoped to the action: one key sent with two actions runs
	// each once, and never answers one with the other's outcome.
	if b, err := x.s.n.store.Get(outcomeKey(id, scopedKey(name, key))); err == nil && b != nil {
		var out actionOutcome
		if json.Unmarshal(b, &out) == nil {
			x.s.n.metric.actions.WithLabelValues("repeated").Inc()
			return &out, nil
		}
	}
	k := id.String() + "/" + scopedKey(name, key)
	x.mu.Lock()
	if c, ok := x.inflight[k]; ok {
		x.mu.Unlock()
		select {
		case <-c.done:
			return c.out, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &actionCall{done: make(chan struct{})}
	x.inflight[k] = c
	x.mu.Unlock()
	unlock := x.lock(id)
	c.out, c.err = x.execute(ctx, id, name, key, args)
	unlock()
	x.mu.Lock()
	delete(x.inflight, k)
	x.mu.Unlock()
	close(c.done)
	return c.out, c.err
}

// execute runs the action in the sandbox, publishes its result and keeps
// the outcome for repeated requests.
func (x *executor) execute(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage) (*actionOutcome, error) {
	s := x.s
	n := s.n
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		return nil, errNotHere
	}
	rec := in.Record
	if rec.Executor != n.peerStr {
		return nil, errNotExecutor
	}
	lb, ok := s.bundleOf(in)
	if !ok {
		return nil, errBundleMissing
	}
	if !lb.Module.HasAction(name) {
		return nil, fmt.Errorf("%w: token %s has no action %q; it has %v", errUnknownAction, lb.Manifest.Name, name, lb.Module.Actions())
	}
	start := time.Now()
	fetch := &routedFetcher{s: s, rec: rec, action: name, state: in.State, args: args, now: start, key: key}
	res, err := lb.Module.Run(ctx, sandbox.Call{Kind: sandbox.KindAction, Name: name, State: in.State, Args: args,
		Timeout: n.cfg.Service.ActionTimeout.Duration, FetchTimeout: n.cfg.Service.ActionTimeout.Duration,
		Env: sandbox.Env{Instance: id.String(), Now: start, Egress: lb.Manifest.Service.Egress, Fetcher: fetch,
			Tokens: fetch.tokens(s), IdempotencyKey: key, EgressAnyPort: n.cfg.Service.EgressPrivate}})
	n.metric.actionTime.Observe(time.Since(start).Seconds())
	if err == nil && ctx.Err() != nil {
		// Cancelled (the node is stopping): what the calls answered is not
		// the action's outcome. Publish nothing; a pending action stays for
		// the next run or the next executor, a caller retries with its key.
		err = ctx.Err()
	}
	if err != nil {
		_, code := scriptErrorStatus(err)
		n.metric.actions.WithLabelValues(code).Inc()
		return nil, err
	}
	patch, err := token.StatePatch(in.State, res.State)
	if errors.Is(err, token.ErrNotObject) {
		err = fmt.Errorf("%w: %v", sandbox.ErrScript, err)
	}
	if err != nil {
		n.metric.actions.WithLabelValues("script-error").Inc()
		return nil, err
	}
	tr := res.Transcript
	root := tr.Root()
	att, err := x.signResult(rec, name, key, root, patch, res.Output)
	if err != nil {
		return nil, err
	}
	out := &actionOutcome{ActionOutcome: wire.ActionOutcome{Instance: id, Action: name, Key: key, Result: res.Output, Patch: patch,
		Attestation: att.UID.String(), Fencing: rec.Fencing, Executor: n.peerStr, DoneMs: time.Now().UnixMilli()}}
	if err := n.publishOwn(ctx, n.key, wire.ResultTopic(id), att); err != nil {
		n.metric.actions.WithLabelValues("publish-failed").Inc()
		return nil, fmt.Errorf("publish the action result: %w", err)
	}
	// The result is delivered; once its shard has applied it, the next
	// action of the instance sees the state it left.
	s.applier.settle(id)
	var rc *receipt.Receipt
	if s.receipts != nil {
		if rc, err = sealReceipt(s.receipts, tr, root, rec.Fencing); err != nil {
			return nil, err
		}
		if out.Receipt, err = json.Marshal(rc); err != nil {
			return nil, err
		}
	}
	s.keepTranscript(tr, in.State, rc)
	enc, _ := json.Marshal(out)
	if err := n.store.Put(outcomeKey(id, scopedKey(name, key)), enc); err != nil {
		return nil, err
	}
	out.Transcript, out.StateBefore = tr, in.State
	n.metric.actions.WithLabelValues("ok").Inc()
	n.log.Info("action done", "instance", id, "action", name, "key", key, "result", string(res.Output))
	return out, nil
}

// detach returns a context that keeps ctx's values but not its
// cancellation, and ends when the node stops: an action a caller gave up on
// still completes and publishes its result (a retry with the same key then
// gets it), but a stopping node publishes nothing half done.
func (n *Node) detach(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(n.ctx, cancel)
	return c, func() { stop(); cancel() }
}

// pruneOutcomes deletes kept outcomes finished before cutoff and returns
// how many went. A key repeated after that runs the action again, which the
// external API's own idempotency answers.
func (x *executor) pruneOutcomes(cutoff time.Time) (int, error) {
	st := x.s.n.store
	var old [][]byte
	err := st.Each(outcomesPrefix(), func(k, v []byte) error {
		var o struct {
			DoneMs int64 `json:"doneMs"`
		}
		if json.Unmarshal(v, &o) != nil || o.DoneMs < cutoff.UnixMilli() {
			old = append(old, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range old {
		if err := st.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(old), nil
}

// pruneLoop prunes kept outcomes now and then.
func (x *executor) pruneLoop(retention time.Duration) {
	t := time.NewTicker(max(time.Minute, retention/10))
	defer t.Stop()
	for {
		select {
		case <-x.s.n.ctx.Done():
			return
		case <-t.C:
		}
		if n, err := x.pruneOutcomes(time.Now().Add(-retention)); err != nil {
			x.s.n.log.Warn("pruning action outcomes", "err", err)
		} else if n > 0 {
			x.s.n.log.Debug("pruned action outcomes", "count", n)
		}
	}
}

// signResult makes the executor's action-result attestation.
func (x *executor) signResult(rec *placement.Record, name, key string, root sandbox.Hash, patch, result json.RawMessage) (*attest.Signed, error) {
	n := x.s.n
	recJSON, _ := json.Marshal(rec)
	return attest.SignNetwork(n.key.ECDSA, n.domain, attest.ActionResultSchema, map[string]any{
		"instance": rec.Instance.String(), "action": name, "idempotencyKey": key, "fencing": fmt.Sprint(rec.Fencing),
		"transcriptRoot": hexutil.Encode(root[:]), "patch": string(patch), "result": string(result), "record": string(recJSON),
	}, time.Now())
}

// giveUp answers a triggered action that keeps failing in the script
// itself (it threw, ran out of time or memory, reached an undeclared host)
// with a result that changes nothing and says why, so every replica drops
// it from its pending list instead of the executor retrying it forever.
func (x *executor) giveUp(id wire.InstanceID, p *token.PendingAction, cause error) {
	s := x.s
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil || in.Record.Executor != s.n.peerStr {
		return
	}
	result, _ := json.Marshal(map[string]string{"error": cause.Error()})
	att, err := x.signResult(in.Record, p.Action, p.Key, sandbox.Hash{}, json.RawMessage("{}"), result)
	if err == nil {
		err = s.n.publishOwn(s.n.ctx, s.n.key, wire.ResultTopic(id), att)
	}
	if err != nil {
		s.n.log.Error("cannot publish a failed action's result", "instance", id, "action", p.Action, "err", err)
		return
	}
	s.applier.settle(id) // the work loop then sees the action answered
	s.n.metric.actions.WithLabelValues("given-up").Inc()
	s.n.log.Warn("triggered action given up after its script failed every try", "instance", id, "action", p.Action, "err", cause)
}

// publishOwn sequences an attestation on this node's own stream of topic and
// publishes it: on disk and applied here, then gossiped.
func (n *Node) publishOwn(ctx context.Context, key *nodekey.Key, topic string, att *attest.Signed) error {
	aj, err := json.Marshal(att)
	if err != nil {
		return err
	}
	data, err := n.att.Sequence(key, topic, aj)
	if err != nil {
		return err
	}
	_, err = n.att.Publish(ctx, data, false)
	return err
}

// kick starts the instance's pending actions if this node executes it.
func (x *executor) kick(id wire.InstanceID) {
	s := x.s
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil || in.Record.Executor != s.n.peerStr || len(in.Pending) == 0 {
		return
	}
	x.mu.Lock()
	if x.workers[id] {
		x.mu.Unlock()
		return
	}
	x.workers[id] = true
	x.mu.Unlock()
	s.n.spawn(func() {
		defer func() {
			x.mu.Lock()
			delete(x.workers, id)
			x.mu.Unlock()
		}()
		x.work(id)
	})
}

// work runs an instance's pending actions, oldest first, while this node is
// its executor. A failed run is retried with backoff, a few times.
func (x *executor) work(id wire.InstanceID) {
	s := x.s
	// A predecessor may have finished some of these actions: its results
	// are in the anchors' logs even if they have not reached this node yet.
	// Catch up on the instance's own topics first, so a finished action is
	// not run again (its key would keep the external effect single, but a
	// failed one would be retried).
	if s.n.att != nil && s.n.att.Running() {
		s.n.att.CatchUp(wire.ResultTopic(id))
		s.n.att.CatchUp(wire.FailureTopic(id))
		s.applier.settle(id) // what catch-up delivered is applied before Pending is read
	}
	tries := map[string]int{}
	for {
		s.mu.RLock()
		in := s.inst[id]
		s.mu.RUnlock()
		if in == nil || in.Record.Executor != s.n.peerStr || s.n.ctx.Err() != nil {
			return
		}
		var next *token.PendingAction
		for i := range in.Pending {
			if tries[in.Pending[i].Key] < 3 {
				next = &in.Pending[i]
				break
			}
		}
		if next == nil {
			return
		}
		tries[next.Key]++
		args := map[string]any{"trigger": next.Trigger, "cause": next.Cause}
		for k, v := range s.n.cfg.Service.ActionVars {
			args[k] = v
		}
		aj, _ := json.Marshal(args)
		_, err := x.run(s.n.ctx, id, next.Action, next.Key, aj)
		if err != nil {
			s.n.log.Warn("triggered action failed", "instance", id, "action", next.Action, "try", tries[next.Key], "err", err)
			if tries[next.Key] == 3 && isScriptErr(err) && !errors.Is(err, context.Canceled) {
				x.giveUp(id, next, err)
				continue
			}
			select {
			case <-s.n.ctx.Done():
				return
			case <-time.After(time.Duration(tries[next.Key]) * 200 * time.Millisecond):
			}
		}
	}
}

// --- HTTP ---

func (s *serviceRole) httpAction(w http.ResponseWriter, r *http.Request) {
	id, ok := instanceParam(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	httpapi.ExtendWrite(w, s.n.cfg.Service.ActionTimeout.Duration)
	key := r.Header.Get(wire.IdempotencyHeader)
	if key == "" || len(key) > maxIdempotencyKey {
		httpapi.Error(w, r, http.StatusBadRequest, "idempotency-key-required",
			fmt.Sprintf("an action needs an %s header of 1..%d characters: the same key makes a retried request act once", wire.IdempotencyHeader, maxIdempotencyKey))
		return
	}
	body, ok := httpapi.Body(w, r, s.n.cfg.HTTP.MaxBodyBytes)
	if !ok {
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		httpapi.Error(w, r, http.StatusBadRequest, "malformed-json", "the action arguments must be a JSON value")
		return
	}
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		s.notHere(w, r, id)
		return
	}
	if err := s.checkActionGrant(in, name, r.Header.Get(wire.GrantHeader)); err != nil {
		grantError(w, r, err)
		return
	}
	ctx, cancel := s.n.detach(r.Context())
	defer cancel()
	out, err := s.exec.run(ctx, id, name, key, body)
	switch {
	case err == nil:
		writeActionAnswer(w, out, s.n.peerStr, nil)
	case errors.Is(err, errNotExecutor):
		s.n.metric.actions.WithLabelValues("not-executor").Inc()
		httpapi.WriteProblem(w, r, wire.Problem{
			Type: httpapi.ProblemType("not-executor"), Title: "Misdirected Request", Status: http.StatusMisdirectedRequest,
			Detail: "only the executor runs actions of " + id.String() + ": send it to route.executor",
			Route:  s.n.routeOf(in.Record),
		})
	case errors.Is(err, errNotHere):
		s.notHere(w, r, id)
	default:
		status, code := actionErrorStatus(err)
		httpapi.Error(w, r, status, code, err.Error())
	}
}

// checkActionGrant checks the owner's grant of an action that needs one.
func (s *serviceRole) checkActionGrant(in *instance, name, grant string) error {
	lb, ok := s.bundleOf(in)
	if !ok || !lb.Manifest.Service.ActionGrantRequired(name) {
		return nil
	}
	err := s.grants.check(grant, in.Owner, in.Record.Instance, "action:"+name, time.Now())
	if err != nil {
		s.n.metric.actions.WithLabelValues("grant-refused").Inc()
	}
	return err
}

// writeActionAnswer writes an action's outcome with its receipt header; the
// transcript stays with the node.
func writeActionAnswer(w http.ResponseWriter, out *actionOutcome, nodePeer string, extra map[string]string) {
	if hasJSON(out.Receipt) {
		w.Header().Set(wire.ReceiptHeader, base64.RawURLEncoding.EncodeToString(out.Receipt))
	}
	w.Header().Set(wire.NodeHeader, nodePeer)
	w.Header().Set(wire.FencingHeader, fmt.Sprint(out.Fencing))
	for k, v := range extra {
		w.Header().Set(k, v)
	}
	httpapi.WriteJSON(w, http.StatusOK, &out.ActionOutcome)
}

// hasJSON reports whether an optional JSON member is there (not absent,
// not null).
func hasJSON(v json.RawMessage) bool { return len(v) > 0 && string(v) != "null" }

// receiptOf decodes an outcome's receipt; nil when it has none or it does
// not decode (nothing is proven by it then).
func receiptOf(v json.RawMessage) *receipt.Receipt {
	var rc receipt.Receipt
	if !hasJSON(v) || json.Unmarshal(v, &rc) != nil {
		return nil
	}
	return &rc
}

// isScriptErr reports whether err came from the sandbox.
func isScriptErr(err error) bool {
	for _, e := range []error{sandbox.ErrScript, sandbox.ErrTimeout, sandbox.ErrMemory, sandbox.ErrTooManyCalls, sandbox.ErrEgress,
		sandbox.ErrInputTooLarge, sandbox.ErrOutputTooLarge, context.Canceled} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// routeCall is an executor's request that the responsible anchor make an
// external call it could not.
type routeCall struct {
	Record   *placement.Record      `json:"record"`
	Action   string                 `json:"action"`
	Request  *sandbox.FetchRequest  `json:"request"`
	Attempts int                    `json:"attempts"`
	Last     *sandbox.FetchResponse `json:"last,omitempty"`
	// The action's inputs and the external calls it made before this one:
	// the anchor runs the action on them and routes the call only if the
	// script makes exactly this request next.
	// State and Args travel as bytes (base64), not as JSON: the script's
	// random seed is derived from their exact bytes, which re-encoding
	// JSON would change.
	State []byte             `json:"state"`
	Args  []byte             `json:"args"`
	NowMs int64              `json:"nowMs"`
	Key   string             `json:"idempotencyKey"`
	Prior []sandbox.External `json:"prior,omitempty"`
}

// routeAnswer is the anchor's answer: the response it got, or the failure
// attestation it published.
type routeAnswer struct {
	Response *sandbox.FetchResponse `json:"response"`
	Failure  string                 `json:"failure,omitempty"`
}

// protoRoute carries routeCall.
const protoRoute = p2p.ProtocolPrefix + "/route-failure/1.0.0"

// routedFetcher makes an action's external calls: a few tries, then the
// responsible anchor's.
type routedFetcher struct {
	s      *serviceRole
	rec    *placement.Record
	action string
	// the action's inputs, and its external calls so far (the sandbox
	// calls Fetch from the script's goroutine, one call at a time)
	state, args json.RawMessage
	now         time.Time
	key         string
	calls       []sandbox.External
}

func fetchOK(r *sandbox.FetchResponse) bool { return r.Status != 0 && r.Status < 500 }

// fetchTries makes an external call up to tries times, each within
// timeout, waiting backoff, then twice that, and so on between tries; failed
// is called after each failed try. It returns the first good response, or
// the last one.
func fetchTries(ctx context.Context, f sandbox.HTTPFetcher, req *sandbox.FetchRequest, maxBody, tries int, timeout, backoff time.Duration, failed func()) *sandbox.FetchResponse {
	var last *sandbox.FetchResponse
	for i := 0; i < tries; i++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		last = f.Fetch(actx, req, maxBody)
		cancel()
		if fetchOK(last) {
			return last
		}
		failed()
		if i+1 < tries && backoff > 0 {
			select {
			case <-ctx.Done():
				return last
			case <-time.After(backoff << i):
			}
		}
	}
	return last
}

// tokens records the action's ctx.tokens.query calls next to its fetches,
// as the transcript does, so an anchor asked to route a later call can
// replay them.
func (f *routedFetcher) tokens(inner sandbox.TokenQuerier) sandbox.TokenQuerier {
	return recordingQuerier{f, inner}
}

type recordingQuerier struct {
	f     *routedFetcher
	inner sandbox.TokenQuerier
}

func (q recordingQuerier) QueryToken(ctx context.Context, instance, name string, args json.RawMessage) (json.RawMessage, error) {
	out, err := q.inner.QueryToken(ctx, instance, name, args)
	rq, _ := json.Marshal(map[string]any{"instance": instance, "name": name, "args": args})
	ans := map[string]any{"result": out}
	if err != nil {
		ans = map[string]any{"error": err.Error()}
	}
	rs, _ := json.Marshal(ans)
	q.f.calls = append(q.f.calls, sandbox.External{Kind: "tokens.query", Request: rq, Response: rs})
	return out, err
}

func (f *routedFetcher) Fetch(ctx context.Context, req *sandbox.FetchRequest, maxBody int) *sandbox.FetchResponse {
	out := f.fetch(ctx, req, maxBody)
	rq, _ := json.Marshal(req)
	rs, _ := json.Marshal(out)
	f.calls = append(f.calls, sandbox.External{Kind: "fetch", Request: rq, Response: rs})
	return out
}

func (f *routedFetcher) fetch(ctx context.Context, req *sandbox.FetchRequest, maxBody int) *sandbox.FetchResponse {
	n := f.s.n
	attempts := n.cfg.Service.FetchAttempts
	// ctx carries the token's declared hosts (sandbox.EgressFromContext);
	// every hop and address is checked by package egress.
	hf := sandbox.HTTPFetcher{AllowPrivate: n.cfg.Service.EgressPrivate, AnyPort: n.cfg.Service.EgressPrivate}
	last := fetchTries(ctx, hf, req, maxBody, attempts, n.cfg.Service.FetchTimeout.Duration, 50*time.Millisecond, n.metric.fetchRetries.Inc)
	if fetchOK(last) || ctx.Err() != nil {
		return last
	}
	anchor := peerIDOf(f.rec.AnchorPeer)
	n.log.Warn("external call failing; asking the responsible anchor to route it", "instance", f.rec.Instance,
		"url", req.URL, "attempts", attempts, "status", last.Status, "err", last.Error)
	ans, err := p2p.Call[routeCall, routeAnswer](ctx, n.host, anchor, protoRoute,
		&routeCall{Record: f.rec, Action: f.action, Request: req, Attempts: attempts, Last: last,
			State: f.state, Args: f.args, NowMs: f.now.UnixMilli(), Key: f.key, Prior: f.calls})
	if err != nil {
		n.log.Warn("the responsible anchor did not route the call", "instance", f.rec.Instance, "anchor", shortID(f.rec.AnchorPeer), "err", err)
		last.Error += "; the anchor could not route it: " + err.Error()
		return last
	}
	out := ans.Response
	if out == nil {
		out = last
	}
	out.Failure = ans.Failure
	return out
}
