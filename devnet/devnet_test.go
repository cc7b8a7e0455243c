package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/wire"
)

func startDevnet(t *testing.T, opts Options) *Devnet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if lv := os.Getenv("SMARTLAYER_TEST_LOG"); lv != "" && opts.Log == nil {
		var l slog.Level
		_ = l.UnmarshalText([]byte(lv))
		opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
	}
	d, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return d
}

// recordOf decodes a route's placement record.
func recordOf(t *testing.T, rt *wire.Route) *placement.Record {
	t.Helper()
	rec, err := placement.DecodeRecord(rt.Record)
	if err != nil {
		t.Fatalf("route of %s: %v", rt.Instance, err)
	}
	return rec
}

func getRoute(t *testing.T, anchor, id string) (*wire.Route, int) {
	t.Helper()
	resp, err := http.Get(anchor + "/v1/tokens/" + id + "/route")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rt wire.Route
	_ = json.NewDecoder(resp.Body).Decode(&rt)
	return &rt, resp.StatusCode
}

func post(t *testing.T, url, body string) (int, map[string]any, http.Header) {
	t.Helper()
	return postH(t, url, body, nil)
}

// postS posts as the demo integration: the ticket's grant, and the call
// signed with the integration's key.
func postS(t *testing.T, d *Devnet, url, body string, tk Ticket) (int, map[string]any, http.Header) {
	t.Helper()
	return postH(t, url, body, d.Sign(tk.Header(), http.MethodPost, url, []byte(body)))
}

// getAs reads url about instance id as the demo integration (the ticket's
// grant, the call signed), into out.
func getAs(d *Devnet, url, id string, out any) error {
	for _, tk := range d.Info.Tickets {
		if strings.EqualFold(tk.Instance, id) {
			return d.GetAs(context.Background(), url, tk, out)
		}
	}
	return fmt.Errorf("no ticket %s", id)
}

func getAsT(t *testing.T, d *Devnet, url, id string, out any) {
	t.Helper()
	if err := getAs(d, url, id, out); err != nil {
		t.Fatal(err)
	}
}

// postH posts with headers, such as a ticket's grant.
func postH(t *testing.T, url, body string, hdr http.Header) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m, resp.Header
}

// TestDevnetEndToEnd routes and queries every ticket, kills a service node and
// checks that every ticket is re-placed on live replicas that answer within 10 s.
func TestDevnetEndToEnd(t *testing.T) {
	opts := DefaultOptions()
	d := startDevnet(t, opts)

	b, err := os.ReadFile(filepath.Join(d.Dir(), "devnet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Anchors  []struct{ HTTP string } `json:"anchors"`
		Services []struct{ HTTP string } `json:"services"`
		Tickets  []Ticket                `json:"tickets"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	if d.Info.Hotel.HTTP == "" {
		t.Fatal("devnet.json has no hotel")
	}
	if len(info.Anchors) != 3 || len(info.Services) != 5 || len(info.Tickets) != 100 {
		t.Fatalf("devnet.json: %d anchors, %d services, %d tickets", len(info.Anchors), len(info.Services), len(info.Tickets))
	}
	flights := map[string]bool{}
	for _, tk := range info.Tickets {
		flights[tk.Flight+"/"+tk.Date] = true
	}
	if len(flights) < 5 {
		t.Fatalf("tickets span %d flights, want 5", len(flights))
	}

	// Every ticket routes through an anchor and every replica answers status.
	for i, tk := range info.Tickets {
		rt, code := getRoute(t, info.Anchors[i%3].HTTP, tk.Instance)
		if code != 200 || len(rt.Replicas) != 3 {
			t.Fatalf("route %s: %d %+v", tk.Instance, code, rt)
		}
		if len(tk.Headers) == 0 || tk.Holder == "" || tk.OwnerKey == "" || tk.PassengerKey != "" || len(tk.Attestation) != 0 {
			t.Fatalf("devnet.json ticket: headers %v, holder %q, the owner's key, and no attestation: %+v", tk.Headers, tk.Holder, tk)
		}
		for _, rep := range rt.Replicas {
			code, m, _ := postS(t, d, rep.HTTP+"/v1/tokens/"+tk.Instance+"/query/status", `{}`, tk)
			if code != 200 {
				t.Fatalf("status on %s: %d %v", rep.HTTP, code, m)
			}
			for _, k := range []string{"flight", "date", "passenger", "delayMinutes", "status", "lounge"} {
				if _, ok := m[k]; !ok {
					t.Fatalf("status lacks %q: %v", k, m)
				}
			}
			if m["flight"] != tk.Flight || m["date"] != tk.Date {
				t.Fatalf("status %v for ticket %+v", m, tk)
			}
		}
	}

	// Kill the service node holding the most tickets.
	victim := 0
	best := -1
	for i, s := range d.Services {
		if c := s.Info(); c.Peer != "" {
			var h struct{ Instances int }
			resp, err := http.Get(s.HTTPURL() + "/v1/health")
			if err != nil {
				t.Fatal(err)
			}
			_ = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if h.Instances > best {
				victim, best = i, h.Instances
			}
		}
	}
	if best <= 0 {
		t.Fatal("no service node holds tickets")
	}
	victimPeer := d.Services[victim].PeerID().String()
	killed := time.Now()
	if err := d.KillService(victim); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed service %d holding %d tickets", victim, best)

	pending := map[string]bool{}
	tickets := map[string]Ticket{}
	for _, tk := range info.Tickets {
		pending[tk.Instance] = true
		tickets[tk.Instance] = tk
	}
	// The promise is 10 s (docs/protocols.md). Under -race every map
	// access and goja instruction is instrumented and the suite runs
	// packages side by side on two cores: there the test checks that every
	// ticket moves, within 30 s, and the 10 s figure is the plain build's.
	bound := 10 * time.Second
	if raceDetector {
		bound = 30 * time.Second
	}
	deadline := killed.Add(bound)
	for len(pending) > 0 && time.Now().Before(deadline) {
		for id := range pending {
			rt, code := getRoute(t, info.Anchors[0].HTTP, id)
			if code != 200 || len(rt.Replicas) != 3 {
				continue
			}
			ok := true
			for _, rep := range rt.Replicas {
				if rep.Peer == victimPeer || rep.State != "up" {
					ok = false
					break
				}
				if code, _, _ := postS(t, d, rep.HTTP+"/v1/tokens/"+id+"/query/status", `{}`, tickets[id]); code != 200 {
					ok = false
					break
				}
			}
			if ok {
				delete(pending, id)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(pending) > 0 {
		t.Fatalf("%d tickets not answering from new replicas within %s of the kill", len(pending), bound)
	}
	t.Logf("all %d tickets re-placed and answering %s after the kill", len(info.Tickets), time.Since(killed).Round(time.Millisecond))
}

// TestServiceRestartKeepsIdentityAndInstances stops a service node and starts
// it on the same data directory.
func TestServiceRestartKeepsIdentityAndInstances(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets = 30
	opts.Services = 3
	d := startDevnet(t, opts)
	before := d.Services[1]
	peer := before.PeerID()
	var h1 struct{ Instances int }
	getJSONT(t, before.HTTPURL()+"/v1/health", &h1)
	if h1.Instances != 30 { // 3 replicas over 3 nodes: every node holds every ticket
		t.Fatalf("service 1 holds %d instances, want 30", h1.Instances)
	}
	if err := d.KillService(1); err != nil {
		t.Fatal(err)
	}
	after, err := d.RestartService(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if after.PeerID() != peer {
		t.Fatalf("identity changed: %s -> %s", peer, after.PeerID())
	}
	var h2 struct{ Instances int }
	getJSONT(t, after.HTTPURL()+"/v1/health", &h2)
	if h2.Instances != 30 {
		t.Fatalf("restarted node holds %d instances, want 30", h2.Instances)
	}
	// It answers from restored state at once.
	id := d.Info.Tickets[0].Instance
	if code, m, _ := postS(t, d, after.HTTPURL()+"/v1/tokens/"+id+"/query/status", `{}`, d.Info.Tickets[0]); code != 200 || m["flight"] != d.Info.Tickets[0].Flight {
		t.Fatalf("query after restart: %d %v", code, m)
	}
}

// TestAnchorRestartKeepsRegistry restarts an anchor on its data directory: it
// answers every route from what it stored, with the same identity.
func TestAnchorRestartKeepsRegistry(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 20, 3
	d := startDevnet(t, opts)
	peer := d.Anchors[0].PeerID()
	if err := d.KillAnchor(0); err != nil {
		t.Fatal(err)
	}
	a, err := d.RestartAnchor(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.PeerID() != peer {
		t.Fatal("anchor identity changed")
	}
	for _, tk := range d.Info.Tickets {
		if rt, code := getRoute(t, a.HTTPURL(), tk.Instance); code != 200 || len(recordOf(t, rt).Replicas) != 3 {
			t.Fatalf("route after restart: %d %+v", code, rt)
		}
	}
	// The service nodes find the anchor on its new ports and heartbeat it again.
	if err := d.WaitMembers(context.Background(), 3, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestDevnetRestartOnSameData restarts the whole devnet on its data
// directory: the same identities, bundle and tickets come back.
func TestDevnetRestartOnSameData(t *testing.T) {
	dir := t.TempDir()
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.DataDir = 20, 3, dir
	ctx := context.Background()
	d1, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	info1 := d1.Info
	if err := d1.Close(); err != nil {
		t.Fatal(err)
	}
	d2 := startDevnet(t, opts)
	if d2.Info.Bundle != info1.Bundle || d2.Info.Airline != info1.Airline {
		t.Fatalf("bundle or airline changed: %v %v", d2.Info.Bundle, info1.Bundle)
	}
	for i := range info1.Anchors {
		if d2.Info.Anchors[i].Peer != info1.Anchors[i].Peer {
			t.Fatal("anchor identity changed")
		}
	}
	for i := range info1.Tickets {
		if d2.Info.Tickets[i].Instance != info1.Tickets[i].Instance {
			t.Fatal("tickets changed")
		}
	}
}

func getJSONT(t *testing.T, url string, out any) {
	t.Helper()
	if err := getJSON(context.Background(), url, out); err != nil {
		t.Fatal(err)
	}
}

// TestHTTPErrors checks every error status of the integration API.
func TestHTTPErrors(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 10, 4
	d := startDevnet(t, opts)
	anchor := d.Info.Anchors[0].HTTP
	tk := d.Info.Tickets[0]
	rt, code := getRoute(t, anchor, tk.Instance)
	if code != 200 {
		t.Fatalf("route: %d", code)
	}
	holders := map[string]bool{}
	for _, r := range rt.Replicas {
		holders[r.HTTP] = true
	}
	var replica, stranger string
	for _, s := range d.Info.Services {
		if holders[s.HTTP] {
			replica = s.HTTP
		} else {
			stranger = s.HTTP
		}
	}
	if replica == "" || stranger == "" {
		t.Fatalf("need a replica and a non-replica: %v", holders)
	}
	unknown := "0x" + strings.Repeat("ab", 32)
	// Start-up may have sent the stranger misdirected queries of its own
	// (routes moving as nodes join): count this test's from here.
	misdirectedBefore := metricValue(t, stranger, `smartlayer_http_requests_total{code="421",route="POST /v1/tokens/{instance}/query/{name}"}`)
	q := func(base, id, name string) string { return base + "/v1/tokens/" + id + "/query/" + name }

	cases := []struct {
		name, method, url, body string
		status                  int
		problem                 string
	}{
		{"bad id", "POST", q(replica, "0x12", "status"), `{}`, 400, "bad-instance-id"},
		{"bad json", "POST", q(replica, tk.Instance, "status"), `{"a":`, 400, "malformed-json"},
		{"unknown instance", "POST", q(replica, unknown, "status"), `{}`, 404, "unknown-instance"},
		{"unknown query", "POST", q(replica, tk.Instance, "nope"), `{}`, 404, "unknown-query"},
		{"not a replica", "POST", q(stranger, tk.Instance, "status"), `{}`, 421, "not-a-replica"},
		{"too large", "POST", q(replica, tk.Instance, "status"), `"` + strings.Repeat("x", 2<<20) + `"`, 413, "body-too-large"},
		{"route unknown", "GET", anchor + "/v1/tokens/" + unknown + "/route", ``, 404, "unknown-instance"},
		{"route bad id", "GET", anchor + "/v1/tokens/xyz/route", ``, 400, "bad-instance-id"},
		{"no endpoint", "GET", anchor + "/v1/nothing", ``, 404, "no-such-endpoint"},
		{"bad bundle", "POST", anchor + "/v1/bundles", `{"files":{"a.js":"eA=="}}`, 400, "bad-bundle"},
		{"bundle not json", "POST", anchor + "/v1/bundles", `<xml/>`, 400, "malformed-json"},
		{"register unknown bundle", "POST", anchor + "/v1/tokens", `{"bundle":"0x` + strings.Repeat("00", 32) + `","attestation":{}}`, 404, "unknown-bundle"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, resp.StatusCode, c.status, b)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: content type %q", c.name, ct)
		}
		var p struct {
			Type   string          `json:"type"`
			Status int             `json:"status"`
			Route  json.RawMessage `json:"route"`
		}
		if err := json.Unmarshal(b, &p); err != nil || p.Type != "urn:smartlayer:problem:"+c.problem || p.Status != c.status {
			t.Errorf("%s: problem %s", c.name, b)
		}
		if c.status == 421 && !bytes.Contains(p.Route, []byte(tk.Instance)) {
			t.Errorf("421 without the route: %s", b)
		}
	}

	// A forged ticket: signed by someone who is not the airline.
	forger, _ := os.CreateTemp(t.TempDir(), "k")
	forger.Close()
	os.Remove(forger.Name())
	code2, m, _ := post(t, anchor+"/v1/tokens", fmt.Sprintf(`{"bundle":%q,"attestation":%s}`, d.Info.Bundle, forgedTicket(t, forger.Name())))
	if code2 != 422 || m["type"] != "urn:smartlayer:problem:invalid-attestation" {
		t.Fatalf("forged ticket: %d %v", code2, m)
	}

	// CORS preflight and headers for browsers.
	req, _ := http.NewRequest("OPTIONS", q(replica, tk.Instance, "status"), nil)
	req.Header.Set("Origin", "https://car-rental.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "X-Smartlayer-Receipt") ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), wire.IdempotencyHeader) {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}

	// Metrics count what happened, on the node where it happened.
	if n := metricValue(t, replica, `smartlayer_queries_total{result="unknown-query"}`); n != 1 {
		t.Errorf("replica counted %v unknown-query answers, want 1", n)
	}
	if n := metricValue(t, replica, `smartlayer_query_seconds_count`); n < 1 {
		t.Errorf("replica has no query latency samples")
	}
	if n := metricValue(t, stranger, `smartlayer_http_requests_total{code="421",route="POST /v1/tokens/{instance}/query/{name}"}`); n != misdirectedBefore+1 {
		t.Errorf("stranger counted %v misdirected answers, want %v", n, misdirectedBefore+1)
	}
	// The node still serves after all of that.
	if code, _, _ := postS(t, d, q(replica, tk.Instance, "status"), `{}`, tk); code != 200 {
		t.Fatalf("status after errors: %d", code)
	}
}

// TestAnchorLossThenServiceLoss: with an anchor gone, the others take over
// its instances; a service node that dies next is still replaced.
// TestAnchorLossThenServiceLoss: with an anchor down, the others vote it
// down and, once a majority certified it, take over its instances: a
// replica lost after that is replaced under a record signed by another
// anchor, carrying the votes, which the new replicas accept.
func TestAnchorLossThenServiceLoss(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 30, 5
	d := startDevnet(t, opts)
	a0 := d.Info.Anchors[0].Peer
	// A ticket anchor 0 placed, and one of its replicas to lose.
	var tk *Ticket
	var victim string
	for i := range d.Info.Tickets {
		rt, code := getRoute(t, d.Info.Anchors[1].HTTP, d.Info.Tickets[i].Instance)
		rec, err := placement.DecodeRecord(rt.Record)
		if code == 200 && err == nil && rec.AnchorPeer == a0 {
			tk, victim = &d.Info.Tickets[i], rec.Replicas[0]
			break
		}
	}
	if tk == nil {
		t.Fatal("anchor 0 placed none of the tickets")
	}
	if err := d.KillAnchor(0); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "anchors 1 and 2 certify anchor 0 down", func() bool {
		for _, a := range d.Info.Anchors[1:] {
			var v struct{ CertifiedDown []string }
			if getJSON(context.Background(), a.HTTP+"/v1/network", &v) != nil || !slices.Contains(v.CertifiedDown, a0) {
				return false
			}
		}
		return true
	})
	for i, s := range d.Services {
		if s != nil && s.PeerID().String() == victim {
			if err := d.KillService(i); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitUntil(t, 30*time.Second, "every ticket re-placed off the lost node", func() bool {
		for _, tk := range d.Info.Tickets {
			rt, code := getRoute(t, d.Info.Anchors[1].HTTP, tk.Instance)
			if code != 200 {
				return false
			}
			for _, r := range rt.Replicas {
				if r.Peer == victim || r.State != "up" {
					return false
				}
			}
		}
		return true
	})
	rt, _ := getRoute(t, d.Info.Anchors[2].HTTP, tk.Instance)
	rec, err := placement.DecodeRecord(rt.Record)
	if err != nil {
		t.Fatal(err)
	}
	if rec.AnchorPeer == a0 || len(rec.Takeover) < 2 {
		t.Fatalf("the new record is signed by %s with %d takeover votes; want another anchor's, with a majority's votes", rec.AnchorPeer, len(rec.Takeover))
	}
	// The replicas took it: each answers with the same state root.
	agree := func(anchor int) func() bool {
		return func() bool {
			var c wire.Consistency
			if getJSON(context.Background(), d.Info.Anchors[anchor].HTTP+"/v1/tokens/"+tk.Instance+"/consistency", &c) != nil || !c.Agree {
				return false
			}
			for _, r := range c.Replicas {
				if r.StateRoot == "" {
					return false
				}
			}
			return true
		}
	}
	waitUntil(t, 30*time.Second, "the replicas of the taken-over ticket agree", agree(1))

	// Anchor 0 comes back: the others send it their takeovers, so its next
	// record of the ticket is above the takeover's fencing and is taken.
	if _, err := d.RestartAnchor(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "anchor 0 knows the takeover", func() bool {
		rt, code := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
		r, err := placement.DecodeRecord(rt.Record)
		return code == 200 && err == nil && r.Fencing >= rec.Fencing
	})
	second := rec.Replicas[0]
	for i, s := range d.Services {
		if s != nil && s.PeerID().String() == second {
			if err := d.KillService(i); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitUntil(t, 30*time.Second, "anchor 0 re-places its ticket off the second lost node", func() bool {
		rt, code := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
		r, err := placement.DecodeRecord(rt.Record)
		if code != 200 || err != nil || r.AnchorPeer != a0 || r.Fencing <= rec.Fencing || r.Holds(second) {
			return false
		}
		for _, rep := range rt.Replicas {
			if rep.State != "up" {
				return false
			}
		}
		return true
	})
	waitUntil(t, 30*time.Second, "the replicas of the ticket agree under anchor 0's record", agree(0))
}

// waitUntil polls cond until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// metricValue reads one sample of a node's /metrics (0 when absent).
func metricValue(t *testing.T, node, name string) float64 {
	t.Helper()
	v, err := Metric(context.Background(), node, name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
