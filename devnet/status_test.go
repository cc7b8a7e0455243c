package devnet

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
)

type stateView struct {
	State     map[string]any    `json:"state"`
	StateRoot string            `json:"stateRoot"`
	Offsets   map[string]uint64 `json:"offsets"`
	Pending   []any             `json:"pending"`
}

// replicaStates returns the state of a ticket on each of its replicas.
func replicaStates(t *testing.T, d *Devnet, id string) []stateView {
	t.Helper()
	out, err := replicaStatesNow(t, d, id)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// replicaStatesNow is the state of every replica of id in anchor 0's
// route, or why one could not be read (a replica just placed may not hold
// the instance yet).
func replicaStatesNow(t *testing.T, d *Devnet, id string) ([]stateView, error) {
	t.Helper()
	rt, code := getRoute(t, d.Info.Anchors[0].HTTP, id)
	if code != 200 {
		return nil, fmt.Errorf("route %d", code)
	}
	var out []stateView
	for _, r := range rt.Replicas {
		var v stateView
		if err := getAs(d, r.HTTP+"/v1/tokens/"+id+"/state", id, &v); err != nil {
			return nil, fmt.Errorf("state on %s: %v", r.HTTP, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// waitFlight waits until every replica of every ticket of the flight shows
// the delay, and the replicas of each ticket agree on the state root.
func waitFlight(t *testing.T, d *Devnet, topic string, delay float64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, n := true, 0
		for _, tk := range d.Info.Tickets {
			if tk.Topic != topic {
				continue
			}
			n++
			vs, err := replicaStatesNow(t, d, tk.Instance)
			if err != nil { // a replica placed a moment ago, still being assigned
				ok, last = false, err
				continue
			}
			for _, v := range vs {
				if v.State["delayMinutes"] != delay || v.State["lounge"] != (delay >= 180) || v.StateRoot != vs[0].StateRoot {
					ok = false
				}
			}
		}
		if ok && n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("flight %s did not reach delay %v on every replica within %s (last error: %v)", topic, delay, timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestFlightStatusPropagation(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 30, 4
	d := startDevnet(t, opts)
	first := d.Info.Tickets[0]
	// The demo update made the first flight 190 minutes late: lounge access.
	waitFlight(t, d, first.Topic, 190, 10*time.Second)
	// Another update reaches every replica too, in order.
	e, err := d.PublishStatus(context.Background(), first.Flight, first.Date, 240, "delayed")
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 2 {
		t.Fatalf("second entry of the stream has seq %d", e.Seq)
	}
	waitFlight(t, d, first.Topic, 240, 10*time.Second)
	// The anchors report the replicas agree.
	var rep struct {
		Agree  bool
		Differ []string
	}
	if err := getJSON(context.Background(), d.Info.Anchors[1].HTTP+"/v1/tokens/"+first.Instance+"/consistency", &rep); err != nil || !rep.Agree {
		t.Fatalf("consistency: %v %+v", err, rep)
	}
	// The status query shows it, and the history lists both updates.
	code, m, _ := postS(t, d, replicaStates2(t, d, first.Instance)+"/v1/tokens/"+first.Instance+"/query/status", `{}`, first)
	if code != 200 || m["delayMinutes"] != float64(240) || m["lounge"] != true {
		t.Fatalf("status: %d %v", code, m)
	}
	var hist struct {
		History []struct {
			Topic   string
			Seq     uint64
			Applied bool
		}
	}
	if err := getAs(d, replicaStates2(t, d, first.Instance)+"/v1/tokens/"+first.Instance+"/history", first.Instance, &hist); err != nil {
		t.Fatal(err)
	}
	var statuses []bool
	for _, h := range hist.History {
		if h.Topic == first.Topic { // the others are the rebooking the delay triggered
			statuses = append(statuses, h.Applied)
		}
	}
	if len(statuses) != 2 || !statuses[1] {
		t.Fatalf("history: %+v", hist)
	}
}

// replicaStates2 returns the HTTP URL of one replica.
func replicaStates2(t *testing.T, d *Devnet, id string) string {
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, id)
	return rt.Replicas[0].HTTP
}

func TestPublishRefusals(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 5, 3
	d := startDevnet(t, opts)
	anchor := d.Info.Anchors[0].HTTP
	tk := d.Info.Tickets[0]
	post := func(e *attlog.Entry) (int, string) {
		b, _ := json.Marshal(e)
		code, m, _ := postH(t, anchor+"/v1/attestations", string(b), nil)
		ty, _ := m["type"].(string)
		return code, strings.TrimPrefix(ty, "urn:smartlayer:problem:")
	}
	key, _ := nodekey.Generate()
	// Statuses signed by a stranger, not by the airline.
	att, _ := SignStatus(key, d.Info.ChainID, commonHex(d.Info.EASContract), tk.Flight, tk.Date, 10, "delayed", time.Now())
	// A wrong topic: the attestation is about another flight.
	wrong := &attlog.Entry{Topic: FlightTopic("XX1", tk.Date), Seq: 1, Attestation: att}
	_ = wrong.Sign(key.ECDSA)
	if code, ty := post(wrong); code != 400 || ty != "bad-entry" {
		t.Errorf("wrong topic: %d %s", code, ty)
	}
	// A forged entry: the signature is not the publisher's.
	forged := &attlog.Entry{Topic: tk.Topic, Seq: 1, Attestation: att}
	_ = forged.Sign(key.ECDSA)
	forged.Publisher[0] ^= 1
	if code, ty := post(forged); code != 422 || ty != "invalid-entry" {
		t.Errorf("forged: %d %s", code, ty)
	}
	// A good entry, then the same attestation again in a new entry: replayed.
	good := &attlog.Entry{Topic: tk.Topic, Seq: 1, Attestation: att}
	_ = good.Sign(key.ECDSA)
	if code, ty := post(good); code != 201 {
		t.Fatalf("good: %d %s", code, ty)
	}
	again := &attlog.Entry{Topic: tk.Topic, Seq: 2, Prev: good.Hash(), Attestation: att}
	_ = again.Sign(key.ECDSA)
	if code, ty := post(again); code != 409 || ty != "replayed" {
		t.Errorf("replayed: %d %s", code, ty)
	}
	// A fork: another entry 1 by the same publisher.
	att2, _ := SignStatus(key, d.Info.ChainID, commonHex(d.Info.EASContract), tk.Flight, tk.Date, 20, "delayed", time.Now())
	fork := &attlog.Entry{Topic: tk.Topic, Seq: 1, Attestation: att2}
	_ = fork.Sign(key.ECDSA)
	if code, ty := post(fork); code != 409 || ty != "fork" {
		t.Errorf("fork: %d %s", code, ty)
	}
	// A gap.
	gap := &attlog.Entry{Topic: tk.Topic, Seq: 5, Prev: good.Hash(), Attestation: att2}
	_ = gap.Sign(key.ECDSA)
	if code, _ := post(gap); code != 400 {
		t.Errorf("gap: %d", code)
	}
	// An attestation with a topic but no entry: this anchor has no publisher
	// key, so it does not sequence.
	code, m, _ := postH(t, anchor+"/v1/attestations", fmt.Sprintf(`{"topic":%q,"attestation":%s}`, tk.Topic, att2), nil)
	if code != 400 || m["type"] != "urn:smartlayer:problem:not-sequencing" {
		t.Errorf("unsequenced: %d %v", code, m)
	}
	// Posting the good entry again is idempotent.
	if code, _ := post(good); code != 201 {
		t.Errorf("repost: %d", code)
	}
	// A stranger's statuses reach the replicas but are not applied: only the
	// airline issues this token's flight statuses. They leave no trace on
	// the ticket either: no offset for the stranger's stream.
	rt, _ := getRoute(t, anchor, tk.Instance)
	for _, r := range rt.Replicas {
		waitUntil(t, time.Minute, "replica "+r.HTTP+" refused the stranger's status", func() bool {
			return metricValue(t, r.HTTP, "smartlayer_entries_refused_total") >= 1
		})
	}
	for _, v := range replicaStates(t, d, tk.Instance) {
		if v.State["delayMinutes"] == float64(10) {
			t.Fatalf("a non-issuer's status was applied: %v", v.State)
		}
		if _, ok := v.Offsets[good.ID().String()]; ok {
			t.Fatalf("the stranger's stream left an offset: %v", v.Offsets)
		}
	}
}

func TestTopicStreamResumes(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights = 5, 3, 1
	d := startDevnet(t, opts)
	tk := d.Info.Tickets[0]
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if _, err := d.PublishStatus(ctx, tk.Flight, tk.Date, i*10, "delayed"); err != nil {
			t.Fatal(err)
		}
	}
	// The demo update plus three: offsets 0..3.
	ids := readStream(t, d.Info.Anchors[0].HTTP, tk.Topic, "", 4)
	if fmt.Sprint(ids) != "[0 1 2 3]" {
		t.Fatalf("stream ids %v", ids)
	}
	// Resume after offset 1 with Last-Event-ID: no loss, no duplicates.
	if ids := readStream(t, d.Info.Anchors[0].HTTP, tk.Topic, "1", 2); fmt.Sprint(ids) != "[2 3]" {
		t.Fatalf("resumed ids %v", ids)
	}
	// A live event arrives on an open stream.
	done := make(chan []string)
	go func() { done <- readStream(t, d.Info.Anchors[1].HTTP, tk.Topic, "3", 1) }()
	time.Sleep(300 * time.Millisecond)
	if _, err := d.PublishStatus(ctx, tk.Flight, tk.Date, 99, "delayed"); err != nil {
		t.Fatal(err)
	}
	select {
	case ids := <-done:
		if fmt.Sprint(ids) != "[4]" {
			t.Fatalf("live ids %v", ids)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no live event")
	}
}

// readStream reads n events of a topic's SSE stream and returns their ids.
func readStream(t *testing.T, base, topic, lastID string, n int) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/topics/"+url.PathEscape(topic)+"/stream", nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content type %q", ct)
	}
	var ids []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && len(ids) < n {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestDifferingReplicaReported: a replica that applies attestations wrongly
// is named by the anchors' consistency report.
func TestDifferingReplicaReported(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights, opts.CorruptService = 3, 3, 1, 2
	// Sampling would catch the corrupt node and move its instances away
	// (TestSamplingCatchesWrongResults); here the report is the subject.
	opts.Configure = func(_ node.Role, _ int, cfg *node.Config) { cfg.Network.SampleInterval = node.Duration{} }
	d := startDevnet(t, opts)
	bad := d.Services[1].PeerID().String()
	tk := d.Info.Tickets[0]
	deadline := time.Now().Add(10 * time.Second)
	for {
		var rep struct {
			Agree  bool
			Differ []string
		}
		if err := getJSON(context.Background(), d.Info.Anchors[0].HTTP+"/v1/tokens/"+tk.Instance+"/consistency", &rep); err != nil {
			t.Fatal(err)
		}
		if !rep.Agree && len(rep.Differ) == 1 && rep.Differ[0] == bad {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the corrupt replica is not reported: %+v", rep)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAnchorSequences: an anchor with a publisher key numbers and signs
// attestations posted with a topic, and the replicas apply them.
func TestAnchorSequences(t *testing.T) {
	seqKey, _ := nodekey.Generate()
	kf := t.TempDir() + "/sequencer.key"
	if err := seqKey.Save(kf); err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights, opts.SequencerKey = 3, 3, 1, kf
	d := startDevnet(t, opts)
	tk := d.Info.Tickets[0]
	for i, delay := range []int{181, 182} {
		// Statuses are newest-wins by attestation time (seconds): these are
		// made a few seconds after the devnet's demo update.
		att, _ := SignStatus(d.airline, d.Info.ChainID, commonHex(d.Info.EASContract), tk.Flight, tk.Date, delay, "delayed", time.Now().Add(time.Duration(2+i)*time.Second))
		code, m, _ := postH(t, d.Info.Anchors[0].HTTP+"/v1/attestations", fmt.Sprintf(`{"topic":%q,"attestation":%s}`, tk.Topic, att), nil)
		if code != 201 || m["seq"] != float64(i+1) || !strings.EqualFold(fmt.Sprint(m["publisher"]), seqKey.Address().Hex()) {
			t.Fatalf("sequenced: %d %v", code, m)
		}
	}
	waitFlight(t, d, tk.Topic, 182, 10*time.Second)
}
