package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/governance"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// Anchor is an anchor as the API sees it.
type Anchor interface {
	// Route is an instance's route as this anchor knows it: ErrNotPlaced
	// when it is registered but on no node yet, ErrUnknownInstance when
	// the network knows no such instance.
	Route(ctx context.Context, id wire.InstanceID) (*wire.Route, error)
	// Consistency asks every replica of a placed instance for its state
	// root (ErrUnknownInstance when this anchor placed none).
	Consistency(ctx context.Context, id wire.InstanceID) (*wire.Consistency, error)
	// PublishBundle checks, keeps and replicates a bundle from a client:
	// ErrBundleQuota when the client has published its quota of new ones.
	PublishBundle(client string, b *tokenscript.Bundle) (*wire.Published, error)
	// Bundle finds a published bundle, here or at the other anchors.
	Bundle(ctx context.Context, h tokenscript.BundleHash) (*tokenscript.Bundle, bool)
	// Register checks and keeps an instance's registration against a
	// published bundle: ErrUnknownBundle, ErrBadRegistration.
	Register(ctx context.Context, bundle tokenscript.BundleHash, att json.RawMessage) (*wire.Registered, error)
	// Vote takes an anchor's fallback-mode vote and answers the mode now.
	Vote(body []byte) (mode string, round uint64, err error)
	// FullQuery and FullAction forward a call to the instance's replicas
	// (executor) in full fallback mode and re-execute a share of them;
	// outside it they answer ErrNotFullMode with the route.
	FullQuery(ctx context.Context, id wire.InstanceID, name string, args json.RawMessage, p grant.Presented) (*FullAnswer, error)
	FullAction(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage, p grant.Presented) (*FullAnswer, error)
	// ForwardReceipt queues a receipt an integration forwards for
	// sampling: sampling.ErrForwardedBad, ErrForwardedStray, ErrForwardedFull.
	ForwardReceipt(rc *receipt.Receipt) error
}

// FullAnswer is a call an anchor forwarded in full fallback mode: the
// replica's answer, which replica gave it, and whether the anchor
// re-executed it ("yes", "no").
type FullAnswer struct {
	Query      *QueryOutcome
	Action     *executor.Outcome
	Node       string
	Reexecuted string
	Via        string // this anchor's peer ID
}

// Errors of an anchor's answers.
var (
	ErrUnknownInstance = errors.New("no such token instance is known to the network")
	ErrNotPlaced       = errors.New("instance is registered but not placed yet: no service node is up")
	ErrBundleQuota     = errors.New("this client has published its quota of new bundles")
	// ErrChainUnavailable: a check that reads the chain could not read it.
	ErrChainUnavailable = errors.New("the chain did not answer")
	ErrUnknownBundle    = errors.New("unknown bundle")
	ErrBadRegistration  = errors.New("invalid registration")
	ErrVoteRefused      = governance.ErrVote
)

// NotFullMode is the answer to a forwarded call outside full fallback
// mode: the caller goes to the route.
type NotFullMode struct {
	Mode  string
	Route *wire.Route
}

func (e *NotFullMode) Error() string {
	return "the network is in " + e.Mode + " mode: ask the instance's replicas (actions: its executor) in route"
}

func (h *handlers) anchorRoute(w http.ResponseWriter, r *http.Request) {
	id, ok := instanceParam(w, r)
	if !ok {
		return
	}
	rt, err := h.d.Anchor.Route(r.Context(), id)
	switch {
	case errors.Is(err, ErrNotPlaced):
		w.Header().Set("Retry-After", "1")
		httpapi.Error(w, r, http.StatusServiceUnavailable, "not-placed", err.Error())
		return
	case err != nil:
		httpapi.Error(w, r, http.StatusNotFound, "unknown-instance", "no token instance "+id.String()+" is known to the network")
		return
	}
	w.Header().Set("Cache-Control", "max-age=1")
	httpapi.WriteJSON(w, http.StatusOK, rt)
}

func (h *handlers) consistency(w http.ResponseWriter, r *http.Request) {
	id, ok := instanceParam(w, r)
	if !ok {
		return
	}
	c, err := h.d.Anchor.Consistency(r.Context(), id)
	if err != nil {
		httpapi.Error(w, r, http.StatusNotFound, "unknown-instance", "no token instance "+id.String()+" is placed")
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) publishBundle(w http.ResponseWriter, r *http.Request) {
	var b tokenscript.Bundle
	if !httpapi.DecodeJSON(w, r, tokenscript.MaxBundleBytes*2, &b) {
		return
	}
	out, err := h.d.Anchor.PublishBundle(httpapi.ClientAddr(r.RemoteAddr), &b)
	switch {
	case errors.Is(err, registry.ErrNotOnChain):
		httpapi.Error(w, r, http.StatusForbidden, "bundle-not-on-chain", err.Error())
	case errors.Is(err, ErrChainUnavailable):
		w.Header().Set("Retry-After", "5")
		httpapi.Error(w, r, http.StatusServiceUnavailable, "chain-unavailable", err.Error())
	case errors.Is(err, ErrBundleQuota):
		h.d.Refused("bundle-quota")
		httpapi.TooMany(w, r, "bundle-quota", err.Error()+"; retry later", time.Minute)
	case err != nil:
		httpapi.Error(w, r, http.StatusBadRequest, "bad-bundle", err.Error())
	default:
		httpapi.WriteJSON(w, http.StatusCreated, out)
	}
}

func (h *handlers) getBundle(w http.ResponseWriter, r *http.Request) {
	hash, err := tokenscript.ParseBundleHash(r.PathValue("hash"))
	if err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-bundle-hash", err.Error())
		return
	}
	b, ok := h.d.Anchor.Bundle(r.Context(), hash)
	if !ok {
		httpapi.Error(w, r, http.StatusNotFound, "unknown-bundle", "no bundle "+hash.String()+" is published")
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, b)
}

func (h *handlers) register(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Bundle      string          `json:"bundle"`
		Attestation json.RawMessage `json:"attestation"`
	}
	if !httpapi.DecodeJSON(w, r, h.d.MaxBody, &req) {
		return
	}
	hash, err := tokenscript.ParseBundleHash(req.Bundle)
	if err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-bundle-hash", err.Error())
		return
	}
	if len(req.Attestation) == 0 {
		httpapi.Error(w, r, http.StatusBadRequest, "missing-attestation", "the body needs \"attestation\": the signed instance attestation")
		return
	}
	reg, err := h.d.Anchor.Register(r.Context(), hash, req.Attestation)
	switch {
	case errors.Is(err, ErrUnknownBundle):
		httpapi.Error(w, r, http.StatusNotFound, "unknown-bundle", "publish bundle "+hash.String()+" first")
	case errors.Is(err, attest.ErrMalformed):
		httpapi.Error(w, r, http.StatusBadRequest, "bad-attestation", err.Error())
	case errors.Is(err, ErrBadRegistration):
		httpapi.Error(w, r, http.StatusUnprocessableEntity, "invalid-attestation", err.Error())
	case err != nil:
		httpapi.Internal(w, r, h.d.Log, "store-failed", err)
	default:
		httpapi.WriteJSON(w, http.StatusCreated, reg)
	}
}

// forward takes a receipt an integration got from a service node: the
// anchor fetches the execution behind it from that node and checks it at
// its next sampling round (docs/protocols.md, "Execution verification").
func (h *handlers) forward(w http.ResponseWriter, r *http.Request) {
	var rc receipt.Receipt
	if !httpapi.DecodeJSON(w, r, h.d.MaxBody, &rc) {
		return
	}
	err := h.d.Anchor.ForwardReceipt(&rc)
	switch {
	case errors.Is(err, sampling.ErrForwardedBad):
		httpapi.Error(w, r, http.StatusBadRequest, "bad-receipt", err.Error())
	case errors.Is(err, sampling.ErrForwardedStray):
		httpapi.Error(w, r, http.StatusUnprocessableEntity, "unknown-node", err.Error())
	case errors.Is(err, sampling.ErrForwardedFull):
		httpapi.TooMany(w, r, "receipts-queue-full", err.Error(), 10*time.Second)
	case err != nil:
		httpapi.Internal(w, r, h.d.Log, "internal", err)
	default:
		httpapi.WriteJSON(w, http.StatusAccepted, wire.ReceiptQueued{Queued: true, Leaf: rc.Leaf()})
	}
}

func (h *handlers) vote(w http.ResponseWriter, r *http.Request) {
	body, ok := httpapi.Body(w, r, h.d.MaxBody)
	if !ok {
		return
	}
	mode, round, err := h.d.Anchor.Vote(body)
	switch {
	case errors.Is(err, attest.ErrMalformed):
		httpapi.Error(w, r, http.StatusBadRequest, "bad-attestation", err.Error())
	case errors.Is(err, ErrVoteRefused):
		httpapi.Error(w, r, http.StatusForbidden, "vote-refused", err.Error())
	case err != nil:
		httpapi.Error(w, r, http.StatusUnprocessableEntity, "invalid-attestation", err.Error())
	default:
		httpapi.WriteJSON(w, http.StatusCreated, wire.VoteResult{Mode: mode, Round: round})
	}
}

// fullCall reads an anchor's query or action request: the body (an empty
// one is {}) and what the request presents, which the replica checks.
func (h *handlers) fullCall(w http.ResponseWriter, r *http.Request) (wire.InstanceID, []byte, grant.Presented, bool) {
	id, ok := instanceParam(w, r)
	if !ok {
		return id, nil, grant.Presented{}, false
	}
	raw, ok := httpapi.Body(w, r, h.d.MaxBody)
	if !ok {
		return id, nil, grant.Presented{}, false
	}
	body := raw
	if len(body) == 0 {
		body = []byte("{}")
	}
	return id, body, presented(r, raw), true
}

// fullError answers a forwarded call that got no answer to pass on.
func (h *handlers) fullError(w http.ResponseWriter, r *http.Request, id wire.InstanceID, err error) {
	var nf *NotFullMode
	var p *Problem
	switch {
	case errors.As(err, &nf):
		httpapi.WriteProblem(w, r, wire.Problem{
			Type: httpapi.ProblemType("not-a-replica"), Title: "Misdirected Request", Status: http.StatusMisdirectedRequest,
			Detail: nf.Error(), Route: nf.Route,
		})
	case errors.Is(err, ErrUnknownInstance):
		httpapi.Error(w, r, http.StatusNotFound, "unknown-instance", "no token instance "+id.String()+" is known to the network")
	case errors.As(err, &p):
		if p.Code == "executor-unreachable" {
			w.Header().Set("Retry-After", "1")
		}
		httpapi.Error(w, r, p.Status, p.Code, p.Detail)
	default:
		httpapi.Internal(w, r, h.d.Log, "internal", err)
	}
}

// fullQuery on an anchor: in full mode it forwards the query to a replica,
// re-executes a share of the answers and answers with the replica's
// receipt; in other modes it sends the caller to the replicas (421).
func (h *handlers) fullQuery(w http.ResponseWriter, r *http.Request) {
	id, body, p, ok := h.fullCall(w, r)
	if !ok {
		return
	}
	ans, err := h.d.Anchor.FullQuery(r.Context(), id, r.PathValue("name"), body, p)
	if err != nil {
		h.fullError(w, r, id, err)
		return
	}
	WriteQueryAnswer(w, ans.Query, ans.Node, map[string]string{wire.ViaHeader: ans.Via, wire.ReexecutedHeader: ans.Reexecuted})
}

// fullAction on an anchor: in full mode it forwards the action to the
// executor and replays a share of the executions (external calls answered
// from the transcript); in other modes it sends the caller to the executor.
func (h *handlers) fullAction(w http.ResponseWriter, r *http.Request) {
	httpapi.ExtendWrite(w, h.d.ActionTimeout)
	key := r.Header.Get(wire.IdempotencyHeader)
	if key == "" || len(key) > MaxIdempotencyKey {
		httpapi.Error(w, r, http.StatusBadRequest, "idempotency-key-required",
			fmt.Sprintf("an action needs an %s header of 1..%d characters", wire.IdempotencyHeader, MaxIdempotencyKey))
		return
	}
	id, body, p, ok := h.fullCall(w, r)
	if !ok {
		return
	}
	ans, err := h.d.Anchor.FullAction(r.Context(), id, r.PathValue("name"), key, body, p)
	if err != nil {
		h.fullError(w, r, id, err)
		return
	}
	WriteActionAnswer(w, ans.Action, ans.Node, map[string]string{wire.ViaHeader: ans.Via, wire.ReexecutedHeader: ans.Reexecuted})
}
