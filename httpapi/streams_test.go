package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestStreamsPerClient: one address holds at most PerClient of a node's
// streams, so a few addresses cannot take them all; another address still
// gets one, and a stream given back is counted out.
func TestStreamsPerClient(t *testing.T) {
	var n StreamCount
	const limit = 256
	start := func(addr string) (func(), int) {
		r := httptest.NewRequest(http.MethodGet, "/stream", nil)
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		_, release, ok := StartStream(w, r, &n, limit, nil)
		if !ok {
			return nil, w.Code
		}
		return release, w.Code
	}
	var held []func()
	for i := 0; i < PerClient(limit); i++ {
		release, code := start("203.0.113.7:4000")
		if release == nil {
			t.Fatalf("stream %d of one client: %d", i, code)
		}
		held = append(held, release)
	}
	if release, code := start("203.0.113.7:4001"); release != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("one stream past a client's share: %d", code)
	}
	release, code := start("198.51.100.1:4000")
	if release == nil {
		t.Fatalf("another client, with the node far from its cap: %d", code)
	}
	release()
	held[0]()
	if release, _ := start("203.0.113.7:4002"); release == nil {
		t.Fatal("a stream given back is still counted")
	}
	if got := n.Load(); got != int64(PerClient(limit)) {
		t.Fatalf("%d streams counted, want %d", got, PerClient(limit))
	}
}
