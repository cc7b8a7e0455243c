package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/wire"
)

// TestVotesSwitchFallbackModes: one anchor's vote is not enough; two of three
// switch the network to partial fallback, where every ticket's replicas sit
// on different platforms; two votes in a later round bring it back; a
// third round switches to full fallback, where queries go through anchors
// that re-execute them; a non-anchor cannot vote.
func TestVotesSwitchFallbackModes(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services, o.Flights = 20, 5, 1
	o.Platforms = []string{"linux/amd64/sgx", "linux/amd64/sgx", "linux/amd64/sgx", "linux/amd64/sev", "linux/arm64/tdx"}
	o.Configure = func(_ node.Role, _ int, cfg *node.Config) { cfg.Network.FullShare = 1 } // re-execute every call in full mode
	d, err := devnet.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	key := func(i int) string { return filepath.Join(d.Dir(), "anchor-"+string(rune('0'+i)), "node.key") }
	vote := func(i int, mode, round string) (map[string]any, error) {
		out, err := run("vote", "--key", key(i), "--mode", mode, "--round", round, "--anchor", d.Info.Anchors[i].HTTP)
		var m map[string]any
		_ = json.Unmarshal([]byte(out), &m)
		return m, err
	}
	if m, err := vote(0, "partial", "1"); err != nil || m["mode"] != "normal" {
		t.Fatalf("one vote: %v %v", m, err)
	}
	// The second vote: anchors share votes, so the switch shows once anchor
	// 0's vote has reached them (polled below).
	if _, err := vote(1, "partial", "1"); err != nil {
		t.Fatal(err)
	}
	// Every anchor learns it, and re-places tickets on three platforms (at
	// its next rebalances: the deadline only guards against never; 15 s
	// failed once with the machine's two cores loaded).
	deadline := time.Now().Add(60 * time.Second)
	platform := map[string]string{}
	for {
		var net struct {
			Mode     string
			Services []struct{ Peer, Platform string }
		}
		resp, err := http.Get(d.Info.Anchors[2].HTTP + "/v1/network")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&net)
			resp.Body.Close()
		}
		for _, s := range net.Services {
			platform[s.Peer] = s.Platform
		}
		diverse := net.Mode == "partial"
		for _, tk := range d.Info.Tickets {
			rt, err := d.Client.Route(context.Background(), tk.Instance)
			if err != nil {
				diverse = false
				break
			}
			seen := map[string]bool{}
			for _, r := range rt.Replicas {
				seen[platform[r.Peer]] = true
			}
			diverse = diverse && len(seen) == 3
			d.Client.Forget(tk.Instance)
		}
		if diverse {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("partial mode did not place every ticket on three platforms (mode %q)", net.Mode)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := d.WaitTickets(context.Background(), 20*time.Second); err != nil {
		t.Fatal(err)
	}
	// Back to normal in round 2.
	if _, err := vote(2, "normal", "2"); err != nil {
		t.Fatal(err)
	}
	if _, err := vote(0, "normal", "2"); err != nil {
		t.Fatal(err)
	}
	waitMode(t, d, "normal")
	// In normal mode an anchor sends a query to the replicas.
	tk := d.Info.Tickets[0]
	queryVia := func(anchor string) *http.Response {
		u := anchor + "/v1/tokens/" + tk.Instance + "/query/status"
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader("{}"))
		req.Header = d.Sign(tk.Header(), http.MethodPost, u, []byte("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := queryVia(d.Info.Anchors[0].HTTP); resp.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("query to an anchor in normal mode: %d", resp.StatusCode)
	}
	// Full fallback in round 3: integrations' queries go through the
	// anchors, which re-execute them (full_share = 1 here).
	if _, err := vote(1, "full", "3"); err != nil {
		t.Fatal(err)
	}
	if _, err := vote(2, "full", "3"); err != nil {
		t.Fatal(err)
	}
	// Every anchor must have learnt the switch before anchor 0 is asked:
	// an anchor still in normal mode rightly answers 421.
	waitMode(t, d, "full")
	deadline = time.Now().Add(10 * time.Second)
	for {
		rt, err := d.Client.Route(context.Background(), tk.Instance)
		if err == nil && rt.Mode == "full" && len(rt.Via) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("route does not say full mode: %+v %v", rt, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp := queryVia(d.Info.Anchors[0].HTTP)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(wire.ViaHeader) != d.Info.Anchors[0].Peer || resp.Header.Get(wire.ReexecutedHeader) != "yes" {
		t.Fatalf("query through an anchor in full mode: %d %v", resp.StatusCode, resp.Header)
	}
	d.Client.VerifyReceipts = true
	if out, err := d.Client.QueryWith(context.Background(), tk.Instance, "status", nil, tk.Header()); err != nil || !strings.Contains(string(out), tk.Flight) {
		t.Fatalf("client query in full mode: %s %v", out, err)
	}
	// Actions go through the anchors too, which replay them.
	actURL, actBody := d.Info.Anchors[1].HTTP+"/v1/tokens/"+tk.Instance+"/actions/rebook", `{"hotel":"`+d.Info.Hotel.HTTP+`"}`
	req, _ := http.NewRequest(http.MethodPost, actURL, strings.NewReader(actBody))
	hdr := tk.Header()
	hdr.Set(wire.IdempotencyHeader, "full-mode-1") // signed with the call
	req.Header = d.Sign(hdr, http.MethodPost, actURL, []byte(actBody))
	aresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var act struct{ Result struct{ Rebooking string } }
	_ = json.NewDecoder(aresp.Body).Decode(&act)
	aresp.Body.Close()
	if aresp.StatusCode != http.StatusOK || act.Result.Rebooking != "confirmed" || aresp.Header.Get(wire.ViaHeader) != d.Info.Anchors[1].Peer ||
		aresp.Header.Get(wire.ReexecutedHeader) != "yes" {
		t.Fatalf("action through an anchor in full mode: %d %+v %v", aresp.StatusCode, act, aresp.Header)
	}
	res, rc, err := d.Client.Action(context.Background(), tk.Instance, "rebook", "full-mode-2", json.RawMessage(`{"hotel":"`+d.Info.Hotel.HTTP+`"}`), tk.Header())
	if err != nil || rc == nil || res.Attestation == "" {
		t.Fatalf("client action in full mode: %+v %v", res, err)
	}
	// A service node's key is not an anchor's.
	svcKey := filepath.Join(d.Dir(), "service-0", "node.key")
	if _, err := run("vote", "--key", svcKey, "--mode", "normal", "--round", "4", "--anchor", d.Info.Anchors[0].HTTP); err == nil {
		t.Fatal("a service node voted")
	}
}

// waitMode polls every anchor's /v1/network until each reports mode: votes
// reach anchors by gossip, one after another.
func waitMode(t *testing.T, d *devnet.Devnet, mode string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for _, a := range d.Info.Anchors {
		for {
			var net struct{ Mode string }
			resp, err := http.Get(a.HTTP + "/v1/network")
			if err == nil {
				_ = json.NewDecoder(resp.Body).Decode(&net)
				resp.Body.Close()
			}
			if net.Mode == mode {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("anchor %s still in mode %q, want %q", a.Peer, net.Mode, mode)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
