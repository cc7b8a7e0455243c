package sampling

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/slo"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/transport"
)

// An excluded node earns its way back on probation; evidence sends it
// further down each time; scores survive a restart of the anchor's store;
// each change of exclusion asks for a re-placement.
func TestServiceLevelProbation(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	replaced := 0
	deps := Deps{Store: st, Replace: func() { replaced++ },
		Metrics: Metrics{SLOScore: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "x"}, []string{"node"}), Strikes: prometheus.NewCounter(prometheus.CounterOpts{Name: "y"})}}
	v, err := NewVerifier(deps)
	if err != nil {
		t.Fatal(err)
	}
	v.evidence("p", common.Address{}, "0x01")
	v.evidence("p", common.Address{}, "0x01") // the same evidence counts once
	if !v.Excluded("p") || v.Snapshot()["p"].Evidence != 1 || replaced != 1 {
		t.Fatalf("after evidence: %+v, %d re-placements", v.Snapshot()["p"], replaced)
	}
	rounds := 0
	for v.Excluded("p") && rounds < 1000 {
		v.probation("p")
		rounds++
	}
	if rounds < 95 || rounds > 105 {
		t.Fatalf("back after %d rounds, want about 100", rounds)
	}
	if replaced != 2 {
		t.Fatalf("coming back from probation asked for %d re-placements in all, want 2", replaced)
	}
	v.evidence("p", common.Address{}, "0x02")
	second := 0
	for v.Excluded("p") && second < 1000 {
		v.probation("p")
		second++
	}
	if second <= rounds {
		t.Fatalf("a repeat offender came back after %d rounds, the first time %d", second, rounds)
	}
	v.Strike("q")
	_ = st.Close()
	st, _ = store.Open(dir)
	defer st.Close()
	deps.Store = st
	v2, err := NewVerifier(deps)
	if err != nil {
		t.Fatal(err)
	}
	if got := v2.Snapshot(); got["p"].Evidence != 2 || got["q"].Strikes != 1 || got["q"].Score != 1-placement.LevelStrike {
		t.Fatalf("after reopening: %+v", got)
	}
}

// Each sampling call is a sample of the node's service level: answered
// with its executions (good), answered with an error, not answered (a
// timeout is told apart); a call cut short by the anchor stopping is none.
func TestSamplingCallsAreServiceLevelSamples(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var answer error
	var observed []slo.Sample
	samples := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "s"}, []string{"result"})
	v, err := NewVerifier(Deps{Store: st, Replace: func() {}, Metrics: Metrics{Samples: samples},
		Sample: func(ctx context.Context, p string, _ *Request) (*Response, error) {
			if answer != nil {
				return nil, answer
			}
			return &Response{}, nil
		},
		Observe: func(p string, s slo.Sample) {
			if p != "node" || s.Source != slo.Sampled {
				t.Errorf("observed %s %+v", p, s)
			}
			observed = append(observed, s)
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Counted: an answer, an error the node answered, no answer in time.
	// Not: no connection (the probes see a node down), a reset stream (an
	// answer over the message bound; a node that does not know this anchor
	// yet), this anchor stopping.
	for _, a := range []error{nil, fmt.Errorf("%w: out of memory", transport.ErrRemote), transport.ErrUnreachable,
		errors.New("stream reset"), context.DeadlineExceeded} {
		answer = a
		v.sampleNode(context.Background(), "node")
	}
	stopped, stop := context.WithCancel(context.Background())
	stop()
	answer = context.Canceled
	v.sampleNode(stopped, "node")
	var got []string
	for _, s := range observed {
		got = append(got, fmt.Sprintf("%v/%v/%v", s.Answered, s.OK, s.TimedOut))
	}
	if want := "true/true/false,true/false/false,false/false/true"; strings.Join(got, ",") != want {
		t.Fatalf("samples %s\nwant    %s", strings.Join(got, ","), want)
	}
	// Every call that gave no executions is counted (not the one cut
	// short by this anchor stopping).
	if n := testutil.ToFloat64(samples.WithLabelValues(Unanswered)); n != 4 {
		t.Fatalf("%v sampling calls counted unanswered, want 4", n)
	}
}
