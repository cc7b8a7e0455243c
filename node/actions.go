package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/wire"
)

// maxIdempotencyKey bounds the key's length.
const maxIdempotencyKey = api.MaxIdempotencyKey

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

// action runs an action on a held instance this node executes, once per
// key, after the owner's grant is checked. It runs to its end even if the
// caller goes: the outcome is kept under its key.
func (s *serviceRole) action(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage, p grant.Presented) (*executor.Outcome, error) {
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		return nil, errNotHere
	}
	lb, ok := s.bundleOf(in)
	if !ok {
		return nil, errBundleMissing // not knowing whether a grant is needed, nothing runs
	}
	if p := s.dormant(lb); p != nil {
		return nil, p
	}
	ctx, err := s.inCallChain(ctx, id, p, s.n.metric.actions)
	if err != nil {
		return nil, err
	}
	if err := s.tokenKeyOK(key, p); errors.Is(err, grant.ErrSessionUnknown) {
		return nil, &api.GrantRefused{Err: err} // the caller signs again
	} else if errors.Is(err, errCallerRecord) {
		// The calling token's record does not check here yet (an epoch
		// not learnt): the caller tries again, not for good.
		return nil, &api.Problem{Status: http.StatusServiceUnavailable, Code: "caller-record-unchecked", Detail: err.Error()}
	} else if err != nil {
		return nil, &api.Problem{Status: http.StatusBadRequest, Code: "idempotency-key-reserved", Detail: err.Error()}
	}
	caller, byToken, err := s.checkActionGrant(in, name, p)
	if err != nil {
		return nil, grantRefused(err)
	}
	if err := s.chargeAction(ctx, in, lb, name, key, p, caller, byToken); err != nil {
		return nil, err
	}
	ctx, cancel := s.exec.Detach(ctx)
	defer cancel()
	out, err := s.exec.Run(ctx, id, name, key, args)
	if errors.Is(err, executor.ErrNotExecutor) {
		s.n.metric.actions.WithLabelValues("not-executor").Inc()
	}
	return out, err
}

// grantRefused is the answer to a grant check that failed with err: 503
// caller-record-unchecked when the calling token's record could not be
// checked yet (the caller asks again), else the grant's refusal.
func grantRefused(err error) error {
	if errors.Is(err, errCallerRecord) {
		return &api.Problem{Status: http.StatusServiceUnavailable, Code: "caller-record-unchecked", Detail: err.Error()}
	}
	return &api.GrantRefused{Err: err}
}

// chargeAction takes a priced action's payment where it runs (the
// executor), once per idempotency key: a repeated request gets the outcome
// it paid for. A token's call under its grant is not charged again.
func (s *serviceRole) chargeAction(ctx context.Context, in *instance, lb *loadedBundle, name, key string, p grant.Presented, caller common.Address, byToken bool) error {
	price := lb.Manifest.Service.ActionPriceOf(name)
	id := in.Record.Instance
	if price == 0 || s.n.pay == nil || byToken || in.Record.Executor != s.n.peerStr || s.exec.Done(id, name, key) {
		return nil
	}
	if err := s.n.pay.charge(ctx, p.Payment, price, id, "action:"+name, s.callerOf(p, caller)); err != nil {
		s.n.metric.actions.WithLabelValues("payment-refused").Inc()
		return err
	}
	return nil
}

// checkActionGrant checks the owner's grant of an action that needs one,
// and reports who proved the call (none when no grant was needed) and
// whether it was a token's under its grant.
func (s *serviceRole) checkActionGrant(in *instance, name string, p grant.Presented) (common.Address, bool, error) {
	lb, ok := s.bundleOf(in)
	if !ok || !lb.Manifest.Service.ActionGrantRequired(name) {
		return common.Address{}, false, nil
	}
	caller, byToken, err := s.grants.checkCall(p, in.Owner, in.Record.Instance, "action:"+name, s.n.now())
	if err != nil {
		s.n.metric.actions.WithLabelValues("grant-refused").Inc()
	}
	return caller, byToken, err
}

// callerOf says whether a call was proved by a payer, for a payment on
// credit (asked only for one): by a session MAC (a signed request could be
// shown to another node within its time window, with a credit the anchor
// would not count), by who proved it, when the grant check took the call's
// proof, or checked now (its nonce taken only when it is the payer's).
func (s *serviceRole) callerOf(p grant.Presented, proved common.Address) func(payer common.Address) error {
	return func(payer common.Address) error {
		if pr, err := grant.ParseProof(p.Proof); err != nil || pr.MAC == nil {
			return errors.New("a call on credit must be proved by a session MAC (m=), not a signature")
		}
		if proved == (common.Address{}) {
			return s.grants.provedBy(p, payer, s.n.now())
		}
		if proved != payer {
			return fmt.Errorf("proved by %s", proved)
		}
		return nil
	}
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

// tokenKeyOK refuses the idempotency keys of inter-token actions
// (sandbox.TokenActionKey, "tok-...") from a call that is not a token's,
// signed by the calling token's executor under its record: they are
// derived from the calling action's key, which may be public (a
// trigger's), and a stranger taking one first would leave the token's
// call a stored outcome for other arguments. (A caller header alone was
// enough: it is checked against the signer only under a grant to a token.)
func (s *serviceRole) tokenKeyOK(key string, p grant.Presented) error {
	if !strings.HasPrefix(key, sandbox.TokenActionKeyPrefix) {
		return nil
	}
	if p.Caller.Instance == "" {
		return fmt.Errorf("keys starting %q are for calls a token's action makes", sandbox.TokenActionKeyPrefix)
	}
	signer, _, err := p.Signer(s.n.now(), s.grants.sessions)
	if errors.Is(err, grant.ErrSessionUnknown) {
		return err
	}
	if err == nil {
		err = s.grants.callerNode(p.Caller, signer, true)
	}
	if err != nil {
		return fmt.Errorf("keys starting %q are for calls a token's action makes, signed by its executor: %w", sandbox.TokenActionKeyPrefix, err)
	}
	return nil
}
