package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/wire"
)

// TestNumberedCallRetriedOnceOvertaken: a numbered session call the node
// refuses as replayed (overtaken by more calls than its window holds; a
// refused call did not run) is sent once more with a new number.
func TestNumberedCallRetriedOnceOvertaken(t *testing.T) {
	key, _ := crypto.GenerateKey()
	node, _ := crypto.GenerateKey()
	var calls atomic.Int32
	var proofs [2]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if n <= 2 {
			proofs[n-1] = r.Header.Get(wire.SignatureHeader)
		}
		if n == 1 {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"type":"urn:smartlayer:problem:request-replayed","title":"Unauthorized","status":401,"detail":"request signature already used"}`))
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	c := New(nil, srv.Client())
	c.Key = key
	c.sessions.Open(key, "peer", &node.PublicKey, [16]byte{1})
	var out map[string]bool
	if _, err := c.doHeaders(context.Background(), http.MethodPost, srv.URL+"/v1/tokens/0x01/query/status", "peer", nil, []byte(`{}`), &out); err != nil || !out["ok"] {
		t.Fatalf("%v %v", out, err)
	}
	if calls.Load() != 2 || !strings.Contains(proofs[0], "c=1;") || !strings.Contains(proofs[1], "c=2;") {
		t.Fatalf("%d calls, proofs %q", calls.Load(), proofs)
	}
}
