// Package egress makes outbound HTTP calls on a script's behalf, checking every hop against the hosts its token declares and the addresses it may reach.
package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is the error of every call or hop the policy does not allow;
// callers test it with errors.Is.
var ErrRefused = errors.New("egress refused")

// DefaultMaxRedirects is the number of redirects a call may follow when its
// policy sets none.
const DefaultMaxRedirects = 5

// Policy says where a script's calls may go.
type Policy struct {
	// Hosts are the declared hosts: "api.example.com", "*.example.com"
	// (subdomains only), optionally with a port ("api.example.com:8443",
	// "[::1]:8080"). Without a port only the scheme's default port (80 for
	// http, 443 for https) is allowed.
	Hosts []string
	// AllowPrivate allows loopback, private, link-local, CGNAT and other
	// non-public addresses (local development networks and tests).
	AllowPrivate bool
	// AnyPort lets a declared host without a port be reached on any port
	// (local development networks, whose services listen on random ports).
	AnyPort bool
	// MaxRedirects bounds the redirects one call follows: 0 means
	// DefaultMaxRedirects, a negative number none.
	MaxRedirects int
}

func (p Policy) maxRedirects() int {
	switch {
	case p.MaxRedirects < 0:
		return 0
	case p.MaxRedirects == 0:
		return DefaultMaxRedirects
	}
	return p.MaxRedirects
}

// Check reports whether raw is an http(s) URL the policy allows: its host is
// declared and its port allowed; and, unless AllowPrivate, it is not a
// non-public IP literal. Names are resolved only when a call connects, where
// the dialer checks the address again.
func Check(raw string, p Policy) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %q is not a URL", ErrRefused, raw)
	}
	return p.CheckURL(u)
}

// CheckURL is Check on a parsed URL.
func (p Policy) CheckURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: %q is not an http(s) URL", ErrRefused, u.Redacted())
	}
	if u.User != nil {
		return fmt.Errorf("%w: %q carries credentials", ErrRefused, u.Redacted())
	}
	h := strings.ToLower(u.Hostname())
	if h == "" {
		return fmt.Errorf("%w: %q has no host", ErrRefused, u.Redacted())
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	explicit := u.Port() != ""
	if explicit {
		n, err := strconv.Atoi(u.Port())
		if err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("%w: %q has a bad port", ErrRefused, u.Redacted())
		}
		port = n
	}
	if !p.AllowPrivate {
		if ip, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
			if err := checkAddr(ip); err != nil {
				return err
			}
		}
	}
	hostDeclared := false
	for _, d := range p.Hosts {
		dh, dp := splitDeclared(d)
		if !hostMatches(h, dh) {
			continue
		}
		hostDeclared = true
		switch {
		case dp != 0 && dp == port:
			return nil
		case dp == 0 && (p.AnyPort || !explicit || port == defaultPort(u.Scheme)):
			return nil
		}
	}
	if hostDeclared {
		return fmt.Errorf("%w: port %d of %s is not declared (declared: %v)", ErrRefused, port, h, p.Hosts)
	}
	return fmt.Errorf("%w: host %s is not declared (declared: %v)", ErrRefused, h, p.Hosts)
}

func defaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}

// splitDeclared splits "host", "host:port", "[v6]:port" or a bare IPv6
// address into a lower-case host and a port (0: none).
func splitDeclared(d string) (string, int) {
	d = strings.ToLower(strings.TrimSpace(d))
	if strings.HasPrefix(d, "[") || strings.Count(d, ":") == 1 {
		if h, ps, err := net.SplitHostPort(d); err == nil {
			if n, err := strconv.Atoi(ps); err == nil && n > 0 && n <= 65535 {
				return h, n
			}
			return h, -1 // a bad port matches nothing
		}
		return strings.Trim(d, "[]"), 0
	}
	return d, 0
}

func hostMatches(h, declared string) bool {
	if strings.HasPrefix(declared, "*.") {
		return len(h) > len(declared)-1 && strings.HasSuffix(h, declared[1:])
	}
	return h == declared
}

// nonPublic are the ranges a call may not connect to unless AllowPrivate.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
		"224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	compat4   = netip.MustParsePrefix("::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// checkAddr refuses a non-public address, looking through IPv4-mapped,
// IPv4-compatible, NAT64 and 6to4 forms to the IPv4 address they carry.
func checkAddr(ip netip.Addr) error {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	if ip.Is6() {
		b := ip.As16()
		var v4 [4]byte
		switch {
		case nat64.Contains(ip), compat4.Contains(ip) && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback():
			copy(v4[:], b[12:])
			return checkAddr(netip.AddrFrom4(v4))
		case sixToFour.Contains(ip):
			copy(v4[:], b[2:6])
			if err := checkAddr(netip.AddrFrom4(v4)); err != nil {
				return err
			}
		}
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return fmt.Errorf("%w: address %s is not public (%s)", ErrRefused, ip, p)
		}
	}
	return nil
}

// CheckAddr reports whether a call may connect to ip under p.
func (p Policy) CheckAddr(ip netip.Addr) error {
	if p.AllowPrivate {
		return nil
	}
	return checkAddr(ip)
}

// control checks the address a connection is about to reach, after name
// resolution: what a declared name resolves to is checked, not the name.
func control(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: connect to %q: %v", ErrRefused, address, err)
		}
		return checkAddr(ap.Addr())
	}
}

// transports keep connections to the hosts scripts call (many actions in
// flight reach the same API, more than net/http's default of two idle
// connections per host would keep): one for each AllowPrivate, so that a
// connection dialled under one is never reused under the other. No proxy:
// the dialer must see the address it connects to.
var transports = [2]*http.Transport{newTransport(false), newTransport(true)}

func newTransport(allowPrivate bool) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: control(allowPrivate)}
	return &http.Transport{
		Proxy: nil, DialContext: d.DialContext, MaxIdleConns: 256, MaxIdleConnsPerHost: 64,
		IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second, ForceAttemptHTTP2: true,
		ExpectContinueTimeout: time.Second,
	}
}

// Client returns an http.Client that enforces p on every hop: the first
// request should be checked with Check (Fetch does), each redirect is checked
// here and each connection by the dialer. Clients share the package's
// connection pools.
func Client(p Policy) *http.Client {
	t := transports[0]
	if p.AllowPrivate {
		t = transports[1]
	}
	max := p.maxRedirects()
	return &http.Client{Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > max {
			return fmt.Errorf("%w: more than %d redirects", ErrRefused, max)
		}
		if err := p.CheckURL(req.URL); err != nil {
			return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
		}
		return nil
	}}
}

// Request is one outbound call.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Response is what a call answered. Truncated says the body was cut at the
// caller's limit.
type Response struct {
	Status    int
	Header    http.Header
	Body      []byte
	Truncated bool
}

// Fetch performs req under p with ctx's deadline, reading at most maxBody
// bytes of the body. A refusal by the policy, at any hop or connection,
// is an error that wraps ErrRefused.
func Fetch(ctx context.Context, p Policy, req *Request, maxBody int) (*Response, error) {
	if err := Check(req.URL, p); err != nil {
		return nil, err
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if len(req.Body) > 0 {
		body = strings.NewReader(string(req.Body))
	}
	hr, err := http.NewRequestWithContext(ctx, method, req.URL, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	resp, err := Client(p).Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if maxBody < 0 {
		maxBody = 0
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxBody)+1))
	out := &Response{Status: resp.StatusCode, Header: resp.Header}
	if len(b) > maxBody {
		b, out.Truncated = b[:maxBody], true
	}
	out.Body = b
	return out, err
}
