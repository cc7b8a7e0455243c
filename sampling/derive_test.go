package sampling

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// An execution is replayed on the state the anchor derives from its own
// log at the offsets the transcript names, not on the state the node
// supplies: a clean transcript over a state the log does not give there is
// a mismatch, with evidence naming the state before, once the instance's
// other replicas at those offsets hold the derived state and none the
// node's; a derivation that
// fails proves nothing; one that differs between two runs is the token's
// fault; a derived state is remembered for the next execution at the same
// offsets.
func TestReplayOnDerivedState(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	nodeKey, _ := nodekey.Generate()
	anchorKey, _ := nodekey.Generate()
	mod, err := sandbox.Compile("t.js", []byte(`module.exports = { queries: { q(state, args) { return {n: state.n + args.add}; } } };`), sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	bundleHash := tokenscript.BundleHash{1}
	offsets := map[string]uint64{"flight@0x01": 3, "results@0x02": 1}
	run := func(state string, offs map[string]uint64) *Kept {
		res, err := mod.Run(context.Background(), sandbox.Call{Kind: sandbox.KindQuery, Name: "q", State: json.RawMessage(state), Args: json.RawMessage(`{"add":2}`),
			Env: sandbox.Env{Instance: wire.InstanceID{1}.String(), Now: time.UnixMilli(1000)}})
		if err != nil {
			t.Fatal(err)
		}
		tr := res.Transcript
		tr.Offsets = offs
		rc := receipt.For(tr.Execution(tr.Root()), 1)
		if err := receipt.NewBatcher(receipt.Software{Key: nodeKey.ECDSA}, true).Seal(rc); err != nil {
			t.Fatal(err)
		}
		return &Kept{Transcript: tr, State: json.RawMessage(state), Receipt: rc, Bundle: bundleHash.String()}
	}
	logState := `{"n":1}` // what the log gives at offsets
	derivations := 0
	var peerRoots []sandbox.Hash // the other replicas' roots at the offsets
	var derive func(offs map[string]uint64) (json.RawMessage, error)
	var evidence *attest.Signed
	v, err := NewVerifier(Deps{Store: st, Key: anchorKey, Domain: attest.NetworkDomain(31337, common.Address{}), Replace: func() {},
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
	// A clean transcript over a drifted state, which the node supplies as
	// what it ran on: replayed on that state it would match.
	drifted := run(`{"n":1,"drift":1}`, offsets)
	logRoot := sandbox.StateRoot(json.RawMessage(logState))
	// Another replica came to the node's state at those offsets: the
	// module depends on how its streams interleave (a token written to
	// frame nodes), not the node's fault. No replica at those offsets now:
	// nothing can be told.
	for _, peers := range [][]sandbox.Hash{{logRoot, drifted.Transcript.StateBefore}, nil} {
		peerRoots = peers
		want := map[bool]string{true: Nondeterministic, false: Unproven}[peers != nil]
		if got := v.Check(context.Background(), "node", nodeKey.Address(), drifted); got != want || evidence != nil {
			t.Fatalf("the other replicas at those offsets hold %x: %s, want %s (evidence %v)", peers, got, want, evidence != nil)
		}
	}
	// The other replicas there hold the log's state, none the node's.
	peerRoots = []sandbox.Hash{logRoot}
	if got := v.Check(context.Background(), "node", nodeKey.Address(), drifted); got != Mismatch {
		t.Fatalf("an execution on a state the log does not give: %s", got)
	}
	if evidence == nil {
		t.Fatal("no evidence published")
	}
	data, _ := attest.SlashingEvidenceSchema.Schema.Decode(evidence.Message.Data)
	if r, _ := data["reason"].(string); !strings.Contains(r, "state before") ||
		data["claimedRoot"] != common.Hash(drifted.Transcript.StateBefore).Hex() ||
		data["replayedRoot"] != common.Hash(logRoot).Hex() {
		t.Fatalf("evidence: %v", data)
	}
	if !v.Excluded("node") {
		t.Fatal("the node is not excluded after the evidence")
	}
	// The log here does not reach the offsets (behind, pruned): unproven.
	derive = func(map[string]uint64) (json.RawMessage, error) { return nil, errors.New("the log here is behind") }
	if got := v.Check(context.Background(), "node", nodeKey.Address(), run(logState, map[string]uint64{"flight@0x01": 9})); got != Unproven {
		t.Fatalf("an execution whose state cannot be derived: %s", got)
	}
	// A module that applies the log differently each time: no evidence.
	evidence = nil
	flip := 0
	derive = func(map[string]uint64) (json.RawMessage, error) {
		flip++
		return json.RawMessage(`{"n":` + string(rune('0'+flip)) + `}`), nil
	}
	if got := v.Check(context.Background(), "node", nodeKey.Address(), run(`{"n":7}`, map[string]uint64{"flight@0x01": 4})); got != Nondeterministic || evidence != nil {
		t.Fatalf("a module that does not apply the same way twice: %s, evidence %v", got, evidence != nil)
	}
}
