package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// startStream opens a counted stream for a client at addr; nil and the
// status when refused.
func startStream(n *StreamCount, limit int64, addr string) (*Stream, int) {
	r := httptest.NewRequest(http.MethodGet, "/stream", nil)
	r.RemoteAddr = addr
	w := httptest.NewRecorder()
	st, ok := StartStream(w, r, n, limit, nil)
	if !ok {
		return nil, w.Code
	}
	return st, w.Code
}

// TestStreamsPerClient: one address holds at most PerClient of a node's
// streams, so a few addresses cannot take them all; another address still
// gets one, and a stream given back is counted out.
func TestStreamsPerClient(t *testing.T) {
	var n StreamCount
	const limit = 256
	var held []*Stream
	for i := 0; i < PerClient(limit); i++ {
		st, code := startStream(&n, limit, "203.0.113.7:4000")
		if st == nil {
			t.Fatalf("stream %d of one client: %d", i, code)
		}
		held = append(held, st)
	}
	if st, code := startStream(&n, limit, "203.0.113.7:4001"); st != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("one stream past a client's share: %d", code)
	}
	st, code := startStream(&n, limit, "198.51.100.1:4000")
	if st == nil {
		t.Fatalf("another client, with the node far from its cap: %d", code)
	}
	st.Release()
	held[0].Release()
	held[0].Release() // twice: counted out once
	if st, _ := startStream(&n, limit, "203.0.113.7:4002"); st == nil {
		t.Fatal("a stream given back is still counted")
	}
	if got := n.Load(); got != int64(PerClient(limit)) {
		t.Fatalf("%d streams counted, want %d", got, PerClient(limit))
	}
}

// TestStreamsGoToClientsHoldingFewer: with every place taken by a few
// addresses at their share, a new client takes the oldest stream's place
// of the client holding the most (that stream's Done closes), and the
// node's total stays at its cap; the client that lost one cannot take it
// back from a client holding as many as it, and a client holding one
// keeps it against a newcomer.
func TestStreamsGoToClientsHoldingFewer(t *testing.T) {
	var n StreamCount
	const limit = 32 // PerClient: 8
	held := map[string][]*Stream{}
	for c := range 4 {
		addr := fmt.Sprintf("203.0.113.%d:4000", c)
		for range PerClient(limit) {
			st, code := startStream(&n, limit, addr)
			if st == nil {
				t.Fatalf("client %d: %d", c, code)
			}
			held[addr] = append(held[addr], st)
		}
	}
	closed := func() (out []string) {
		for addr, ss := range held {
			for i, st := range ss {
				select {
				case <-st.Done:
					out = append(out, fmt.Sprintf("%s#%d", addr, i))
				default:
				}
			}
		}
		return out
	}
	newcomer, code := startStream(&n, limit, "198.51.100.1:4000")
	if newcomer == nil {
		t.Fatalf("a new client with every place taken by four: %d", code)
	}
	gone := closed()
	if len(gone) != 1 || gone[0][len(gone[0])-2:] != "#0" {
		t.Fatalf("streams ended for the newcomer: %v, want one client's oldest", gone)
	}
	if got := n.Load(); got != limit {
		t.Fatalf("%d streams counted, want the cap %d", got, limit)
	}
	loser := gone[0][:len(gone[0])-2]
	if st, code := startStream(&n, limit, loser); st != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("the client that lost a stream took one back from a client holding one more: %d", code)
	}
	// The ended stream's own release changes nothing more.
	held[loser][0].Release()
	if got := n.Load(); got != limit {
		t.Fatalf("%d streams counted after the ended stream's release, want %d", got, limit)
	}
	// Many newcomers: they take places until everyone holds about as
	// many; one holding a stream keeps it.
	var took int
	for c := range 64 {
		if st, _ := startStream(&n, limit, fmt.Sprintf("192.0.2.%d:4000", c)); st != nil {
			took++
		}
	}
	if newcomer.Done != nil {
		select {
		case <-newcomer.Done:
			t.Fatal("a client holding one stream lost it to a newcomer")
		default:
		}
	}
	if got := n.Load(); got != limit || took != limit-1-4 {
		t.Fatalf("%d streams counted, %d newcomers served; want %d and %d", got, took, limit, limit-1-4)
	}
}
