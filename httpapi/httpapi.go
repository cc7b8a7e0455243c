// Package httpapi holds the integration-facing HTTP plumbing shared by every
// node: RFC 9457 problem details, JSON bodies with size caps, CORS, metrics.
package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/wire"
)

// maxDetail bounds a problem's detail and instance, in bytes.
const maxDetail = 1024

// clip cuts s to maxDetail bytes (on a character boundary), marking the cut.
func clip(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	return strings.ToValidUTF8(s[:maxDetail], "") + "…"
}

// ProblemType builds the type URI of a problem code.
func ProblemType(code string) string { return "urn:smartlayer:problem:" + code }

// clipURI cuts an escaped URI reference to maxDetail bytes without
// splitting a percent-escape, so what is left is still a URI reference.
func clipURI(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	s = s[:maxDetail]
	if i := strings.LastIndexByte(s, '%'); i >= 0 && i > len(s)-3 {
		s = s[:i]
	}
	return s
}

// ProblemInstance is a problem's instance member for a request: its path
// as sent, escaped (a URI reference, RFC 9457), not the decoded path (a
// topic's %2F would read as a '/', a space would make it no URI at all).
func ProblemInstance(r *http.Request) string { return clipURI(r.URL.EscapedPath()) }

// WriteProblem answers with application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, p wire.Problem) {
	if p.Instance == "" && r != nil {
		p.Instance = ProblemInstance(r)
	}
	// A detail may quote the request (a number, a name): never echo more
	// than a little of it back.
	p.Detail, p.Instance = clip(p.Detail), clipURI(p.Instance)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Error answers with a problem of the given status and code.
func Error(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	WriteProblem(w, r, wire.Problem{Type: ProblemType(code), Title: http.StatusText(status), Status: status, Detail: detail})
}

// WriteJSON answers with a JSON body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ErrBodyTooLarge is returned by ReadBody past the cap.
var ErrBodyTooLarge = errors.New("request body too large")

// ReadBody reads at most limit bytes of the request body.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	// A body trickled in slower than BodyTimeout is cut off; the deadline
	// is lifted after, so a long handler's connection is not.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(BodyTimeout))
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		// The rest of the body is not read: the connection is not reused
		// (the server must not wait to discard it).
		w.Header().Set("Connection", "close")
	} else {
		_ = rc.SetReadDeadline(time.Time{})
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fmt.Errorf("%w: limit is %d bytes", ErrBodyTooLarge, limit)
	}
	return b, err
}

// Body reads a capped body, answering 413 or 400 itself. It returns false
// when it has answered.
func Body(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	b, err := ReadBody(w, r, limit)
	if errors.Is(err, ErrBodyTooLarge) {
		Error(w, r, http.StatusRequestEntityTooLarge, "body-too-large", err.Error())
		return nil, false
	}
	if err != nil {
		Error(w, r, http.StatusBadRequest, "bad-body", "reading body: "+err.Error())
		return nil, false
	}
	return b, true
}

// DecodeJSON reads a capped body into v, answering 413 or 400 itself. It
// returns false when it has answered.
func DecodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	b, ok := Body(w, r, limit)
	if !ok {
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		Error(w, r, http.StatusBadRequest, "malformed-json", "body is not valid JSON for this endpoint: "+err.Error())
		return false
	}
	return true
}

// Metrics are the HTTP metrics of one node.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smartlayer_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "smartlayer_http_request_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 14),
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush lets streaming handlers flush through the wrapper.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// The request headers a page may send, and the answer headers its scripts
// may read.
var (
	corsAllow  = strings.Join([]string{"Content-Type", "Authorization", wire.IdempotencyHeader, wire.GrantHeader, wire.SignatureHeader, wire.PaymentHeader, "Last-Event-ID"}, ", ")
	corsExpose = strings.Join([]string{"Content-Type", wire.ReceiptHeader, wire.NodeHeader, wire.FencingHeader, wire.ViaHeader, wire.ReexecutedHeader, "Retry-After", "Date"}, ", ")
)

// Wrap adds CORS, panic recovery and metrics around mux.
func Wrap(mux *http.ServeMux, m *Metrics, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", corsAllow)
		h.Set("Access-Control-Expose-Headers", corsExpose)
		h.Set("Access-Control-Max-Age", "600")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		start := time.Now()
		_ = http.NewResponseController(w).SetWriteDeadline(start.Add(WriteTimeout))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			pattern := r.Pattern
			if pattern == "" || pattern == "/" {
				pattern = "unmatched"
			}
			if p := recover(); p != nil {
				log.Error("handler panic", "path", r.URL.Path, "panic", p)
				if sw.status == 0 {
					Error(sw, r, http.StatusInternalServerError, "internal", "the node failed to answer; see its log")
				}
			}
			m.requests.WithLabelValues(pattern, strconv.Itoa(sw.status)).Inc()
			m.latency.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
		}()
		mux.ServeHTTP(sw, r)
	})
}

// NotFound answers unknown paths with a problem instead of text.
func NotFound(w http.ResponseWriter, r *http.Request) {
	Error(w, r, http.StatusNotFound, "no-such-endpoint", "no endpoint "+r.Method+" "+r.URL.Path+"; see /openapi.json")
}

// Internal answers 500 for an error of the node's own (storage, signing):
// the error goes to the node's log under an id, the client gets only the id,
// so no internal detail (paths, peer addresses, library messages) leaks.
func Internal(w http.ResponseWriter, r *http.Request, log *slog.Logger, code string, err error) {
	var id [6]byte
	_, _ = rand.Read(id[:])
	ref := hex.EncodeToString(id[:])
	log.Error("internal error answering a request", "code", code, "path", r.URL.Path, "ref", ref, "err", err)
	Error(w, r, http.StatusInternalServerError, code, "the node failed to answer; its log has the cause under ref "+ref)
}

// Stream is one counted Server-Sent Events stream (StartStream).
type Stream struct {
	http.Flusher
	// Done is closed when the node gives the stream's place to a client
	// holding fewer streams: the handler ends the stream.
	Done <-chan struct{}
	// Release gives the stream's place back; the handler defers it.
	Release func()
}

// StartStream begins a Server-Sent Events answer, one of the node's
// streams counted in n. At max streams at once (0: no cap) a client
// holding at least two fewer streams than the client holding the most
// takes that client's oldest stream's place (its Done closes); otherwise
// it is answered 503 too-many-streams with Retry-After (the refusal
// counted when refused is set), as is a client at its own share
// (PerClient); a connection that cannot stream is answered 500.
// Otherwise it writes the stream's headers.
func StartStream(w http.ResponseWriter, r *http.Request, n *StreamCount, max int64, refused func(string)) (*Stream, bool) {
	fl, ok := w.(http.Flusher)
	if !ok {
		Error(w, r, http.StatusInternalServerError, "no-streaming", "this connection cannot stream")
		return nil, false
	}
	client := ClientAddr(r.RemoteAddr)
	e, reason, detail := n.take(client, max)
	if reason != "" {
		if refused != nil {
			refused(reason)
		}
		w.Header().Set("Retry-After", "5")
		Error(w, r, http.StatusServiceUnavailable, reason, detail)
		return nil, false
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	return &Stream{Flusher: fl, Done: e.done, Release: func() { n.release(client, e) }}, true
}

// StreamCount counts a node's open streams, in all and by client address
// (ClientAddr): no client may hold more than a sixteenth of the node's
// streams (at least 8), and once all are taken a client holding fewer
// takes a place from the client holding the most, so a few addresses
// cannot hold them all and keep every other client out.
type StreamCount struct {
	total atomic.Int64
	mu    sync.Mutex
	per   map[string][]*streamPlace // oldest first
}

// streamPlace is one counted stream.
type streamPlace struct {
	done chan struct{}
	gone bool // given to another client, or released
}

// Load is how many streams are open.
func (c *StreamCount) Load() int64 { return c.total.Load() }

// PerClient is the streams one client may hold at once out of max.
func PerClient(limit int64) int { return int(max(8, limit/16)) }

func (c *StreamCount) take(client string, limit int64) (e *streamPlace, reason, detail string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if limit > 0 && len(c.per[client]) >= PerClient(limit) {
		return nil, "too-many-streams", fmt.Sprintf("this address holds %d streams on this node, the most one client may (a sixteenth of http.max_streams, at least 8)", len(c.per[client]))
	}
	if limit > 0 && c.total.Load() >= limit {
		heaviest := ""
		for k, es := range c.per {
			if len(es) > len(c.per[heaviest]) {
				heaviest = k
			}
		}
		if len(c.per[heaviest]) < len(c.per[client])+2 {
			return nil, "too-many-streams", fmt.Sprintf("this node serves %d streams at once (http.max_streams), all taken; try again, or another node", limit)
		}
		oldest := c.per[heaviest][0]
		c.drop(heaviest, oldest)
		close(oldest.done)
	}
	if c.per == nil {
		c.per = map[string][]*streamPlace{}
	}
	e = &streamPlace{done: make(chan struct{})}
	c.per[client] = append(c.per[client], e)
	c.total.Add(1)
	return e, "", ""
}

func (c *StreamCount) release(client string, e *streamPlace) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop(client, e)
}

// drop takes e out of the count, once.
func (c *StreamCount) drop(client string, e *streamPlace) {
	if e.gone {
		return
	}
	e.gone = true
	c.per[client] = slices.DeleteFunc(c.per[client], func(x *streamPlace) bool { return x == e })
	if len(c.per[client]) == 0 {
		delete(c.per, client)
	}
	c.total.Add(-1)
}
