package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/wire"
)

// tokenQuerier runs a module's ctx.tokens.query the way an integration
// would: the route from the anchors (kept a while), then the query on a
// replica that is up, signed by this node for the calling token, and the
// answer taken only with a receipt from the replica that binds it. It
// follows the rules of package client's Query (which node does not import:
// the SDK sits above the node): after a 421, or a replica that does not
// answer, it asks an anchor for the route again; a refusal of the request
// itself (4xx but 404) is final. One querier, with one pool of
// connections, serves every call the node's modules make.
type tokenQuerier struct {
	hc  *http.Client
	key *nodekey.Key
	// records decodes and checks a callee's placement record (the
	// placement authority's check; nil: not checked, tests).
	records *recordChecks
	next    atomic.Uint64 // spreads calls over anchors and replicas
	// sessions with the nodes called: after a first signed call a node
	// lets through, later calls to it carry a session MAC (package grant).
	sessions grant.CallerSessions

	mu     sync.Mutex
	routes map[string]cachedRoute
	// grantsTo: the integration each grant header a module passed names
	// (by the header's hash), so a grant used call after call is decoded
	// once.
	grantsTo map[common.Hash]common.Address
}

type cachedRoute struct {
	rt *wire.Route
	at time.Time
}

// Bounds of inter-token calls.
const (
	tokenQueryTries = 4                // routes a query is tried on
	maxTokenAnswer  = 16 << 20         // an answer read from another node
	maxTokenProblem = 4 << 10          // an error answer's body read
	tokenCallTime   = 10 * time.Second // one call, its retries included
	routeKeep       = 10 * time.Second // a route is used this long before it is asked again
	maxRoutesKept   = 10_000
)

func newTokenQuerier(key *nodekey.Key, records *recordChecks) *tokenQuerier {
	return &tokenQuerier{key: key, records: records, routes: map[string]cachedRoute{}, grantsTo: map[common.Hash]common.Address{},
		// No redirect is followed: a replica must not point the node's
		// calls at another host.
		hc: &http.Client{Timeout: tokenCallTime, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConns: 256, MaxIdleConnsPerHost: 32,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second, ForceAttemptHTTP2: true,
		}}}
}

// caller is who makes an inter-token call: the calling instance, its
// placement record as this node holds it (JSON), and the chain of calls in
// progress, the caller last.
type caller struct {
	instance wire.InstanceID
	record   []byte
	chain    []wire.InstanceID
}

// callChainKey carries, in a module run's context, the chain of inter-token
// calls that led to it (the running instance last).
type callChainKey struct{}

func withCallChain(ctx context.Context, chain []wire.InstanceID) context.Context {
	return context.WithValue(ctx, callChainKey{}, chain)
}

func callChainOf(ctx context.Context) []wire.InstanceID {
	c, _ := ctx.Value(callChainKey{}).([]wire.InstanceID)
	return c
}

// query runs call on its instance, routed through anchors (base URLs).
func (q *tokenQuerier) query(ctx context.Context, anchors []string, from caller, call sandbox.TokenCall) (*sandbox.TokenAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, tokenCallTime)
	defer cancel()
	body, err := json.Marshal(call.Args)
	if err != nil {
		return nil, err
	}
	path, fn := "/v1/tokens/"+url.PathEscape(call.Instance)+"/query/"+url.PathEscape(call.Name), "query:"+call.Name
	if call.IsAction() {
		// ctx.tokens.action: to the callee's executor, once per key.
		path, fn = "/v1/tokens/"+url.PathEscape(call.Instance)+"/actions/"+url.PathEscape(call.Name), "action:"+call.Name
	}
	var last error
	for try := range tokenQueryTries {
		if try > 0 && call.IsAction() {
			// An action waits out a failover a little (the same key each
			// time: it runs once).
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(try) * 250 * time.Millisecond):
			}
		}
		rt, err := q.route(ctx, anchors, call.Instance, try > 0)
		if err != nil {
			return nil, err
		}
		var reps []wire.Replica
		for _, r := range rt.Replicas {
			if r.State == wire.StateUp && r.HTTP != "" && (!call.IsAction() || r.Peer == rt.Executor) {
				reps = append(reps, r)
			}
		}
		if len(reps) == 0 {
			last = fmt.Errorf("instance %s has no replica up", call.Instance)
			continue
		}
		// The anchor lists the replicas fastest first: each try takes the
		// next one.
		target, to := reps[try%len(reps)].HTTP, reps[try%len(reps)].Peer
		if rt.Mode == "full" && len(rt.Via) > 0 {
			// Full fallback: through an anchor, which forwards the call
			// (signed, then: a session MAC proves the call to one node).
			target, to = rt.Via[int(q.next.Add(1)%uint64(len(rt.Via)))], ""
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		opened, err := q.sign(req, to, from, call, body)
		if err != nil {
			return nil, err
		}
		out, h, err := q.do(req)
		var p *wire.Problem
		if errors.As(err, &p) && p.Type == "urn:smartlayer:problem:session-unknown" {
			// The node forgot the session (a restart): signed once more.
			q.sessions.Forget(to)
			if req, err = http.NewRequestWithContext(ctx, http.MethodPost, target+path, bytes.NewReader(body)); err != nil {
				return nil, err
			}
			if opened, err = q.sign(req, to, from, call, body); err != nil {
				return nil, err
			}
			out, h, err = q.do(req)
		}
		if err == nil && opened != nil {
			q.openSession(to, *opened)
		}
		if err == nil && call.IsAction() {
			// The receipt binds the action's result: the module gets it.
			var oc struct {
				Result json.RawMessage `json:"result"`
			}
			if err = json.Unmarshal(out, &oc); err != nil {
				return nil, fmt.Errorf("bad answer from the executor: %v", err)
			}
			out = oc.Result
		}
		if err == nil {
			var rc *receipt.Receipt
			if rc, err = q.checkTokenReceipt(h, rt, fn, call, body, out); err == nil {
				rj, _ := json.Marshal(rc)
				return &sandbox.TokenAnswer{Result: out, Receipt: rj, Record: rt.Record}, nil
			}
			return nil, err // a replica answered with a receipt that does not hold: not taken
		}
		last = err
		if errors.As(err, &p) && p.Status != http.StatusMisdirectedRequest && p.Status < 500 && p.Status != http.StatusNotFound {
			return nil, err // the request itself was refused
		}
		if errors.As(err, &p) && p.Status == http.StatusLoopDetected {
			return nil, err
		}
		if errors.As(err, &p) && call.IsAction() && (p.Type == "urn:smartlayer:problem:script-error" || p.Type == "urn:smartlayer:problem:script-timeout") {
			return nil, err // the action itself failed: running it again would fail again
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, last
}

// sign adds what the callee checks: the grant the module passed, this
// node's proof of the request (a signature, or a session MAC for the node
// to once one is open: signed says which), the calling token with its
// record, and the chain of calls.
func (q *tokenQuerier) sign(req *http.Request, to string, from caller, call sandbox.TokenCall, body []byte) (opened *[16]byte, err error) {
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.CallerHeader, from.instance.String())
	req.Header.Set(wire.CallerRecordHeader, base64.RawURLEncoding.EncodeToString(from.record))
	req.Header.Set(wire.CallChainHeader, wire.FormatCallChain(from.chain))
	if call.IsAction() {
		req.Header.Set(wire.IdempotencyHeader, call.Key)
	}
	if call.Grant == "" && !call.IsAction() {
		return nil, nil
	}
	if call.Grant != "" {
		// The node signs as the calling token only: a grant to anyone
		// else (the node's own address, say) is not the module's to use.
		if to, err := q.grantTo(call.Grant); err != nil {
			return nil, fmt.Errorf("the grant passed to ctx.tokens: %w", err)
		} else if want := wire.TokenAddress(from.instance); to != want {
			return nil, fmt.Errorf("the grant passed to ctx.tokens is to %s, not to this token (%s)", to, want)
		}
		req.Header.Set(wire.GrantHeader, call.Grant)
	}
	// An action's call is proved even with no grant: its idempotency key
	// ("tok-...") is taken only from the calling token's executor. Such a
	// call opens no session (no grant check takes its nonce); it uses one
	// a call under a grant opened.
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	proof, signed, err := q.sessions.Proof(q.key.ECDSA, to, grant.Request{Method: req.Method, Path: req.URL.RequestURI(), Body: body, Key: call.Key}, time.Now(), nonce)
	if err != nil {
		return nil, err
	}
	req.Header.Set(wire.SignatureHeader, proof)
	if !signed || call.Grant == "" {
		return nil, nil
	}
	return &nonce, nil
}

// grantTo is the integration a grant header names (decoded, not checked:
// the callee checks it), remembered by the header's hash.
func (q *tokenQuerier) grantTo(header string) (common.Address, error) {
	if len(header) > maxGrantHeader {
		return common.Address{}, fmt.Errorf("%d bytes, limit %d", len(header), maxGrantHeader)
	}
	h := crypto.Keccak256Hash([]byte(header))
	q.mu.Lock()
	to, ok := q.grantsTo[h]
	q.mu.Unlock()
	if ok {
		return to, nil
	}
	g, err := parseGrant(header)
	if err != nil {
		return common.Address{}, err
	}
	q.mu.Lock()
	if len(q.grantsTo) >= maxRoutesKept {
		clear(q.grantsTo)
	}
	q.grantsTo[h] = g.Integration
	q.mu.Unlock()
	return g.Integration, nil
}

// openSession derives the session key with node to after a signed call it
// let through.
func (q *tokenQuerier) openSession(to string, opened [16]byte) {
	id, err := peer.Decode(to)
	if err != nil {
		return
	}
	if pub, err := nodekey.PublicKeyOfPeer(id); err == nil {
		q.sessions.Open(q.key.ECDSA, to, pub, opened)
	}
}

// checkTokenReceipt checks an answer's receipt: signed by a replica the
// route's anchor-signed record names, for this call and these output
// bytes.
func (q *tokenQuerier) checkTokenReceipt(h http.Header, rt *wire.Route, fn string, call sandbox.TokenCall, sent, output []byte) (*receipt.Receipt, error) {
	rec, err := q.records.DecodeChecked(rt.Record)
	if err == nil && rec.Instance.String() != call.Instance {
		err = errors.New("the route's record is another instance's")
	}
	if err != nil {
		return nil, fmt.Errorf("bad receipt: the route's record: %w", err)
	}
	nodePeer := h.Get(wire.NodeHeader)
	if !rec.Holds(nodePeer) {
		return nil, fmt.Errorf("bad receipt: answered by %q, not a replica of %s", nodePeer, call.Instance)
	}
	if call.IsAction() && nodePeer != rec.Executor {
		return nil, fmt.Errorf("bad receipt: the action answered by %q, not %s's executor", nodePeer, call.Instance)
	}
	id, err := peer.Decode(nodePeer)
	if err != nil {
		return nil, fmt.Errorf("bad receipt: %v", err)
	}
	addr, err := nodekey.AddressOfPeer(id)
	if err != nil {
		return nil, fmt.Errorf("bad receipt: %v", err)
	}
	rc, err := receipt.CheckAnswer(h.Get(wire.ReceiptHeader), addr, fn, call.Instance, call.Key, sent, output)
	if err != nil {
		return nil, fmt.Errorf("bad receipt from %s: %w", nodePeer, err)
	}
	return rc, nil
}

// route asks the anchors, in turn, where instance lives, unless a route
// asked for less than routeKeep ago will do (fresh: not after a failure);
// a 404 or 400 is final.
func (q *tokenQuerier) route(ctx context.Context, anchors []string, instance string, fresh bool) (*wire.Route, error) {
	if !fresh {
		q.mu.Lock()
		c, ok := q.routes[instance]
		q.mu.Unlock()
		if ok && time.Since(c.at) < routeKeep {
			return c.rt, nil
		}
	}
	last := errors.New("no anchors configured")
	start := int(q.next.Add(1) % uint64(max(len(anchors), 1)))
	for i := range anchors {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, anchors[(start+i)%len(anchors)]+"/v1/tokens/"+url.PathEscape(instance)+"/route", nil)
		if err != nil {
			return nil, err
		}
		b, _, err := q.do(req)
		var rt wire.Route
		if err == nil {
			if err = json.Unmarshal(b, &rt); err == nil {
				q.mu.Lock()
				if len(q.routes) >= maxRoutesKept {
					clear(q.routes)
				}
				q.routes[instance] = cachedRoute{rt: &rt, at: time.Now()}
				q.mu.Unlock()
				return &rt, nil
			}
		}
		var p *wire.Problem
		if errors.As(err, &p) && (p.Status == http.StatusNotFound || p.Status == http.StatusBadRequest) {
			return nil, err
		}
		last = err
	}
	return nil, last
}

// do makes one request; an answer of 300 or more is a *wire.Problem.
func (q *tokenQuerier) do(req *http.Request) ([]byte, http.Header, error) {
	resp, err := q.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		// An error's body reaches the module: a problem's few lines, not
		// whatever page the other side sends.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxTokenProblem))
		return nil, nil, wire.ProblemOf(resp.StatusCode, b)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenAnswer))
	if err != nil {
		return nil, nil, err
	}
	return b, resp.Header, nil
}

// parseGrant decodes a grant header (any form attest.Parse reads) without
// checking it: the callee does.
func parseGrant(header string) (*grant.Grant, error) {
	if len(header) > maxGrantHeader {
		return nil, fmt.Errorf("%d bytes, limit %d", len(header), maxGrantHeader)
	}
	s, err := attest.Parse([]byte(header))
	if err != nil {
		return nil, err
	}
	return grant.Parse(s)
}

// recordChecks remembers, for a while, the placement records that passed
// the authority's check, decoded, by the hash of their bytes: inter-token
// calls show the same few records over and over (the caller's to the
// callee, the callee's to the caller), and each check costs a signature
// recovery. Only records that passed are kept: a caller's junk records
// are decoded, refused and forgotten. A nil *recordChecks decodes every
// time and checks nothing (tests).
type recordChecks struct {
	check   func(*placement.Record) error
	mu      sync.Mutex
	decoded map[common.Hash]checkedRecord
}

// checkedRecord is a record that passed its check at at.
type checkedRecord struct {
	rec *placement.Record
	at  time.Time
}

// recordCheckKeep is how long a record that passed is taken without a new
// check (an anchor set that changed meanwhile is seen that much later).
const recordCheckKeep = 10 * time.Second

func newRecordChecks(check func(*placement.Record) error) *recordChecks {
	return &recordChecks{check: check, decoded: map[common.Hash]checkedRecord{}}
}

// DecodeChecked is placement.DecodeRecord then check; a record that
// passed is remembered decoded by the bytes' hash for recordCheckKeep. The
// record returned is shared and must not be changed.
func (c *recordChecks) DecodeChecked(b []byte) (*placement.Record, error) {
	if c == nil {
		return placement.DecodeRecord(b)
	}
	h := crypto.Keccak256Hash(b)
	c.mu.Lock()
	e, ok := c.decoded[h]
	c.mu.Unlock()
	if ok && time.Since(e.at) < recordCheckKeep {
		return e.rec, nil
	}
	rec, err := placement.DecodeRecord(b)
	if err != nil {
		return nil, err
	}
	if err := c.check(rec); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.decoded) >= maxRoutesKept {
		clear(c.decoded)
	}
	c.decoded[h] = checkedRecord{rec: rec, at: time.Now()}
	c.mu.Unlock()
	return rec, nil
}

// finalCallError reports whether a call to another token failed for good
// (executor.Deps.FinalCallError): the other side refused the request (a
// 4xx other than 404, 408, 421 and 429), cut a call loop (508), or the
// other token's module failed. No route, no replica up, a network error, a
// 5xx or a receipt that did not hold may pass: the executor tries the
// entry's calls again before publishing such a failure as their answer.
func finalCallError(err error) bool {
	var p *wire.Problem
	if !errors.As(err, &p) {
		return false
	}
	switch {
	case p.Status == http.StatusLoopDetected,
		p.Type == "urn:smartlayer:problem:script-error", p.Type == "urn:smartlayer:problem:script-timeout":
		return true
	case p.Status >= 500, p.Status == http.StatusNotFound, p.Status == http.StatusRequestTimeout,
		p.Status == http.StatusMisdirectedRequest, p.Status == http.StatusTooManyRequests:
		return false
	}
	return p.Status >= 400
}
