package httpapi

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestLimitListener: past its per-client cap a client's connection is
// answered 503 at once; closing one frees a place.
func TestLimitListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusals := make(chan string, 10)
	ll := NewLimitListener(ln, 3, 100, func(r string) { refusals <- r })
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }), slog.New(slog.DiscardHandler))
	go func() { _ = srv.Serve(ll) }()
	defer srv.Close()
	var held []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		held = append(held, c)
	}
	// The listener counts a connection when the server accepts it.
	for ll.Open("127.0.0.1") < 3 {
		time.Sleep(time.Millisecond)
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := bufio.NewReader(c).Peek(12)
	if err != nil || string(b) != "HTTP/1.1 503" {
		t.Fatalf("fourth connection: %q %v", b, err)
	}
	c.Close()
	if r := <-refusals; r != "connections-per-client" {
		t.Fatalf("refusal counted as %q", r)
	}
	held[0].Close()
	for ll.Open("127.0.0.1") > 2 {
		time.Sleep(time.Millisecond)
	}
	resp, err := http.Get("http://" + ln.Addr().String())
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after a place was freed: %v %v", err, resp)
	}
	resp.Body.Close()
	for _, c := range held[1:] {
		c.Close()
	}
}

// TestTrickledBodyCutOff: a body sent slower than BodyTimeout is cut off
// with an error, and the server answers others meanwhile.
func TestTrickledBodyCutOff(t *testing.T) {
	old := BodyTimeout
	BodyTimeout = 300 * time.Millisecond
	defer func() { BodyTimeout = old }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := Body(w, r, 1<<20); ok {
			_, _ = io.WriteString(w, "read")
		}
	})
	srv := NewServer(Wrap(mux, NewMetrics(prometheus.NewRegistry()), slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler))
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a trickled body: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "bad-body") {
		t.Fatalf("trickled body: %d %s", resp.StatusCode, b)
	}
}

func TestClientAddrGroupsIPv6(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:5000":             "127.0.0.1",
		"[::ffff:10.1.2.3]:80":       "10.1.2.3",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:80":          "fe80::/64",
		"[2001:db8:1:3::1]:1":        "2001:db8:1:3::/64",
	} {
		if got := ClientAddr(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestRateLimiterBounded: a client past its burst is refused, others are
// not, and a flood of new clients keeps the table at its size without
// making anyone share a bucket.
func TestRateLimiterBounded(t *testing.T) {
	r := NewRateLimiter(1, 3, 100)
	now := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if !r.Allow("a", now) {
			t.Fatalf("write %d refused", i+1)
		}
	}
	if r.Allow("a", now) {
		t.Fatal("a fourth write in the same instant allowed")
	}
	if !r.Allow("b", now) {
		t.Fatal("another client refused")
	}
	for i := 0; i < 1000; i++ {
		if !r.Allow(fmt.Sprint("flood-", i), now) {
			t.Fatalf("new client %d refused: it shares a bucket", i)
		}
	}
	if n := len(r.buckets); n > 100 {
		t.Fatalf("%d buckets, limit 100", n)
	}
}
