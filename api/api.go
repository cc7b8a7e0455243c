// Package api is a node's integration HTTP API (docs/api.md): the
// handlers, written against small interfaces of the node's roles (Topics
// on every node, Tokens on service nodes, Anchor on anchors), and the one
// table that maps their errors to statuses and RFC 9457 problem codes
// (problems.go). The roles hold no HTTP code and the API holds no state:
// it reads requests, asks a role, and writes what the role answered.
package api

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/smartlayer/smartlayer/httpapi"
)

// Deps is what the API needs of its node, given once.
type Deps struct {
	Log     *slog.Logger
	MaxBody int64 // request bodies (bundles have their own cap)
	// ActionTimeout is how long an action may run; its answer may be
	// written that long after the request.
	ActionTimeout time.Duration
	// Limit rate-limits a write endpoint per client address.
	Limit func(http.HandlerFunc) http.HandlerFunc
	// Refused counts hostile or malformed input refused, by reason.
	Refused func(reason string)
	// Done ends long-lived answers (streams) when the node stops.
	Done <-chan struct{}
	// MaxStreams caps the Server-Sent Event streams open at once (0: no
	// cap); Streams counts them (the node's metric reads it).
	MaxStreams int64
	Streams    *httpapi.StreamCount
	// MaxQueries caps the queries a service node runs at once (0: no
	// cap): past it a query is answered 503 overloaded with Retry-After,
	// and clients go to another replica. Queries counts them.
	MaxQueries int64
	Queries    *atomic.Int64

	// Health and Network are the node's own descriptions (JSON values).
	Health  func() any
	Network func() any
	Metrics http.Handler

	Topics Topics // every node
	Tokens Tokens // service nodes; nil on anchors
	Anchor Anchor // anchors; nil on service nodes
	// Payments: anchors with network.channels; nil otherwise.
	Payments Payments
	// Commitments: anchors with network.commitments; nil otherwise.
	Commitments Commitments
}

// Register adds every endpoint of the node's roles to mux.
func Register(mux *http.ServeMux, d Deps) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Refused == nil {
		d.Refused = func(string) {}
	}
	if d.Streams == nil {
		d.Streams = new(httpapi.StreamCount)
	}
	if d.Queries == nil {
		d.Queries = new(atomic.Int64)
	}
	h := &handlers{d: d}
	mux.HandleFunc("GET /v1/health", func(w http.ResponseWriter, r *http.Request) { httpapi.WriteJSON(w, http.StatusOK, d.Health()) })
	mux.HandleFunc("GET /v1/network", func(w http.ResponseWriter, r *http.Request) { httpapi.WriteJSON(w, http.StatusOK, d.Network()) })
	mux.Handle("GET /metrics", d.Metrics)
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(OpenAPI)
	})
	mux.HandleFunc("/", httpapi.NotFound)

	// Topics are <schema uid>/<key>: clients escape the '/' as %2F.
	mux.HandleFunc("GET /v1/topics/{topic}/heads", h.heads)
	mux.HandleFunc("GET /v1/topics/{topic}/stream", h.stream)
	if d.Tokens != nil {
		mux.HandleFunc("POST /v1/revocations", d.Limit(h.revoke))
		mux.HandleFunc("POST /v1/tokens/{instance}/query/{name}", h.query)
		mux.HandleFunc("POST /v1/tokens/{instance}/actions/{name}", h.action)
		mux.HandleFunc("GET /v1/tokens/{instance}/state", h.state)
		mux.HandleFunc("GET /v1/tokens/{instance}/history", h.history)
		mux.HandleFunc("GET /v1/tokens/{instance}/root", h.root)
		mux.HandleFunc("GET /v1/tokens/{instance}/route", h.serviceRoute)
		mux.HandleFunc("GET /v1/receipts/{leaf}/transcript", h.transcript)
	}
	if d.Anchor != nil {
		mux.HandleFunc("POST /v1/attestations", d.Limit(h.publish))
		mux.HandleFunc("POST /v1/tokens/{instance}/query/{name}", h.fullQuery)
		mux.HandleFunc("POST /v1/tokens/{instance}/actions/{name}", h.fullAction)
		mux.HandleFunc("POST /v1/bundles", d.Limit(h.publishBundle))
		mux.HandleFunc("GET /v1/bundles/{hash}", h.getBundle)
		mux.HandleFunc("POST /v1/tokens", d.Limit(h.register))
		mux.HandleFunc("GET /v1/tokens/{instance}/route", h.anchorRoute)
		mux.HandleFunc("GET /v1/tokens/{instance}/consistency", h.consistency)
		mux.HandleFunc("POST /v1/votes", d.Limit(h.vote))
		mux.HandleFunc("POST /v1/receipts", d.Limit(h.forward))
	}
	if d.Commitments != nil {
		mux.HandleFunc("GET /v1/commitments/proof/{uid}", d.Limit(h.commitmentProof))
		mux.HandleFunc("GET /v1/commitments/execution/{instance}/{transcriptRoot}", d.Limit(h.commitmentProofOfExecution))
	}
	if d.Payments != nil {
		mux.HandleFunc("GET /v1/channels/{channel}", d.Limit(h.channel))
		mux.HandleFunc("POST /v1/channels/{channel}/settle", d.Limit(h.settle))
		mux.HandleFunc("POST /v1/channels/{channel}/close", d.Limit(h.closeChannel))
		mux.HandleFunc("POST /v1/channels/{channel}/promise", d.Limit(h.coverChannel))
	}
}

type handlers struct{ d Deps }

// take counts one more of something capped at max (0: no cap) in n; past
// the cap it answers 503 with code and Retry-After (seconds), counts the
// refusal and reports false. The caller gives the slot back (n.Add(-1)).
func (h *handlers) take(w http.ResponseWriter, r *http.Request, n *atomic.Int64, max int64, code, retryAfter, detail string) bool {
	if v := n.Add(1); max > 0 && v > max {
		n.Add(-1)
		h.d.Refused(code)
		w.Header().Set("Retry-After", retryAfter)
		httpapi.Error(w, r, http.StatusServiceUnavailable, code, detail)
		return false
	}
	return true
}
