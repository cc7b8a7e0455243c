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
// client: the receipt binds the request and the answer's bytes.
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
			Output: receipt.OutputHash(real)}
		switch mode.Load() {
		case "other-request":
			rc.Request = receipt.RequestHash("query:status", id, "", []byte(`{"other":1}`))
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
	for _, m := range []string{"altered", "other-request"} {
		mode.Store(m)
		if _, _, err := c.QueryReceipt(context.Background(), id, "status", map[string]any{"x": 1}, nil); !errors.Is(err, ErrReceipt) {
			t.Fatalf("%s: %v", m, err)
		}
	}
}
