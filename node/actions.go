package node

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// maxIdempotencyKey bounds the key's length.
const maxIdempotencyKey = 200

// publishOwn sequences an attestation on this node's own stream of topic and
// publishes it: on disk and applied here, then gossiped.
func (n *Node) publishOwn(ctx context.Context, key *nodekey.Key, topic string, att *attest.Signed) error {
	aj, err := json.Marshal(att)
	if err != nil {
		return err
	}
	data, err := n.att.Sequence(key, topic, aj)
	if err != nil {
		return err
	}
	_, err = n.att.Publish(ctx, data, false)
	return err
}

// --- HTTP ---

func (s *serviceRole) httpAction(w http.ResponseWriter, r *http.Request) {
	id, ok := instanceParam(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	httpapi.ExtendWrite(w, s.n.cfg.Service.ActionTimeout.Duration)
	key := r.Header.Get(wire.IdempotencyHeader)
	if key == "" || len(key) > maxIdempotencyKey {
		httpapi.Error(w, r, http.StatusBadRequest, "idempotency-key-required",
			fmt.Sprintf("an action needs an %s header of 1..%d characters: the same key makes a retried request act once", wire.IdempotencyHeader, maxIdempotencyKey))
		return
	}
	body, ok := httpapi.Body(w, r, s.n.cfg.HTTP.MaxBodyBytes)
	if !ok {
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		httpapi.Error(w, r, http.StatusBadRequest, "malformed-json", "the action arguments must be a JSON value")
		return
	}
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		s.notHere(w, r, id)
		return
	}
	if err := s.checkActionGrant(in, name, r.Header.Get(wire.GrantHeader)); err != nil {
		grantError(w, r, err)
		return
	}
	ctx, cancel := s.exec.Detach(r.Context())
	defer cancel()
	out, err := s.exec.Run(ctx, id, name, key, body)
	switch {
	case err == nil:
		writeActionAnswer(w, out, s.n.peerStr, nil)
	case errors.Is(err, executor.ErrNotExecutor):
		s.n.metric.actions.WithLabelValues("not-executor").Inc()
		httpapi.WriteProblem(w, r, wire.Problem{
			Type: httpapi.ProblemType("not-executor"), Title: "Misdirected Request", Status: http.StatusMisdirectedRequest,
			Detail: "only the executor runs actions of " + id.String() + ": send it to route.executor",
			Route:  s.n.routeOf(in.Record),
		})
	case errors.Is(err, errNotHere):
		s.notHere(w, r, id)
	default:
		status, code := actionErrorStatus(err)
		httpapi.Error(w, r, status, code, err.Error())
	}
}

// checkActionGrant checks the owner's grant of an action that needs one.
func (s *serviceRole) checkActionGrant(in *instance, name, grant string) error {
	lb, ok := s.bundleOf(in)
	if !ok || !lb.Manifest.Service.ActionGrantRequired(name) {
		return nil
	}
	err := s.grants.check(grant, in.Owner, in.Record.Instance, "action:"+name, s.n.now())
	if err != nil {
		s.n.metric.actions.WithLabelValues("grant-refused").Inc()
	}
	return err
}

// writeActionAnswer writes an action's outcome with its receipt header; the
// transcript stays with the node.
func writeActionAnswer(w http.ResponseWriter, out *executor.Outcome, nodePeer string, extra map[string]string) {
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

// receiptOf decodes an outcome's receipt; nil when it has none or it does
// not decode (nothing is proven by it then).
func receiptOf(v json.RawMessage) *receipt.Receipt {
	var rc receipt.Receipt
	if !hasJSON(v) || json.Unmarshal(v, &rc) != nil {
		return nil
	}
	return &rc
}
