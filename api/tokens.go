package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// Tokens is a service node's instances as the API sees them.
type Tokens interface {
	// Self is the node's peer ID (the X-Smartlayer-Node header).
	Self() string
	// Query answers a query on a held instance: executor.ErrNotHere when
	// it is not held, *GrantRefused, *Problem, or a script's error.
	Query(ctx context.Context, id wire.InstanceID, name string, args json.RawMessage, p grant.Presented) (*QueryOutcome, error)
	// Action runs an action once per key on a held instance this node
	// executes; it runs to its end even if the caller goes.
	Action(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage, p grant.Presented) (*executor.Outcome, error)
	// Read is a held instance for reading its "state" or "history": its
	// TokenScript declares it public, or the call presents the owner's
	// grant covering "read:state" / "read:history" (or is the owner's own
	// signed call); its "root" (state root, offsets, fencing) is public.
	// executor.ErrNotHere when it is not held.
	Read(id wire.InstanceID, what string, p grant.Presented) (*token.Instance, error)
	// Watch is Read for a stream that goes on: the call is checked once,
	// as Read checks it, and still is checked again before each batch the
	// stream sends: the instance still held here, the grant still good
	// (not revoked, not expired, by the owner it has now) or the signer
	// still its owner.
	Watch(id wire.InstanceID, what string, p grant.Presented) (still func() error, err error)
	History(id wire.InstanceID) ([]token.HistoryItem, error)
	// Route is an instance's route from its held record or the network's
	// record lookup (nil: the network knows no such instance).
	Route(ctx context.Context, id wire.InstanceID) *wire.Route
	// Revoke takes an off-chain revocation attestation.
	Revoke(body []byte) (attest.UID, error)
	// Counted counts a query's result (the queries metric).
	Counted(result string)
	// Transcript is the execution a receipt of this node vouches for, by
	// the receipt's leaf, while the node keeps it (sampling.RingSize), to a
	// call that may read the instance's state (Read "state"): the
	// execution holds it. ErrUnknownReceipt when it is not kept.
	Transcript(leaf common.Hash, p grant.Presented) (*sampling.Kept, error)
}

// ErrUnknownReceipt: the node keeps no execution for that receipt.
var ErrUnknownReceipt = errors.New("this node keeps no execution for that receipt")

// QueryOutcome is one answered query with what vouches for it.
type QueryOutcome struct {
	Output     json.RawMessage     `json:"output"`
	Receipt    *receipt.Receipt    `json:"receipt,omitempty"`
	Transcript *sandbox.Transcript `json:"transcript,omitempty"`
	State      json.RawMessage     `json:"state,omitempty"` // the state it ran on
	Fencing    uint64              `json:"fencing"`
	// ReceiptHeader, when set, is Receipt as its header carries it
	// (ReceiptHeader), encoded once for an outcome served many times.
	ReceiptHeader string `json:"-"`
}

// ReceiptHeader encodes a receipt for wire.ReceiptHeader: base64url of its
// JSON.
func ReceiptHeader(rc *receipt.Receipt) string {
	rcj, _ := json.Marshal(rc)
	return base64.RawURLEncoding.EncodeToString(rcj)
}

// MaxIdempotencyKey bounds an action's idempotency key.
const MaxIdempotencyKey = 200

// instanceParam reads the {instance} path value, answering 400 itself when
// it is malformed.
func instanceParam(w http.ResponseWriter, r *http.Request) (wire.InstanceID, bool) {
	id, err := wire.ParseInstanceID(r.PathValue("instance"))
	if err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-instance-id", err.Error())
		return id, false
	}
	return id, true
}

func (h *handlers) query(w http.ResponseWriter, r *http.Request) {
	id, ok := instanceParam(w, r)
	if !ok {
		return
	}
	body, ok := httpapi.Body(w, r, h.d.MaxBody)
	if !ok {
		return
	}
	if !h.take(w, r, h.d.Queries, h.d.MaxQueries, "overloaded", "1",
		fmt.Sprintf("this replica runs %d queries at once (service.max_queries), all taken: ask another replica of the route", h.d.MaxQueries)) {
		return
	}
	defer h.d.Queries.Add(-1)
	out, err := h.d.Tokens.Query(r.Context(), id, r.PathValue("name"), body, presented(r, body))
	if err != nil {
		h.queryError(w, r, id, err)
		return
	}
	WriteQueryAnswer(w, out, h.d.Tokens.Self(), nil)
}

// queryError answers a refused query.
func (h *handlers) queryError(w http.ResponseWriter, r *http.Request, id wire.InstanceID, err error) {
	var p *Problem
	var g *GrantRefused
	var pr *PaymentRefused
	switch {
	case errors.Is(err, executor.ErrNotHere):
		h.notHere(w, r, id)
	case errors.As(err, &g):
		grantError(w, r, g)
	case errors.As(err, &pr):
		paymentError(w, r, pr)
	case errors.As(err, &p):
		httpapi.Error(w, r, p.Status, p.Code, p.Detail)
	default:
		httpapi.Internal(w, r, h.d.Log, "internal", err)
	}
}

// WriteQueryAnswer writes a query's output with the headers that vouch for
// it: the answering node, its fencing number and the receipt.
func WriteQueryAnswer(w http.ResponseWriter, out *QueryOutcome, nodePeer string, extra map[string]string) {
	hd := w.Header()
	switch {
	case out.ReceiptHeader != "":
		hd.Set(wire.ReceiptHeader, out.ReceiptHeader)
	case out.Receipt != nil:
		hd.Set(wire.ReceiptHeader, ReceiptHeader(out.Receipt))
	}
	hd.Set("Content-Type", "application/json")
	hd.Set(wire.NodeHeader, nodePeer)
	hd.Set(wire.FencingHeader, fmt.Sprint(out.Fencing))
	for k, v := range extra {
		hd.Set(k, v)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Output)
}

// notHere answers a call for an instance this node does not hold: 421 with
// the route when the network knows the instance, 404 otherwise.
func (h *handlers) notHere(w http.ResponseWriter, r *http.Request, id wire.InstanceID) {
	rt := h.d.Tokens.Route(r.Context(), id)
	if rt == nil {
		h.d.Tokens.Counted("unknown-instance")
		httpapi.Error(w, r, http.StatusNotFound, "unknown-instance", "no token instance "+id.String()+" is known to the network")
		return
	}
	h.d.Tokens.Counted("misdirected")
	httpapi.WriteProblem(w, r, wire.Problem{
		Type: httpapi.ProblemType("not-a-replica"), Title: "Misdirected Request", Status: http.StatusMisdirectedRequest,
		Detail: "this node does not hold instance " + id.String() + "; ask one of the replicas in route",
		Route:  rt,
	})
}

func (h *handlers) action(w http.ResponseWriter, r *http.Request) {
	id, ok := instanceParam(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	httpapi.ExtendWrite(w, h.d.ActionTimeout)
	key := r.Header.Get(wire.IdempotencyHeader)
	if key == "" || len(key) > MaxIdempotencyKey {
		httpapi.Error(w, r, http.StatusBadRequest, "idempotency-key-required",
			fmt.Sprintf("an action needs an %s header of 1..%d characters: the same key makes a retried request act once", wire.IdempotencyHeader, MaxIdempotencyKey))
		return
	}
	raw, ok := httpapi.Body(w, r, h.d.MaxBody)
	if !ok {
		return
	}
	body := raw
	if len(body) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		httpapi.Error(w, r, http.StatusBadRequest, "malformed-json", "the action arguments must be a JSON value")
		return
	}
	out, err := h.d.Tokens.Action(r.Context(), id, name, key, body, presented(r, raw))
	var g *GrantRefused
	var pr *PaymentRefused
	var p *Problem
	switch {
	case err == nil:
		WriteActionAnswer(w, out, h.d.Tokens.Self(), nil)
	case errors.As(err, &g):
		grantError(w, r, g)
	case errors.As(err, &pr):
		paymentError(w, r, pr)
	case errors.As(err, &p):
		httpapi.Error(w, r, p.Status, p.Code, p.Detail) // a refusal that says its answer (a dormant token type: 402)
	case errors.Is(err, executor.ErrNotExecutor):
		rt := h.d.Tokens.Route(r.Context(), id)
		httpapi.WriteProblem(w, r, wire.Problem{
			Type: httpapi.ProblemType("not-executor"), Title: "Misdirected Request", Status: http.StatusMisdirectedRequest,
			Detail: "only the executor runs actions of " + id.String() + ": send it to route.executor",
			Route:  rt,
		})
	case errors.Is(err, executor.ErrNotHere):
		h.notHere(w, r, id)
	default:
		status, code := ActionStatus(err)
		httpapi.Error(w, r, status, code, err.Error())
	}
}

// WriteActionAnswer writes an action's outcome with its receipt header; the
// transcript stays with the node.
func WriteActionAnswer(w http.ResponseWriter, out *executor.Outcome, nodePeer string, extra map[string]string) {
	if hasJSON(out.Receipt) {
		w.Header().Set(wire.ReceiptHeader, base64.RawURLEncoding.EncodeToString(out.Receipt))
	}
	w.Header().Set(wire.NodeHeader, nodePeer)
	w.Header().Set(wire.FencingHeader, fmt.Sprint(out.Fencing))
	for k, v := range extra {
		w.Header().Set(k, v)
	}
	httpapi.WriteJSON(w, http.StatusOK, &out.ActionOutcome)
}

// hasJSON reports whether an optional JSON member is there (not absent,
// not null).
func hasJSON(v json.RawMessage) bool { return len(v) > 0 && string(v) != "null" }

// presented is what a request presents to be let through: its grant and
// request-signature headers, and the request they cover (body as sent).
func presented(r *http.Request, body []byte) grant.Presented {
	return grant.Presented{Grant: r.Header.Get(wire.GrantHeader), Proof: r.Header.Get(wire.SignatureHeader),
		Request: grant.Request{Method: r.Method, Path: r.URL.RequestURI(), Body: body, Key: r.Header.Get(wire.IdempotencyHeader)},
		Caller:  grant.Caller{Instance: r.Header.Get(wire.CallerHeader), Record: r.Header.Get(wire.CallerRecordHeader), Chain: r.Header.Get(wire.CallChainHeader)},
		Payment: r.Header.Get(wire.PaymentHeader)}
}

// held is the instance of the {instance} path value for reading what
// ("state", "history"), or an answer saying why not.
func (h *handlers) held(w http.ResponseWriter, r *http.Request, what string) (*token.Instance, bool) {
	id, ok := instanceParam(w, r)
	if !ok {
		return nil, false
	}
	in, err := h.d.Tokens.Read(id, what, presented(r, nil))
	var g *GrantRefused
	switch {
	case errors.Is(err, executor.ErrNotHere):
		h.notHere(w, r, id)
		return nil, false
	case errors.As(err, &g):
		grantError(w, r, g)
		return nil, false
	case err != nil:
		httpapi.Internal(w, r, h.d.Log, "internal", err)
		return nil, false
	}
	return in, true
}

func (h *handlers) state(w http.ResponseWriter, r *http.Request) {
	in, ok := h.held(w, r, "state")
	if !ok {
		return
	}
	v := h.view(in)
	v.State = in.State
	v.Pending = make([]wire.PendingAction, len(in.Pending)) // never null: none is []
	for i, p := range in.Pending {
		v.Pending[i] = wire.PendingAction(p)
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
}

// root answers an instance's state root, offsets, fencing and executor,
// without the state: what anchors compare across replicas, public.
func (h *handlers) root(w http.ResponseWriter, r *http.Request) {
	in, ok := h.held(w, r, "root")
	if !ok {
		return
	}
	v := h.view(in)
	pr := in.PendingRoot()
	httpapi.WriteJSON(w, http.StatusOK, wire.Root{Instance: v.Instance, StateRoot: v.StateRoot, PendingRoot: hexutil.Encode(pr[:]),
		Offsets: v.Offsets, Fencing: v.Fencing, Executor: v.Executor, Node: v.Node, Owner: v.Owner})
}

// view is an instance's state view without the state and pending actions.
func (h *handlers) view(in *token.Instance) wire.StateView {
	root := in.Root()
	offs := in.Offsets
	if offs == nil {
		offs = map[string]uint64{}
	}
	return wire.StateView{Instance: in.Record.Instance, StateRoot: hexutil.Encode(root[:]), Offsets: offs,
		Fencing: in.Record.Fencing, Executor: in.Record.Executor, Node: h.d.Tokens.Self(), Owner: in.Owner}
}

func (h *handlers) history(w http.ResponseWriter, r *http.Request) {
	in, ok := h.held(w, r, "history")
	if !ok {
		return
	}
	hist, err := h.d.Tokens.History(in.Record.Instance)
	if err != nil {
		httpapi.Internal(w, r, h.d.Log, "store", err)
		return
	}
	if hist == nil {
		hist = []token.HistoryItem{} // never null: none is []
	}
	httpapi.WriteJSON(w, http.StatusOK, wire.History{Instance: in.Record.Instance, History: hist})
}

// serviceRoute lets a service node answer route lookups too, from its own
// records or the record lookup.
func (h *handlers) serviceRoute(w http.ResponseWriter, r *http.Request) {
	id, ok := instanceParam(w, r)
	if !ok {
		return
	}
	rt := h.d.Tokens.Route(r.Context(), id)
	if rt == nil {
		httpapi.Error(w, r, http.StatusNotFound, "unknown-instance", "no token instance "+id.String()+" is known to the network")
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, rt)
}

// transcript serves the execution behind a receipt (by its leaf) to a
// call that may read the instance's state, as the integration that got the
// receipt under a read:state grant may: the transcript, the state it ran on
// and the bundle, so it can replay it (smartlayer receipt verify
// --replay). Anchors fetch executions over sampling.ProtoTranscript.
func (h *handlers) transcript(w http.ResponseWriter, r *http.Request) {
	b, err := hexutil.Decode(r.PathValue("leaf"))
	if err != nil || len(b) != common.HashLength {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-receipt-leaf", "want the receipt's leaf: 0x and 64 hex digits")
		return
	}
	k, err := h.d.Tokens.Transcript(common.BytesToHash(b), presented(r, nil))
	var g *GrantRefused
	switch {
	case errors.Is(err, ErrUnknownReceipt), errors.Is(err, executor.ErrNotHere):
		httpapi.Error(w, r, http.StatusNotFound, "unknown-receipt",
			"this node keeps no execution for that receipt (it keeps its most recent ones of instances it holds: service.max_kept_executions, 4096 by default)")
	case errors.As(err, &g):
		grantError(w, r, g)
	case err != nil:
		httpapi.Internal(w, r, h.d.Log, "internal", err)
	default:
		httpapi.WriteJSON(w, http.StatusOK, k)
	}
}

func (h *handlers) revoke(w http.ResponseWriter, r *http.Request) {
	body, ok := httpapi.Body(w, r, h.d.MaxBody)
	if !ok {
		return
	}
	uid, err := h.d.Tokens.Revoke(body)
	if errors.Is(err, attest.ErrMalformed) {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-attestation", err.Error())
		return
	}
	if err != nil {
		httpapi.Error(w, r, http.StatusUnprocessableEntity, "invalid-attestation", err.Error())
		return
	}
	httpapi.WriteJSON(w, http.StatusCreated, wire.Revoked{Revoked: uid.String()})
}
