package node

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/wire"
)

// replicaKey signs the test replicas' receipts; routes name its peer.
var replicaKey, _ = nodekey.Generate()

// routeTo answers a route with one replica at url.
func routeTo(w http.ResponseWriter, id wire.InstanceID, url, state string) {
	rec, _ := json.Marshal(&placement.Record{Instance: id, Replicas: []string{replicaKey.PeerID().String()}, Executor: replicaKey.PeerID().String()})
	_ = json.NewEncoder(w).Encode(&wire.Route{Instance: id, Record: rec,
		Replicas: []wire.Replica{{Peer: replicaKey.PeerID().String(), HTTP: url, State: state}}})
}

// answer writes out as a replica signed by key would: with its receipt
// for the query name on id of the body sent.
func answer(t *testing.T, w http.ResponseWriter, key *nodekey.Key, id wire.InstanceID, name string, sent []byte, out string) {
	rc := &receipt.Receipt{Instance: id.String(), Function: "query:" + name, Request: receipt.RequestHash("query:"+name, id.String(), "", sent),
		Output: receipt.OutputHash([]byte(out)), Node: key.Address()}
	if err := receipt.NewBatcher(receipt.Software{Key: key.ECDSA}, true).Seal(rc); err != nil {
		t.Error(err)
	}
	b, _ := json.Marshal(rc)
	w.Header().Set(wire.ReceiptHeader, base64.RawURLEncoding.EncodeToString(b))
	w.Header().Set(wire.NodeHeader, key.PeerID().String())
	_, _ = w.Write([]byte(out))
}

// ask runs a query of instance id's status through tq as a token would.
func ask(tq *tokenQuerier, anchors []string, id wire.InstanceID, args json.RawMessage) (json.RawMessage, error) {
	me := wire.InstanceID{0xca}
	ans, err := tq.query(context.Background(), anchors, caller{instance: me, record: []byte(`{}`), chain: []wire.InstanceID{me}},
		sandbox.TokenCall{Caller: me.String(), Instance: id.String(), Name: "status", Args: args})
	if err != nil {
		return nil, err
	}
	return ans.Result, nil
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
		b, _ := io.ReadAll(r.Body)
		gotBody.Store(string(b))
		answer(t, w, replicaKey, id, "status", b, `{"ok":true}`)
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
		out, err := ask(newTokenQuerier(replicaKey, nil), []string{anchor.URL}, id, json.RawMessage(`{"a": 1}`))
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
		_, err := ask(newTokenQuerier(replicaKey, nil), []string{anchor.URL}, id, nil)
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
		_, err := ask(newTokenQuerier(replicaKey, nil), []string{anchor.URL, anchor.URL}, id, nil)
		var p *wire.Problem
		if !errors.As(err, &p) || p.Status != 404 || asks.Load() != 1 {
			t.Fatalf("err %v after %d asks; want the 404 after one", err, asks.Load())
		}
	})

	t.Run("no replica up", func(t *testing.T) {
		anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { routeTo(w, id, good.URL, wire.StateDown) }))
		defer anchor.Close()
		if _, err := ask(newTokenQuerier(replicaKey, nil), []string{anchor.URL}, id, nil); err == nil {
			t.Fatal("answered with no replica up")
		}
	})
	t.Run("a grant not to the calling token", func(t *testing.T) {
		anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { routeTo(w, id, good.URL, wire.StateUp) }))
		defer anchor.Close()
		owner, _ := nodekey.Generate()
		me := wire.InstanceID{0xca}
		for name, to := range map[string]common.Address{"the node's own address": replicaKey.Address(), "another token": wire.TokenAddress(wire.InstanceID{0xcb})} {
			g, err := attest.SignGrant(owner.ECDSA, attest.NetworkDomain(1337, common.Address{}), id, to, []string{"query:status"}, time.Now().Add(time.Hour), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			v, _ := g.EncodeURLValue()
			_, err = newTokenQuerier(replicaKey, nil).query(context.Background(), []string{anchor.URL}, caller{instance: me, record: []byte(`{}`), chain: []wire.InstanceID{me}},
				sandbox.TokenCall{Caller: me.String(), Instance: id.String(), Name: "status", Grant: v})
			if err == nil || !strings.Contains(err.Error(), "not to this token") {
				t.Errorf("%s: %v", name, err)
			}
		}
	})

	// A forged receipt fails the call: an answer whose receipt names other
	// bytes, or is signed by another key, or none.
	other, _ := nodekey.Generate()
	for name, h := range map[string]http.HandlerFunc{
		"other bytes": func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			rec := httptest.NewRecorder()
			answer(t, rec, replicaKey, id, "status", b, `{"ok":true}`)
			w.Header().Set(wire.ReceiptHeader, rec.Header().Get(wire.ReceiptHeader))
			w.Header().Set(wire.NodeHeader, replicaKey.PeerID().String())
			_, _ = w.Write([]byte(`{"ok":false}`))
		},
		"another signer": func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			rec := httptest.NewRecorder()
			answer(t, rec, other, id, "status", b, `{"ok":true}`)
			w.Header().Set(wire.ReceiptHeader, rec.Header().Get(wire.ReceiptHeader))
			w.Header().Set(wire.NodeHeader, replicaKey.PeerID().String())
			_, _ = w.Write([]byte(`{"ok":true}`))
		},
		"none": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(wire.NodeHeader, replicaKey.PeerID().String())
			_, _ = w.Write([]byte(`{"ok":true}`))
		},
	} {
		t.Run("forged receipt: "+name, func(t *testing.T) {
			forger := httptest.NewServer(h)
			defer forger.Close()
			anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { routeTo(w, id, forger.URL, wire.StateUp) }))
			defer anchor.Close()
			if out, err := ask(newTokenQuerier(replicaKey, nil), []string{anchor.URL}, id, nil); err == nil || !strings.Contains(err.Error(), "bad receipt") {
				t.Fatalf("answer %s, %v; want a bad receipt", out, err)
			}
		})
	}
}

// A record that passed the check is taken again without one for a while;
// one that failed, or another signature, is checked each time.
func TestRecordChecksRemember(t *testing.T) {
	calls := 0
	fail := false
	c := newRecordChecks(func(*placement.Record) error {
		calls++
		if fail {
			return errors.New("not the responsible anchor")
		}
		return nil
	})
	r := &placement.Record{Instance: wire.InstanceID{1}, Replicas: []string{"p"}, Executor: "p", Signature: []byte{1}}
	b, _ := json.Marshal(r)
	for range 3 {
		if got, err := c.DecodeChecked(b); err != nil || got.Instance != r.Instance {
			t.Fatalf("DecodeChecked: %v, %v", got, err)
		}
	}
	if calls != 1 {
		t.Fatalf("checked %d times, want once", calls)
	}
	fail = true
	other := *r
	other.Signature = []byte{2}
	ob, _ := json.Marshal(&other)
	for range 2 {
		if _, err := c.DecodeChecked(ob); err == nil {
			t.Fatal("a record that fails its check was taken")
		}
	}
	if calls != 3 {
		t.Fatalf("checked %d times, want a check per failing call", calls)
	}
	// Records are kept only once they passed: a caller's records that
	// fail fill nothing.
	for i := range 5 {
		junk := other
		junk.Signature = []byte{3, byte(i)}
		jb, _ := json.Marshal(&junk)
		if _, err := c.DecodeChecked(jb); err == nil {
			t.Fatal("a record that fails its check was decoded and taken")
		}
	}
	if len(c.decoded) != 1 {
		t.Fatalf("%d records kept decoded, want the one that passed", len(c.decoded))
	}
}

// A node's calls for a token carry a signature the first time it calls a
// node and a session MAC after that node let one through; a node that
// forgot the session (a restart) answers session-unknown and the call is
// signed once more.
func TestTokenCallsOpenSessions(t *testing.T) {
	id := wire.InstanceID{1}
	me := wire.InstanceID{0xca}
	owner, _ := nodekey.Generate()
	callerKey, _ := nodekey.Generate()
	g, err := attest.SignGrant(owner.ECDSA, attest.Domain{Name: attest.DomainName, Version: "1.3.0", ChainID: big.NewInt(1)}, id, wire.TokenAddress(me), []string{"query:status"}, time.Now().Add(time.Hour), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	header, err := g.EncodeURLValue()
	if err != nil {
		t.Fatal(err)
	}
	sessions := grant.NewSessions(replicaKey.ECDSA)
	var kinds []string // "sig" or "mac" per call let through, "forgot" per refusal
	var forget atomic.Bool
	replica := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get(wire.GrantHeader) != header {
			t.Errorf("grant header %q", r.Header.Get(wire.GrantHeader))
		}
		if forget.Swap(false) {
			sessions = grant.NewSessions(replicaKey.ECDSA)
		}
		pr, err := grant.ParseProof(r.Header.Get(wire.SignatureHeader))
		if err != nil {
			t.Errorf("proof: %v", err)
			return
		}
		signer, err := pr.Signer(grant.Request{Method: r.Method, Path: r.URL.RequestURI(), Body: b}, time.Now(), sessions)
		if errors.Is(err, grant.ErrSessionUnknown) {
			kinds = append(kinds, "forgot")
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"type":"urn:smartlayer:problem:session-unknown","status":401}`))
			return
		}
		if err != nil || signer != callerKey.Address() {
			t.Errorf("signer %s, %v; want the calling node %s", signer, err, callerKey.Address())
			return
		}
		if strings.Contains(r.Header.Get(wire.SignatureHeader), ";m=") {
			kinds = append(kinds, "mac")
		} else {
			kinds = append(kinds, "sig")
			sessions.Learn(pr)
		}
		answer(t, w, replicaKey, id, "status", b, `{"ok":true}`)
	}))
	defer replica.Close()
	anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { routeTo(w, id, replica.URL, wire.StateUp) }))
	defer anchor.Close()
	tq := newTokenQuerier(callerKey, nil)
	call := func() {
		t.Helper()
		if _, err := tq.query(context.Background(), []string{anchor.URL}, caller{instance: me, record: []byte(`{}`), chain: []wire.InstanceID{me}},
			sandbox.TokenCall{Caller: me.String(), Instance: id.String(), Name: "status", Grant: header}); err != nil {
			t.Fatal(err)
		}
	}
	call()
	call()
	call()
	forget.Store(true)
	call()
	call()
	if got, want := strings.Join(kinds, ","), "sig,mac,mac,forgot,sig,mac"; got != want {
		t.Fatalf("proofs %s, want %s", got, want)
	}
}
