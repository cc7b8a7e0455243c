package devnet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/examples/flight-ticket/hotel"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/wire"
)

// actionOptions: four flights of two tickets, quick external-call retries.
// Flight 0 is 190 minutes late from the start (the demo's update), so its
// tickets are rebooked while the devnet starts.
func actionOptions() Options {
	opts := DefaultOptions()
	opts.Tickets, opts.Flights, opts.Services = 8, 4, 4
	opts.Configure = func(role node.Role, _ int, cfg *node.Config) {
		// A slow hotel (3 s) is waited for; a hung one fails after two
		// tries here and two short ones on the anchor.
		cfg.Service.FetchAttempts = 2
		cfg.Service.FetchTimeout = node.Duration{Duration: 4 * time.Second}
		cfg.Network.RouteTimeout = node.Duration{Duration: 300 * time.Millisecond}
		cfg.Network.SampleInterval = node.Duration{} // off: not what this test is about
	}
	return opts
}

// flightTickets returns the tickets of the i-th flight in ticket order.
func flightTickets(d *Devnet, i int) []Ticket {
	var topics []string
	by := map[string][]Ticket{}
	for _, t := range d.Info.Tickets {
		if by[t.Topic] == nil {
			topics = append(topics, t.Topic)
		}
		by[t.Topic] = append(by[t.Topic], t)
	}
	return by[topics[i]]
}

type historyItem struct {
	Topic    string         `json:"topic"`
	UID      string         `json:"uid"`
	Attester string         `json:"attester"`
	Applied  bool           `json:"applied"`
	Note     string         `json:"note"`
	Data     map[string]any `json:"data"`
}

// waitRebooking waits until every replica of every ticket shows the
// rebooking state, with one booking among them, and returns each replica's
// history.
func waitRebooking(t *testing.T, d *Devnet, tickets []Ticket, want string, timeout time.Duration) map[string][]historyItem {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok := true
		hist := map[string][]historyItem{}
		for _, tk := range tickets {
			vs, err := liveStates(d, tk.Instance)
			if err != nil {
				ok = false
				continue
			}
			for _, v := range vs {
				if v.State["rebooking"] != want || v.StateRoot != vs[0].StateRoot {
					ok = false
				}
			}
			if ok {
				rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
				var h struct{ History []historyItem }
				getAsT(t, d, rt.Replicas[0].HTTP+"/v1/tokens/"+tk.Instance+"/history", tk.Instance, &h)
				hist[tk.Instance] = h.History
			}
		}
		if ok {
			return hist
		}
		if time.Now().After(deadline) {
			for _, tk := range tickets {
				vs, err := liveStates(d, tk.Instance)
				for _, v := range vs {
					t.Logf("%s: %v", tk.Instance[:10], v.State)
				}
				if err != nil {
					t.Logf("%s: %v", tk.Instance[:10], err)
				}
			}
			t.Fatalf("tickets did not reach rebooking %q on every replica within %s", want, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// liveStates is replicaStates that reports an unreachable replica (one that
// was killed and not yet replaced) as an error.
func liveStates(d *Devnet, id string) ([]stateView, error) {
	var rt wire.Route
	if err := getJSON(context.Background(), d.Info.Anchors[0].HTTP+"/v1/tokens/"+id+"/route", &rt); err != nil {
		return nil, err
	}
	var out []stateView
	for _, r := range rt.Replicas {
		var v stateView
		if err := getAs(d, r.HTTP+"/v1/tokens/"+id+"/state", id, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func hotelStats(t *testing.T, d *Devnet) int {
	t.Helper()
	var st struct{ Rebookings int }
	getJSONT(t, d.Info.Hotel.HTTP+"/stats", &st)
	return st.Rebookings
}

// TestTriggeredActions: a long delay rebooks each ticket of the flight once
// at the hotel and every replica shows it confirmed; with the hotel timing
// out, a new delay ends in an anchor-signed failure attestation and
// "failed"; an executor killed in the middle of an action still leads to
// exactly one rebooking.
func TestTriggeredActions(t *testing.T) {
	d := startDevnet(t, actionOptions())
	ctx := context.Background()
	anchors := map[common.Address]bool{}
	for _, a := range d.Info.Anchors {
		anchors[common.HexToAddress(a.Address)] = true
	}

	// The demo's 190-minute delay on flight 0 rebooked its tickets.
	first := flightTickets(d, 0)
	waitRebooking(t, d, first, "confirmed", 20*time.Second)
	base := hotelStats(t, d)
	if base != len(first) {
		t.Fatalf("hotel has %d rebookings after the demo delay, want %d", base, len(first))
	}

	// k tickets, one delay: exactly k rebookings, confirmed everywhere, each
	// replica's history holding the executor's action result.
	second := flightTickets(d, 1)
	if _, err := d.PublishStatus(ctx, second[0].Flight, second[0].Date, 200, "delayed"); err != nil {
		t.Fatal(err)
	}
	hist := waitRebooking(t, d, second, "confirmed", 20*time.Second)
	for id, h := range hist {
		n := 0
		for _, it := range h {
			if strings.HasPrefix(it.Topic, wire.ResultTopic(mustID(t, id))) && it.Applied {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d applied action results, want 1: %+v", id, n, h)
		}
	}
	// A further delay does not rebook again.
	if _, err := d.PublishStatus(ctx, second[0].Flight, second[0].Date, 240, "delayed"); err != nil {
		t.Fatal(err)
	}
	waitFlight(t, d, second[0].Topic, 240, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	if got := hotelStats(t, d); got != base+len(second) {
		t.Fatalf("hotel has %d rebookings, want %d", got, base+len(second))
	}

	// The hotel times out: the executor's tries and the anchor's fail, the
	// anchor attests the failure, and the ticket says so.
	d.HotelServer.SetFaults(hotel.ModeTimeout, 0, 0)
	third := flightTickets(d, 2)
	if _, err := d.PublishStatus(ctx, third[0].Flight, third[0].Date, 200, "delayed"); err != nil {
		t.Fatal(err)
	}
	hist = waitRebooking(t, d, third, "failed", 30*time.Second)
	// The state can say "failed" from the executor's result (its call got
	// the anchor's failure back) before the failure attestation itself,
	// gossiped on another stream, is applied: wait for that evidence too.
	attested := func(id string, h []historyItem) bool {
		found := false
		for _, it := range h {
			if strings.HasPrefix(it.Topic, wire.FailureTopic(mustID(t, id))) && it.Applied && anchors[common.HexToAddress(it.Attester)] {
				found = it.Data["action"] == "rebook" && it.Data["errorClass"] == "timeout"
			}
		}
		return found
	}
	deadline := time.Now().Add(30 * time.Second)
	for id, h := range hist {
		for !attested(id, h) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, id)
			var hv struct{ History []historyItem }
			getAsT(t, d, rt.Replicas[0].HTTP+"/v1/tokens/"+id+"/history", id, &hv)
			h = hv.History
		}
		if !attested(id, h) {
			t.Errorf("%s: no anchor-signed failure attestation applied: %+v", id, h)
		}
	}
	var st struct {
		Rebooking string `json:"rebooking"`
	}
	out, err := d.Client.QueryWith(ctx, third[0].Instance, "status", nil, third[0].Header())
	if err != nil || json.Unmarshal(out, &st) != nil || st.Rebooking != "failed" {
		t.Fatalf("status query: %s %v", out, err)
	}
	if got := hotelStats(t, d); got != base+len(second) {
		t.Fatalf("a timed-out hotel booked: %d", got)
	}

	// A slow hotel: the booking is made, the answer held; the executor dies
	// meanwhile. Its successor runs the action again with the same key, and
	// the hotel books once.
	// The executor is killed the moment the hotel has booked, before the
	// answer (held 3 s) reaches it: no race with a busy machine.
	d.HotelServer.SetFaults(hotel.ModeOK, 3*time.Second, 0)
	fourth := flightTickets(d, 3)
	want := base + len(second) + len(fourth)
	var rt wire.Route
	getJSONT(t, d.Info.Anchors[0].HTTP+"/v1/tokens/"+fourth[0].Instance+"/route", &rt)
	killed := -1
	for i, s := range d.Services {
		if s != nil && s.PeerID().String() == rt.Executor {
			killed = i
		}
	}
	if killed < 0 {
		t.Fatalf("executor %s is not a devnet service node", rt.Executor)
	}
	var once sync.Once
	killedErr := make(chan error, 1)
	d.HotelServer.OnBook(func(string) {
		once.Do(func() { go func() { killedErr <- d.KillService(killed) }() })
	})
	defer d.HotelServer.OnBook(nil)
	if _, err := d.PublishStatus(ctx, fourth[0].Flight, fourth[0].Date, 200, "delayed"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-killedErr:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the slow hotel got %d bookings, want %d", hotelStats(t, d), want)
	}
	hist = waitRebooking(t, d, fourth, "confirmed", 40*time.Second)
	if got := hotelStats(t, d); got != want {
		t.Fatalf("hotel has %d rebookings after the executor died, want exactly %d", got, want)
	}
	// The result came from the successor: the killed executor was cut off
	// in the middle of its action and published nothing.
	killedAddr := common.HexToAddress(d.Info.Services[killed].Address)
	for _, it := range hist[fourth[0].Instance] {
		if strings.HasPrefix(it.Topic, wire.ResultTopic(mustID(t, fourth[0].Instance))) && it.Applied && common.HexToAddress(it.Attester) == killedAddr {
			t.Fatalf("the killed executor's result was applied: it was not killed mid-action")
		}
	}
	getJSONT(t, d.Info.Anchors[0].HTTP+"/v1/tokens/"+fourth[0].Instance+"/route", &rt)
	if rec := recordOf(t, &rt); rt.Executor == d.Info.Services[killed].Peer || rec.Fencing < 2 {
		t.Fatalf("no new executor was elected: %+v", rec)
	}
}

// TestActionEndpoint: POST /v1/tokens/{instance}/actions/{name} runs on the
// executor only (421 with the route elsewhere), needs an idempotency key and
// the owner's grant, acts once per key, and carries a receipt the client
// verifies.
func TestActionEndpoint(t *testing.T) {
	opts := actionOptions()
	opts.Tickets, opts.Flights = 2, 2
	d := startDevnet(t, opts)
	ctx := context.Background()
	waitRebooking(t, d, flightTickets(d, 0), "confirmed", 20*time.Second) // the demo delay's
	tk := flightTickets(d, 1)[0]
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
	var full wire.Route
	getJSONT(t, d.Info.Anchors[0].HTTP+"/v1/tokens/"+tk.Instance+"/route", &full)
	var execURL, otherURL string
	for _, r := range rt.Replicas {
		if r.Peer == full.Executor {
			execURL = r.HTTP
		} else {
			otherURL = r.HTTP
		}
	}
	args := `{"hotel":"` + d.Info.Hotel.HTTP + `"}`
	path := "/v1/tokens/" + tk.Instance + "/actions/rebook"
	hdr := tk.Header()
	hdr.Set(wire.IdempotencyHeader, "web-1")

	code, body, _ := postH(t, otherURL+path, args, d.Sign(hdr, http.MethodPost, otherURL+path, []byte(args)))
	if code != http.StatusMisdirectedRequest || !strings.HasSuffix(body["type"].(string), "not-executor") || body["route"] == nil {
		t.Fatalf("non-executor: %d %v", code, body)
	}
	noKey := tk.Header()
	if code, body, _ = postH(t, execURL+path, args, d.Sign(noKey, http.MethodPost, execURL+path, []byte(args))); code != http.StatusBadRequest || !strings.HasSuffix(body["type"].(string), "idempotency-key-required") {
		t.Fatalf("no key: %d %v", code, body)
	}
	noGrant := http.Header{wire.IdempotencyHeader: {"web-1"}}
	if code, body, _ = postH(t, execURL+path, args, noGrant); code != http.StatusUnauthorized {
		t.Fatalf("no grant: %d %v", code, body)
	}
	if code, body, _ = postH(t, execURL+"/v1/tokens/"+tk.Instance+"/actions/nope", args, d.Sign(hdr, http.MethodPost, execURL+"/v1/tokens/"+tk.Instance+"/actions/nope", []byte(args))); code != http.StatusNotFound {
		t.Fatalf("unknown action: %d %v", code, body)
	}
	if code, _, _ = postH(t, execURL+path, `{"hotel":`, hdr); code != http.StatusBadRequest {
		t.Fatalf("malformed args: %d", code)
	}

	before := hotelStats(t, d)
	d.Client.VerifyReceipts = true
	res, rc, err := d.Client.Action(ctx, tk.Instance, "rebook", "web-1", json.RawMessage(args), tk.Header())
	if err != nil {
		t.Fatal(err)
	}
	if rc == nil || rc.Function != "action:rebook" || !strings.Contains(string(res.Result), "confirmed") || res.Attestation == "" {
		t.Fatalf("action answer %+v receipt %+v", res, rc)
	}
	again, _, err := d.Client.Action(ctx, tk.Instance, "rebook", "web-1", json.RawMessage(args), tk.Header())
	if err != nil || again.Attestation != res.Attestation {
		t.Fatalf("a repeated key ran again: %+v %v", again, err)
	}
	if got := hotelStats(t, d); got != before+1 {
		t.Fatalf("hotel rebookings %d, want %d", got, before+1)
	}
	waitRebooking(t, d, []Ticket{tk}, "confirmed", 10*time.Second)

	// The hotel refuses the executor's two tries but answers the anchor's:
	// the action succeeds through the anchor, which records an SLA strike
	// against the executor.
	d.HotelServer.SetFaults(hotel.ModeError, 0, 2)
	res, _, err = d.Client.Action(ctx, tk.Instance, "rebook", "web-2", json.RawMessage(args), tk.Header())
	if err != nil || !strings.Contains(string(res.Result), "confirmed") {
		t.Fatalf("action through the anchor: %v", actionString(res, err))
	}
	strikes, struck := 0.0, 0
	for _, a := range d.Info.Anchors {
		strikes += metricValue(t, a.HTTP, "smartlayer_sla_strikes_total")
		var nv samplingView
		getJSONT(t, a.HTTP+"/v1/network", &nv)
		struck += nv.Sampling.Nodes[full.Executor].Strikes
	}
	if strikes != 1 || struck != 1 {
		t.Fatalf("SLA strikes %v (metric), %d against the executor in /v1/network; want 1", strikes, struck)
	}
}

func mustID(t *testing.T, s string) wire.InstanceID {
	t.Helper()
	id, err := wire.ParseInstanceID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func actionString(res *wire.ActionOutcome, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("result %s patch %s fencing %d executor %s", res.Result, res.Patch, res.Fencing, res.Executor)
}

// TestPendingActionSurvivesRestart: an executor stopped in the middle of a
// triggered action and started again before the anchors notice finds the
// action still pending in its store and finishes it, under the same key:
// one booking.
func TestPendingActionSurvivesRestart(t *testing.T) {
	opts := actionOptions()
	opts.Tickets, opts.Flights = 2, 2
	d := startDevnet(t, opts)
	ctx := context.Background()
	waitRebooking(t, d, flightTickets(d, 0), "confirmed", 20*time.Second) // the demo delay's
	tk := flightTickets(d, 1)[0]
	base := hotelStats(t, d)
	var rt wire.Route
	getJSONT(t, d.Info.Anchors[0].HTTP+"/v1/tokens/"+tk.Instance+"/route", &rt)
	exec := -1
	for i, s := range d.Services {
		if s.PeerID().String() == rt.Executor {
			exec = i
		}
	}
	d.HotelServer.SetFaults(hotel.ModeOK, 3*time.Second, 0)
	if _, err := d.PublishStatus(ctx, tk.Flight, tk.Date, 200, "delayed"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for hotelStats(t, d) < base+1 {
		if time.Now().After(deadline) {
			t.Fatal("the hotel got no booking")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := d.KillService(exec); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RestartService(ctx, exec); err != nil {
		t.Fatal(err)
	}
	hist := waitRebooking(t, d, []Ticket{tk}, "confirmed", 30*time.Second)
	if got := hotelStats(t, d); got != base+1 {
		t.Fatalf("hotel has %d rebookings, want %d", got, base+1)
	}
	results := 0
	me := common.HexToAddress(d.Info.Services[exec].Address)
	for _, it := range hist[tk.Instance] {
		if strings.HasPrefix(it.Topic, wire.ResultTopic(mustID(t, tk.Instance))) && it.Applied {
			results++
			if common.HexToAddress(it.Attester) != me {
				t.Errorf("the result came from %s, not the restarted executor %s", it.Attester, me)
			}
		}
	}
	if results != 1 {
		t.Fatalf("%d action results applied, want 1", results)
	}
}

// TestFailingActionGivenUp: a triggered action whose script fails every try
// (here it reaches a host the TokenScript does not declare) is answered with
// an error result that changes nothing, so no replica keeps it pending.
func TestFailingActionGivenUp(t *testing.T) {
	opts := actionOptions()
	opts.Tickets, opts.Flights = 1, 1
	inner := opts.Configure
	opts.Configure = func(role node.Role, i int, cfg *node.Config) {
		inner(role, i, cfg)
		cfg.Service.ActionVars = map[string]string{"hotel": "http://undeclared.example"}
	}
	d := startDevnet(t, opts) // the demo's 190-minute delay triggers rebook
	tk := d.Info.Tickets[0]
	deadline := time.Now().Add(20 * time.Second)
	for {
		done := true
		vs, err := liveStates(d, tk.Instance)
		for _, v := range vs {
			done = done && err == nil && len(v.Offsets) >= 2 && len(v.Pending) == 0 && v.StateRoot == vs[0].StateRoot
		}
		if done && len(vs) > 0 {
			if vs[0].State["rebooking"] != "none" {
				t.Fatalf("a failed action changed the state: %v", vs[0].State)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the failing action stayed pending: %+v", vs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
	var h struct{ History []historyItem }
	getAsT(t, d, rt.Replicas[0].HTTP+"/v1/tokens/"+tk.Instance+"/history", tk.Instance, &h)
	found := false
	for _, it := range h.History {
		if strings.HasPrefix(it.Topic, wire.ResultTopic(mustID(t, tk.Instance))) && it.Applied {
			res, _ := it.Data["result"].(string)
			found = strings.Contains(res, "undeclared.example")
		}
	}
	if !found {
		t.Fatalf("no error result in the history: %+v", h.History)
	}
}
