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
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"golang.org/x/time/rate"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/wire"
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
	// exactly price from the site's own channel: the site pays for its
	// visitors' calls on its tickets under their owners' grants (POST /pay,
	// payHandler). Price says what the site pays for a call ("query",
	// "status"): the TokenScript's price, not what the caller claims. Nil
	// Pay: the network's calls are free, /pay answers 404.
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

// GrantBudget is the most the site pays under one grant, in all.
const GrantBudget = 500

// payHandler signs a promise for one call a visitor's page is about to
// make, at the TokenScript's price (exactly), only:
//   - from the site's own pages (Origin; this stops other websites using a
//     visitor's browser, not curl);
//   - for a query or action on one of the site's tickets that the ticket
//     owner's grant (in the request) lets the grant's key make, the /pay
//     request itself signed by that key (X-Smartlayer-Signature, once per
//     nonce): no grant, no payment;
//   - up to GrantBudget under one grant, PayRate a second per visitor
//     address (an IPv6 /64 as one) and PayRateAll in all.
//
// A promise names no call: whoever holds a grant can spend the site's
// channel within its grant's budget on calls of their own, as anyone using
// the site can.
func payHandler(cfg Config, origin func() string) http.Handler {
	owners := map[string]common.Address{}
	for _, t := range cfg.Tickets {
		owners[strings.ToLower(t.Instance)] = common.HexToAddress(t.Owner)
	}
	per := httpapi.NewRateLimiter(PayRate, PayBurst, 10_000)
	all := rate.NewLimiter(PayRateAll, 2*PayRateAll)
	var mu sync.Mutex
	type budget struct {
		spent uint64
		until time.Time // the grant's end: forgotten after it
	}
	spent := map[attest.UID]*budget{}
	nonces := map[[16]byte]time.Time{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse := func(status int, code, detail string) { httpapi.Error(w, r, status, code, detail) }
		if o := r.Header.Get("Origin"); o == "" || o != origin() {
			refuse(http.StatusForbidden, "not-this-site", "the site pays only for calls its own pages make")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<10))
		var in struct {
			URL   string `json:"url"`
			Grant string `json:"grant"`
		}
		if err == nil {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			refuse(http.StatusBadRequest, "malformed-json", `want {"url": "<the call's URL>", "grant": "<the owner's grant>"} (16 KiB at most)`)
			return
		}
		u, err := url.Parse(in.URL)
		var m []string
		if err == nil {
			m = paidPath.FindStringSubmatch(u.EscapedPath())
		}
		owner, ours := common.Address{}, false
		if m != nil {
			owner, ours = owners[strings.ToLower(m[1])]
		}
		if !ours {
			refuse(http.StatusBadRequest, "not-paid-here", "the site pays for queries and actions on its visitors' tickets only")
			return
		}
		scope := "query:" + m[3]
		if m[2] == "actions" {
			scope = "action:" + m[3]
		}
		now := time.Now()
		g, err := checkGrant(cfg, in.Grant, owner, m[1], scope, now)
		if err != nil {
			refuse(http.StatusForbidden, "no-grant", "the site pays for a ticket owner's grant only: "+err.Error())
			return
		}
		p, err := grant.ParseProof(r.Header.Get(wire.SignatureHeader))
		var signer common.Address
		if err == nil {
			signer, err = p.Signer(grant.Request{Method: r.Method, Path: r.URL.RequestURI(), Body: body}, now, nil)
		}
		if err == nil && signer != g.Integration {
			err = fmt.Errorf("signed by %s, the grant is to %s", signer, g.Integration)
		}
		if err != nil {
			refuse(http.StatusUnauthorized, "request-signature-invalid", "sign the /pay request with the key the grant names: "+err.Error())
			return
		}
		price := cfg.Price(m[2], m[3])
		if price == 0 || price > MaxPrice {
			refuse(http.StatusBadRequest, "not-paid-here", fmt.Sprintf("the site pays for calls of 1 to %d, not %s %s (%d)", MaxPrice, m[2], m[3], price))
			return
		}
		if !per.Allow(httpapi.ClientAddr(r.RemoteAddr), now) || !all.Allow() {
			w.Header().Set("Retry-After", "1")
			refuse(http.StatusTooManyRequests, "rate-limited", "too many payments asked; wait a second")
			return
		}
		mu.Lock()
		if _, seen := nonces[p.Nonce]; seen {
			mu.Unlock()
			refuse(http.StatusUnauthorized, "request-replayed", "this /pay request was taken before")
			return
		}
		if len(nonces) >= 100_000 {
			for n, at := range nonces {
				if now.Sub(at) > 2*grant.MaxSkew {
					delete(nonces, n)
				}
			}
		}
		if len(spent) >= 100_000 {
			for uid, b := range spent {
				if now.After(b.until) {
					delete(spent, uid)
				}
			}
		}
		if len(spent) >= 100_000 || len(nonces) >= 100_000 {
			mu.Unlock()
			w.Header().Set("Retry-After", "60")
			refuse(http.StatusServiceUnavailable, "busy", "the site is paying for too many visitors now")
			return
		}
		b := spent[g.UID]
		if b == nil {
			b = &budget{until: g.NotAfter}
		}
		if b.spent+price > GrantBudget {
			mu.Unlock()
			refuse(http.StatusPaymentRequired, "budget-spent", fmt.Sprintf("the site paid %d under this grant, its budget is %d", b.spent, GrantBudget))
			return
		}
		spent[g.UID] = b
		nonces[p.Nonce] = now
		b.spent += price
		mu.Unlock()
		h, err := cfg.Pay(u.EscapedPath(), price)
		if err != nil {
			mu.Lock()
			b.spent -= price
			mu.Unlock()
			refuse(http.StatusServiceUnavailable, "cannot-pay", err.Error())
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"header": h})
	})
}

// checkGrant verifies a grant attestation for this network: signed by the
// ticket's owner, for the ticket, covering scope, in force.
func checkGrant(cfg Config, header string, owner common.Address, instance, scope string, now time.Time) (*grant.Grant, error) {
	if header == "" || len(header) > 8<<10 {
		return nil, errors.New("no grant, or one over 8 KiB")
	}
	s, err := attest.Parse([]byte(header))
	if err != nil {
		return nil, err
	}
	// The nodes' own policy: this network's EAS domain, the grant schema,
	// not from the future.
	pol := attest.Policy{Pins: []attest.Pin{{ChainID: big.NewInt(cfg.ChainID), Contract: common.HexToAddress(cfg.EASContract)}}, MaxSkew: time.Minute}
	if err := pol.Check(s, attest.Use{Schemas: []attest.SchemaUID{attest.GrantSchema.UID}}, now); err != nil {
		return nil, err
	}
	g, err := grant.Parse(s)
	if err != nil {
		return nil, err
	}
	id, err := wire.ParseInstanceID(instance)
	if err != nil {
		return nil, err
	}
	return g, g.Check(owner, id, scope, now, false)
}
