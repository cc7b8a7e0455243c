package httpapi

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Server timeouts: a client that trickles its headers or body, or reads its
// answer too slowly, is cut off; an idle connection is closed. The body and
// write deadlines are set per request (ReadBody, Wrap) rather than on the
// server, whose ReadTimeout and WriteTimeout would also cut the change
// streams (SSE) and long actions: a stream refreshes its write deadline per
// event, an action extends it by its own time limit (ExtendWrite).
const (
	ReadHeaderTimeout = 5 * time.Second
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
	// WriteTimeout bounds writing an answer (or one event of a stream).
	WriteTimeout = time.Minute
)

// BodyTimeout bounds reading a request's body (a variable for tests).
var BodyTimeout = 30 * time.Second

// NewServer is an http.Server with the timeouts above.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

// ExtendWrite gives a handler d plus WriteTimeout, from now, to write its
// answer: an action its time limit, a change stream each event (d = 0).
func ExtendWrite(w http.ResponseWriter, d time.Duration) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + WriteTimeout))
}

// ClientAddr is the address a request or connection counts against: the
// remote IPv4 address, or the /64 an IPv6 address is in (one host is
// usually given a whole /64, so its addresses count as one client).
func ClientAddr(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}

// LimitListener caps open connections per client address and in all. A
// connection over either cap is answered at once with 503 and closed, so a
// client holding many connections open (slowloris) cannot starve others.
type LimitListener struct {
	net.Listener
	perClient, total int
	refused          func(reason string)

	mu     sync.Mutex
	open   map[string]int
	nTotal int
}

// NewLimitListener wraps ln; refused, if set, counts refusals by reason.
func NewLimitListener(ln net.Listener, perClient, total int, refused func(reason string)) *LimitListener {
	if refused == nil {
		refused = func(string) {}
	}
	return &LimitListener{Listener: ln, perClient: perClient, total: total, refused: refused, open: map[string]int{}}
}

// Accept returns the next connection within the caps.
func (l *LimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := ClientAddr(c.RemoteAddr().String())
		l.mu.Lock()
		reason := ""
		switch {
		case l.nTotal >= l.total:
			reason = "connections-total"
		case l.open[addr] >= l.perClient:
			reason = "connections-per-client"
		default:
			l.open[addr]++
			l.nTotal++
		}
		l.mu.Unlock()
		if reason != "" {
			l.refused(reason)
			// At most maxRefusing answers at once; past that a refused
			// connection is closed without one, so a flood of connections
			// cannot pile up goroutines and descriptors.
			select {
			case refusing <- struct{}{}:
				go func() {
					defer func() { <-refusing }()
					refuseConn(c, reason)
				}()
			default:
				c.Close()
			}
			continue
		}
		return &limitedConn{Conn: c, l: l, addr: addr}, nil
	}
}

// Open reports the connections counted for addr (for tests and metrics).
func (l *LimitListener) Open(addr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[addr]
}

func (l *LimitListener) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nTotal--
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

// refusing bounds the connections being answered 503 at once.
var refusing = make(chan struct{}, 256)

// refuseConn writes a 503 problem without reading the request and closes.
// It half-closes first and drains what the client sent for a moment: closing
// with unread input would reset the connection, and the client could lose
// the answer.
func refuseConn(c net.Conn, reason string) {
	defer c.Close()
	defer func() {
		if tc, ok := c.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		}
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}()
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	body := `{"type":"` + ProblemType("too-many-connections") + `","title":"Service Unavailable","status":503,"detail":"` + reason + `: this node caps open connections per client; retry later"}` + "\n"
	_, _ = c.Write([]byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body))
}

type limitedConn struct {
	net.Conn
	l    *LimitListener
	addr string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}

// RateLimiter is a token bucket per client address, for writes. Buckets
// of clients not seen for a while are dropped so the map stays bounded by
// the clients active in that window.
type RateLimiter struct {
	rate  rate.Limit
	burst int
	max   int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter allows perSecond writes per client with bursts of burst,
// tracking at most maxClients clients at once (past that, a new client
// takes a forgotten one's place, so a flood of addresses cannot grow the
// map, nor make honest clients share a bucket).
func NewRateLimiter(perSecond float64, burst, maxClients int) *RateLimiter {
	return &RateLimiter{rate: rate.Limit(perSecond), burst: burst, max: maxClients, buckets: map[string]*bucket{}}
}

// Allow takes one token of client's bucket at now.
func (r *RateLimiter) Allow(client string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) > time.Minute {
		for k, b := range r.buckets {
			if now.Sub(b.seen) > time.Minute {
				delete(r.buckets, k)
			}
		}
		r.swept = now
	}
	b, ok := r.buckets[client]
	if !ok {
		if len(r.buckets) >= r.max {
			// Full: forget some client (Go's map order is random). A
			// forgotten client starts again with a full bucket; no new
			// client is made to share another's.
			for k := range r.buckets {
				delete(r.buckets, k)
				break
			}
		}
		b = &bucket{lim: rate.NewLimiter(r.rate, r.burst)}
		r.buckets[client] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// Limit wraps h: a request over its client's rate is answered 429 with a
// problem and Retry-After.
func (r *RateLimiter) Limit(h http.HandlerFunc, refused func(reason string)) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		if !r.Allow(ClientAddr(req.RemoteAddr), time.Now()) {
			if refused != nil {
				refused("write-rate")
			}
			TooMany(w, req, "rate-limited", "too many writes from this client; retry later", time.Second)
			return
		}
		h(w, req)
	}
}

// TooMany answers 429 with a problem and Retry-After.
func TooMany(w http.ResponseWriter, r *http.Request, code, detail string, retry time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())))
	Error(w, r, http.StatusTooManyRequests, code, detail)
}
