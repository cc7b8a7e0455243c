package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/governance"
	"github.com/smartlayer/smartlayer/httpapi"
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
		s.kept.Add(sampling.Kept{Transcript: tr, State: state, Receipt: rc})
	}
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
		it := sampling.Item{Kept: k}
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
			if it.Receipt, err = sealReceipt(signer, k.Transcript, k.Transcript.Root(), in.Record.Fencing); err != nil {
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
	Grant    string          `json:"grant,omitempty"`
	// Key, when set, makes this a request to run the action Name with this
	// idempotency key, on the executor.
	Key string `json:"key,omitempty"`
}

type execResp struct {
	Outcome *queryOutcome     `json:"outcome,omitempty"`
	Action  *executor.Outcome `json:"action,omitempty"`
	Problem *queryProblem     `json:"problem,omitempty"`
}

// handleExec runs a query for an anchor and answers with its transcript and
// the state it ran on, so the anchor can re-execute it.
func (s *serviceRole) handleExec(ctx context.Context, from transport.PeerID, req *execReq) (*execResp, error) {
	if !s.n.isAnchorPeer(from) {
		return nil, errors.New("only anchors forward queries")
	}
	if req.Key != "" {
		return s.execAction(ctx, req), nil
	}
	out, err := s.runQuery(ctx, req.Instance, req.Name, req.Args, req.Grant)
	if err == nil {
		return &execResp{Outcome: out}, nil
	}
	var qp *queryProblem
	switch {
	case errors.Is(err, errNotHere):
		return &execResp{Problem: &queryProblem{Status: http.StatusMisdirectedRequest, Code: "not-a-replica", Detail: err.Error()}}, nil
	case errors.As(err, &qp) && qp.grant != nil:
		return &execResp{Problem: &queryProblem{Status: http.StatusForbidden, Code: "grant-refused", Detail: qp.Detail}}, nil
	case errors.As(err, &qp):
		return &execResp{Problem: qp}, nil
	}
	return nil, err
}

// execAction runs an action an anchor forwards. It runs to its end even if
// the anchor's stream gives up: the outcome is kept under its key.
func (s *serviceRole) execAction(ctx context.Context, req *execReq) *execResp {
	problem := func(status int, code, detail string) *execResp {
		return &execResp{Problem: &queryProblem{Status: status, Code: code, Detail: detail}}
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
	if err := s.checkActionGrant(in, req.Name, req.Grant); err != nil {
		return problem(http.StatusForbidden, "grant-refused", err.Error())
	}
	dctx, cancel := s.exec.Detach(ctx)
	defer cancel()
	out, err := s.exec.Run(dctx, req.Instance, req.Name, req.Key, req.Args)
	if err != nil {
		status, code := actionErrorStatus(err)
		return problem(status, code, err.Error())
	}
	return &execResp{Action: out}
}

// --- full fallback mode: integrations' queries through anchors ---

// fullMode reads an anchor's query or action request: the instance's
// record and the body, or, outside full fallback mode, a 421 sending the
// caller to the replicas.
func (a *anchorRole) fullMode(w http.ResponseWriter, r *http.Request) (*placement.Record, []byte, bool) {
	id, ok := instanceParam(w, r)
	if !ok {
		return nil, nil, false
	}
	body, ok := httpapi.Body(w, r, a.n.cfg.HTTP.MaxBodyBytes)
	if !ok {
		return nil, nil, false
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	rec, _ := a.record(r.Context(), id)
	if rec == nil {
		httpapi.Error(w, r, http.StatusNotFound, "unknown-instance", "no token instance "+id.String()+" is known to the network")
		return nil, nil, false
	}
	if mode, _ := a.mode(); mode != governance.ModeFull {
		httpapi.WriteProblem(w, r, wire.Problem{
			Type: httpapi.ProblemType("not-a-replica"), Title: "Misdirected Request", Status: http.StatusMisdirectedRequest,
			Detail: "the network is in " + mode + " mode: ask the instance's replicas (actions: its executor) in route", Route: a.n.routeOf(rec),
		})
		return nil, nil, false
	}
	return rec, body, true
}

// reexecute replays a forwarded execution for a share of calls: "yes" when
// it replayed, "no" when not sampled or not provable, "mismatch" when the
// node's answer does not replay (evidence published).
func (a *anchorRole) reexecute(ctx context.Context, p string, rec *placement.Record, it sampling.Kept) string {
	if it.Transcript == nil || a.n.rand.Float64() >= a.n.cfg.Network.FullShare {
		return "no"
	}
	addr, _ := nodekey.AddressOfPeer(peerIDOf(p))
	switch a.verify.Check(ctx, p, addr, &sampling.Item{Kept: it, Bundle: rec.Bundle}) {
	case sampling.Mismatch:
		return "mismatch"
	case sampling.Match:
		return "yes"
	}
	return "no"
}

// httpQuery on an anchor: in full mode it forwards the query to a replica,
// re-executes a share of the answers and answers with the replica's
// receipt; in other modes it sends the caller to the replicas (421).
func (a *anchorRole) httpQuery(w http.ResponseWriter, r *http.Request) {
	rec, body, ok := a.fullMode(w, r)
	if !ok {
		return
	}
	req := &execReq{Instance: rec.Instance, Name: r.PathValue("name"), Args: body, Grant: r.Header.Get(wire.GrantHeader)}
	var lastErr error
	for _, p := range append([]string{rec.Executor}, rec.Replicas...) {
		resp, err := transport.Call[execReq, execResp](r.Context(), a.n.net, peerIDOf(p), protoExec, req)
		if err != nil {
			lastErr = err
			continue
		}
		if pr := resp.Problem; pr != nil {
			httpapi.Error(w, r, pr.Status, pr.Code, pr.Detail)
			return
		}
		out := resp.Outcome
		if out == nil {
			lastErr = errors.New("empty answer")
			continue
		}
		verified := a.reexecute(r.Context(), p, rec, sampling.Kept{Transcript: out.Transcript, State: out.State, Receipt: out.Receipt})
		if verified == "mismatch" {
			lastErr = fmt.Errorf("replica %s answered wrongly; evidence published", shortID(p))
			continue
		}
		writeQueryAnswer(w, out, p, map[string]string{wire.ViaHeader: a.n.peerStr, wire.ReexecutedHeader: verified})
		return
	}
	httpapi.Error(w, r, http.StatusBadGateway, "no-replica-answered", fmt.Sprintf("no replica of %s answered", rec.Instance))
	a.n.log.Warn("full mode: no replica answered", "instance", rec.Instance, "err", lastErr)
}

// httpAction on an anchor: in full mode it forwards the action to the
// executor and replays a share of the executions (external calls answered
// from the transcript); in other modes it sends the caller to the executor.
func (a *anchorRole) httpAction(w http.ResponseWriter, r *http.Request) {
	httpapi.ExtendWrite(w, a.n.cfg.Service.ActionTimeout.Duration)
	key := r.Header.Get(wire.IdempotencyHeader)
	if key == "" || len(key) > maxIdempotencyKey {
		httpapi.Error(w, r, http.StatusBadRequest, "idempotency-key-required",
			fmt.Sprintf("an action needs an %s header of 1..%d characters", wire.IdempotencyHeader, maxIdempotencyKey))
		return
	}
	rec, body, ok := a.fullMode(w, r)
	if !ok {
		return
	}
	req := &execReq{Instance: rec.Instance, Name: r.PathValue("name"), Args: body, Grant: r.Header.Get(wire.GrantHeader), Key: key}
	resp, err := transport.Call[execReq, execResp](r.Context(), a.n.net, peerIDOf(rec.Executor), protoExec, req)
	switch {
	case err != nil:
		w.Header().Set("Retry-After", "1")
		httpapi.Error(w, r, http.StatusBadGateway, "executor-unreachable", fmt.Sprintf("the executor of %s did not answer (retry with the same key)", rec.Instance))
		a.n.log.Warn("full mode: executor did not answer", "instance", rec.Instance, "err", err)
		return
	case resp.Problem != nil:
		httpapi.Error(w, r, resp.Problem.Status, resp.Problem.Code, resp.Problem.Detail)
		return
	case resp.Action == nil:
		httpapi.Error(w, r, http.StatusBadGateway, "executor-unreachable", "empty answer from the executor")
		return
	}
	out := resp.Action
	verified := a.reexecute(r.Context(), rec.Executor, rec, sampling.Kept{Transcript: out.Transcript, State: out.StateBefore, Receipt: receiptOf(out.Receipt)})
	if verified == "mismatch" {
		httpapi.Error(w, r, http.StatusBadGateway, "wrong-execution",
			"the executor's execution does not replay; slashing evidence is published: retry with the same key once the instance has moved")
		return
	}
	writeActionAnswer(w, out, rec.Executor, map[string]string{wire.ViaHeader: a.n.peerStr, wire.ReexecutedHeader: verified})
}
