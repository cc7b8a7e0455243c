package executor

import (
	"context"
	"encoding/json"
	"time"

	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/transport"
)

// RouteCall is an executor's request that the responsible anchor make an
// external call it could not.
type RouteCall struct {
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

// RouteAnswer is the anchor's answer: the response it got, or the failure
// attestation it published.
type RouteAnswer struct {
	Response *sandbox.FetchResponse `json:"response"`
	Failure  string                 `json:"failure,omitempty"`
}

// ProtoRoute carries RouteCall, executor to responsible anchor.
const ProtoRoute = transport.ProtocolPrefix + "/route-failure/1.0.0"

// FetchOK reports whether an external call got an answer that is not a
// server error.
func FetchOK(r *sandbox.FetchResponse) bool { return r.Status != 0 && r.Status < 500 }

// FetchTries makes an external call up to tries times, each within
// timeout, waiting backoff, then twice that, and so on between tries; failed
// is called after each failed try. It returns the first good response, or
// the last one.
func FetchTries(ctx context.Context, f sandbox.HTTPFetcher, req *sandbox.FetchRequest, maxBody, tries int, timeout, backoff time.Duration, failed func()) *sandbox.FetchResponse {
	var last *sandbox.FetchResponse
	for i := 0; i < tries; i++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		last = f.Fetch(actx, req, maxBody)
		cancel()
		if FetchOK(last) {
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

// routedFetcher makes an action's external calls: a few tries, then the
// responsible anchor's.
type routedFetcher struct {
	x      *Executor
	rec    *placement.Record
	action string
	// the action's inputs, and its external calls so far (the sandbox
	// calls Fetch from the script's goroutine, one call at a time)
	state, args json.RawMessage
	now         time.Time
	key         string
	Recorder
}

// Recorder keeps an action's external calls (fetches and token queries)
// in order, as its transcript does, so an anchor asked to route a later
// call can replay them (RouteCall.Prior).
type Recorder struct {
	Calls []sandbox.External
}

// Tokens records the ctx.tokens.query calls answered by inner.
func (r *Recorder) Tokens(inner sandbox.TokenQuerier) sandbox.TokenQuerier {
	return recordingQuerier{r, inner}
}

type recordingQuerier struct {
	r     *Recorder
	inner sandbox.TokenQuerier
}

func (q recordingQuerier) QueryToken(ctx context.Context, call sandbox.TokenCall) (*sandbox.TokenAnswer, error) {
	ans, err := q.inner.QueryToken(ctx, call)
	q.r.Calls = append(q.r.Calls, sandbox.RecordTokenCall(call, ans, err))
	return ans, err
}

func (f *routedFetcher) Fetch(ctx context.Context, req *sandbox.FetchRequest, maxBody int) *sandbox.FetchResponse {
	out := f.fetch(ctx, req, maxBody)
	rq, _ := json.Marshal(req)
	rs, _ := json.Marshal(out)
	f.Calls = append(f.Calls, sandbox.External{Kind: "fetch", Request: rq, Response: rs})
	return out
}

func (f *routedFetcher) fetch(ctx context.Context, req *sandbox.FetchRequest, maxBody int) *sandbox.FetchResponse {
	d := f.x.d
	cfg := d.Config
	// ctx carries the token's declared hosts (sandbox.EgressFromContext);
	// every hop and address is checked by package egress.
	hf := sandbox.HTTPFetcher{AllowPrivate: cfg.EgressPrivate, AnyPort: cfg.EgressPrivate}
	failed := func() {}
	if c := d.Metrics.FetchRetries; c != nil {
		failed = c.Inc
	}
	last := FetchTries(ctx, hf, req, maxBody, cfg.FetchAttempts, cfg.FetchTimeout, 50*time.Millisecond, failed)
	if FetchOK(last) || ctx.Err() != nil || d.Route == nil {
		return last
	}
	d.Log.Warn("external call failing; asking the responsible anchor to route it", "instance", f.rec.Instance,
		"url", req.URL, "attempts", cfg.FetchAttempts, "status", last.Status, "err", last.Error)
	ans, err := d.Route(ctx, f.rec.AnchorPeer,
		&RouteCall{Record: f.rec, Action: f.action, Request: req, Attempts: cfg.FetchAttempts, Last: last,
			State: f.state, Args: f.args, NowMs: f.now.UnixMilli(), Key: f.key, Prior: f.Calls})
	if err != nil {
		d.Log.Warn("the responsible anchor did not route the call", "instance", f.rec.Instance, "anchor", f.rec.AnchorPeer, "err", err)
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
