package node

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/smartlayer/smartlayer/wire"
)

// routeTo answers a route with one replica at url.
func routeTo(w http.ResponseWriter, id wire.InstanceID, url, state string) {
	_ = json.NewEncoder(w).Encode(&wire.Route{Instance: id, Record: json.RawMessage(`{}`), Replicas: []wire.Replica{{Peer: "p", HTTP: url, State: state}}})
}

// TestTokenQueryFollowsTheAnchors: a module's query of another token takes
// its route from an anchor, never from a refusing node, asks again after a
// 421 or a replica that does not answer, and stops at a refusal of the
// request itself.
func TestTokenQueryFollowsTheAnchors(t *testing.T) {
	id := wire.InstanceID{1}
	var evilHits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		_, _ = w.Write([]byte(`{"stolen":true}`))
	}))
	defer evil.Close()
	var gotBody atomic.Value
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b json.RawMessage
		_ = json.NewDecoder(r.Body).Decode(&b)
		gotBody.Store(string(b))
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer good.Close()
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusMisdirectedRequest)
		_ = json.NewEncoder(w).Encode(&wire.Problem{Type: "urn:smartlayer:problem:not-a-replica", Status: 421,
			Route: &wire.Route{Instance: id, Replicas: []wire.Replica{{Peer: "x", HTTP: evil.URL, State: wire.StateUp}}}})
	}))
	defer liar.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // a replica that does not answer

	t.Run("421 and a dead replica", func(t *testing.T) {
		var asks atomic.Int64
		anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch asks.Add(1) {
			case 1:
				routeTo(w, id, liar.URL, wire.StateUp)
			case 2:
				routeTo(w, id, down.URL, wire.StateUp)
			default:
				routeTo(w, id, good.URL, wire.StateUp)
			}
		}))
		defer anchor.Close()
		out, err := newTokenQuerier().query(context.Background(), []string{anchor.URL}, id.String(), "status", json.RawMessage(`{"a": 1}`))
		if err != nil || string(out) != `{"ok":true}` {
			t.Fatalf("answer %s, %v", out, err)
		}
		if evilHits.Load() != 0 {
			t.Fatal("followed the route of a node that refused")
		}
		if asks.Load() != 3 {
			t.Fatalf("anchor asked %d times, want 3 (again after the 421 and after the dead replica)", asks.Load())
		}
		if gotBody.Load() != `{"a":1}` {
			t.Fatalf("replica got %v", gotBody.Load())
		}
	})

	t.Run("refused request is final", func(t *testing.T) {
		var hits atomic.Int64
		forbidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"type":"urn:smartlayer:problem:grant-scope","title":"Forbidden","status":403,"detail":"no"}`))
		}))
		defer forbidden.Close()
		anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { routeTo(w, id, forbidden.URL, wire.StateUp) }))
		defer anchor.Close()
		_, err := newTokenQuerier().query(context.Background(), []string{anchor.URL}, id.String(), "status", nil)
		var p *wire.Problem
		if !errors.As(err, &p) || p.Status != 403 || p.Type != "urn:smartlayer:problem:grant-scope" || hits.Load() != 1 {
			t.Fatalf("err %v after %d tries; want the 403 after one", err, hits.Load())
		}
	})

	t.Run("unknown instance", func(t *testing.T) {
		var asks atomic.Int64
		anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			asks.Add(1)
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"type":"urn:smartlayer:problem:unknown-instance","status":404}`))
		}))
		defer anchor.Close()
		_, err := newTokenQuerier().query(context.Background(), []string{anchor.URL, anchor.URL}, id.String(), "status", nil)
		var p *wire.Problem
		if !errors.As(err, &p) || p.Status != 404 || asks.Load() != 1 {
			t.Fatalf("err %v after %d asks; want the 404 after one", err, asks.Load())
		}
	})

	t.Run("no replica up", func(t *testing.T) {
		anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { routeTo(w, id, good.URL, wire.StateDown) }))
		defer anchor.Close()
		if _, err := newTokenQuerier().query(context.Background(), []string{anchor.URL}, id.String(), "status", nil); err == nil {
			t.Fatal("answered with no replica up")
		}
	})
}
