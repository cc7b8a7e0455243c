package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/wire"
)

// problem is one row of the error-to-status table: an error a handler can
// meet, the HTTP status it is answered with and the problem code (the last
// part of the RFC 9457 type URI).
type problem struct {
	err    error
	status int
	code   string
}

// The one table, by family; the first row whose error matches (errors.Is)
// answers. A family's fallback answers anything else in it.
var (
	// Running a script (queries, actions, replays).
	scriptProblems = []problem{
		{sandbox.ErrInputTooLarge, http.StatusRequestEntityTooLarge, "input-too-large"},
		{sandbox.ErrBadInput, http.StatusBadRequest, "bad-args"},
		{sandbox.ErrTimeout, http.StatusGatewayTimeout, "script-timeout"},
		{sandbox.ErrOutputTooLarge, http.StatusInternalServerError, "script-output-too-large"},
		{context.Canceled, 499, "cancelled"},
	}
	scriptFallback = problem{nil, http.StatusInternalServerError, "script-error"}

	// Running an action: where it runs, then what the script did.
	actionProblems = []problem{
		{executor.ErrNotExecutor, http.StatusMisdirectedRequest, "not-executor"},
		{executor.ErrNotHere, http.StatusMisdirectedRequest, "not-a-replica"},
		{executor.ErrBundleMissing, http.StatusServiceUnavailable, "bundle-missing"},
		{executor.ErrUnknownAction, http.StatusNotFound, "unknown-action"},
	}
	actionFallback = problem{nil, http.StatusServiceUnavailable, "action-not-published"}

	// A grant refused: 401 when there is no usable grant, 403 when a valid
	// grant does not allow the call.
	grantProblems = []problem{
		{grant.ErrMissing, http.StatusUnauthorized, "grant-required"},
		{grant.ErrTooLarge, http.StatusRequestHeaderFieldsTooLarge, "grant-too-large"},
		{grant.ErrExpired, http.StatusUnauthorized, "grant-expired"},
		{attest.ErrExpired, http.StatusUnauthorized, "grant-expired"},
		{attest.ErrRevoked, http.StatusUnauthorized, "grant-revoked"},
		{grant.ErrNotOwner, http.StatusForbidden, "grant-not-owner"},
		{grant.ErrInstance, http.StatusForbidden, "grant-wrong-instance"},
		{grant.ErrScope, http.StatusForbidden, "grant-scope"},
		{grant.ErrProofMissing, http.StatusUnauthorized, "request-signature-required"},
		{grant.ErrSessionUnknown, http.StatusUnauthorized, "session-unknown"},
		{grant.ErrProofMalformed, http.StatusUnauthorized, "request-signature-invalid"},
		{grant.ErrProofStale, http.StatusUnauthorized, "request-signature-stale"},
		{grant.ErrProofReplayed, http.StatusUnauthorized, "request-replayed"},
		{grant.ErrNotHolder, http.StatusForbidden, "grant-not-holder"},
		{grant.ErrNonceCacheFull, http.StatusTooManyRequests, "too-many-signed-requests"},
	}
	grantFallback = problem{nil, http.StatusUnauthorized, "invalid-grant"}
)

// lookup answers err from a family's rows, or its fallback.
func lookup(err error, rows []problem, fallback problem) (int, string) {
	for _, p := range rows {
		if errors.Is(err, p.err) {
			return p.status, p.code
		}
	}
	return fallback.status, fallback.code
}

// ScriptStatus maps sandbox errors to HTTP statuses and problem codes.
func ScriptStatus(err error) (int, string) { return lookup(err, scriptProblems, scriptFallback) }

// ActionStatus maps an error of running an action to an HTTP status and
// problem code: the action rows, then the script's.
func ActionStatus(err error) (int, string) {
	if status, code := lookup(err, actionProblems, problem{}); status != 0 {
		return status, code
	}
	if executor.IsScriptErr(err) {
		return ScriptStatus(err)
	}
	return actionFallback.status, actionFallback.code
}

// GrantStatus maps a refused grant to an HTTP status and problem code.
func GrantStatus(err error) (int, string) { return lookup(err, grantProblems, grantFallback) }

// GrantRefused wraps the error of a grant check, so the API answers it
// from the grant rows (whatever the cause: a grant that does not parse is
// refused as a grant too).
type GrantRefused struct{ Err error }

func (g *GrantRefused) Error() string { return g.Err.Error() }
func (g *GrantRefused) Unwrap() error { return g.Err }

// Problem is an error that knows its answer: a status and problem code.
// Roles return it for refusals that have no row of their own (a malformed
// argument, an unknown query).
type Problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

func (p *Problem) Error() string { return p.Detail }

// PaymentRefused is a priced call let through by no promise: 402 with what
// it costs and how to pay (Due), or 503 with Retry-After when the node
// cannot take payments now (its anchors are behind, the chain is silent).
type PaymentRefused struct {
	Status int
	Code   string
	Detail string
	Due    *wire.PaymentDue
}

func (p *PaymentRefused) Error() string { return p.Detail }

// paymentError answers a refused payment.
func paymentError(w http.ResponseWriter, r *http.Request, p *PaymentRefused) {
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	httpapi.WriteProblem(w, r, wire.Problem{Type: httpapi.ProblemType(p.Code), Title: http.StatusText(p.Status), Status: p.Status,
		Detail: p.Detail, Payment: p.Due})
}

// grantError answers a refused grant.
func grantError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := GrantStatus(err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `SmartlayerGrant header="`+wire.GrantHeader+`", signature="`+wire.SignatureHeader+`"`)
	}
	httpapi.Error(w, r, status, code, err.Error())
}
