package devnet

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

type samplingView struct {
	Sampling struct {
		Nodes map[string]struct {
			Score      float64
			Samples    int
			Mismatches int
			Strikes    int
			Evidence   int
		}
	}
	ServiceLevels struct {
		Nodes map[string]struct {
			Samples, SampledCalls int
			Availability          float64
		}
	}
}

// corruptSampled is a devnet whose service node 1 applies attestations
// wrongly and whose anchors sample every kept execution every 300 ms. Eight
// tickets, three replicas each on four nodes: the corrupt node holds some
// (each misses it with chance 1/4).
func corruptSampled() Options {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights, opts.CorruptService = 8, 4, 1, 2
	opts.Configure = func(_ node.Role, _ int, cfg *node.Config) {
		cfg.Network.SampleInterval = node.Duration{Duration: 300 * time.Millisecond}
		cfg.Network.SampleShare = 1
	}
	return opts
}

// TestSamplingCatchesWrongResults: a service node that applies attestations
// wrongly (the corrupt_state fault switch) and vouches for it is caught when
// the anchors replay its sampled transcripts: an anchor signs slashing
// evidence, every anchor lowers the node's score, and its instances move to
// honest nodes, whose replicas then agree.
func TestSamplingCatchesWrongResults(t *testing.T) {
	d := startDevnet(t, corruptSampled())
	bad := d.Services[1].PeerID().String()
	badAddr := d.Services[1].Address()
	deadline := time.Now().Add(30 * time.Second)
	for {
		moved := true
		for _, tk := range d.Info.Tickets {
			rt, code := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
			for _, r := range rt.Replicas { // the record's replicas, in its order
				moved = moved && code == 200 && r.Peer != bad
			}
		}
		caught := true
		for _, a := range d.Info.Anchors {
			var v samplingView
			getJSONT(t, a.HTTP+"/v1/network", &v)
			s := v.Sampling.Nodes[bad]
			caught = caught && s.Evidence >= 1 && s.Score < 0.5
		}
		if moved && caught {
			break
		}
		if time.Now().After(deadline) {
			var v samplingView
			getJSONT(t, d.Info.Anchors[0].HTTP+"/v1/network", &v)
			t.Fatalf("the corrupt node was not caught and moved off (moved %v): %+v", moved, v.Sampling.Nodes)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The evidence is an attestation in the log, signed by an anchor.
	anchors := map[common.Address]bool{}
	mismatches := 0.0
	for _, a := range d.Info.Anchors {
		anchors[common.HexToAddress(a.Address)] = true
		mismatches += metricValue(t, a.HTTP, `smartlayer_samples_total{result="mismatch"}`)
	}
	if mismatches < 1 {
		t.Fatal("no mismatch counted in the anchors' metrics")
	}
	if g := metricValue(t, d.Info.Anchors[0].HTTP, `smartlayer_slo_score{node="`+bad+`"}`); g <= 0 || g >= 0.5 {
		t.Fatalf("slo score gauge of the corrupt node: %v", g)
	}
	var heads struct{ Heads []attlog.StreamHead }
	getJSONT(t, d.Info.Anchors[2].HTTP+"/v1/topics/"+url.PathEscape(wire.SlashingTopic(badAddr))+"/heads", &heads)
	if len(heads.Heads) == 0 || !anchors[heads.Heads[0].Publisher] {
		t.Fatalf("no anchor-published slashing evidence on the node's topic: %+v", heads)
	}
	// Honest nodes sampled clean keep their score.
	var v samplingView
	getJSONT(t, d.Info.Anchors[0].HTTP+"/v1/network", &v)
	for p, s := range v.Sampling.Nodes {
		if p != bad && (s.Evidence > 0 || s.Score < 0.9) {
			t.Errorf("honest node %s: %+v", p, s)
		}
	}
	// The sampling calls were service-level samples too: the nodes sampled
	// show them among their measurements, answered.
	waitUntil(t, 30*time.Second, "answered sampling calls among the honest nodes' service-level samples", func() bool {
		var v samplingView
		getJSONT(t, d.Info.Anchors[0].HTTP+"/v1/network", &v)
		n := 0
		for p, l := range v.ServiceLevels.Nodes {
			if p != bad && l.SampledCalls > 0 && l.SampledCalls < l.Samples && l.Availability >= 0.9 {
				n++
			}
		}
		return n >= 3
	})
	// An anchor restarted keeps its service levels.
	if err := d.KillAnchor(2); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RestartAnchor(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	var after samplingView
	getJSONT(t, d.Info.Anchors[2].HTTP+"/v1/network", &after)
	if s := after.Sampling.Nodes[bad]; s.Evidence < 1 || s.Score >= 0.5 {
		t.Fatalf("after a restart the anchor forgot the evidence: %+v", s)
	}
	// The moved instances' replicas agree again.
	for _, tk := range d.Info.Tickets {
		deadline := time.Now().Add(10 * time.Second)
		for {
			var rep struct{ Agree bool }
			if err := getJSON(context.Background(), d.Info.Anchors[0].HTTP+"/v1/tokens/"+tk.Instance+"/consistency", &rep); err == nil && rep.Agree {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: replicas disagree after the move", tk.Instance)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestFailureAttestationOnlyFromAnchors: a failure attestation signed by
// anyone but an anchor is refused where it is published.
func TestFailureAttestationOnlyFromAnchors(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights = 1, 3, 1
	d := startDevnet(t, opts)
	tk := d.Info.Tickets[0]
	id := mustID(t, tk.Instance)
	att, err := attest.SignNetwork(d.airline.ECDSA, attest.NetworkDomain(d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS)),
		attest.FailureSchema, map[string]any{
			"instance": tk.Instance, "action": "rebook", "request": "POST http://example.com/", "requestHash": common.Hash{}.Hex(), "errorClass": "timeout", "attempts": "5",
		}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	aj, _ := json.Marshal(att)
	_, err = d.publisher.Publish(context.Background(), wire.FailureTopic(id), aj)
	if err == nil || !strings.Contains(err.Error(), "not signed by an anchor") {
		t.Fatalf("a forged failure attestation was taken: %v", err)
	}
	code, body, _ := post(t, d.Info.Anchors[0].HTTP+"/v1/attestations", `{"topic":"x","seq":1}`)
	if code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
		t.Fatalf("malformed entry: %d %v", code, body)
	}
}

// TestSamplingDerivesTheState: a service node whose applied states drift
// while the transcripts it hands over stay clean (each run's transcript is
// the honest one; only the state it keeps, and so the state its next runs
// start from, is wrong) is found: the anchors derive from their own log the
// state each sampled execution should have run on, at the offsets its
// transcript names, not the state the node supplies; the node's executions
// on its drifted state do not start from it, while the instance's other
// replicas there hold it. Every anchor strikes the node (once per
// instance); the honest nodes are not struck.
func TestSamplingDerivesTheState(t *testing.T) {
	var on atomic.Bool
	on.Store(true)
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights = 3, 3, 1
	opts.WrapScript = func(i int) func(token.Script) token.Script {
		if i != 1 {
			return nil
		}
		return func(s token.Script) token.Script { return faultyApply{s, &on, func() string { return `"drift":1` }} }
	}
	opts.Configure = func(_ node.Role, _ int, cfg *node.Config) {
		cfg.Network.SampleInterval = node.Duration{Duration: 300 * time.Millisecond}
		cfg.Network.SampleShare = 1
		cfg.Network.AntiEntropyInterval = node.Duration{} // no healing: sampling must find it
	}
	d := startDevnet(t, opts)
	bad := d.Services[1].PeerID().String()
	// The start-up flight status (and the rebooking it triggers) settle:
	// every replica at the same offsets, nothing pending.
	for _, tk := range d.Info.Tickets {
		waitUntil(t, 30*time.Second, "the start-up updates settled on "+tk.Instance, func() bool {
			vs, err := replicaStatesNow(t, d, tk.Instance)
			if err != nil {
				return false
			}
			settled := true
			for _, v := range vs {
				settled = settled && len(v.Offsets) > 0 && len(v.Pending) == 0 && maps.Equal(v.Offsets, vs[0].Offsets)
			}
			return settled
		})
	}
	// Queries on every replica, the drifting node's on its drifted state.
	c := client.New([]string{d.Info.Anchors[0].HTTP}, nil)
	c.Key = d.Client.Key
	for _, tk := range d.Info.Tickets {
		for range 12 {
			if _, _, err := c.QueryReceipt(context.Background(), tk.Instance, "status", nil, tk.Header()); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitUntil(t, 60*time.Second, "every anchor striking the drifting node", func() bool {
		for _, a := range d.Info.Anchors {
			var v samplingView
			getJSONT(t, a.HTTP+"/v1/network", &v)
			if v.Sampling.Nodes[bad].Strikes < 1 {
				return false
			}
		}
		return true
	})
	for _, a := range d.Info.Anchors {
		if n := metricValue(t, a.HTTP, `smartlayer_samples_total{result="drift"}`); n < 1 {
			t.Fatalf("anchor %s counted no drift", a.HTTP)
		}
		var v samplingView
		getJSONT(t, a.HTTP+"/v1/network", &v)
		for p, s := range v.Sampling.Nodes {
			if p != bad && (s.Strikes > 0 || s.Evidence > 0) {
				t.Errorf("honest node %s: %+v", p, s)
			}
			if s.Strikes > len(d.Info.Tickets) {
				t.Errorf("node %s struck %d times for %d instances", p, s.Strikes, len(d.Info.Tickets))
			}
		}
	}
}

// TestWithheldExecutionStruck: a service node that keeps only its last
// sixteen executions (no archive, against the network's transcript
// retention) cannot produce the executions behind receipts integrations
// forward; each it owes is counted as withheld, and struck (once a round
// at each anchor), while the
// honest nodes, which archive every execution they sign for, produce
// theirs however many answers came after.
func TestWithheldExecutionStruck(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights = 3, 3, 1
	opts.Configure = func(role node.Role, i int, cfg *node.Config) {
		cfg.Network.SampleInterval = node.Duration{Duration: 300 * time.Millisecond}
		if role == node.RoleService && i == 1 {
			cfg.Network.TranscriptRetention = node.Duration{}
			cfg.Service.MaxKeptExecutions = 16
		}
	}
	d := startDevnet(t, opts)
	forgetful := d.Services[1].PeerID().String()
	c := client.New([]string{d.Info.Anchors[0].HTTP}, nil)
	c.Key = d.Client.Key
	c.VerifyReceipts = true
	// Receipts from every replica; then enough answers after them to push
	// them out of a sixteen-execution ring; then the first ones forwarded
	// (as the SDK does, POST /v1/receipts).
	first := map[common.Hash]*receipt.Receipt{} // two answers in one millisecond are one execution
	forgetfulAddr := d.Services[1].Address()
	for round, want := range []int{5, 20} { // answers of the forgetful node
		got := 0
		for i := 0; got < want; i++ {
			if i == 1000 {
				t.Fatalf("round %d: %d of 1,000 answers from the forgetful node", round, got)
			}
			tk := d.Info.Tickets[i%len(d.Info.Tickets)]
			// Arguments of its own each time: every answer is an execution
			// of its own (the same query of the same state would be served
			// the same answer and receipt, service.receipt_reuse).
			_, rc, err := c.QueryReceipt(context.Background(), tk.Instance, "status", map[string]int{"round": round, "i": i}, tk.Header())
			if err != nil {
				t.Fatal(err)
			}
			if rc.Node == forgetfulAddr {
				got++
			}
			if round == 0 {
				first[rc.Leaf()] = rc
			}
		}
	}
	perNode := map[common.Address]int{}
	for leaf, rc := range first {
		if perNode[rc.Node]++; perNode[rc.Node] > 20 { // within an anchor's quota a node
			delete(first, leaf)
			continue
		}
		b, _ := json.Marshal(rc)
		if code, body, _ := post(t, d.Info.Anchors[0].HTTP+"/v1/receipts", string(b)); code/100 != 2 {
			t.Fatalf("forwarding a receipt: %d %v", code, body)
		}
	}
	forwarded := len(first)
	counted := func(result string) float64 {
		n := 0.0
		for _, a := range d.Info.Anchors {
			n += metricValue(t, a.HTTP, `smartlayer_forwarded_receipts_total{result="`+result+`"}`)
		}
		return n
	}
	results := []string{"match", "withheld", "no-transcript", "transcript-mismatch", "error", "mismatch", "nondeterministic"}
	seen := map[string]float64{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("forwarded receipts checked, by result: %v of %d", seen, forwarded)
		}
	})
	waitUntil(t, 60*time.Second, "every forwarded receipt checked", func() bool {
		n := 0.0
		for _, r := range results {
			seen[r] = counted(r)
			n += seen[r]
		}
		return n >= float64(forwarded)
	})
	if counted("withheld") < 1 || counted("mismatch") != 0 || counted("transcript-mismatch") != 0 {
		t.Fatalf("withheld %v, mismatch %v, transcript-mismatch %v", counted("withheld"), counted("mismatch"), counted("transcript-mismatch"))
	}
	struck := 0
	for _, a := range d.Info.Anchors {
		var v samplingView
		getJSONT(t, a.HTTP+"/v1/network", &v)
		for p, s := range v.Sampling.Nodes {
			if p != forgetful && s.Strikes > 0 {
				t.Errorf("honest node %s struck: %+v", p, s)
			}
		}
		struck += v.Sampling.Nodes[forgetful].Strikes
	}
	// One strike a node a round at each anchor, however many it withheld.
	if struck < 1 || float64(struck) > counted("withheld") {
		t.Fatalf("%d strikes against the forgetful node, %v receipts withheld", struck, counted("withheld"))
	}
}

// TestArchiveFullRefusesQueries: a service node whose archive holds its
// bound (service.max_archive_bytes) answers new queries 503 archive-full
// rather than answer one it could not keep; the SDK's queries go to the
// other replicas.
func TestArchiveFullRefusesQueries(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights = 1, 3, 1
	opts.Configure = func(role node.Role, i int, cfg *node.Config) {
		if role == node.RoleService && i == 0 {
			cfg.Service.MaxArchiveBytes = 1 << 20
		}
	}
	d := startDevnet(t, opts)
	tk := d.Info.Tickets[0]
	url := d.Info.Services[0].HTTP + "/v1/tokens/" + tk.Instance + "/query/status"
	full := false
	for i := 0; i < 5000 && !full; i++ {
		// Arguments of its own each time, as a flood would send: the same
		// query of the same state is served the same answer, kept once.
		code, m, _ := postS(t, d, url, fmt.Sprintf(`{"n":%d}`, i), tk)
		switch {
		case code == 503 && strings.HasSuffix(fmt.Sprint(m["type"]), ":archive-full"):
			full = true
		case code != 200:
			t.Fatalf("query %d: %d %v", i, code, m)
		}
	}
	if !full {
		t.Fatal("5,000 queries and the archive never held its bound")
	}
	if b := metricValue(t, d.Info.Services[0].HTTP, "smartlayer_archive_bytes"); b < 1<<20 {
		t.Fatalf("smartlayer_archive_bytes %v", b)
	}
	c := client.New([]string{d.Info.Anchors[0].HTTP}, nil)
	c.Key = d.Client.Key
	for range 10 {
		if _, _, err := c.QueryReceipt(context.Background(), tk.Instance, "status", nil, tk.Header()); err != nil {
			t.Fatal(err)
		}
	}
}
