package sampling

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// An execution is replayed on the state the anchor derives from its own
// log at the offsets the transcript names. One that ran on another state
// while the instance's other replicas at those offsets hold the log's
// state, none the node's, is a drift: an SLA strike, once per node and
// instance, not evidence. Whenever the state cannot be derived or the
// drift not established (no replica there now, another replica came to
// the node's state, the module applies the log differently twice, the
// round's budget spent) the execution is replayed on the state the node
// supplies, so a forged answer is still caught with evidence. A derived
// state is remembered for the next execution at the same offsets.
func TestReplayOnDerivedState(t *testing.T) {
	f := newFixture(t)
	nodeKey, anchorKey, mod := f.nodeKey, f.anchorKey, f.mod
	bundleHash := tokenscript.BundleHash{1}
	offsets := map[string]uint64{"flight@0x01": 3, "results@0x02": 1}
	run := func(state string, offs map[string]uint64) *Kept {
		tr := f.run(t, state, `{"add":2}`)
		tr.Offsets = offs
		rc := f.sign(t, receipt.For(tr.Execution(tr.Root()), 1))
		return &Kept{Transcript: tr, State: json.RawMessage(state), Receipt: rc, Bundle: bundleHash.String()}
	}
	logState := `{"n":1}` // what the log gives at offsets
	derivations := 0
	var peerRoots []sandbox.Hash // the other replicas' roots at the offsets
	var derive func(offs map[string]uint64) (json.RawMessage, error)
	var evidence *attest.Signed
	v, err := NewVerifier(Deps{Store: f.st, Key: anchorKey, Domain: attest.NetworkDomain(31337, common.Address{}), Replace: func() {},
		PeerOfAddress:   func(a common.Address) string { return map[bool]string{true: "node"}[a == nodeKey.Address()] },
		IsAnchorAddress: func(a common.Address) bool { return a == anchorKey.Address() },
		Bundle: func(_ context.Context, h tokenscript.BundleHash) (*registry.Bundle, bool) {
			return &registry.Bundle{Hash: bundleHash, Module: mod}, h == bundleHash
		},
		Derive: func(_ context.Context, instance string, lb *registry.Bundle, offs map[string]uint64) (json.RawMessage, error) {
			if instance != (wire.InstanceID{1}).String() || lb.Hash != bundleHash {
				t.Errorf("derived %s with bundle %s", instance, lb.Hash)
			}
			derivations++
			return derive(offs)
		},
		Peers: func(_ context.Context, instance, peer string, offs map[string]uint64) ([]sandbox.Hash, error) {
			if peer != "node" {
				t.Errorf("asked about %s's peers", peer)
			}
			return peerRoots, nil
		},
		Publish: func(_ context.Context, _ string, att *attest.Signed) error { evidence = att; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	derive = func(map[string]uint64) (json.RawMessage, error) { return json.RawMessage(logState), nil }

	// Honest: the node ran on the state the log gives; twice at the same
	// offsets derives once.
	for range 2 {
		if got := v.Check(context.Background(), "node", nodeKey.Address(), run(logState, offsets)); got != Match {
			t.Fatalf("an honest execution: %s", got)
		}
	}
	if derivations != 1 {
		t.Fatalf("%d derivations for two executions at the same offsets", derivations)
	}
	strikes := func() int { return v.Snapshot()["node"].Strikes }
	// A clean transcript over a drifted state, which the node supplies as
	// what it ran on: replayed on that state it matches. With another
	// replica at those offsets on the node's state, or none there now,
	// nothing is held against it.
	drifted := run(`{"n":1,"drift":1}`, offsets)
	logRoot := sandbox.StateRoot(json.RawMessage(logState))
	for _, peers := range [][]sandbox.Hash{{logRoot, drifted.Transcript.StateBefore}, nil} {
		peerRoots = peers
		if got := v.Check(context.Background(), "node", nodeKey.Address(), drifted); got != Match || strikes() != 0 {
			t.Fatalf("the other replicas at those offsets hold %x: %s, %d strikes", peers, got, strikes())
		}
	}
	// The other replicas there hold the log's state, none the node's: a
	// drift, struck once per instance.
	peerRoots = []sandbox.Hash{logRoot}
	for range 2 {
		if got := v.Check(context.Background(), "node", nodeKey.Address(), drifted); got != Drift || strikes() != 1 || evidence != nil {
			t.Fatalf("a drift: %s, %d strikes, evidence %v", got, strikes(), evidence != nil)
		}
	}
	// A forged answer on the drifted state is caught with evidence.
	forge := func(k *Kept) *Kept {
		tr := *k.Transcript
		tr.Output = json.RawMessage(`{"n":99}`)
		return &Kept{Transcript: &tr, State: k.State, Receipt: f.sign(t, receipt.For(tr.Execution(tr.Root()), 1)), Bundle: k.Bundle}
	}
	if got := v.Check(context.Background(), "node", nodeKey.Address(), forge(drifted)); got != Mismatch || evidence == nil {
		t.Fatalf("a forged answer on a drifted state: %s", got)
	}
	evidence = nil
	// The log here does not reach the offsets the node names (or they are
	// made up): the execution is replayed on the state it supplies.
	derive = func(map[string]uint64) (json.RawMessage, error) { return nil, errors.New("the log here is behind") }
	bogus := run(`{"n":5}`, map[string]uint64{"flight@0x01": 9, "made-up@0x09": 1})
	if got := v.Check(context.Background(), "node", nodeKey.Address(), bogus); got != Match {
		t.Fatalf("an execution whose state cannot be derived: %s", got)
	}
	if got := v.Check(context.Background(), "node", nodeKey.Address(), forge(bogus)); got != Mismatch || evidence == nil {
		t.Fatalf("a forged answer under offsets that cannot be derived: %s", got)
	}
	data, _ := attest.SlashingEvidenceSchema.Schema.Decode(evidence.Message.Data)
	if r, _ := data["reason"].(string); !strings.Contains(r, "output") {
		t.Fatalf("evidence: %v", data)
	}
	// A module that applies the log differently each time: nothing held.
	flip := 0
	derive = func(map[string]uint64) (json.RawMessage, error) {
		flip++
		return json.RawMessage(`{"n":` + string(rune('0'+flip)) + `}`), nil
	}
	before := strikes()
	if got := v.Check(context.Background(), "node", nodeKey.Address(), run(`{"n":7}`, map[string]uint64{"flight@0x01": 4})); got != Match || strikes() != before {
		t.Fatalf("a module that does not apply the same way twice: %s", got)
	}
	// At most maxDerivePerRound derivations for one node a round.
	v.newRound()
	derive = func(map[string]uint64) (json.RawMessage, error) { return json.RawMessage(logState), nil }
	derivations = 0
	for i := range maxDerivePerRound + 3 {
		if got := v.Check(context.Background(), "node", nodeKey.Address(), run(logState, map[string]uint64{"flight@0x01": uint64(100 + i)})); got != Match {
			t.Fatalf("execution %d: %s", i, got)
		}
	}
	if derivations != maxDerivePerRound {
		t.Fatalf("%d derivations in a round, want %d", derivations, maxDerivePerRound)
	}
}
