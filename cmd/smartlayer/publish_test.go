package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/devnet"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/wire"
)

// TestTokenPublishReachesEveryAnchor publishes the example bundle through the
// CLI to one anchor and fetches it by hash from every anchor.
func TestTokenPublishReachesEveryAnchor(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services = 0, 1
	d, err := devnet.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A bundle of its own issuer: the example with a fresh key in <ts:key>.
	issuer, _ := nodekey.Generate()
	dom := []string{"--chain-id", fmt.Sprint(d.Info.ChainID), "--eas", d.Info.EASContract}
	ib, err := flightticket.Issued(issuer.ECDSA, attest.NetworkDomain(d.Info.ChainID, common.HexToAddress(d.Info.EASContract)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range ib.Files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keyFile := filepath.Join(t.TempDir(), "issuer.key")
	if err := crypto.SaveECDSA(keyFile, issuer.ECDSA); err != nil {
		t.Fatal(err)
	}
	if _, err := run("token", "publish", dir, "--anchor", d.Info.Anchors[1].HTTP); err == nil || !strings.Contains(err.Error(), "--issuer-key") {
		t.Fatalf("published without the issuer's signature: %v", err)
	}
	stranger := filepath.Join(t.TempDir(), "stranger.key")
	sk, _ := nodekey.Generate()
	_ = crypto.SaveECDSA(stranger, sk.ECDSA)
	if _, err := run(append([]string{"token", "publish", dir, "--issuer-key", stranger, "--anchor", d.Info.Anchors[1].HTTP}, dom...)...); err == nil || !strings.Contains(err.Error(), "bad-bundle") {
		t.Fatalf("a key the bundle does not name published it: %v", err)
	}
	out, err := run(append([]string{"token", "publish", dir, "--issuer-key", keyFile, "--anchor", d.Info.Anchors[1].HTTP}, dom...)...)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Bundle  string
		Name    string
		Queries []string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Name != "FlightTicket" || len(res.Bundle) != 66 {
		t.Fatalf("publish answer %q: %v", out, err)
	}
	for _, a := range d.Info.Anchors {
		resp, err := http.Get(a.HTTP + "/v1/bundles/" + res.Bundle)
		if err != nil {
			t.Fatal(err)
		}
		var b struct{ Files map[string][]byte }
		_ = json.NewDecoder(resp.Body).Decode(&b)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b.Files["service.js"]) == 0 {
			t.Fatalf("anchor %s: %d, files %v", a.HTTP, resp.StatusCode, len(b.Files))
		}
	}
}

// TestAttestPublish publishes the airline's flight status from the CLI and
// sees it applied on a replica.
func TestAttestPublish(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services, o.Flights = 3, 3, 1
	d, err := devnet.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tk := d.Info.Tickets[0]
	out, err := run("attest", "publish", "--key", d.Info.Airline.Key, "--topic", tk.Topic,
		"--schema", "string flight,string date,uint32 delayMinutes,string status",
		"--data", `{"flight":"`+tk.Flight+`","date":"`+tk.Date+`","delayMinutes":200,"status":"delayed"}`,
		// The same anchor the devnet's airline publisher uses: a stream has
		// one writer, extending the head that anchor holds.
		"--anchor", d.Info.Anchors[0].HTTP)
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Seq uint64 }
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Seq != 2 { // after the demo update
		t.Fatalf("publish: %s %v", out, err)
	}
	rt, _ := d.Client.Route(context.Background(), tk.Instance)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var v struct{ State map[string]any }
		u := rt.Replicas[0].HTTP + "/v1/tokens/" + tk.Instance + "/state"
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header = d.Sign(tk.Header(), http.MethodGet, u, nil) // the integration reads with its grant
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
		}
		if v.State["delayMinutes"] == float64(200) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status not applied: %v", v.State)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTokenQueryAndAction: the CLI runs a query with the passenger's grant
// and an action once per key, both with their receipts checked.
func TestTokenQueryAndAction(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services, o.Flights = 2, 3, 2
	d, err := devnet.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tk := d.Info.Tickets[1]
	grant := tk.Headers[wire.GrantHeader]
	anchor := d.Info.Anchors[0].HTTP
	ik := d.Info.Integration.Key
	out, err := run("token", "query", tk.Instance, "status", "--grant", grant, "--integration-key", ik, "--anchor", anchor)
	if err != nil || !strings.Contains(out, tk.Flight) || !strings.Contains(out, `"function": "query:status"`) {
		t.Fatalf("query: %v %s", err, out)
	}
	if _, err := run("token", "query", tk.Instance, "status", "--anchor", anchor); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("query without the grant: %v", err)
	}
	if _, err := run("token", "query", tk.Instance, "status", "--grant", grant, "--anchor", anchor); err == nil || !strings.Contains(err.Error(), "--integration-key") {
		t.Fatalf("a grant without the integration's key: %v", err)
	}
	args := `{"hotel":"` + d.Info.Hotel.HTTP + `"}`
	first, err := run("token", "action", tk.Instance, "rebook", "--key", "cli-1", "--args", args, "--grant", grant, "--integration-key", ik, "--anchor", anchor)
	if err != nil || !strings.Contains(first, `"rebooking": "confirmed"`) || !strings.Contains(first, `"function": "action:rebook"`) {
		t.Fatalf("action: %v %s", err, first)
	}
	again, err := run("token", "action", tk.Instance, "rebook", "--key", "cli-1", "--args", args, "--grant", grant, "--integration-key", ik, "--anchor", anchor)
	var a, b struct{ Outcome struct{ Attestation string } }
	_ = json.Unmarshal([]byte(first), &a)
	_ = json.Unmarshal([]byte(again), &b)
	if err != nil || a.Outcome.Attestation == "" || a.Outcome.Attestation != b.Outcome.Attestation {
		t.Fatalf("a repeated key acted again: %v %s", err, again)
	}
	if _, err := run("token", "action", tk.Instance, "rebook", "--args", args, "--anchor", anchor); err == nil || !strings.Contains(err.Error(), "key") {
		t.Fatalf("action without a key: %v", err)
	}
	if _, err := run("token", "action", tk.Instance, "rebook", "--key", "k", "--args", "{", "--anchor", anchor); err == nil || !strings.Contains(err.Error(), "--args") {
		t.Fatalf("bad args: %v", err)
	}
}
