package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/devnet"
)

// TestVotesSwitchFallbackModes: one anchor's vote is not enough; two of three
// switch the network to partial fallback, where every ticket's replicas sit
// on different platforms; two votes in a later round bring it back; a
// non-anchor cannot vote.
func TestVotesSwitchFallbackModes(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services, o.Flights = 20, 5, 1
	o.Platforms = []string{"linux/amd64/sgx", "linux/amd64/sgx", "linux/amd64/sgx", "linux/amd64/sev", "linux/arm64/tdx"}
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
	// Every anchor learns it, and re-places tickets on three platforms.
	deadline := time.Now().Add(15 * time.Second)
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
	deadline = time.Now().Add(10 * time.Second)
	for {
		var net struct{ Mode string }
		resp, err := http.Get(d.Info.Anchors[1].HTTP + "/v1/network")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&net)
			resp.Body.Close()
		}
		if net.Mode == "normal" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not back to normal: %q", net.Mode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A service node's key is not an anchor's.
	svcKey := filepath.Join(d.Dir(), "service-0", "node.key")
	if _, err := run("vote", "--key", svcKey, "--mode", "full", "--round", "3", "--anchor", d.Info.Anchors[0].HTTP); err == nil {
		t.Fatal("a service node voted")
	}
}
