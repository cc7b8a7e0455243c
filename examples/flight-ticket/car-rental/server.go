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
	"strconv"
	"time"

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
	// Pay, when set, signs a payment promise for a call of price from the
	// site's own channel (POST /pay): the site pays for its visitors'
	// calls, up to MaxPrice each and PayRate promises a second per visitor
	// address. Nil: the network's calls are free, /pay answers 404.
	Pay func(price uint64) (string, error) `json:"-"`
	// Paid says the page may ask /pay.
	Paid bool `json:"paid"`
}

// MaxPrice is the most the site pays for one call; PayRate and PayBurst
// bound the promises one visitor address gets.
const (
	MaxPrice = 100
	PayRate  = 20
	PayBurst = 40
)

// Server serves the site.
type Server struct {
	URL string
	srv *http.Server
}

// Start serves the site on addr ("127.0.0.1:0" for any free port).
func Start(addr string, cfg Config) (*Server, error) {
	cfg.Paid = cfg.Pay != nil
	cb, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	if cfg.Pay != nil {
		limit := httpapi.NewRateLimiter(PayRate, PayBurst, 10_000)
		mux.HandleFunc("POST /pay", func(w http.ResponseWriter, r *http.Request) {
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			if !limit.Allow(host, time.Now()) {
				w.Header().Set("Retry-After", "1")
				httpapi.Error(w, r, http.StatusTooManyRequests, "rate-limited", "too many payments asked; wait a second")
				return
			}
			var in struct {
				Price string `json:"price"`
			}
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024)).Decode(&in); err != nil {
				httpapi.Error(w, r, http.StatusBadRequest, "malformed-json", "want {\"price\": \"<amount>\"}")
				return
			}
			price, err := strconv.ParseUint(in.Price, 10, 64)
			if err != nil || price == 0 || price > MaxPrice {
				httpapi.Error(w, r, http.StatusBadRequest, "bad-price", fmt.Sprintf("this site pays 1 to %d a call", MaxPrice))
				return
			}
			h, err := cfg.Pay(price)
			if err != nil {
				httpapi.Error(w, r, http.StatusServiceUnavailable, "cannot-pay", err.Error())
				return
			}
			httpapi.WriteJSON(w, http.StatusOK, map[string]string{"header": h})
		})
	}
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(cb)
	})
	static := http.FileServerFS(files)
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src *; img-src 'self' data:; style-src 'self'")
		static.ServeHTTP(w, r)
	}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
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
