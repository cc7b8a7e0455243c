package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/egress"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// RouterDeps is what an anchor's Router needs, given once.
type RouterDeps struct {
	// Private: the network is local (network.route_private): calls may
	// reach loopback and private addresses on any port of a declared host.
	Private  bool
	Attempts int           // tries of a routed call
	Timeout  time.Duration // one try
	Key      *nodekey.Key
	Domain   attest.Domain
	Log      *slog.Logger
	Now      func() time.Time
	// CheckRecord checks that a record's signer was entitled to sign it
	// (placement.Authority.Check).
	CheckRecord func(*placement.Record) error
	// Record is the newest record this anchor holds of an instance (nil: none).
	Record func(wire.InstanceID) *placement.Record
	// Bundle finds a token bundle, here or at the other anchors.
	Bundle func(context.Context, tokenscript.BundleHash) (*registry.Bundle, bool)
	// Publish sequences an attestation on this anchor's stream of a topic
	// and publishes it.
	Publish func(ctx context.Context, topic string, att *attest.Signed) error
	// Strike records an SLA strike against an executor whose call the
	// anchor made.
	Strike func(peer string)
	// Routed counts routed calls by result (nil: not counted).
	Routed *prometheus.CounterVec
}

// Router is the anchor's side of failure routing: it makes an external call
// for an instance's executor when the executor could not (after checking
// that the action's script makes exactly that call), records an SLA strike
// when the call works from here, and signs a failure attestation when it
// does not.
type Router struct{ d RouterDeps }

// NewRouter makes a Router.
func NewRouter(d RouterDeps) *Router {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Router{d: d}
}

func (r *Router) count(result string) {
	if r.d.Routed != nil {
		r.d.Routed.WithLabelValues(result).Inc()
	}
}

// Handle answers an executor's RouteCall (ProtoRoute): up to Attempts
// tries. Success is an SLA strike against the executor; failure is a
// failure attestation on the instance's failure topic.
func (r *Router) Handle(ctx context.Context, from transport.PeerID, req *RouteCall) (*RouteAnswer, error) {
	d := r.d
	if req.Record == nil || req.Request == nil {
		return nil, errors.New("route: record and request are required")
	}
	id := req.Record.Instance
	if err := d.CheckRecord(req.Record); err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	// Any anchor may route for the executor the newest record it knows
	// names. (Anchors may briefly disagree on which of them is responsible,
	// so the record's signer is not required to be this anchor.)
	cur := d.Record(id)
	if cur == nil || req.Record.Newer(cur) {
		cur = req.Record
	}
	if cur.Executor != from.String() {
		return nil, fmt.Errorf("route: %s is not the executor of %s (fencing %d)", from.ShortString(), id, cur.Fencing)
	}
	h, _ := tokenscript.ParseBundleHash(cur.Bundle)
	lb, ok := d.Bundle(ctx, h)
	if !ok {
		return nil, errors.New("route: the token's bundle is not here")
	}
	// Local networks reach loopback and private addresses on any port of a
	// declared host; otherwise every hop must be a declared host on its
	// declared (or default) port at a public address.
	pol := egress.Policy{Hosts: lb.Manifest.Service.Egress, AllowPrivate: d.Private, AnyPort: d.Private}
	if err := egress.Check(req.Request.URL, pol); err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	if err := r.CheckCall(ctx, lb, id, req); err != nil {
		r.count("refused")
		return nil, fmt.Errorf("route: %w", err)
	}
	hf := sandbox.HTTPFetcher{Hosts: lb.Manifest.Service.Egress, AllowPrivate: d.Private, AnyPort: d.Private}
	last := FetchTries(ctx, hf, req.Request, sandbox.DefaultLimits.MaxFetchBytes, d.Attempts, d.Timeout, 0, func() {})
	if FetchOK(last) {
		r.count("ok")
		d.Log.Warn("routed an executor's failing call; SLA strike", "instance", id, "executor", from.ShortString(), "status", last.Status)
		if d.Strike != nil {
			d.Strike(from.String())
		}
		return &RouteAnswer{Response: last}, nil
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
	att, err := attest.SignNetwork(d.Key.ECDSA, d.Domain, attest.FailureSchema, map[string]any{
		"instance": id.String(), "action": req.Action, "request": named, "requestHash": crypto.Keccak256Hash(rj).Hex(),
		"errorClass": class, "attempts": fmt.Sprint(req.Attempts + d.Attempts),
	}, d.Now())
	if err != nil {
		return nil, err
	}
	if err := d.Publish(ctx, wire.FailureTopic(id), att); err != nil {
		r.count("publish-failed")
		return nil, fmt.Errorf("route: publish the failure attestation: %w", err)
	}
	r.count("failed")
	d.Log.Warn("external call failed on the anchor too; failure attested", "instance", id, "action", req.Action, "class", class, "failure", att.UID)
	return &RouteAnswer{Response: last, Failure: att.UID.String()}, nil
}

// ErrNotTheScriptsCall refuses to route a request the action's script does
// not make: an executor cannot have an anchor attest the failure of a call
// of its own choosing.
var ErrNotTheScriptsCall = errors.New("the action's script does not make this call")

// CheckCall runs the action on the inputs the executor sent, answering its
// earlier external calls from what the executor recorded, and accepts the
// request only if the script makes exactly it next.
func (r *Router) CheckCall(ctx context.Context, lb *registry.Bundle, id wire.InstanceID, req *RouteCall) error {
	chk := &routeCheck{prior: req.Prior, want: req.Request}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, _ = lb.Module.Run(ctx, sandbox.Call{Kind: sandbox.KindAction, Name: req.Action, State: req.State, Args: req.Args,
		Env: sandbox.Env{Instance: id.String(), Now: time.UnixMilli(req.NowMs), Egress: lb.Manifest.Service.Egress,
			EgressAnyPort: r.d.Private, Fetcher: chk, Tokens: chk, IdempotencyKey: req.Key}})
	switch {
	case chk.bad != "":
		return fmt.Errorf("%w: %s", ErrNotTheScriptsCall, chk.bad)
	case !chk.reached:
		return fmt.Errorf("%w: it makes %d external calls on these inputs, not %d", ErrNotTheScriptsCall, chk.i, len(req.Prior)+1)
	case !chk.matched:
		return fmt.Errorf("%w: call %d is another request", ErrNotTheScriptsCall, len(req.Prior)+1)
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

// QueryToken answers an earlier ctx.tokens.query or action from the
// executor's record.
func (c *routeCheck) QueryToken(_ context.Context, call sandbox.TokenCall) (*sandbox.TokenAnswer, error) {
	var ans sandbox.TokenAnswer
	if !c.recorded(call.Kind(), call, &ans) {
		return nil, errRouteChecked // the call to route is a fetch, not this
	}
	if ans.Error != "" {
		return nil, errors.New(ans.Error)
	}
	return &ans, nil
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
