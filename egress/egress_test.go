package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	p := Policy{Hosts: []string{"api.example.com", "*.hotel.example", "pay.example:8443", "[2001:4860::1]:8080"}}
	ok := []string{
		"https://api.example.com/x", "http://api.example.com/", "https://api.example.com:443/", "http://API.example.com:80/",
		"https://a.hotel.example/", "https://a.b.hotel.example/", "https://pay.example:8443/", "http://pay.example:8443/",
		"http://[2001:4860::1]:8080/",
	}
	bad := []string{
		"ftp://api.example.com/", "https://api.example.com:8443/", "http://api.example.com:443/", "https://hotel.example/",
		"https://evil.example/", "https://pay.example/", "https://pay.example:8444/", "https://user:pw@api.example.com/",
		"http://[2001:4860::1]/", "https:///nohost", "javascript:alert(1)", "https://api.example.com.evil/",
	}
	for _, u := range ok {
		if err := Check(u, p); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range bad {
		if err := Check(u, p); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: got %v, want refused", u, err)
		}
	}
	// A declared IP literal that is not public is refused unless AllowPrivate.
	lp := Policy{Hosts: []string{"127.0.0.1", "10.1.2.3:8080"}}
	for _, u := range []string{"http://127.0.0.1/", "http://10.1.2.3:8080/"} {
		if err := Check(u, lp); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: got %v", u, err)
		}
		lp.AllowPrivate = true
		if err := Check(u, lp); err != nil {
			t.Errorf("%s with AllowPrivate: %v", u, err)
		}
		lp.AllowPrivate = false
	}
	if err := Check("http://127.0.0.1:9999/", Policy{Hosts: []string{"127.0.0.1"}, AllowPrivate: true, AnyPort: true}); err != nil {
		t.Errorf("AnyPort: %v", err)
	}
}

func TestCheckAddr(t *testing.T) {
	for _, s := range []string{
		"127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
		"100.127.255.255", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fc00::1", "fd12::1", "fe80::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "::127.0.0.1", "2002:7f00:1::1", "fe80::1%eth0",
	} {
		if err := checkAddr(netip.MustParseAddr(s)); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: got %v, want refused", s, err)
		}
	}
	for _, s := range []string{"8.8.8.8", "1.1.1.1", "100.128.0.1", "172.32.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2002:0808:0808::1"} {
		if err := checkAddr(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// servers: a target on loopback and a redirector that sends every request
// to the URL in its "to" query parameter.
func servers(t *testing.T) (target, redirector *httptest.Server) {
	target = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secret metrics")
	}))
	redirector = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(target.Close)
	t.Cleanup(redirector.Close)
	return target, redirector
}

func hostport(s *httptest.Server) string { u, _ := url.Parse(s.URL); return u.Host }
func port(s *httptest.Server) string     { u, _ := url.Parse(s.URL); return u.Port() }

func TestFetchChecksEveryHop(t *testing.T) {
	target, red := servers(t)
	ctx := context.Background()
	// Loopback test servers need AllowPrivate; the redirector is declared as
	// localhost:port, the target under other names.
	p := Policy{Hosts: []string{"localhost:" + port(red)}, AllowPrivate: true}
	base := "http://localhost:" + port(red)

	resp, err := Fetch(ctx, p, &Request{URL: base + "/"}, 1<<10)
	if err != nil || resp.Status != 200 || string(resp.Body) != "hello" {
		t.Fatalf("declared host: %v %+v", err, resp)
	}
	// Redirect to another port of the same (declared) host.
	if _, err := Fetch(ctx, p, &Request{URL: base + "/?to=" + url.QueryEscape("http://localhost:"+port(target)+"/metrics")}, 1<<10); !errors.Is(err, ErrRefused) {
		t.Errorf("redirect to another port: %v", err)
	}
	// Redirect to an undeclared host.
	if _, err := Fetch(ctx, p, &Request{URL: base + "/?to=" + url.QueryEscape(target.URL+"/metrics")}, 1<<10); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "not declared") {
		t.Errorf("redirect to an undeclared host: %v", err)
	}
	// Redirect to a non-http scheme.
	if _, err := Fetch(ctx, p, &Request{URL: base + "/?to=" + url.QueryEscape("file:///etc/passwd")}, 1<<10); !errors.Is(err, ErrRefused) {
		t.Errorf("redirect to file: %v", err)
	}
	// A redirect to a declared host and port is followed.
	p2 := Policy{Hosts: []string{"localhost:" + port(red), hostport(target)}, AllowPrivate: true}
	resp, err = Fetch(ctx, p2, &Request{URL: base + "/?to=" + url.QueryEscape(target.URL+"/metrics")}, 1<<10)
	if err != nil || string(resp.Body) != "secret metrics" {
		t.Fatalf("declared redirect: %v", err)
	}
	// Too many redirects: the redirector redirects to itself forever.
	loop := base + "/?to=" + url.QueryEscape(base+"/?to="+url.QueryEscape(base+"/?to="+url.QueryEscape(base+"/?to=x")))
	if _, err := Fetch(ctx, Policy{Hosts: p.Hosts, AllowPrivate: true, MaxRedirects: 2}, &Request{URL: loop}, 1<<10); !errors.Is(err, ErrRefused) {
		t.Errorf("redirect limit: %v", err)
	}
	// Without AllowPrivate: a declared name that resolves to loopback is
	// refused when connecting, and so is a redirect to 127.0.0.1.
	strict := Policy{Hosts: []string{"localhost:" + port(red), hostport(target)}}
	if _, err := Fetch(ctx, strict, &Request{URL: base + "/"}, 1<<10); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "not public") {
		t.Errorf("declared name resolving to loopback: %v", err)
	}
	if _, err := Fetch(ctx, strict, &Request{URL: target.URL + "/metrics"}, 1<<10); !errors.Is(err, ErrRefused) {
		t.Errorf("declared loopback literal: %v", err)
	}
	req, _ := http.NewRequest("GET", target.URL+"/metrics", nil)
	via, _ := http.NewRequest("GET", "https://api.example.com/", nil)
	if err := Client(Policy{Hosts: []string{"api.example.com", hostport(target)}}).CheckRedirect(req, []*http.Request{via}); !errors.Is(err, ErrRefused) {
		t.Errorf("redirect from a public declared host to 127.0.0.1: %v", err)
	}
	// The body is cut at the caller's limit.
	resp, err = Fetch(ctx, p, &Request{URL: base + "/"}, 3)
	if err != nil || string(resp.Body) != "hel" || !resp.Truncated {
		t.Errorf("body limit: %v %+v", err, resp)
	}
}

func TestFetchSendsMethodHeadersBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.Header.Get("Idempotency-Key")+" "+string(b))
		w.WriteHeader(201)
	}))
	t.Cleanup(srv.Close)
	resp, err := Fetch(context.Background(), Policy{Hosts: []string{hostport(srv)}, AllowPrivate: true},
		&Request{Method: "POST", URL: srv.URL, Header: http.Header{"Idempotency-Key": {"k1"}}, Body: []byte("hi")}, 10)
	if err != nil || resp.Status != 201 || resp.Header.Get("X-Seen") != "POST k1 hi" {
		t.Fatalf("%v %+v", err, resp)
	}
}
