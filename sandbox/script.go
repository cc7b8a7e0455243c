package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/smartlayer/smartlayer/token"
)

// TokenScript adapts a module to the token core's Script: the core's calls
// run here with the time they carry, and each result's transcript is a
// *Transcript.
//
// Calls to other tokens from apply, failed and trigger predicates answer
// from the recorded answers the core passes (token.Call.Answers); a call
// that is not among them stops the run with an error wrapping
// token.ErrNeedAnswer. A context made by WithLiveCalls (the instance's
// executor answering an entry) makes those calls for real instead.
func TokenScript(m *Module) token.Script { return tokenScript{m} }

type tokenScript struct{ m *Module }

// ErrNoAnswer is a TokenQuerier's error for a call it has no answer to and
// must not make: the run stops (the script cannot catch it).
var ErrNoAnswer = errors.New("sandbox: no recorded answer to this call")

type liveCallsKey struct{}

// LiveCalls makes the calls to other tokens of the token core's apply,
// failed and trigger runs for real, through Querier, and records each with
// its answer (or the error that failed it), whatever becomes of the run:
// the instance's executor answering an entry for its replicas.
type LiveCalls struct {
	Querier TokenQuerier
	// Timeout bounds each run's wall time, calls included (0: the
	// module's own limit).
	Timeout time.Duration
	// Final reports whether a call's error is final (nil: every one is);
	// Transient then says whether any call failed otherwise.
	Final func(error) bool

	mu        sync.Mutex
	calls     []token.CallRecord
	transient bool
}

// Transient reports whether a call failed for a reason that may pass.
func (l *LiveCalls) Transient() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.transient
}

// WithLiveCalls returns a context under which the token core's apply,
// failed and trigger runs call other tokens through l.
func WithLiveCalls(ctx context.Context, l *LiveCalls) context.Context {
	return context.WithValue(ctx, liveCallsKey{}, l)
}

// QueryToken makes the call and records it as the transcript would.
func (l *LiveCalls) QueryToken(ctx context.Context, call TokenCall) (*TokenAnswer, error) {
	ans, err := l.Querier.QueryToken(ctx, call)
	x := RecordTokenCall(call, ans, err)
	l.mu.Lock()
	l.calls = append(l.calls, token.CallRecord{Kind: x.Kind, Request: x.Request, Response: x.Response})
	if err != nil && l.Final != nil && !l.Final(err) {
		l.transient = true
	}
	l.mu.Unlock()
	return ans, err
}

// Calls returns the calls made so far, in order.
func (l *LiveCalls) Calls() []token.CallRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func (ts tokenScript) Run(ctx context.Context, c token.Call) (*token.Result, error) {
	env := Env{Instance: c.Instance.String(), Now: c.Now}
	if c.Kind == token.KindInit {
		st, err := ts.m.Init(ctx, c.Args, env)
		return &token.Result{State: st}, err
	}
	call := Call{Kind: Kind(c.Kind), Name: c.Name, State: c.State, Args: c.Args}
	if c.Kind == token.KindApply || c.Kind == token.KindFailure || c.Kind == token.KindTrigger {
		env.IdempotencyKey = c.Cause
		if l, ok := ctx.Value(liveCallsKey{}).(*LiveCalls); ok {
			env.Tokens, call.Timeout = l, l.Timeout
		} else {
			env.Tokens = recordedAnswers{c.Answers}
		}
	}
	call.Env = env
	res, err := ts.m.Run(ctx, call)
	if errors.Is(err, ErrNoAnswer) {
		err = fmt.Errorf("%w: %w", token.ErrNeedAnswer, err)
	}
	if err != nil {
		return nil, err
	}
	return &token.Result{State: res.State, Output: res.Output, Transcript: res.Transcript}, nil
}

func (ts tokenScript) HasFailed() bool             { return ts.m.HasFailed() }
func (ts tokenScript) HasTrigger(name string) bool { return ts.m.HasTrigger(name) }

// recordedAnswers answers calls to other tokens from an executor's
// recorded answers, by the call's request. Before any are known a call
// stops the run; once they are, a call they do not hold fails in the
// module.
type recordedAnswers struct {
	lookup func() ([]token.CallRecord, bool)
}

func (r recordedAnswers) QueryToken(_ context.Context, call TokenCall) (*TokenAnswer, error) {
	var calls []token.CallRecord
	answered := false
	if r.lookup != nil {
		calls, answered = r.lookup()
	}
	if !answered {
		return nil, fmt.Errorf("%w: %s %s(%s)", ErrNoAnswer, call.Kind(), call.Instance, call.Name)
	}
	req, _ := json.Marshal(call)
	want := token.CallRecord{Kind: call.Kind(), Request: req}
	for _, rec := range calls {
		if token.SameCall(rec, want) {
			var ans TokenAnswer
			if err := json.Unmarshal(rec.Response, &ans); err != nil {
				return nil, fmt.Errorf("the recorded answer: %v", err)
			}
			return &ans, nil
		}
	}
	return nil, errors.New("the instance's executor answered no such call for this entry (its state before the entry differed from this replica's)")
}
