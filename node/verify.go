package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/governance"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// protoExec carries execReq, anchor to service node: a query or action in
// full fallback mode.
const protoExec = transport.ProtocolPrefix + "/exec/1.0.0"

// --- service side: executions kept for sampling ---

func (s *serviceRole) keepTranscript(tr *sandbox.Transcript, state json.RawMessage, rc *receipt.Receipt) {
	if tr != nil {
		k := sampling.Kept{Transcript: tr, State: state, Receipt: rc}
		if id, err := wire.ParseInstanceID(tr.Instance); err == nil {
			s.mu.RLock()
			if in := s.inst[id]; in != nil {
				k.Bundle = in.Record.Bundle
			}
			s.mu.RUnlock()
		}
		leaf := s.kept.Add(k)
		if s.archive != nil && rc != nil {
			ctx := s.n.ctx
			if ctx == nil { // not started yet
				ctx = context.Background()
			}
			s.archive.Add(ctx, k, leaf)
		}
	}
}

// findKept is the execution a receipt (its leaf) vouches for: a recent one
// from the ring, an older one from the archive.
func (s *serviceRole) findKept(leaf common.Hash) (sampling.Kept, bool) {
	if k, ok := s.kept.Find(leaf); ok {
		return k, true
	}
	if s.archive != nil {
		return s.archive.Find(leaf)
	}
	return sampling.Kept{}, false
}

// handleSample answers an anchor's sampling request with a random share of
// the recent transcripts, each with a receipt this node signs now if it had
// none: the node vouches for what it claims it ran.
func (s *serviceRole) handleSample(_ context.Context, from transport.PeerID, req *sampling.Request) (*sampling.Response, error) {
	if !s.n.isAnchorPeer(from) {
		return nil, errors.New("only anchors sample transcripts")
	}
	signer := s.receipts
	if signer == nil {
		signer = receipt.NewBatcher(receipt.Software{Key: s.n.key.ECDSA}, true)
	}
	out := &sampling.Response{}
	for _, k := range s.kept.Sample(s.n.rand, req.Share, min(req.Max, sampling.MaxItems)) {
		it := k
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
			// Signed now for an applied run, which no one was answered
			// and the archive does not hold: undated (the v2 leaf), so
			// no anchor holds this node to producing it later.
			it.Receipt = receipt.For(k.Transcript.Execution(k.Transcript.Root()), in.Record.Fencing)
			it.Receipt.AtMs = 0
			if err := signer.Seal(it.Receipt); err != nil {
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
	// Presented is what the integration's request presented to the
	// anchor (grant, request signature, the request they cover): the
	// replica checks it as if the request had come to it.
	Presented grant.Presented `json:"presented"`
	// Key, when set, makes this a request to run the action Name with this
	// idempotency key, on the executor.
	Key string `json:"key,omitempty"`
}

type execResp struct {
	Outcome *api.QueryOutcome `json:"outcome,omitempty"`
	Action  *executor.Outcome `json:"action,omitempty"`
	Problem *api.Problem      `json:"problem,omitempty"`
}

// handleExec runs a query for an anchor and answers with its transcript and
// the state it ran on, so the anchor can re-execute it.
func (s *serviceRole) handleExec(ctx context.Context, from transport.PeerID, req *execReq) (*execResp, error) {
	if !s.n.isAnchorPeer(from) {
		return nil, errors.New("only anchors forward queries")
	}
	if err := presentedFor(req); err != nil {
		return &execResp{Problem: &api.Problem{Status: http.StatusBadRequest, Code: "bad-request", Detail: err.Error()}}, nil
	}
	if req.Key != "" {
		return s.execAction(ctx, req), nil
	}
	out, err := s.runQuery(ctx, req.Instance, req.Name, req.Args, req.Presented)
	if err == nil {
		return &execResp{Outcome: out}, nil
	}
	var qp *api.Problem
	var g *api.GrantRefused
	var pr *api.PaymentRefused
	switch {
	case errors.Is(err, errNotHere):
		return &execResp{Problem: &api.Problem{Status: http.StatusMisdirectedRequest, Code: "not-a-replica", Detail: err.Error()}}, nil
	case errors.As(err, &g):
		status, code := api.GrantStatus(g)
		return &execResp{Problem: &api.Problem{Status: status, Code: code, Detail: g.Error()}}, nil
	case errors.As(err, &qp):
		return &execResp{Problem: qp}, nil
	case errors.As(err, &pr):
		return &execResp{Problem: &api.Problem{Status: pr.Status, Code: pr.Code, Detail: pr.Detail}}, nil
	}
	return nil, err
}

// presentedFor checks that what an anchor forwards as presented by the
// integration is the request for this very call (instance, name, key and
// arguments): an anchor cannot reuse a signed call for another.
func presentedFor(req *execReq) error {
	p := req.Presented
	if p.Grant == "" && p.Proof == "" {
		return nil // nothing presented: a call that needs nothing, or refused as such
	}
	kind := "query"
	if req.Key != "" {
		kind = "actions"
	}
	raw, _, _ := strings.Cut(p.Request.Path, "?")
	path, err := url.PathUnescape(raw)
	if err != nil {
		return errors.New("the request presented has a malformed path")
	}
	inst, rest, _ := strings.Cut(strings.TrimPrefix(path, "/v1/tokens/"), "/")
	body := p.Request.Body
	if len(body) == 0 {
		body = []byte("{}")
	}
	if p.Request.Method != http.MethodPost || !strings.HasPrefix(path, "/v1/tokens/") || !strings.EqualFold(inst, req.Instance.String()) ||
		rest != kind+"/"+req.Name || !bytes.Equal(body, req.Args) || kind == "actions" && p.Request.Key != req.Key {
		return errors.New("the request presented is not this call's")
	}
	return nil
}

// execAction runs an action an anchor forwards. It runs to its end even if
// the anchor's stream gives up: the outcome is kept under its key.
func (s *serviceRole) execAction(ctx context.Context, req *execReq) *execResp {
	problem := func(status int, code, detail string) *execResp {
		return &execResp{Problem: &api.Problem{Status: status, Code: code, Detail: detail}}
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
	lb, ok := s.bundleOf(in)
	if !ok {
		return problem(http.StatusServiceUnavailable, "bundle-missing", errBundleMissing.Error())
	}
	// As on the direct path: a dormant type runs nothing, and a token's
	// call must not come back to this instance (nor run too deep).
	if p := s.dormant(lb); p != nil {
		return &execResp{Problem: p}
	}
	ctx, err := s.inCallChain(ctx, req.Instance, req.Presented, s.n.metric.actions)
	if err != nil {
		var p *api.Problem
		if errors.As(err, &p) {
			return &execResp{Problem: p}
		}
		return problem(http.StatusBadRequest, "bad-call-chain", err.Error())
	}
	if err := s.tokenKeyOK(req.Key, req.Presented); err != nil {
		return problem(http.StatusBadRequest, "idempotency-key-reserved", err.Error())
	}
	caller, byToken, err := s.checkActionGrant(in, req.Name, req.Presented)
	if err != nil {
		status, code := api.GrantStatus(err)
		return problem(status, code, err.Error())
	}
	var pr *api.PaymentRefused
	if err := s.chargeAction(ctx, in, lb, req.Name, req.Key, req.Presented, caller, byToken); errors.As(err, &pr) {
		return problem(pr.Status, pr.Code, pr.Detail)
	}
	dctx, cancel := s.exec.Detach(ctx)
	defer cancel()
	out, err := s.exec.Run(dctx, req.Instance, req.Name, req.Key, req.Args)
	if err != nil {
		status, code := api.ActionStatus(err)
		return problem(status, code, err.Error())
	}
	return &execResp{Action: out}
}

// --- full fallback mode: integrations' queries through anchors ---

// boundBy checks that the answer an anchor is about to pass on in full
// fallback mode carries a receipt signed by the node that gave it, for this
// call and these bytes (full mode needs receipts: service.receipts on).
func boundBy(rc *receipt.Receipt, p, function string, id wire.InstanceID, key string, args, output []byte) error {
	if rc == nil {
		return errors.New("the answer carries no receipt")
	}
	addr, err := nodekey.AddressOfPeer(peerIDOf(p))
	if err != nil {
		return err
	}
	if err := rc.Verify(addr); err != nil {
		return err
	}
	return rc.Binds(function, id.String(), key, args, output)
}

// fullRecord is the record of an instance an anchor is asked to forward
// a call for: an error outside full fallback mode (with the route) or
// when the network knows no such instance.
func (a *anchorRole) fullRecord(ctx context.Context, id wire.InstanceID) (*placement.Record, error) {
	rec, _ := a.record(ctx, id)
	if rec == nil {
		return nil, api.ErrUnknownInstance
	}
	if mode, _ := a.mode(); mode != governance.ModeFull {
		return nil, &api.NotFullMode{Mode: mode, Route: a.n.routeOf(rec)}
	}
	return rec, nil
}

// reexecute replays a forwarded execution for a share of calls: "yes" when
// it replayed, "no" when not sampled or not provable, "mismatch" when the
// node's answer does not replay (evidence published).
func (a *anchorRole) reexecute(ctx context.Context, p string, rec *placement.Record, it sampling.Kept) string {
	if it.Transcript == nil || a.n.rand.Float64() >= a.n.cfg.Network.FullShare {
		return "no"
	}
	addr, _ := nodekey.AddressOfPeer(peerIDOf(p))
	it.Bundle = rec.Bundle
	switch a.verify.Check(ctx, p, addr, &it) {
	case sampling.Mismatch:
		return "mismatch"
	case sampling.Match:
		return "yes"
	}
	return "no"
}

// FullQuery on an anchor in full mode forwards the query to a replica and
// re-executes a share of the answers; the answer carries the replica's
// receipt.
func (a *anchorRole) FullQuery(ctx context.Context, id wire.InstanceID, name string, args json.RawMessage, p grant.Presented) (*api.FullAnswer, error) {
	rec, err := a.fullRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	req := &execReq{Instance: rec.Instance, Name: name, Args: args, Presented: p}
	var lastErr error
	for _, p := range append([]string{rec.Executor}, rec.Replicas...) {
		resp, err := transport.Call[execReq, execResp](ctx, a.n.net, peerIDOf(p), protoExec, req)
		if err != nil {
			lastErr = err
			continue
		}
		if pr := resp.Problem; pr != nil {
			return nil, pr
		}
		out := resp.Outcome
		if out == nil {
			lastErr = errors.New("empty answer")
			continue
		}
		// The body passed on must be one the replica signed a receipt for,
		// for this very call.
		if err := boundBy(out.Receipt, p, "query:"+name, id, "", args, out.Output); err != nil {
			lastErr = fmt.Errorf("replica %s: %w", shortID(p), err)
			continue
		}
		verified := a.reexecute(ctx, p, rec, sampling.Kept{Transcript: out.Transcript, State: out.State, Receipt: out.Receipt})
		if verified == "mismatch" {
			lastErr = fmt.Errorf("replica %s answered wrongly; evidence published", shortID(p))
			continue
		}
		return &api.FullAnswer{Query: out, Node: p, Via: a.n.peerStr, Reexecuted: verified}, nil
	}
	a.n.log.Warn("full mode: no replica answered", "instance", rec.Instance, "err", lastErr)
	return nil, &api.Problem{Status: http.StatusBadGateway, Code: "no-replica-answered", Detail: fmt.Sprintf("no replica of %s answered", rec.Instance)}
}

// FullAction on an anchor in full mode forwards the action to the executor
// and replays a share of the executions (external calls answered from the
// transcript).
func (a *anchorRole) FullAction(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage, p grant.Presented) (*api.FullAnswer, error) {
	rec, err := a.fullRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	req := &execReq{Instance: rec.Instance, Name: name, Args: args, Presented: p, Key: key}
	resp, err := transport.Call[execReq, execResp](ctx, a.n.net, peerIDOf(rec.Executor), protoExec, req)
	switch {
	case err != nil:
		a.n.log.Warn("full mode: executor did not answer", "instance", rec.Instance, "err", err)
		return nil, &api.Problem{Status: http.StatusBadGateway, Code: "executor-unreachable",
			Detail: fmt.Sprintf("the executor of %s did not answer (retry with the same key)", rec.Instance)}
	case resp.Problem != nil:
		return nil, resp.Problem
	case resp.Action == nil:
		return nil, &api.Problem{Status: http.StatusBadGateway, Code: "executor-unreachable", Detail: "empty answer from the executor"}
	}
	out := resp.Action
	if err := boundBy(receiptOf(out.Receipt), rec.Executor, "action:"+name, id, key, args, out.Result); err != nil {
		return nil, &api.Problem{Status: http.StatusBadGateway, Code: "wrong-execution", Detail: "the executor's answer is not one its receipt covers: " + err.Error()}
	}
	verified := a.reexecute(ctx, rec.Executor, rec, sampling.Kept{Transcript: out.Transcript, State: out.StateBefore, Receipt: receiptOf(out.Receipt)})
	if verified == "mismatch" {
		return nil, &api.Problem{Status: http.StatusBadGateway, Code: "wrong-execution",
			Detail: "the executor's execution does not replay; slashing evidence is published: retry with the same key once the instance has moved"}
	}
	return &api.FullAnswer{Action: out, Node: rec.Executor, Via: a.n.peerStr, Reexecuted: verified}, nil
}
