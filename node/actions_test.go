package node

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// An excluded node earns its way back on probation; evidence sends it
// further down each time; scores survive a restart of the anchor's store.
func TestServiceLevelProbation(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{store: st, log: slog.New(slog.DiscardHandler)}
	n.metric.slo = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "x"}, []string{"node"})
	n.metric.strikes = prometheus.NewCounter(prometheus.CounterOpts{Name: "y"})
	a := &anchorRole{n: n, kick: make(chan struct{}, 1)}
	v, err := newVerifier(a)
	if err != nil {
		t.Fatal(err)
	}
	v.evidence("p", "0x01")
	v.evidence("p", "0x01") // the same evidence counts once
	if !v.excluded("p") || v.snapshot()["p"].Evidence != 1 {
		t.Fatalf("after evidence: %+v", v.snapshot()["p"])
	}
	rounds := 0
	for v.excluded("p") && rounds < 1000 {
		v.probation("p")
		rounds++
	}
	if rounds < 95 || rounds > 105 {
		t.Fatalf("back after %d rounds, want about 100", rounds)
	}
	v.evidence("p", "0x02")
	second := 0
	for v.excluded("p") && second < 1000 {
		v.probation("p")
		second++
	}
	if second <= rounds {
		t.Fatalf("a repeat offender came back after %d rounds, the first time %d", second, rounds)
	}
	v.strike("q")
	_ = st.Close()
	st, _ = store.Open(dir)
	defer st.Close()
	n.store = st
	v2, err := newVerifier(a)
	if err != nil {
		t.Fatal(err)
	}
	if got := v2.snapshot(); got["p"].Evidence != 2 || got["q"].Strikes != 1 || got["q"].Score != 1-placement.LevelStrike {
		t.Fatalf("after reopening: %+v", got)
	}
}

// History has keys of its own: the last token.MaxHistory items are kept, and
// history inside an older instance record moves there.
func TestHistoryKeys(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := &serviceRole{n: &Node{store: st}, inst: map[wire.InstanceID]*instance{}}
	id := wire.InstanceID{7}
	in := &instance{Record: &placement.Record{Instance: id}, State: json.RawMessage(`{}`)}
	for i := 0; i < token.MaxHistory+44; i++ {
		in.HistoryN++
		if err := s.putApplied(in, &HistoryItem{Seq: uint64(i)}, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	h, err := s.history(id)
	if err != nil || len(h) != token.MaxHistory || h[0].Seq != 44 || h[len(h)-1].Seq != token.MaxHistory+43 {
		t.Fatalf("history: %v, %d items from %d", err, len(h), h[0].Seq)
	}
	old := wire.InstanceID{8}
	s.inst[old] = &instance{Record: &placement.Record{Instance: old}, History: []HistoryItem{{Seq: 1}, {Seq: 2}}}
	if err := s.moveHistory(); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.history(old); len(h) != 2 || h[1].Seq != 2 || s.inst[old].History != nil || s.inst[old].HistoryN != 2 {
		t.Fatalf("moved history: %+v", h)
	}
}

func TestPruneOutcomes(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := &serviceRole{n: &Node{store: st}, inst: map[wire.InstanceID]*instance{}}
	x := newExecutor(s)
	now := time.Now()
	id := wire.InstanceID{9}
	for i, age := range []time.Duration{time.Minute, 2 * time.Hour, 48 * time.Hour} {
		b, _ := json.Marshal(&wire.ActionOutcome{Instance: id, Key: string(rune('a' + i)), DoneMs: now.Add(-age).UnixMilli()})
		_ = st.Put(outcomeKey(id, string(rune('a'+i))), b)
	}
	n, err := x.pruneOutcomes(now.Add(-24 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d: %v", n, err)
	}
	if _, err := st.Get(outcomeKey(id, "c")); err == nil {
		t.Fatal("the 48-hour-old outcome is still there")
	}
	if _, err := st.Get(outcomeKey(id, "a")); err != nil {
		t.Fatal("a fresh outcome went")
	}
}
