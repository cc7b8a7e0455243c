// Package client is the Go SDK for integrations: it resolves a token instance
// through an anchor, calls one of its replicas and follows the network when
// replicas move.
package client

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	neturl "net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// Client talks to a Smart Layer network. It is safe for concurrent use.
type Client struct {
	anchors []string
	http    *http.Client
	// Header is sent with every query (grants, payment promises).
	Header http.Header
	// RouteTTL is how long a route is reused before asking an anchor again.
	RouteTTL time.Duration
	// VerifyReceipts makes every query check the answer's execution
	// receipt: signed by the answering node, a replica of the instance, for
	// this instance and query.
	VerifyReceipts bool
	// ForwardShare is the share (0..1) of the receipts it verifies that the
	// client sends on to an anchor (POST /v1/receipts), in the background:
	// anchors then fetch and check the executions behind them, so a node
	// cannot choose what is sampled. Zero forwards none.
	ForwardShare float64
	// Key, when set, proves every call to a token (X-Smartlayer-Signature):
	// the integration's key, which the grants it sends must name, or a
	// token owner's key for their own calls with no grant. The first call
	// to a node is signed; later calls to it carry a MAC under the session
	// key the two derive (grant.SessionKey), which costs far less. Calls
	// through an anchor (full fallback mode) are always signed.
	Key *ecdsa.PrivateKey
	// Payer, when set, pays for priced calls from a payment channel: a
	// promise per call (wire.PaymentHeader); a call refused with 402 for
	// its price is sent once more with one.
	Payer *Payer

	mu         sync.Mutex
	sessions   grant.CallerSessions
	routes     map[string]cached
	forwarding sync.WaitGroup
	next       atomic.Uint64
	stats      replicaStats // answer times and load of the replicas queried
}

type cached struct {
	r   *wire.Route
	exp time.Time
}

// New returns a client that resolves routes through the given anchor URLs.
func New(anchors []string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConns: 256, MaxIdleConnsPerHost: 32,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second, ForceAttemptHTTP2: true,
		}}
	}
	return &Client{anchors: anchors, http: hc, RouteTTL: 30 * time.Second, routes: map[string]cached{}, Header: http.Header{}}
}

// Route asks the anchors, in turn, where instance lives.
func (c *Client) Route(ctx context.Context, instance string) (*wire.Route, error) {
	var last error
	start := int(c.next.Add(1))
	for i := range c.anchors {
		base := c.anchors[(start+i)%len(c.anchors)]
		var rt wire.Route
		err := c.do(ctx, http.MethodGet, base+"/v1/tokens/"+instance+"/route", nil, nil, &rt)
		if err == nil {
			c.mu.Lock()
			c.routes[instance] = cached{&rt, time.Now().Add(c.RouteTTL)}
			c.mu.Unlock()
			return &rt, nil
		}
		var p *wire.Problem
		if errors.As(err, &p) && p.Status == http.StatusNotFound || errors.As(err, &p) && p.Status == http.StatusBadRequest {
			return nil, err
		}
		last = err
	}
	if last == nil {
		last = errors.New("no anchors configured")
	}
	return nil, last
}

func (c *Client) cachedRoute(ctx context.Context, instance string) (*wire.Route, error) {
	c.mu.Lock()
	e, ok := c.routes[instance]
	c.mu.Unlock()
	if ok && time.Now().Before(e.exp) {
		return e.r, nil
	}
	return c.Route(ctx, instance)
}

// Forget drops a cached route.
func (c *Client) Forget(instance string) {
	c.mu.Lock()
	delete(c.routes, instance)
	c.mu.Unlock()
}

// Query runs a token query on one of the instance's replicas. It prefers
// fast, lightly loaded replicas (of two up replicas chosen at random, the
// one with the lower mean answer time times calls in flight; one call in
// 32 to a random one, so a replica that recovers is seen to), follows 421
// answers, and retries on another replica when one does not answer or
// answers 503 (which it then leaves alone for its Retry-After).
func (c *Client) Query(ctx context.Context, instance, name string, args any) (json.RawMessage, error) {
	return c.QueryWith(ctx, instance, name, args, nil)
}

// QueryWith is Query with extra headers for this call, such as the owner's
// grant (X-Smartlayer-Grant).
func (c *Client) QueryWith(ctx context.Context, instance, name string, args any, hdr http.Header) (json.RawMessage, error) {
	out, _, err := c.QueryReceipt(ctx, instance, name, args, hdr)
	return out, err
}

// QueryReceipt is QueryWith that also returns the answer's receipt when
// VerifyReceipts is set, checked.
func (c *Client) QueryReceipt(ctx context.Context, instance, name string, args any, hdr http.Header) (json.RawMessage, *receipt.Receipt, error) {
	body, h, err := c.queryInput(args, hdr)
	if err != nil {
		return nil, nil, err
	}
	var last error
	tried := map[string]bool{}
	for attempt := 0; attempt < 4; attempt++ {
		rt, err := c.cachedRoute(ctx, instance)
		if err != nil {
			return nil, nil, err
		}
		reps := up(rt.Replicas)
		if len(reps) == 0 {
			c.Forget(instance)
			last = fmt.Errorf("instance %s has no replica up", instance)
			continue
		}
		rep := c.pick(reps, tried)
		tried[rep.Peer] = true
		target, to, measured := rep.HTTP, rep.Peer, rep.Peer
		if rt.Mode == "full" && len(rt.Via) > 0 {
			target, to = rt.Via[int(c.next.Add(1))%len(rt.Via)], "" // full fallback: through an anchor
			measured = "via " + target
		}
		var out json.RawMessage
		done, t0 := c.stats.begin(measured), time.Now()
		rh, err := c.doHeaders(ctx, http.MethodPost, target+"/v1/tokens/"+instance+"/query/"+name, to, h, body, &out)
		done(time.Since(t0), err, rh)
		if err == nil {
			rc, rerr := c.checkReceipt(rh, rt, instance, "query:"+name, "", body, out)
			if rerr != nil {
				return nil, nil, rerr
			}
			return out, rc, nil
		}
		last = err
		switch c.afterError(instance, err) {
		case rerouted:
			continue
		case fatal:
			return nil, nil, err
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if retryAfter(err, rh) > 0 {
			continue // a replica under pressure: the route stands, the next try goes to another
		}
		c.Forget(instance)
	}
	return nil, nil, last
}

// What a failed call to a node means for the next attempt.
const (
	retry    = iota // another node, or the same after a while, may answer
	rerouted        // a 421 brought a fresh route: try it now
	fatal           // the request itself was refused: give up
)

// afterError reads a failed call's error: a 421 sends the next try to an
// anchor for a fresh route; a 4xx other than 404 is the request's own fault.
func (c *Client) afterError(instance string, err error) int {
	var p *wire.Problem
	if !errors.As(err, &p) {
		return retry
	}
	if p.Status == http.StatusMisdirectedRequest {
		// The route a 421 carries comes from the node that refused, which
		// is not trusted to say where to go next: the cached route is
		// dropped and the next try asks an anchor.
		c.Forget(instance)
		return rerouted
	}
	if p.Status < 500 && p.Status != http.StatusNotFound {
		return fatal
	}
	return retry
}

// ErrReceipt marks an answer whose receipt does not check out.
var ErrReceipt = errors.New("bad execution receipt")

// checkReceipt reads and, when asked to, verifies an answer's receipt for
// function ("query:status", "action:rebook"): signed by a replica named in
// the route, for this call (key and the body sent) and for this answer
// (the output received).
func (c *Client) checkReceipt(h http.Header, rt *wire.Route, instance, function, key string, sent, output []byte) (*receipt.Receipt, error) {
	if !c.VerifyReceipts {
		return nil, nil // not asked to: leave the header alone
	}
	nodePeer := h.Get(wire.NodeHeader)
	isReplica := false
	for _, r := range rt.Replicas {
		isReplica = isReplica || r.Peer == nodePeer
	}
	id, err := peer.Decode(nodePeer)
	if err != nil || !isReplica {
		return nil, fmt.Errorf("%w: answered by %q, not a replica", ErrReceipt, nodePeer)
	}
	addr, err := nodekey.AddressOfPeer(id)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrReceipt, err)
	}
	rc, err := receipt.CheckAnswer(h.Get(wire.ReceiptHeader), addr, function, instance, key, sent, output)
	switch {
	case err != nil:
	case strings.HasPrefix(function, "query:"):
		err = rc.Fresh(time.Now(), receipt.MaxSkew)
	case rc.AtMs <= 0:
		// An action's receipt may be its first run's, repeated for its
		// idempotency key (its result is in the log, under the transcript
		// root it names), but it is dated: its node owes the execution.
		err = fmt.Errorf("%w: an undated receipt", receipt.ErrMismatch)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrReceipt, err)
	}
	c.maybeForward(rc)
	return rc, nil
}

// maybeForward sends a verified receipt to an anchor for sampling, with
// probability ForwardShare, without waiting.
func (c *Client) maybeForward(rc *receipt.Receipt) {
	if c.ForwardShare <= 0 || mrand.Float64() >= c.ForwardShare {
		return
	}
	body, err := json.Marshal(rc)
	if err != nil {
		return
	}
	c.forwarding.Add(1)
	go func() {
		defer c.forwarding.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.toAnchor(ctx, "/v1/receipts", body, &struct{}{}) // best effort: sampling is a share anyway
	}()
}

// WaitForwarded waits until the receipts being forwarded are sent.
func (c *Client) WaitForwarded() { c.forwarding.Wait() }

// QueryReplica runs a query on one given replica, with no routing.
func (c *Client) QueryReplica(ctx context.Context, replicaURL, instance, name string, args any, hdr http.Header) (json.RawMessage, error) {
	body, h, err := c.queryInput(args, hdr)
	if err != nil {
		return nil, err
	}
	var out json.RawMessage
	return out, c.do(ctx, http.MethodPost, replicaURL+"/v1/tokens/"+instance+"/query/"+name, h, body, &out)
}

// queryInput makes a query's body ({} for no arguments) and headers: the
// client's own with the call's on top.
func (c *Client) queryInput(args any, hdr http.Header) ([]byte, http.Header, error) {
	h := c.Header.Clone()
	for k, v := range hdr {
		h[k] = v
	}
	if args == nil {
		return []byte("{}"), h, nil
	}
	body, err := json.Marshal(args)
	return body, h, err
}

func up(rs []wire.Replica) []wire.Replica {
	out := make([]wire.Replica, 0, len(rs))
	for _, r := range rs {
		if r.State == wire.StateUp && r.HTTP != "" {
			out = append(out, r)
		}
	}
	return out
}

func (c *Client) do(ctx context.Context, method, url string, hdr http.Header, body []byte, out any) error {
	_, err := c.doHeaders(ctx, method, url, "", hdr, body, out)
	return err
}

// openSession derives the session key with node to, after a signed call
// it let through (the node learned the client's key from it).
func (c *Client) openSession(to string, opened [16]byte) {
	id, err := peer.Decode(to)
	if err != nil {
		return
	}
	if pub, err := nodekey.PublicKeyOfPeer(id); err == nil {
		c.sessions.Open(c.Key, to, pub, opened)
	}
}

// doHeaders is do that also returns the response headers; to is the peer
// ID of the node the request goes to ("" when unknown, or through an
// anchor), which a session MAC is made for.
func (c *Client) doHeaders(ctx context.Context, method, url, to string, hdr http.Header, body []byte, out any) (http.Header, error) {
	h, err := c.send(ctx, method, url, to, hdr, body, out)
	// Each answer below asks for the call once more; each at most so often,
	// whatever order they come in.
	var paid, signed, renumbered int
	for {
		var p *wire.Problem
		if !errors.As(err, &p) {
			return h, err
		}
		switch {
		case p.Status == http.StatusPaymentRequired && c.Payer != nil && paid < 3:
			// A 402 teaches the price (a first call of its kind) or the
			// channel's state (a promise of this payer's ahead of its
			// count), or says the deposit is spent (the payer tops up, if
			// it may): once more with a promise, three times at most (the
			// price, the state, a top-up).
			paid++
			u, uerr := neturl.Parse(url)
			if uerr != nil || !paidCall(u.Path) || !c.Payer.learn(u.Path, p) {
				return h, err
			}
			if overdrawn(p) {
				if terr := c.Payer.topUp(ctx); terr != nil {
					return h, fmt.Errorf("%w (%v)", err, terr)
				}
			}
		case p.Type == "urn:smartlayer:problem:session-unknown" && signed < 1:
			// The node forgot the session (a restart): sign once more.
			signed++
			c.sessions.Forget(to)
		case p.Type == "urn:smartlayer:problem:request-replayed" && c.sessions.Has(to) && renumbered < 1:
			// A numbered call overtaken by more calls than the node's
			// window holds (a refused call did not run): once more,
			// numbered anew.
			renumbered++
		default:
			return h, err
		}
		h, err = c.send(ctx, method, url, to, hdr, body, out)
	}
}

func (c *Client) send(ctx context.Context, method, url, to string, hdr http.Header, body []byte, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	var promise string
	var price uint64
	var promised *big.Int // the cumulative amount of a promise sent
	if c.Payer != nil && paidCall(req.URL.Path) && req.Header.Get(wire.PaymentHeader) == "" {
		if p, ok := c.Payer.price(req.URL.Path); ok && p > 0 {
			instance, call := c.creditCall(ctx, to, req.URL.Path)
			if promise, promised, err = c.Payer.pay(to, p, instance, call); err != nil {
				return nil, err
			}
			price = p
			req.Header.Set(wire.PaymentHeader, promise)
		}
	}
	signed := false
	var nonce [16]byte // of a signed call: it opens a window of numbered calls
	if c.Key != nil && strings.HasPrefix(req.URL.Path, "/v1/tokens/") && !strings.HasSuffix(req.URL.Path, "/route") {
		r := grant.Request{Method: method, Path: req.URL.RequestURI(), Body: body, Key: req.Header.Get(wire.IdempotencyHeader)}
		if _, err := rand.Read(nonce[:]); err != nil {
			return nil, err
		}
		proof, s, err := c.sessions.Proof(c.Key, to, r, time.Now(), nonce)
		if err != nil {
			return nil, err
		}
		signed = s
		req.Header.Set(wire.SignatureHeader, proof)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if promised != nil {
			// Whether the node took it is not known: counted as not, and
			// should it have been, the next node says so (402 with the
			// channel's state) and the payer catches up. A call on credit
			// leaves no such trace: counted as taken (the next promise
			// pays for it, at worst for a call not served).
			c.Payer.giveBack(price, true)
		}
		return nil, err
	}
	if signed && resp.StatusCode < 300 {
		c.openSession(to, nonce)
	}
	switch {
	case promise != "" && untaken(resp.StatusCode):
		c.Payer.giveBack(price, promised != nil)
		c.Payer.untook(to)
	case promised != nil && to != "" && strings.Contains(req.URL.Path, "/query/"):
		// The node took the promise itself (an action's is taken by the
		// executor, which may be another node): its next queries may go
		// on credit.
		c.Payer.took(to)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return resp.Header, wire.ProblemOf(resp.StatusCode, b)
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = append((*raw)[:0], b...)
		return resp.Header, nil
	}
	return resp.Header, json.Unmarshal(b, out)
}

// PublishBundle sends a token bundle (files by path) with its issuer's
// attestation over the bundle hash (attest.SignBundleIssuer) to an anchor,
// which shares it with every other anchor.
func (c *Client) PublishBundle(ctx context.Context, files map[string][]byte, issuer json.RawMessage) (*wire.Published, error) {
	m := map[string]any{"files": files}
	if len(issuer) > 0 {
		m["issuer"] = issuer
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out wire.Published
	return &out, c.toAnchor(ctx, "/v1/bundles", body, &out)
}

// Register creates a token instance from its signed attestation.
func (c *Client) Register(ctx context.Context, bundle string, attestation json.RawMessage) (*wire.Registered, error) {
	body, err := json.Marshal(map[string]any{"bundle": bundle, "attestation": attestation})
	if err != nil {
		return nil, err
	}
	var out wire.Registered
	return &out, c.toAnchor(ctx, "/v1/tokens", body, &out)
}

// toAnchor posts to the anchors in turn until one answers; a 4xx answer is final.
func (c *Client) toAnchor(ctx context.Context, path string, body []byte, out any) error {
	var last error = errors.New("no anchors configured")
	start := int(c.next.Add(1))
	for i := range c.anchors {
		base := c.anchors[(start+i)%len(c.anchors)]
		err := c.do(ctx, http.MethodPost, base+path, nil, body, out)
		if err == nil {
			return nil
		}
		var p *wire.Problem
		if errors.As(err, &p) && p.Status < 500 {
			return err
		}
		last = err
	}
	return last
}
