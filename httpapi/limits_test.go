package httpapi

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
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
