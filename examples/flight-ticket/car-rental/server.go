// Package carrental is the car-rental website of the flight-ticket demo:
// static files (a page, its script and the JavaScript SDK bundled,
// sdk/js's dist/smartlayer.browser.js) and /config.json, which names the
// network the page talks to. The passenger connects a wallet, grants the
// site access to one ticket, and the page shows the flight's status, the
// lounge and the hotel rebooking live, each answer's receipt verified in
// the browser. On the devnet a demo wallet holds the passengers' test keys.
package carrental

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/smartlayer/smartlayer/httpapi"
)

//go:embed index.html app.js style.css smartlayer.js
var files embed.FS

// Ticket is one ticket the page may show.
type Ticket struct {
	Instance  string `json:"instance"`
	Flight    string `json:"flight"`
	Date      string `json:"date"`
	Passenger string `json:"passenger"`
	Seat      string `json:"seat"`
	Owner     string `json:"owner"`
	Topic     string `json:"topic"` // the flight's status topic
}

// Config is what the page reads from /config.json.
type Config struct {
	Anchors     []string `json:"anchors"`
	ChainID     int64    `json:"chainId"`
	EASContract string   `json:"easContract"`
	Airline     string   `json:"airline"` // the address that signs flight statuses
	Tickets     []Ticket `json:"tickets"`
	// DemoKeys, on a devnet only, are the passengers' test keys by
	// address: the page's demo wallet signs with them when the browser
	// has no wallet of its own.
	DemoKeys map[string]string `json:"demoKeys,omitempty"`
	// Pay, when set, signs a payment promise for a call (its path) of
	// price from the site's own channel: the site pays for its visitors'
	// calls on its tickets (POST /pay). Price says what the site pays for
	// a call ("query", "status"): the TokenScript's price, not what the
	// caller claims. Nil Pay: the network's calls are free, /pay answers
	// 404.
	Pay   func(path string, price uint64) (string, error) `json:"-"`
	Price func(kind, name string) uint64                  `json:"-"`
	// Paid says the page may ask /pay.
	Paid bool `json:"paid"`
}

// MaxPrice is the most the site pays for one call; PayRate and PayBurst
// bound the promises one visitor address (an IPv4 address, an IPv6 /64)
// gets, and PayRateAll all visitors' together.
const (
	MaxPrice   = 100
	PayRate    = 20
	PayBurst   = 40
	PayRateAll = 200
)

// paidPath is a call the site pays for: a query or an action on a token.
var paidPath = regexp.MustCompile(`^/v1/tokens/(0x[0-9a-fA-F]{64})/(query|actions)/([A-Za-z0-9_]{1,64})$`)

// Server serves the site.
type Server struct {
	URL string
	srv *http.Server
}

// Start serves the site on addr ("127.0.0.1:0" for any free port).
func Start(addr string, cfg Config) (*Server, error) {
	var origin string // set once listening; read by /pay after that
	cfg.Paid = cfg.Pay != nil && cfg.Price != nil
	if !cfg.Paid {
		cfg.Pay = nil
	}
	cb, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	if cfg.Pay != nil {
		mux.Handle("POST /pay", payHandler(cfg, func() string { return origin }))
	}
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(cb)
	})
	static := http.FileServerFS(files)
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src *; img-src 'self' data:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		static.ServeHTTP(w, r)
	}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String()}
	origin = s.URL
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the devnet notices a site that stops answering
		}
	}()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Files lists the site's files (for tests).
func Files() ([]string, error) {
	var out []string
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	return out, err
}

// payHandler signs a promise for one call a visitor's page is about to
// make on one of the site's tickets, at the TokenScript's price: only from
// the site's own pages (Origin), a bounded number per visitor and in all.
// A visitor can still spend the site's channel at that rate on calls of
// their own, as anyone using the site can.
func payHandler(cfg Config, origin func() string) http.Handler {
	tickets := map[string]bool{}
	for _, t := range cfg.Tickets {
		tickets[strings.ToLower(t.Instance)] = true
	}
	per := httpapi.NewRateLimiter(PayRate, PayBurst, 10_000)
	all := rate.NewLimiter(PayRateAll, 2*PayRateAll)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o == "" || o != origin() {
			httpapi.Error(w, r, http.StatusForbidden, "not-this-site", "the site pays only for calls its own pages make")
			return
		}
		if !per.Allow(httpapi.ClientAddr(r.RemoteAddr), time.Now()) || !all.Allow() {
			w.Header().Set("Retry-After", "1")
			httpapi.Error(w, r, http.StatusTooManyRequests, "rate-limited", "too many payments asked; wait a second")
			return
		}
		var in struct {
			URL string `json:"url"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2048)).Decode(&in); err != nil {
			httpapi.Error(w, r, http.StatusBadRequest, "malformed-json", `want {"url": "<the call's URL>"}`)
			return
		}
		u, err := url.Parse(in.URL)
		var m []string
		if err == nil {
			m = paidPath.FindStringSubmatch(u.EscapedPath())
		}
		if m == nil || !tickets[strings.ToLower(m[1])] {
			httpapi.Error(w, r, http.StatusBadRequest, "not-paid-here", "the site pays for queries and actions on its visitors' tickets only")
			return
		}
		price := cfg.Price(m[2], m[3])
		if price == 0 || price > MaxPrice {
			httpapi.Error(w, r, http.StatusBadRequest, "not-paid-here", fmt.Sprintf("the site pays for calls of 1 to %d, not %s %s (%d)", MaxPrice, m[2], m[3], price))
			return
		}
		h, err := cfg.Pay(u.EscapedPath(), price)
		if err != nil {
			httpapi.Error(w, r, http.StatusServiceUnavailable, "cannot-pay", err.Error())
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"header": h})
	})
}
