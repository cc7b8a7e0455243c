package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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

// WithLiveCalls returns a context under which the token core's apply,
// failed and trigger runs call other tokens through q.
func WithLiveCalls(ctx context.Context, q TokenQuerier) context.Context {
	return context.WithValue(ctx, liveCallsKey{}, q)
}

func (ts tokenScript) Run(ctx context.Context, c token.Call) (*token.Result, error) {
	env := Env{Instance: c.Instance.String(), Now: c.Now}
	if c.Kind == token.KindInit {
		st, err := ts.m.Init(ctx, c.Args, env)
		return &token.Result{State: st}, err
	}
	if c.Kind == token.KindApply || c.Kind == token.KindFailure || c.Kind == token.KindTrigger {
		env.IdempotencyKey = c.Cause
		if q, ok := ctx.Value(liveCallsKey{}).(TokenQuerier); ok {
			env.Tokens = q
		} else {
			env.Tokens = recordedAnswers(c.Answers)
		}
	}
	res, err := ts.m.Run(ctx, Call{Kind: Kind(c.Kind), Name: c.Name, State: c.State, Args: c.Args, Env: env})
	if errors.Is(err, ErrNoAnswer) {
		err = fmt.Errorf("%w: %w", token.ErrNeedAnswer, err)
	}
	if err != nil {
		return nil, err
	}
	out := &token.Result{State: res.State, Output: res.Output, Transcript: res.Transcript}
	for _, x := range res.Transcript.Calls {
		if x.Kind == "tokens.query" || x.Kind == "tokens.action" {
			out.Calls = append(out.Calls, token.CallRecord{Kind: x.Kind, Request: x.Request, Response: x.Response})
		}
	}
	return out, nil
}

func (ts tokenScript) HasFailed() bool             { return ts.m.HasFailed() }
func (ts tokenScript) HasTrigger(name string) bool { return ts.m.HasTrigger(name) }

// recordedAnswers answers calls to other tokens from an executor's
// recorded answers, by the call's request.
type recordedAnswers []token.CallRecord

func (r recordedAnswers) QueryToken(_ context.Context, call TokenCall) (*TokenAnswer, error) {
	kind := "tokens.query"
	if call.IsAction() {
		kind = "tokens.action"
	}
	req, _ := json.Marshal(call)
	want := token.CallRecord{Kind: kind, Request: req}
	for _, rec := range r {
		if token.SameCall(rec, want) {
			var ans TokenAnswer
			if err := json.Unmarshal(rec.Response, &ans); err != nil {
				return nil, fmt.Errorf("the recorded answer: %v", err)
			}
			return &ans, nil
		}
	}
	return nil, fmt.Errorf("%w: %s %s(%s)", ErrNoAnswer, kind, call.Instance, call.Name)
}
