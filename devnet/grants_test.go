package devnet

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/wire"
)

// TestGrants checks every answer of a query that requires the owner's grant.
func TestGrants(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 4, 3
	d := startDevnet(t, opts)
	b, err := os.ReadFile(filepath.Join(d.Dir(), "tickets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var full []Ticket
	if err := json.Unmarshal(b, &full); err != nil {
		t.Fatal(err)
	}
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
	valid := grant(true, aID, []string{"query:status"}, now.Add(time.Hour), now)
	cases := []struct {
		name, header string
		status       int
		code         string
	}{
		{"valid", valid, 200, ""},
		{"devnet header", a.Headers[wire.GrantHeader], 200, ""},
		{"wildcard", grant(true, aID, []string{"query:*"}, now.Add(time.Hour), now), 200, ""},
		{"missing", "", 401, "grant-required"},
		{"garbage", "not an attestation", 401, "invalid-grant"},
		{"wrong domain", grant(&wrongDomain, aID, []string{"*"}, now.Add(time.Hour), now), 401, "invalid-grant"},
		{"future", grant(true, aID, []string{"*"}, now.Add(2*time.Hour), now.Add(time.Hour)), 401, "invalid-grant"},
		{"expired", grant(true, aID, []string{"*"}, now.Add(-time.Minute), now.Add(-time.Hour)), 401, "grant-expired"},
		{"stranger", grant(false, aID, []string{"*"}, now.Add(time.Hour), now), 403, "grant-not-owner"},
		{"other ticket's grant", other.Headers[wire.GrantHeader], 403, "grant-not-owner"},
		{"wrong instance", grant(true, otherID, []string{"*"}, now.Add(time.Hour), now), 403, "grant-wrong-instance"},
		{"scope", grant(true, aID, []string{"query:route"}, now.Add(time.Hour), now), 403, "grant-scope"},
	}
	replica := d.Services[0].HTTPURL()
	url := replica + "/v1/tokens/" + a.Instance + "/query/status"
	for _, c := range cases {
		h := http.Header{}
		if c.header != "" {
			h.Set(wire.GrantHeader, c.header)
		}
		code, m, hd := postH(t, url, `{}`, h)
		if code != c.status || c.code != "" && m["type"] != "urn:smartlayer:problem:"+c.code {
			t.Errorf("%s: %d %v, want %d %s", c.name, code, m, c.status, c.code)
		}
		if code == 401 && hd.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
	}

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
	if code, m, _ := postH(t, url, `{}`, h); code != 401 || m["type"] != "urn:smartlayer:problem:grant-revoked" {
		t.Fatalf("revoked grant: %d %v", code, m)
	}
	// Only the signer can revoke: a stranger's revocation of the devnet
	// grant leaves it working.
	dg, _ := attest.Parse([]byte(a.Headers[wire.GrantHeader]))
	srev, _ := attest.SignRevocation(stranger, domain, dg.UID, now)
	sb, _ := json.Marshal(srev)
	if code, _, _ := postH(t, replica+"/v1/revocations", string(sb), nil); code != 201 {
		t.Fatalf("stranger's revocation not recorded: %d", code)
	}
	if code, _, _ := postH(t, url, `{}`, a.Header()); code != 200 {
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
			if err := getJSON(context.Background(), r.HTTP+"/v1/tokens/"+tk.Instance+"/state", &st); err != nil {
				t.Fatal(err)
			}
			if !strings.EqualFold(st.StateRoot, rc.StateRoot.Hex()) {
				t.Fatalf("receipt state root %s, replica %s has %s", rc.StateRoot.Hex(), r.HTTP, st.StateRoot)
			}
		}
	}
}
