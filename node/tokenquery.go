package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/smartlayer/smartlayer/wire"
)

// tokenQuerier runs a module's ctx.tokens.query the way an integration
// would: the route from the anchors, then the query on a replica that is up.
// It follows the rules of package client's Query (which node does not
// import: the SDK sits above the node): after a 421, or a replica that does
// not answer, it asks an anchor for the route again; a refusal of the
// request itself (4xx but 404) is final.
type tokenQuerier struct {
	hc   *http.Client
	next atomic.Uint64 // spreads calls over anchors and replicas
}

// tokenQueryTries bounds the routes a query is tried on.
const tokenQueryTries = 4

// maxTokenAnswer bounds an answer read from another node.
const maxTokenAnswer = 16 << 20

func newTokenQuerier() *tokenQuerier {
	return &tokenQuerier{hc: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, MaxIdleConns: 256, MaxIdleConnsPerHost: 32,
		IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second, ForceAttemptHTTP2: true,
	}}}
}

// query runs instance's query name with args, routed through anchors (base
// URLs).
func (q *tokenQuerier) query(ctx context.Context, anchors []string, instance, name string, args json.RawMessage) (json.RawMessage, error) {
	body, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	var last error
	for range tokenQueryTries {
		rt, err := q.route(ctx, anchors, instance)
		if err != nil {
			return nil, err
		}
		var reps []wire.Replica
		for _, r := range rt.Replicas {
			if r.State == wire.StateUp && r.HTTP != "" {
				reps = append(reps, r)
			}
		}
		if len(reps) == 0 {
			last = fmt.Errorf("instance %s has no replica up", instance)
			continue
		}
		target := reps[int(q.next.Add(1)%uint64(len(reps)))].HTTP
		if rt.Mode == "full" && len(rt.Via) > 0 {
			target = rt.Via[int(q.next.Add(1)%uint64(len(rt.Via)))] // full fallback: through an anchor
		}
		var out json.RawMessage
		err = q.do(ctx, http.MethodPost, target+"/v1/tokens/"+instance+"/query/"+name, body, &out)
		if err == nil {
			return out, nil
		}
		last = err
		var p *wire.Problem
		if errors.As(err, &p) && p.Status != http.StatusMisdirectedRequest && p.Status < 500 && p.Status != http.StatusNotFound {
			return nil, err // the request itself was refused
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, last
}

// route asks the anchors, in turn, where instance lives; a 404 or 400 is
// final.
func (q *tokenQuerier) route(ctx context.Context, anchors []string, instance string) (*wire.Route, error) {
	last := errors.New("no anchors configured")
	start := int(q.next.Add(1) % uint64(max(len(anchors), 1)))
	for i := range anchors {
		var rt wire.Route
		err := q.do(ctx, http.MethodGet, anchors[(start+i)%len(anchors)]+"/v1/tokens/"+instance+"/route", nil, &rt)
		if err == nil {
			return &rt, nil
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
func (q *tokenQuerier) do(ctx context.Context, method, url string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := q.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenAnswer))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return wire.ProblemOf(resp.StatusCode, b)
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = b
		return nil
	}
	return json.Unmarshal(b, out)
}
