package sampling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/slo"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// A receipt an integration forwards is checked against the execution the
// node that signed it must produce: none, or another, is the node's fault
// (a strike); one that does not replay is caught with evidence; an honest
// one matches.
func TestForwardedReceipts(t *testing.T) {
	f := newFixture(t)
	st, nodeKey, anchorKey, mod := f.st, f.nodeKey, f.anchorKey, f.mod
	bundleHash := tokenscript.BundleHash{1}
	run := func(state, args string) *sandbox.Transcript { return f.run(t, state, args) }
	seal := func(tr *sandbox.Transcript) *receipt.Receipt {
		return f.sign(t, &receipt.Receipt{Instance: tr.Instance, Function: tr.Function, Request: receipt.RequestHash(tr.Function, tr.Instance, "", tr.Args),
			Output: receipt.OutputHash(tr.Output), ScriptHash: tr.ScriptHash, StateBefore: tr.StateBefore, StateRoot: tr.StateAfter, TranscriptRoot: tr.Root()})
	}
	var serve func() (*Kept, error)
	published := 0
	var evidenceAtt *attest.Signed
	samples := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "s"}, []string{"result"})
	var observed []slo.Sample // what the fetches showed of the node's service level
	v, err := NewVerifier(Deps{Store: st, Observe: func(p string, s slo.Sample) {
		if p != "node" || s.Source != slo.Forwarded {
			t.Errorf("observed %s %+v", p, s)
		}
		observed = append(observed, s)
	}, Key: anchorKey, Domain: attest.NetworkDomain(31337, common.Address{}), Replace: func() {},
		Metrics:         Metrics{Samples: samples},
		PeerOfAddress:   func(a common.Address) string { return map[bool]string{true: "node"}[a == nodeKey.Address()] },
		IsAnchorAddress: func(a common.Address) bool { return a == anchorKey.Address() },
		Bundle: func(_ context.Context, h tokenscript.BundleHash) (*registry.Bundle, bool) {
			return &registry.Bundle{Module: mod}, h == bundleHash
		},
		Transcript: func(context.Context, string, common.Hash) (*Kept, error) { return serve() },
		Publish: func(_ context.Context, _ string, att *attest.Signed) error {
			published++
			evidenceAtt = att
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	state := `{"n":1}`
	honest := run(state, `{"add":2}`)
	rc := seal(honest)
	kept := func(tr *sandbox.Transcript) func() (*Kept, error) {
		return func() (*Kept, error) {
			return &Kept{Transcript: tr, State: json.RawMessage(state), Bundle: bundleHash.String()}, nil
		}
	}

	serve = kept(honest)
	if got := v.checkForwarded(context.Background(), rc, true); got != Match {
		t.Fatalf("an honest execution: %s", got)
	}
	serve = func() (*Kept, error) { return nil, fmt.Errorf("%w: unknown receipt", transport.ErrRemote) }
	if got := v.checkForwarded(context.Background(), rc, true); got != NoTranscript {
		t.Fatalf("not kept: %s", got)
	}
	serve = func() (*Kept, error) { return nil, transport.ErrUnreachable }
	if got := v.checkForwarded(context.Background(), rc, true); got != NoTranscript {
		t.Fatalf("not reached: %s", got)
	}
	serve = func() (*Kept, error) { return nil, context.DeadlineExceeded }
	if got := v.checkForwarded(context.Background(), rc, true); got != NoTranscript {
		t.Fatalf("no answer: %s", got)
	}
	serve = kept(run(state, `{"add":3}`)) // another execution than the one signed for
	if got := v.checkForwarded(context.Background(), rc, true); got != TranscriptMismatch {
		t.Fatalf("another execution: %s", got)
	}
	// As service-level samples: the execution and "not kept" are good
	// answers, no answer in time is the node unavailable, another
	// execution an error; a node not reached is the probes' to see.
	var got []string
	for _, s := range observed {
		got = append(got, fmt.Sprintf("answered=%v ok=%v", s.Answered, s.OK))
	}
	if want := "answered=true ok=true,answered=true ok=true,answered=false ok=false,answered=true ok=false"; strings.Join(got, ",") != want {
		t.Fatalf("samples %s\nwant    %s", strings.Join(got, ","), want)
	}
	serve = kept(honest)
	if _ = v.checkForwarded(context.Background(), rc, false); len(observed) != 4 {
		t.Fatal("a fetch not to be observed was observed")
	}
	if s := v.Snapshot()["node"]; s.Strikes != 1 {
		t.Fatalf("strikes %d, want 1 (another execution; a missing one is not blamed)", s.Strikes)
	}
	// The node answered {"n":99} and signed for it, with a transcript that
	// says so: the replay gives {"n":3}.
	forged := *honest
	forged.Output = json.RawMessage(`{"n":99}`)
	serve = kept(&forged)
	if got := v.checkForwarded(context.Background(), seal(&forged), false); got != Mismatch || published != 1 {
		t.Fatalf("a forged answer: %s, %d evidence published", got, published)
	}
	if n := testutil.ToFloat64(samples.WithLabelValues(Mismatch)); n != 1 {
		t.Fatalf("mismatch samples %v", n)
	}

	// Another anchor acts on the evidence only once it has replayed it: it
	// fetches the execution from the anchor that signed the evidence.
	st2, _ := store.Open(t.TempDir())
	defer st2.Close()
	other, _ := nodekey.Generate()
	var fetch func() (*Kept, error)
	v2, err := NewVerifier(Deps{Store: st2, Key: other, Replace: func() {}, Go: func(f func()) { f() },
		PeerOfAddress:   func(a common.Address) string { return map[bool]string{true: "node"}[a == nodeKey.Address()] },
		IsAnchorAddress: func(a common.Address) bool { return a == anchorKey.Address() || a == other.Address() },
		Bundle: func(_ context.Context, h tokenscript.BundleHash) (*registry.Bundle, bool) {
			return &registry.Bundle{Module: mod}, h == bundleHash
		},
		FetchEvidence: func(context.Context, common.Address, string) (*Kept, error) { return fetch() },
	})
	if err != nil {
		t.Fatal(err)
	}
	fetch = func() (*Kept, error) {
		return &Kept{Transcript: honest, State: json.RawMessage(state), Receipt: rc, Bundle: bundleHash.String()}, nil
	}
	v2.Evidence(evidenceAtt) // an honest execution offered as its material: not acted on
	if v2.Snapshot()["node"].Evidence != 0 {
		t.Fatal("acted on evidence whose execution replays")
	}
	// A framing anchor serves the node's real receipt and transcript with
	// another state: the replay would diverge at "state before", which is
	// the server's doing, not the node's (found in review).
	fetch = func() (*Kept, error) {
		k, _ := v.Material(evidenceAtt.UID.String())
		k.State = json.RawMessage(`{"n":7}`)
		return k, nil
	}
	v2.Evidence(evidenceAtt)
	if v2.Snapshot()["node"].Evidence != 0 {
		t.Fatal("acted on evidence whose state is not the one the transcript ran on")
	}
	fetch = func() (*Kept, error) {
		k, ok := v.Material(evidenceAtt.UID.String())
		if !ok {
			return nil, errors.New("no material")
		}
		return k, nil
	}
	v2.Evidence(evidenceAtt)
	if v2.Snapshot()["node"].Evidence != 1 {
		t.Fatal("did not act on evidence that replays as claimed")
	}

	// Forward takes only receipts the node they name signed, once each, up
	// to its bound.
	if err := v.Forward(rc); err != nil {
		t.Fatal(err)
	}
	_ = v.Forward(rc)
	if got := v.takeForwarded(10); len(got) != 1 {
		t.Fatalf("queued %d, want 1", len(got))
	}
	if err := v.Forward(rc); err != nil || len(v.takeForwarded(10)) != 0 {
		t.Fatalf("a receipt checked once was queued again: %v", err)
	}
	bad := *rc
	bad.Output[0] ^= 1
	if err := v.Forward(&bad); !errors.Is(err, ErrForwardedBad) {
		t.Fatalf("an altered receipt: %v", err)
	}
}

// A node must produce the execution behind a receipt dated within the
// network's transcript retention: answering "not kept" for one is a strike
// and a bad service-level sample, as is hanging up or not answering in
// time (a node that cannot be reached, or this anchor stopping, proves
// nothing); one strike a node a round; for an older receipt, or with no
// retention configured, it is not blamed.
func TestWithheldExecution(t *testing.T) {
	f := newFixture(t)
	st, nodeKey := f.st, f.nodeKey
	now := time.Unix(1_800_000_000, 0)
	var answer error
	var observed []slo.Sample
	samples := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "s"}, []string{"result"})
	deps := Deps{Store: st, Now: func() time.Time { return now }, Replace: func() {}, Retention: 15 * time.Minute,
		Metrics:       Metrics{Samples: samples},
		PeerOfAddress: func(a common.Address) string { return map[bool]string{true: "node"}[a == nodeKey.Address()] },
		Transcript:    func(context.Context, string, common.Hash) (*Kept, error) { return nil, answer },
		Observe:       func(_ string, s slo.Sample) { observed = append(observed, s) },
	}
	v, err := NewVerifier(deps)
	if err != nil {
		t.Fatal(err)
	}
	signed := func(at time.Time) *receipt.Receipt {
		return f.sign(t, &receipt.Receipt{Instance: wire.InstanceID{1}.String(), Function: "query:q", AtMs: at.UnixMilli()})
	}
	notKept := fmt.Errorf("%w: unknown receipt", transport.ErrRemote)
	for _, c := range []struct {
		name   string
		at     time.Time
		answer error
		want   string
	}{
		{"a fresh receipt, not kept", now.Add(-time.Minute), notKept, Withheld},
		{"within the retention less the clock skew", now.Add(-9 * time.Minute), notKept, Withheld},
		{"past the retention less the clock skew", now.Add(-11 * time.Minute), notKept, NoTranscript},
		{"dated past the clock skew ahead", now.Add(6 * time.Minute), notKept, NoTranscript},
		{"a fresh receipt, no answer in time", now.Add(-time.Minute), context.DeadlineExceeded, Withheld},
		{"a fresh receipt, the stream reset", now.Add(-time.Minute), errors.New("stream reset"), Withheld},
		{"a fresh receipt, not reached", now.Add(-time.Minute), transport.ErrUnreachable, NoTranscript},
	} {
		answer = c.answer
		if got := v.checkForwarded(context.Background(), signed(c.at), true); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// One strike a round, however many it withheld (a crash between
	// answering and archiving loses up to 10 ms of executions).
	if s := v.Snapshot()["node"]; s.Strikes != 1 {
		t.Fatalf("strikes %d, want 1", s.Strikes)
	}
	if n := testutil.ToFloat64(samples.WithLabelValues(Withheld)); n != 4 {
		t.Fatalf("withheld counted %v", n)
	}
	v.newRound()
	answer = notKept
	if got := v.checkForwarded(context.Background(), signed(now), false); got != Withheld || v.Snapshot()["node"].Strikes != 2 {
		t.Fatalf("the next round: %s, %d strikes", got, v.Snapshot()["node"].Strikes)
	}
	// This anchor stopping proves nothing.
	stopped, stop := context.WithCancel(context.Background())
	stop()
	answer = context.Canceled
	if got := v.checkForwarded(stopped, signed(now), false); got != NoTranscript {
		t.Fatalf("this anchor stopping: %s", got)
	}
	if len(observed) < 2 || observed[0].OK || !observed[0].Answered {
		t.Fatalf("a withheld execution observed as %+v", observed)
	}
	// With no retention configured no one is blamed.
	deps.Retention = 0
	v0, _ := NewVerifier(deps)
	answer = notKept
	if got := v0.checkForwarded(context.Background(), signed(now), false); got != NoTranscript {
		t.Fatalf("no retention: %s", got)
	}
}
