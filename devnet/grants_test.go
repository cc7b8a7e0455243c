package devnet

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/client"
	grantpkg "github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/wire"
)

// TestGrants checks every answer of a query that requires the owner's grant.
func TestGrants(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 4, 3
	d := startDevnet(t, opts)
	full := readTickets(t, d)
	// tickets.json has the passengers' keys, devnet.json the grant headers.
	a, other := full[0], full[1]
	a.Headers, other.Headers = d.Info.Tickets[0].Headers, d.Info.Tickets[1].Headers
	owner, _ := crypto.HexToECDSA(a.PassengerKey)
	stranger, _ := crypto.GenerateKey()
	domain := attest.Domain{Name: attest.DomainName, Version: "1.3.0", ChainID: big.NewInt(d.Info.ChainID), VerifyingContract: common.HexToAddress(d.Info.EASContract)}
	integ := common.HexToAddress(d.Info.Integration.Address)
	now := time.Now()
	aID, _ := attest.ParseUID(a.Instance)
	otherID, _ := attest.ParseUID(other.Instance)
	grant := func(key any, id attest.UID, scopes []string, notAfter time.Time, signedAt time.Time) string {
		t.Helper()
		g, err := attest.SignGrant(owner, domain, id, integ, scopes, notAfter, signedAt)
		if k, ok := key.(*attest.Domain); ok {
			g, err = attest.SignGrant(owner, *k, id, integ, scopes, notAfter, signedAt)
		} else if k, ok := key.(bool); ok && !k {
			g, err = attest.SignGrant(stranger, domain, id, integ, scopes, notAfter, signedAt)
		}
		if err != nil {
			t.Fatal(err)
		}
		v, _ := g.EncodeURLValue()
		return v
	}
	wrongDomain := domain
	wrongDomain.ChainID = big.NewInt(1)
	valid := grant(true, aID, []string{"query:status", "read:history"}, now.Add(time.Hour), now)
	cases := []struct {
		name, header string
		status       int
		code         string
		signer       string // "" (the integration), "none", "stranger", "owner"
	}{
		{"valid", valid, 200, "", ""},
		{"devnet header", a.Headers[wire.GrantHeader], 200, "", ""},
		{"wildcard", grant(true, aID, []string{"query:*"}, now.Add(time.Hour), now), 200, "", ""},
		{"missing", "", 401, "grant-required", ""},
		{"garbage", "not an attestation", 401, "invalid-grant", ""},
		{"wrong domain", grant(&wrongDomain, aID, []string{"*"}, now.Add(time.Hour), now), 401, "invalid-grant", ""},
		{"future", grant(true, aID, []string{"*"}, now.Add(2*time.Hour), now.Add(time.Hour)), 401, "invalid-grant", ""},
		{"expired", grant(true, aID, []string{"*"}, now.Add(-time.Minute), now.Add(-time.Hour)), 401, "grant-expired", ""},
		{"stranger", grant(false, aID, []string{"*"}, now.Add(time.Hour), now), 403, "grant-not-owner", ""},
		{"other ticket's grant", other.Headers[wire.GrantHeader], 403, "grant-not-owner", ""},
		{"wrong instance", grant(true, otherID, []string{"*"}, now.Add(time.Hour), now), 403, "grant-wrong-instance", ""},
		{"scope", grant(true, aID, []string{"query:route"}, now.Add(time.Hour), now), 403, "grant-scope", ""},
		// A grant is the integration's alone: the call must be signed by
		// the key it names.
		{"unsigned", valid, 401, "request-signature-required", "none"},
		{"another integration's key", valid, 403, "grant-not-holder", "stranger"},
		{"signed by the owner, no grant", "", 200, "", "owner"},
		{"signed by a stranger, no grant", "", 401, "grant-required", "stranger"},
	}
	replica := d.Services[0].HTTPURL()
	url := replica + "/v1/tokens/" + a.Instance + "/query/status"
	signAs := func(key *ecdsa.PrivateKey, h http.Header, method, u string, body []byte) http.Header {
		var nonce [16]byte
		_, _ = rand.Read(nonce[:])
		path := strings.TrimPrefix(u, replica)
		sig, err := grantpkg.Sign(key, grantpkg.Request{Method: method, Path: path, Body: body}, time.Now(), nonce)
		if err != nil {
			t.Fatal(err)
		}
		h = h.Clone()
		h.Set(wire.SignatureHeader, sig)
		return h
	}
	for _, c := range cases {
		h := http.Header{}
		if c.header != "" {
			h.Set(wire.GrantHeader, c.header)
		}
		switch c.signer {
		case "":
			h = d.Sign(h, http.MethodPost, url, []byte(`{}`))
		case "stranger":
			h = signAs(stranger, h, http.MethodPost, url, []byte(`{}`))
		case "owner":
			h = signAs(owner, h, http.MethodPost, url, []byte(`{}`))
		}
		code, m, hd := postH(t, url, `{}`, h)
		if code != c.status || c.code != "" && m["type"] != "urn:smartlayer:problem:"+c.code {
			t.Errorf("%s: %d %v, want %d %s", c.name, code, m, c.status, c.code)
		}
		if code == 401 && hd.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
	}

	// A signature is taken once: the same request replayed is refused.
	once := d.Sign(a.Header(), http.MethodPost, url, []byte(`{}`))
	if code, _, _ := postH(t, url, `{}`, once); code != 200 {
		t.Fatalf("a signed call: %d", code)
	}
	if code, m, _ := postH(t, url, `{}`, once); code != 401 || m["type"] != "urn:smartlayer:problem:request-replayed" {
		t.Fatalf("a replayed call: %d %v", code, m)
	}

	// Reading an instance needs a grant with that scope, or the owner's
	// signature; its root is public.
	stateURL := replica + "/v1/tokens/" + a.Instance + "/state"
	get := func(h http.Header, u string) int {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	statusOnly := grant(true, aID, []string{"query:status"}, now.Add(time.Hour), now)
	resultStream := replica + "/v1/topics/" + strings.ReplaceAll(wire.ResultTopic(wire.InstanceID(aID)), "/", "%2F") + "/stream"
	anchorStream := d.Info.Anchors[0].HTTP + "/v1/topics/" + strings.ReplaceAll(wire.ResultTopic(wire.InstanceID(aID)), "/", "%2F") + "/stream"
	for _, c := range []struct {
		name string
		h    http.Header
		u    string
		want int
	}{
		{"state, anyone", nil, stateURL, 401},
		{"history, anyone", nil, replica + "/v1/tokens/" + a.Instance + "/history", 401},
		{"state, a grant without read:state", d.Sign(http.Header{wire.GrantHeader: {statusOnly}}, http.MethodGet, stateURL, nil), stateURL, 403},
		{"state, the devnet grant", d.Sign(a.Header(), http.MethodGet, stateURL, nil), stateURL, 200},
		{"state, the owner's signature", signAs(owner, http.Header{}, http.MethodGet, stateURL, nil), stateURL, 200},
		{"root, anyone", nil, replica + "/v1/tokens/" + a.Instance + "/root", 200},
		// An instance's own topics say what changed in its state: streamed
		// as its history is read, by its replicas.
		{"result stream, anyone", nil, resultStream, 401},
		{"result stream, the devnet grant", d.Sign(a.Header(), http.MethodGet, resultStream, nil), resultStream, 200},
		{"result stream, from an anchor", nil, anchorStream, 421},
	} {
		if got := get(c.h, c.u); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}

	// A change stream let in under the grant, open when it is revoked.
	streamReq, _ := http.NewRequest(http.MethodGet, resultStream, nil)
	streamReq.Header = d.Sign(http.Header{wire.GrantHeader: {valid}}, http.MethodGet, resultStream, nil)
	streamResp, err := http.DefaultClient.Do(streamReq)
	if err != nil || streamResp.StatusCode != 200 {
		t.Fatalf("a stream under the grant: %v %v", streamResp, err)
	}
	defer streamResp.Body.Close()
	streamEnded := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, streamResp.Body)
		close(streamEnded)
	}()

	// The owner revokes the grant: refused from then on, even though cached.
	g, _ := attest.Parse([]byte(valid))
	rev, err := attest.SignRevocation(owner, domain, g.UID, now)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := json.Marshal(rev)
	if code, m, _ := postH(t, replica+"/v1/revocations", string(rb), nil); code != 201 {
		t.Fatalf("revocation: %d %v", code, m)
	}
	h := http.Header{}
	h.Set(wire.GrantHeader, valid)
	if code, m, _ := postH(t, url, `{}`, d.Sign(h, http.MethodPost, url, []byte(`{}`))); code != 401 || m["type"] != "urn:smartlayer:problem:grant-revoked" {
		t.Fatalf("revoked grant: %d %v", code, m)
	}
	// The revocation was posted to one replica; gossip brings it to every
	// replica of the ticket (the bound is two seconds; the wait
	// here is longer, for a busy machine, and the time is logged).
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, a.Instance)
	revokedAt := time.Now()
	for _, r := range rt.Replicas {
		u := r.HTTP + "/v1/tokens/" + a.Instance + "/query/status"
		for {
			code, m, _ := postH(t, u, `{}`, d.Sign(h, http.MethodPost, u, []byte(`{}`)))
			if code == 401 && m["type"] == "urn:smartlayer:problem:grant-revoked" {
				break
			}
			if time.Since(revokedAt) > 20*time.Second {
				t.Fatalf("replica %s still answers a revoked grant: %d %v", r.HTTP, code, m)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("every replica refuses the revoked grant %s after it was posted to one", time.Since(revokedAt).Round(time.Millisecond))
	// The stream opened under it ends too (it is checked again each
	// second; the wait is longer, for a busy machine).
	select {
	case <-streamEnded:
		t.Logf("the stream under the revoked grant ended %s after the revocation was posted", time.Since(revokedAt).Round(time.Millisecond))
	case <-time.After(30 * time.Second):
		t.Fatal("a change stream goes on under a revoked grant")
	}
	// Only an owner of a token the node holds may post revocations there,
	// and only the signer can revoke: a stranger's revocation of the devnet
	// grant is refused and leaves it working.
	dg, _ := attest.Parse([]byte(a.Headers[wire.GrantHeader]))
	srev, _ := attest.SignRevocation(stranger, domain, dg.UID, now)
	sb, _ := json.Marshal(srev)
	if code, _, _ := postH(t, replica+"/v1/revocations", string(sb), nil); code != 422 {
		t.Fatalf("a stranger's revocation: %d, want 422", code)
	}
	if code, _, _ := postH(t, url, `{}`, d.Sign(a.Header(), http.MethodPost, url, []byte(`{}`))); code != 200 {
		t.Fatalf("a stranger revoked the owner's grant: %d", code)
	}
	if code, _, _ := postH(t, replica+"/v1/revocations", `{"sig":`, nil); code != 400 {
		t.Fatalf("malformed revocation: %d", code)
	}
}

// TestQueryReceipts: every answer carries a receipt the client checks: signed
// by the answering replica, for this instance and query, over the state the
// replica holds.
func TestQueryReceipts(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 6, 3
	d := startDevnet(t, opts)
	c := client.New([]string{d.Info.Anchors[0].HTTP}, nil)
	c.Key = d.Client.Key // calls under a grant are signed by the integration it names
	c.VerifyReceipts = true
	// The devnet's start-up flight updates settle first: every replica has
	// applied its flight's status.
	for _, tk := range d.Info.Tickets {
		deadline := time.Now().Add(10 * time.Second)
		for {
			settled := true
			vs := replicaStates(t, d, tk.Instance)
			for _, v := range vs {
				// the status applied, the rebooking it triggered done
				settled = settled && len(v.Offsets) > 0 && len(v.Pending) == 0 && v.StateRoot == vs[0].StateRoot
			}
			if settled {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("start-up updates did not settle")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, tk := range d.Info.Tickets {
		out, rc, err := c.QueryReceipt(context.Background(), tk.Instance, "status", nil, tk.Header())
		if err != nil || rc == nil || len(out) == 0 {
			t.Fatalf("%s: %v %v", tk.Instance, rc, err)
		}
		var st struct{ StateRoot string }
		rt, _ := d.Client.Route(context.Background(), tk.Instance)
		for _, r := range rt.Replicas {
			if strings.EqualFold(r.Peer, "") {
				continue
			}
			if err := getAs(d, r.HTTP+"/v1/tokens/"+tk.Instance+"/state", tk.Instance, &st); err != nil {
				t.Fatal(err)
			}
			if !strings.EqualFold(st.StateRoot, rc.StateRoot.Hex()) {
				t.Fatalf("receipt state root %s, replica %s has %s", rc.StateRoot.Hex(), r.HTTP, st.StateRoot)
			}
		}
	}

	// Receipts the client forwards are checked by the anchors: each fetches
	// the execution from the node that signed it and replays it.
	matches := func() float64 {
		n := 0.0
		for _, a := range d.Info.Anchors {
			n += metricValue(t, a.HTTP, `smartlayer_forwarded_receipts_total{result="match"}`)
		}
		return n
	}
	before := matches()
	c.ForwardShare = 1
	for _, tk := range d.Info.Tickets {
		if _, _, err := c.QueryReceipt(context.Background(), tk.Instance, "status", nil, tk.Header()); err != nil {
			t.Fatal(err)
		}
	}
	c.WaitForwarded()
	deadline := time.Now().Add(60 * time.Second) // a sampling round is 5 s on the devnet
	for matches() < before+float64(len(d.Info.Tickets)) {
		if time.Now().After(deadline) {
			t.Fatalf("forwarded receipts checked: %v of %d", matches()-before, len(d.Info.Tickets))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
