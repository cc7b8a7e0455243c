package dashboard

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/httpapi"
)

func statusEntry(t *testing.T, key *ecdsa.PrivateKey, delay int) (*attlog.Entry, *attest.Signed) {
	t.Helper()
	data, err := attest.FlightStatusSchema.Schema.Encode(map[string]any{"flight": "BA117", "date": "2026-12-01", "delayMinutes": float64(delay), "status": "delayed"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.Sign(key, attest.NetworkDomain(1337, common.Address{1}), attest.Message{Version: attest.Version2, Schema: attest.FlightStatusSchema.UID, Time: 1_700_000_000, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	e := &attlog.Entry{Topic: attest.FlightStatusSchema.UID.String() + "/BA117/2026-12-01", Seq: 1, Attestation: b}
	if err := e.Sign(key); err != nil {
		t.Fatal(err)
	}
	return e, s
}

func TestActivityOfAStatus(t *testing.T) {
	key, _ := crypto.GenerateKey()
	e, s := statusEntry(t, key, 190)
	a := ActivityOf(e, s, time.UnixMilli(1_700_000_001_500))
	if a.Kind != "status" || a.Schema != "flight-status" || a.Fields["delayMinutes"] != "190" || a.Fields["flight"] != "BA117" {
		t.Fatalf("activity %+v", a)
	}
	if got := a.AtMs - a.AttestedMs; got != 1500 {
		t.Fatalf("propagation %d ms, want 1500", got)
	}
	if a.UID != s.UID.String() || a.EntrySeq != 1 {
		t.Fatalf("activity %+v", a)
	}
}

func TestFeedKeepsTheLastAndWakes(t *testing.T) {
	f := newFeedAt(time.UnixMilli(0))
	_, wait := f.Since(0, 10)
	f.Add(Activity{Kind: "a"})
	select {
	case <-wait:
	default:
		t.Fatal("a follower was not woken")
	}
	for i := 0; i < FeedSize+10; i++ {
		f.Add(Activity{Kind: "b"})
	}
	got, _ := f.Since(0, FeedSize*2)
	if len(got) != FeedSize || got[0].Seq != 12 || got[len(got)-1].Seq != FeedSize+11 {
		t.Fatalf("kept %d, first %d, last %d", len(got), got[0].Seq, got[len(got)-1].Seq)
	}
	if got, _ := f.Since(FeedSize+9, 10); len(got) != 2 {
		t.Fatalf("resumed with %d, want 2", len(got))
	}
	// A stream resuming from before the anchor restarted (an id this feed
	// never gave) reads from the oldest held, not from nothing.
	before := NewFeed()
	before.Add(Activity{Kind: "a"})
	old, _ := before.Since(0, 1)
	g := newFeedAt(time.Now().Add(time.Second))
	g.Add(Activity{Kind: "a"})
	if got, _ := g.Since(old[0].Seq, 10); len(got) != 1 || got[0].Seq <= old[0].Seq {
		t.Fatalf("after a restart: %+v", got)
	}
	if got, _ := g.Since(1<<62, 10); len(got) != 1 {
		t.Fatalf("from the future: %+v", got)
	}
}

func TestInstanceTopicsShowNoData(t *testing.T) {
	key, _ := crypto.GenerateKey()
	var inst [32]byte
	inst[0] = 7
	data, err := attest.ActionResultSchema.Schema.Encode(map[string]any{"instance": common.Hash(inst).Hex(), "action": "rebook", "idempotencyKey": "k",
		"fencing": "1", "transcriptRoot": common.Hash{}.Hex(), "patch": `{"booking":"secret"}`, "result": `{"booking":"secret"}`, "record": ""})
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.Sign(key, attest.NetworkDomain(1337, common.Address{1}), attest.Message{Version: attest.Version2, Schema: attest.ActionResultSchema.UID, Time: 1_700_000_000, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	e := &attlog.Entry{Topic: attest.ActionResultSchema.UID.String() + "/" + common.Hash(inst).Hex(), Seq: 1}
	a := ActivityOf(e, s, time.Now())
	if a.Kind != "action" || a.Instance != common.Hash(inst).Hex() || len(a.Fields) != 0 {
		t.Fatalf("an instance's own topic on the open dashboard: %+v", a)
	}
}

// readEvents reads SSE events until n have arrived.
func readEvents(t *testing.T, body io.Reader, n int) []map[string]string {
	t.Helper()
	var out []map[string]string
	ev := map[string]string{}
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if len(ev) > 0 {
				out = append(out, ev)
				if len(out) == n {
					return out
				}
			}
			ev = map[string]string{}
			continue
		}
		k, v, _ := strings.Cut(line, ": ")
		ev[k] = v
	}
	t.Fatalf("stream ended after %d events: %v", len(out), sc.Err())
	return nil
}

func TestEventsStreamNetworkAndActivity(t *testing.T) {
	f := newFeedAt(time.UnixMilli(0))
	f.Add(Activity{Kind: "status", Topic: "t1"})
	mux := http.NewServeMux()
	done := make(chan struct{})
	defer close(done)
	streams := &httpapi.StreamCount{}
	Register(mux, Deps{Feed: f, Network: func() any { return map[string]any{"self": "me"} },
		Placements: func() []Placement {
			return []Placement{{Instance: "0x01", Executor: "a", Replicas: []string{"a", "b"}}}
		},
		Every: time.Hour, Done: done, Streams: streams, MaxStreams: 1})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	evs := readEvents(t, res.Body, 2)
	var net NetworkEvent
	if evs[0]["event"] != "network" || json.Unmarshal([]byte(evs[0]["data"]), &net) != nil || len(net.Placements) != 1 {
		t.Fatalf("first event %v", evs[0])
	}
	if evs[1]["event"] != "activity" || evs[1]["id"] != "1" {
		t.Fatalf("second event %v", evs[1])
	}
	// One stream is the cap: a second is refused while the first is open.
	r2, err := http.Get(srv.URL + "/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second stream: %d, want 503", r2.StatusCode)
	}
	// Live: an entry the log delivers now arrives, made into its activity
	// as the stream reads it.
	key, _ := crypto.GenerateKey()
	e, sig := statusEntry(t, key, 45)
	f.AddEntry(e, sig, time.Now())
	evs = readEvents(t, res.Body, 1)
	if evs[0]["id"] != "2" || !strings.Contains(evs[0]["data"], `"kind":"status"`) || !strings.Contains(evs[0]["data"], `"delayMinutes":"45"`) {
		t.Fatalf("live event %v", evs[0])
	}
	// Resuming after activity 1 gives 2 only (after the network view), at
	// another server over the same feed (this one's one stream is taken).
	mux2 := http.NewServeMux()
	Register(mux2, Deps{Feed: f, Network: func() any { return nil }, Every: time.Hour, Done: done})
	srv2 := httptest.NewServer(mux2)
	defer srv2.Close()
	req, _ = http.NewRequest(http.MethodGet, srv2.URL+"/v1/events", nil)
	req.Header.Set("Last-Event-ID", "1")
	res3, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res3.Body.Close()
	evs = readEvents(t, res3.Body, 2)
	if evs[1]["id"] != "2" {
		t.Fatalf("resumed at %v", evs[1])
	}
}

func TestTheDashboardPageIsServed(t *testing.T) {
	mux := http.NewServeMux()
	Register(mux, Deps{Feed: NewFeed(), Network: func() any { return nil }})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for path, want := range map[string]string{"/ui/": "<title>Smart Layer network</title>", "/ui/app.js": "EventSource", "/ui/style.css": "--bg"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Fatalf("%s: %d %.80s", path, res.StatusCode, b)
		}
	}
}

// TestEventsStreamGivesWayToAClientHoldingFewer: on a real server with
// both places taken by one address, a client from another address gets a
// stream, and the first address's oldest stream ends.
func TestEventsStreamGivesWayToAClientHoldingFewer(t *testing.T) {
	f := newFeedAt(time.UnixMilli(0))
	mux := http.NewServeMux()
	done := make(chan struct{})
	defer close(done)
	Register(mux, Deps{Feed: f, Network: func() any { return map[string]any{"self": "me"} }, Every: time.Hour, Done: done,
		Streams: &httpapi.StreamCount{}, MaxStreams: 2})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	from := func(ip string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	open := func(c *http.Client) *http.Response {
		t.Helper()
		res, err := c.Get(srv.URL + "/v1/events")
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("stream: %d", res.StatusCode)
		}
		readEvents(t, res.Body, 1) // the network view: the stream is counted
		return res
	}
	a := from("127.0.0.1")
	first, second := open(a), open(a)
	defer first.Body.Close()
	defer second.Body.Close()
	other := open(from("127.0.0.2"))
	defer other.Body.Close()
	// The first stream ends: its body reaches EOF (no deadline of its own:
	// the test's timeout is the bound).
	if _, err := io.Copy(io.Discard, first.Body); err != nil {
		t.Fatalf("the oldest stream of the address holding both: %v", err)
	}
}
