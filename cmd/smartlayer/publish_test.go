package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

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
		resp, err := http.Get(rt.Replicas[0].HTTP + "/v1/tokens/" + tk.Instance + "/state")
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
