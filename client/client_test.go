package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/receipt"
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

// TestAlteredAnswerRefused: a replica that signs a receipt for one answer
// and returns other bytes (or answers another request) is caught by the
// client: the receipt binds the request and the answer's bytes. So is one
// that dates its receipt back (or not at all), out of the time it must
// keep the execution for.
func TestAlteredAnswerRefused(t *testing.T) {
	key, _ := nodekey.Generate()
	id := wire.InstanceID{2}.String()
	var replicaURL string
	var mode atomic.Value // the server's goroutine reads it
	mode.Store("honest")
	replica := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		real := []byte(`{"delayMinutes":190}`)
		rc := &receipt.Receipt{Instance: id, Function: "query:status", Request: receipt.RequestHash("query:status", id, "", body),
			Output: receipt.OutputHash(real), AtMs: time.Now().UnixMilli()}
		switch mode.Load() {
		case "other-request":
			rc.Request = receipt.RequestHash("query:status", id, "", []byte(`{"other":1}`))
		case "backdated": // past the time the node must keep the execution
			rc.AtMs = time.Now().Add(-receipt.MaxSkew - time.Minute).UnixMilli()
		case "undated": // a receipt of before receipts had a time
			rc.AtMs = 0
		}
		if err := receipt.NewBatcher(receipt.Software{Key: key.ECDSA}, true).Seal(rc); err != nil {
			t.Error(err)
		}
		rj, _ := json.Marshal(rc)
		w.Header().Set(wire.ReceiptHeader, base64.RawURLEncoding.EncodeToString(rj))
		w.Header().Set(wire.NodeHeader, key.PeerID().String())
		out := real
		if mode.Load() == "altered" {
			out = []byte(`{"delayMinutes":0}`)
		}
		_, _ = w.Write(out)
	}))
	defer replica.Close()
	replicaURL = replica.URL
	anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"instance":%q,"replicas":[{"peer":%q,"http":%q,"state":"up"}]}`, id, key.PeerID().String(), replicaURL)
	}))
	defer anchor.Close()
	c := New([]string{anchor.URL}, nil)
	c.VerifyReceipts = true
	if out, rc, err := c.QueryReceipt(context.Background(), id, "status", map[string]any{"x": 1}, nil); err != nil || rc == nil || string(out) != `{"delayMinutes":190}` {
		t.Fatalf("an honest answer: %s %v %v", out, rc, err)
	}
	for _, m := range []string{"altered", "other-request", "backdated", "undated"} {
		mode.Store(m)
		if _, _, err := c.QueryReceipt(context.Background(), id, "status", map[string]any{"x": 1}, nil); !errors.Is(err, ErrReceipt) {
			t.Fatalf("%s: %v", m, err)
		}
	}
}

// TestQueriesAvoidASlowReplica: with one of three replicas slow, the
// client's share of queries to it falls below a tenth within a few dozen
// queries, and no query fails; a replica that answers 503 with
// Retry-After is left alone for that long, its queries answered by the
// others (issue 17, routing that follows load).
func TestQueriesAvoidASlowReplica(t *testing.T) {
	id := wire.InstanceID{1}.String()
	var hits [3]atomic.Int64
	var busy atomic.Bool
	var servers [3]*httptest.Server
	for i := range servers {
		servers[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			switch {
			case i == 0:
				time.Sleep(50 * time.Millisecond) // the slow replica
			case i == 1 && busy.Load():
				w.Header().Set("Retry-After", "30")
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`{"type":"urn:smartlayer:problem:busy","status":503}`))
				return
			}
			_, _ = w.Write([]byte(`{"ok":true}`))
		}))
		defer servers[i].Close()
	}
	anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"instance":%q,"replicas":[{"peer":"p0","http":%q,"state":"up"},{"peer":"p1","http":%q,"state":"up"},{"peer":"p2","http":%q,"state":"up"}]}`,
			id, servers[0].URL, servers[1].URL, servers[2].URL)
	}))
	defer anchor.Close()
	c := New([]string{anchor.URL}, nil)
	query := func(n int) {
		t.Helper()
		for range n {
			if _, err := c.Query(context.Background(), id, "status", nil); err != nil {
				t.Fatalf("a query failed: %v", err)
			}
		}
	}
	query(40) // each replica measured
	before := hits[0].Load()
	query(400)
	if share := float64(hits[0].Load()-before) / 400; share >= 0.1 {
		t.Fatalf("the slow replica answered %.0f%% of the queries after the first 40", share*100)
	}
	if hits[1].Load() < 100 || hits[2].Load() < 100 {
		t.Fatalf("the fast replicas answered %d and %d: not spread over both", hits[1].Load(), hits[2].Load())
	}
	// Replica 1 answers 503, Retry-After 30 s: every query still answers,
	// and replica 1 is asked once or twice, not a share.
	busy.Store(true)
	b1 := hits[1].Load()
	query(200)
	if n := hits[1].Load() - b1; n > 10 {
		t.Fatalf("the replica under pressure was asked %d times in 200 queries after its 503", n)
	}
}
