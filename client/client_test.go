package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/smartlayer/smartlayer/wire"
)

// TestMisdirectedRouteNotFollowed: a node answering 421 cannot send the
// client elsewhere: the route in its answer is ignored and the next try asks
// an anchor.
func TestMisdirectedRouteNotFollowed(t *testing.T) {
	id := wire.InstanceID{1}.String()
	var evilHits, anchorHits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		_, _ = w.Write([]byte(`{"stolen":true}`))
	}))
	defer evil.Close()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer good.Close()
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusMisdirectedRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "urn:smartlayer:problem:not-a-replica", "status": 421,
			"route": map[string]any{"instance": id, "replicas": []map[string]string{{"peer": "x", "http": evil.URL, "state": "up"}}}})
	}))
	defer liar.Close()
	anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		replica := liar.URL
		if anchorHits.Add(1) > 1 {
			replica = good.URL
		}
		fmt.Fprintf(w, `{"instance":%q,"replicas":[{"peer":"p","http":%q,"state":"up"}]}`, id, replica)
	}))
	defer anchor.Close()

	c := New([]string{anchor.URL}, nil)
	out, err := c.Query(context.Background(), id, "status", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"ok":true}` {
		t.Fatalf("answer %s", out)
	}
	if evilHits.Load() != 0 {
		t.Fatalf("the client followed a 421's route to an address no anchor gave (%d requests)", evilHits.Load())
	}
	if anchorHits.Load() != 2 {
		t.Fatalf("anchor asked %d times, want 2 (once more after the 421)", anchorHits.Load())
	}
}
