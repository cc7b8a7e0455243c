// Package executor runs token actions on the instances this node executes:
// once per idempotency key, one action of an instance at a time, in the
// sandbox with the action's external calls retried and, failing that,
// routed through the instance's responsible anchor (which signs a failure
// attestation when the call keeps failing). Each result is signed as an
// action-result attestation, published on the instance's result topic,
// applied here before the next action of the instance runs, sealed in a
// receipt and kept for repeated requests. Pending actions that triggers
// left are run by a work loop per instance.
//
// The executor holds no instances: it reads them through Deps, as the
// instance shards last left them, and publishes through Deps.
package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// Errors of running an action.
var (
	ErrNotHere       = errors.New("this node does not hold the instance")
	ErrBundleMissing = errors.New("this replica has not loaded the token's bundle yet")
	ErrNotExecutor   = errors.New("this replica is not the instance's executor")
	ErrUnknownAction = errors.New("unknown action")
)

// Outcome is an action's outcome as the executor keeps it: the answer
// (stored under its key for repeated requests) and, for a fresh run, what
// an anchor in full fallback mode replays.
type Outcome struct {
	wire.ActionOutcome
	// Transcript and StateBefore of a fresh run (not of a repeated key);
	// never stored and never in the HTTP answer.
	Transcript  *sandbox.Transcript `json:"transcript,omitempty"`
	StateBefore json.RawMessage     `json:"stateBefore,omitempty"`
}

// Config is the executor's part of the node's configuration.
type Config struct {
	ActionTimeout time.Duration // one action, external calls included
	FetchTimeout  time.Duration // one try of an external call
	FetchAttempts int           // tries before the anchor is asked to route a call
	EgressPrivate bool          // external calls may reach private addresses (devnet)
	// ActionVars are added to a triggered action's arguments.
	ActionVars map[string]string
	// OutcomeRetention: kept outcomes older than this are pruned (0: kept).
	OutcomeRetention time.Duration
	// RetryPending: how long a pending action whose every try failed short
	// of the script waits to be tried again (0: DefaultRetryPending).
	RetryPending time.Duration
}

// Metrics are the executor's counters; nil fields are not counted.
type Metrics struct {
	Actions      *prometheus.CounterVec // by result
	ActionTime   prometheus.Histogram
	FetchRetries prometheus.Counter
}

// Deps is what an executor needs of its node, given once.
type Deps struct {
	Config  Config
	Metrics Metrics
	// Self is this node's peer ID, as placement records name executors.
	Self   string
	Key    *nodekey.Key
	Domain attest.Domain
	Store  *store.Store
	Log    *slog.Logger
	Now    func() time.Time
	// Spawn runs a goroutine the node waits for when it stops.
	Spawn func(func())
	// Instance is an instance as its shard last left it (nil: not held).
	Instance func(wire.InstanceID) *token.Instance
	// Bundle is the loaded bundle an instance runs.
	Bundle func(*token.Instance) (*registry.Bundle, bool)
	// Publish sequences an attestation on this node's stream of a topic and
	// publishes it (stored and applied here, then gossiped).
	Publish func(ctx context.Context, topic string, att *attest.Signed) error
	// Settle waits until the instance's shard has applied what was
	// delivered to it so far.
	Settle func(wire.InstanceID)
	// CatchUp fetches a topic's entries from the anchors (nil: no network).
	CatchUp func(topic string)
	// Seal vouches for an execution with a receipt (nil: receipts off).
	Seal func(tr *sandbox.Transcript, root sandbox.Hash, fencing uint64) (*receipt.Receipt, error)
	// Keep keeps an execution for anchors to sample.
	Keep func(tr *sandbox.Transcript, state json.RawMessage, rc *receipt.Receipt)
	// Tokens answers the module's ctx.tokens.query.
	Tokens sandbox.TokenQuerier
	// FinalCallError reports whether a failed call to another token failed
	// for good (refused, the other module's error) rather than for a reason
	// that may pass (no route, a node down, a 5xx); nil: every failure is
	// final.
	FinalCallError func(error) bool
	// Route asks the responsible anchor to make an external call the
	// executor could not (the route-failure protocol).
	Route func(ctx context.Context, anchor string, call *RouteCall) (*RouteAnswer, error)
	// ErrorCode names an error of the sandbox for the actions metric.
	ErrorCode func(error) string
}

// Executor runs actions; see the package doc.
type Executor struct {
	d   Deps
	ctx context.Context // from Start: ends when the node stops

	mu       sync.Mutex
	inflight map[string]*call // by instance/key
	started  atomic.Bool      // Start ran: x.ctx is the node's
	// answering counts the entries whose calls are being answered;
	// answerTries, the tries of entries whose calls failed for a reason
	// that may pass (instance/uid).
	answering   int
	answerTries map[string]int
	workers     map[wire.InstanceID]*worker
	// One action of an instance at a time: the next one sees the state the
	// previous one left (its result is applied here before it returns).
	locks map[wire.InstanceID]*instLock
}

type instLock struct {
	mu   sync.Mutex
	refs int
}

type call struct {
	done chan struct{}
	out  *Outcome
	err  error
}

// New makes an executor; Start begins its background work.
func New(d Deps) *Executor {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Config.RetryPending <= 0 {
		d.Config.RetryPending = DefaultRetryPending
	}
	return &Executor{d: d, ctx: context.Background(), inflight: map[string]*call{}, workers: map[wire.InstanceID]*worker{}, locks: map[wire.InstanceID]*instLock{}}
}

// Start sets the executor's lifetime (work loops and detached actions end
// with ctx) and starts pruning kept outcomes.
func (x *Executor) Start(ctx context.Context) {
	x.ctx = ctx
	x.started.Store(true)
	if r := x.d.Config.OutcomeRetention; r > 0 {
		x.d.Spawn(func() { x.pruneLoop(r) })
	}
}

func (x *Executor) count(result string) {
	if x.d.Metrics.Actions != nil {
		x.d.Metrics.Actions.WithLabelValues(result).Inc()
	}
}

// lock takes the instance's action lock; the returned function releases it.
func (x *Executor) lock(id wire.InstanceID) func() {
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

// ScopedKey is an idempotency key within its action.
func ScopedKey(action, key string) string { return action + "\x00" + key }

// Done reports whether an action's outcome is kept for key.
func (x *Executor) Done(id wire.InstanceID, name, key string) bool {
	b, err := x.d.Store.Get(OutcomeKey(id, ScopedKey(name, key)))
	return err == nil && b != nil
}

// Run performs an action once per idempotency key: a repeated key gets the
// stored outcome, a concurrent one waits for the first.
func (x *Executor) Run(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage) (*Outcome, error) {
	return x.run(ctx, id, name, key, args, 0)
}

// run is Run, with a kept outcome reused only if it was signed under
// fencing number minFencing or a later one.
func (x *Executor) run(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage, minFencing uint64) (*Outcome, error) {
	// Keys are scoped to the action: one key sent with two actions runs
	// each once, and never answers one with the other's outcome.
	if b, err := x.d.Store.Get(OutcomeKey(id, ScopedKey(name, key))); err == nil && b != nil {
		var out Outcome
		if json.Unmarshal(b, &out) == nil && out.Fencing >= minFencing {
			x.count("repeated")
			return &out, nil
		}
	}
	k := id.String() + "/" + ScopedKey(name, key)
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
	c := &call{done: make(chan struct{})}
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

// Detach returns a context that keeps ctx's values but not its
// cancellation, and ends when the executor stops: an action a caller gave
// up on still completes and publishes its result (a retry with the same
// key then gets it), but a stopping node publishes nothing half done.
func (x *Executor) Detach(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(x.ctx, cancel)
	return c, func() { stop(); cancel() }
}

// execute runs the action in the sandbox, publishes its result and keeps
// the outcome for repeated requests.
func (x *Executor) execute(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage) (*Outcome, error) {
	in := x.d.Instance(id)
	if in == nil {
		return nil, ErrNotHere
	}
	rec := in.Record
	if rec.Executor != x.d.Self {
		return nil, ErrNotExecutor
	}
	lb, ok := x.d.Bundle(in)
	if !ok {
		return nil, ErrBundleMissing
	}
	if !lb.Module.HasAction(name) {
		return nil, fmt.Errorf("%w: token %s has no action %q; it has %v", ErrUnknownAction, lb.Manifest.Name, name, lb.Module.Actions())
	}
	cfg := x.d.Config
	start := x.d.Now()
	fetch := &routedFetcher{x: x, rec: rec, action: name, state: in.State, args: args, now: start, key: key}
	began := time.Now()
	before := sandbox.Hash(in.Root()) // the state is canonical: its root is its bytes' hash
	res, err := lb.Module.Run(ctx, sandbox.Call{Kind: sandbox.KindAction, Name: name, State: in.State, Args: args, StateRoot: &before,
		Timeout: cfg.ActionTimeout, FetchTimeout: cfg.ActionTimeout,
		Env: sandbox.Env{Instance: id.String(), Now: start, Egress: lb.Manifest.Service.Egress, Fetcher: fetch,
			Tokens: fetch.Tokens(x.d.Tokens), IdempotencyKey: key, EgressAnyPort: cfg.EgressPrivate}})
	if h := x.d.Metrics.ActionTime; h != nil {
		h.Observe(time.Since(began).Seconds())
	}
	if err == nil && ctx.Err() != nil {
		// Cancelled (the node is stopping): what the calls answered is not
		// the action's outcome. Publish nothing; a pending action stays for
		// the next run or the next executor, a caller retries with its key.
		err = ctx.Err()
	}
	if err != nil {
		code := "script-error"
		if x.d.ErrorCode != nil {
			code = x.d.ErrorCode(err)
		}
		x.count(code)
		return nil, err
	}
	patch, err := token.StatePatch(in.State, res.State)
	if errors.Is(err, token.ErrNotObject) {
		err = fmt.Errorf("%w: %v", sandbox.ErrScript, err)
	}
	if err != nil {
		x.count("script-error")
		return nil, err
	}
	tr := res.Transcript
	tr.Offsets = in.Offsets // where in the log the state before stood
	root := tr.Root()
	att, err := x.signResult(rec, name, key, root, patch, res.Output)
	if err != nil {
		return nil, err
	}
	out := &Outcome{ActionOutcome: wire.ActionOutcome{Instance: id, Action: name, Key: key, Result: res.Output, Patch: patch,
		Attestation: att.UID.String(), Fencing: rec.Fencing, Executor: x.d.Self, DoneMs: x.d.Now().UnixMilli()}}
	if err := x.d.Publish(ctx, wire.ResultTopic(id), att); err != nil {
		x.count("publish-failed")
		return nil, fmt.Errorf("publish the action result: %w", err)
	}
	// The result is delivered; once its shard has applied it, the next
	// action of the instance sees the state it left.
	x.d.Settle(id)
	var rc *receipt.Receipt
	if x.d.Seal != nil {
		if rc, err = x.d.Seal(tr, root, rec.Fencing); err != nil {
			return nil, err
		}
		if out.Receipt, err = json.Marshal(rc); err != nil {
			return nil, err
		}
	}
	if x.d.Keep != nil {
		x.d.Keep(tr, in.State, rc)
	}
	enc, _ := json.Marshal(out)
	if err := x.d.Store.Put(OutcomeKey(id, ScopedKey(name, key)), enc); err != nil {
		return nil, err
	}
	out.Transcript, out.StateBefore = tr, in.State
	x.count("ok")
	x.d.Log.Info("action done", "instance", id, "action", name, "key", key, "result", string(res.Output))
	return out, nil
}

// PruneOutcomes deletes kept outcomes finished before cutoff and returns
// how many went. A key repeated after that runs the action again, which the
// external API's own idempotency answers.
func (x *Executor) PruneOutcomes(cutoff time.Time) (int, error) {
	st := x.d.Store
	var old [][]byte
	err := st.Each([]byte(PrefixOutcome), func(k, v []byte) error {
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
func (x *Executor) pruneLoop(retention time.Duration) {
	t := time.NewTicker(max(time.Minute, retention/10))
	defer t.Stop()
	for {
		select {
		case <-x.ctx.Done():
			return
		case <-t.C:
		}
		if n, err := x.PruneOutcomes(x.d.Now().Add(-retention)); err != nil {
			x.d.Log.Warn("pruning action outcomes", "err", err)
		} else if n > 0 {
			x.d.Log.Debug("pruned action outcomes", "count", n)
		}
	}
}

// signResult makes the executor's action-result attestation.
func (x *Executor) signResult(rec *placement.Record, name, key string, root sandbox.Hash, patch, result json.RawMessage) (*attest.Signed, error) {
	recJSON, _ := json.Marshal(rec)
	return attest.SignNetwork(x.d.Key.ECDSA, x.d.Domain, attest.ActionResultSchema, map[string]any{
		"instance": rec.Instance.String(), "action": name, "idempotencyKey": key, "fencing": fmt.Sprint(rec.Fencing),
		"transcriptRoot": hexutil.Encode(root[:]), "patch": string(patch), "result": string(result), "record": string(recJSON),
	}, x.d.Now())
}

// giveUp answers a triggered action that keeps failing in the script
// itself (it threw, ran out of time or memory, reached an undeclared host)
// with a result that changes nothing and says why, so every replica drops
// it from its pending list instead of the executor retrying it forever.
func (x *Executor) giveUp(id wire.InstanceID, p *token.PendingAction, cause error) {
	in := x.d.Instance(id)
	if in == nil || in.Record.Executor != x.d.Self {
		return
	}
	result, _ := json.Marshal(map[string]string{"error": cause.Error()})
	att, err := x.signResult(in.Record, p.Action, p.Key, sandbox.Hash{}, json.RawMessage("{}"), result)
	if err == nil {
		err = x.d.Publish(x.ctx, wire.ResultTopic(id), att)
	}
	if err != nil {
		x.d.Log.Error("cannot publish a failed action's result", "instance", id, "action", p.Action, "err", err)
		return
	}
	x.d.Settle(id) // the work loop then sees the action answered
	x.count("given-up")
	x.d.Log.Warn("triggered action given up after its script failed every try", "instance", id, "action", p.Action, "err", cause)
}

// Kick starts the instance's pending actions if this node executes it. A
// kick while the instance's work loop runs makes the loop look again
// before it ends, so an action that became pending as the loop was
// finishing is not left waiting for the next kick.
func (x *Executor) Kick(id wire.InstanceID) {
	in := x.d.Instance(id)
	if in == nil || in.Record.Executor != x.d.Self || len(in.Pending) == 0 {
		return
	}
	x.mu.Lock()
	if w := x.workers[id]; w != nil {
		w.again = true
		x.mu.Unlock()
		return
	}
	w := &worker{}
	x.workers[id] = w
	x.mu.Unlock()
	x.d.Spawn(func() { x.work(id, w) })
}

// worker is an instance's running work loop.
type worker struct {
	again bool // kicked while running: look at the pending actions again
}

// DefaultRetryPending is how long a pending action whose every try failed
// short of the script (its result could not be published, its bundle was
// not loaded yet) waits before the executor tries it again. An action
// whose script failed every try is given up instead (giveUp).
const DefaultRetryPending = 5 * time.Second

// work runs the instance's pending actions until none is left to try and
// no kick came meanwhile; actions left over are tried again after
// Config.RetryPending.
func (x *Executor) work(id wire.InstanceID, w *worker) {
	for {
		left := x.runPending(id)
		x.mu.Lock()
		if w.again && x.ctx.Err() == nil {
			w.again = false
			x.mu.Unlock()
			continue
		}
		delete(x.workers, id)
		x.mu.Unlock()
		if left {
			time.AfterFunc(x.d.Config.RetryPending, func() {
				if x.ctx.Err() == nil {
					x.Kick(id)
				}
			})
		}
		return
	}
}

// runPending runs an instance's pending actions, oldest first, while this
// node is its executor, each tried a few times with backoff. It reports
// whether actions are left pending that failed every try.
func (x *Executor) runPending(id wire.InstanceID) (left bool) {
	// A predecessor may have finished some of these actions: its results
	// are in the anchors' logs even if they have not reached this node yet.
	// Catch up on the instance's own topics first, so a finished action is
	// not run again (its key would keep the external effect single, but a
	// failed one would be retried).
	if x.d.CatchUp != nil {
		x.d.CatchUp(wire.ResultTopic(id))
		x.d.CatchUp(wire.FailureTopic(id))
		x.d.Settle(id) // what catch-up delivered is applied before Pending is read
	}
	tries := map[string]int{}
	for {
		in := x.d.Instance(id)
		if in == nil || in.Record.Executor != x.d.Self || x.ctx.Err() != nil {
			return false
		}
		var next *token.PendingAction
		for i := range in.Pending {
			if tries[in.Pending[i].Key] < 3 {
				next = &in.Pending[i]
				break
			}
		}
		if next == nil {
			return len(in.Pending) > 0
		}
		tries[next.Key]++
		args := map[string]any{"trigger": next.Trigger, "cause": next.Cause}
		for k, v := range x.d.Config.ActionVars {
			args[k] = v
		}
		aj, _ := json.Marshal(args)
		// An outcome kept from a run under an older record is not this
		// action's answer: it is still pending here, so its result was
		// refused (signed by a fenced-off executor: this node, before the
		// record that names it again) and the action runs anew, under its
		// key, so its external calls take effect once.
		_, err := x.run(x.ctx, id, next.Action, next.Key, aj, in.Record.Fencing)
		if err != nil {
			x.d.Log.Warn("triggered action failed", "instance", id, "action", next.Action, "try", tries[next.Key], "err", err)
			if tries[next.Key] == 3 && IsScriptErr(err) && !errors.Is(err, context.Canceled) {
				x.giveUp(id, next, err)
				continue
			}
			select {
			case <-x.ctx.Done():
				return false
			case <-time.After(time.Duration(tries[next.Key]) * 200 * time.Millisecond):
			}
		}
	}
}

// IsScriptErr reports whether err came from the sandbox.
func IsScriptErr(err error) bool {
	for _, e := range []error{sandbox.ErrScript, sandbox.ErrTimeout, sandbox.ErrMemory, sandbox.ErrTooManyCalls, sandbox.ErrEgress,
		sandbox.ErrInputTooLarge, sandbox.ErrOutputTooLarge, context.Canceled} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
