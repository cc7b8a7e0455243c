package devnet

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/token"
)

// faultyApply is a module whose applied states get extra fields while on
// is set: a replica drifting (a fixed field) or a module that is not
// deterministic (a field that changes on every call).
type faultyApply struct {
	token.Script
	on    *atomic.Bool
	field func() string
}

func (f faultyApply) Run(ctx context.Context, call token.Call) (*token.Result, error) {
	res, err := f.Script.Run(ctx, call)
	if err != nil || call.Kind != token.KindApply || !f.on.Load() {
		return res, err
	}
	out := *res
	out.State = json.RawMessage(strings.TrimSuffix(string(res.State), "}") + `,` + f.field() + `}`)
	return &out, nil
}

// antiEntropyNet is a devnet of three service nodes (each holds every
// ticket) whose listed nodes' modules (the second by default) are wrapped
// with field while on holds; sampling is off (it would move the node's
// instances away) and anchors compare replicas every 300 ms.
func antiEntropyNet(t *testing.T, on *atomic.Bool, field func() string, wrapped ...int) *Devnet {
	if len(wrapped) == 0 {
		wrapped = []int{1}
	}
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights = 3, 3, 1
	opts.WrapScript = func(i int) func(token.Script) token.Script {
		if !slices.Contains(wrapped, i) {
			return nil
		}
		return func(s token.Script) token.Script { return faultyApply{s, on, field} }
	}
	opts.Configure = func(_ node.Role, _ int, cfg *node.Config) {
		cfg.Network.SampleInterval = node.Duration{}
		cfg.Network.AntiEntropyInterval = node.Duration{Duration: 300 * time.Millisecond}
	}
	return startDevnet(t, opts)
}

// consistencyOf asks anchor 0 whether tk's replicas agree, and which
// differ; not agreeing while a replica has not answered.
func consistencyOf(d *Devnet, tk Ticket) (agree bool, differ []string) {
	var c struct {
		Agree    bool
		Differ   []string
		Replicas []struct{ StateRoot string }
	}
	if getJSON(context.Background(), d.Info.Anchors[0].HTTP+"/v1/tokens/"+tk.Instance+"/consistency", &c) != nil {
		return false, nil
	}
	for _, r := range c.Replicas {
		if r.StateRoot == "" {
			return false, c.Differ
		}
	}
	return c.Agree, c.Differ
}

// TestDriftingReplicaHealed: a replica whose state drifted (a fault that
// has passed) is found by the anchors' anti-entropy rounds, rebuilds the
// instance from the log and agrees with the others again (trust item 6).
func TestDriftingReplicaHealed(t *testing.T) {
	var on atomic.Bool
	on.Store(true)
	d := antiEntropyNet(t, &on, func() string { return `"drift":true` })
	tk := d.Info.Tickets[0]
	bad := d.Services[1].PeerID().String()
	consistency := func() (bool, []string) { return consistencyOf(d, tk) }
	// The drift happens: the node applies the demo statuses wrongly.
	waitUntil(t, 30*time.Second, "the drifting replica differs", func() bool {
		agree, differ := consistency()
		return !agree && len(differ) == 1 && differ[0] == bad
	})
	// While the fault lasts, rebuilding from the log drifts too: the anchor
	// finds the difference persisting and leaves the replica alone a while.
	waitUntil(t, 30*time.Second, "an anchor finds the drift persisting through a rebuild", func() bool {
		n := 0.0
		for _, a := range d.Info.Anchors {
			n += metricValue(t, a.HTTP, `smartlayer_anti_entropy_total{result="persists"}`)
		}
		return n >= 1
	})
	// The fault passes; the drifted state stays until anti-entropy asks
	// again and the rebuild heals it.
	on.Store(false)
	waitUntil(t, 60*time.Second, "the replicas agree again", func() bool {
		agree, _ := consistency()
		return agree
	})
	healed := 0.0
	for _, a := range d.Info.Anchors {
		healed += metricValue(t, a.HTTP, `smartlayer_anti_entropy_total{result="healed"}`)
	}
	if healed < 1 {
		t.Fatalf("replicas agree but no anchor counted a heal")
	}
	// Healed from the log, it applies the next status like the others.
	if _, err := d.PublishStatus(context.Background(), tk.Flight, tk.Date, 321, "delayed"); err != nil {
		t.Fatal(err)
	}
	waitFlight(t, d, tk.Topic, 321, 20*time.Second)
	waitUntil(t, 20*time.Second, "the replicas agree after the next status", func() bool {
		agree, _ := consistency()
		return agree
	})
}

// TestNondeterministicModuleReported: a module that gives a different state
// each time it runs on the same log is reported by the anchors as not
// deterministic, with its bundle (trust item 6).
func TestNondeterministicModuleReported(t *testing.T) {
	var on atomic.Bool
	on.Store(true)
	var calls atomic.Int64
	d := antiEntropyNet(t, &on, func() string { return `"calls":` + strconv.FormatInt(calls.Add(1), 10) })
	waitUntil(t, 30*time.Second, "an anchor reports the bundle not deterministic", func() bool {
		for _, a := range d.Info.Anchors {
			var v struct{ Nondeterministic []node.Nondeterministic }
			if getJSON(context.Background(), a.HTTP+"/v1/network", &v) != nil {
				continue
			}
			for _, r := range v.Nondeterministic {
				if r.Bundle == d.Info.Bundle && r.Node == d.Services[1].PeerID().String() {
					return true
				}
			}
		}
		return false
	})
}

// TestMajorityAdoptsTheLogsState: two replicas of three came to the same
// wrong state live (as replicas that heard two executors' results in one
// order do) and one to the log's. The one that differs rebuilds to its own
// state, which is not the majority's; the majority then rebuild too, come
// to the log's state and keep it, and all three agree.
func TestMajorityAdoptsTheLogsState(t *testing.T) {
	var on atomic.Bool
	on.Store(true)
	d := antiEntropyNet(t, &on, func() string { return `"heardInAnotherOrder":true` }, 0, 2)
	tk := d.Info.Tickets[0]
	good := d.Services[1].PeerID().String()
	consistency := func() (bool, []string) { return consistencyOf(d, tk) }
	waitUntil(t, 30*time.Second, "the one replica with the log's state differs from the two others", func() bool {
		agree, differ := consistency()
		return !agree && len(differ) == 1 && differ[0] == good
	})
	// What made the two differ has passed: their rebuilds come to the
	// log's state.
	on.Store(false)
	waitUntil(t, 60*time.Second, "the replicas agree on the log's state", func() bool {
		agree, _ := consistency()
		return agree
	})
	var st struct {
		State map[string]any `json:"state"`
	}
	rt, err := d.Client.Route(context.Background(), tk.Instance)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rt.Replicas {
		if err := d.GetAs(context.Background(), r.HTTP+"/v1/tokens/"+tk.Instance+"/state", tk, &st); err != nil {
			t.Fatal(err)
		}
		if _, wrong := st.State["heardInAnotherOrder"]; wrong {
			t.Fatalf("replica %s agrees on the majority's live state, not the log's", r.Peer)
		}
	}
}
