package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/smartlayer/smartlayer/devnet"
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
	out, err := run("token", "publish", "../../examples/flight-ticket", "--anchor", d.Info.Anchors[1].HTTP)
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
