package node

import (
	"fmt"
	"math"
	"testing"

	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// Replicas on one state root at one log position that wait for different
// actions have diverged: one took an executor's result that changed no
// state (the failure route's answer) and the others refused it for its
// fencing. Anti-entropy names the one off the majority's pending actions.
func TestDivergedComparesPendingActions(t *testing.T) {
	pending := &token.Instance{Pending: []token.PendingAction{{Action: "rebook", Key: "k1"}}}
	done := &token.Instance{}
	pr, dr := pending.PendingRoot(), done.PendingRoot()
	if pr == dr {
		t.Fatal("a pending action does not change the pending root")
	}
	at := map[string]uint64{"t@p": 7}
	rep := func(peer string, p [32]byte) wire.ReplicaState {
		return wire.ReplicaState{Peer: peer, StateRoot: "0xaa", PendingRoot: rootHex(p), Offsets: at}
	}
	bad, pos, root := diverged([]wire.ReplicaState{rep("x", pr), rep("b", dr), rep("y", pr)})
	if len(bad) != 1 || bad[0] != "b" || pos["t@p"] != 7 || root != replicaRoot("0xaa", rootHex(pr)) {
		t.Fatalf("diverged: %v at %v, majority %q", bad, pos, root)
	}
	if bad, _, _ := diverged([]wire.ReplicaState{rep("x", pr), rep("b", pr), rep("y", pr)}); len(bad) != 0 {
		t.Fatalf("agreeing replicas found diverged: %v", bad)
	}
	// The pending root does not depend on the order actions were started in.
	two := &token.Instance{Pending: []token.PendingAction{{Action: "a", Key: "k1"}, {Action: "b", Key: "k2"}}}
	owt := &token.Instance{Pending: []token.PendingAction{{Action: "b", Key: "k2"}, {Action: "a", Key: "k1"}}}
	if two.PendingRoot() != owt.PendingRoot() {
		t.Fatal("the pending root depends on the order of the pending list")
	}
}

// A replica of an earlier version reports no pending root: the replicas
// are then compared on their state roots alone, as that version did.
func TestDivergedWithAReplicaWithoutPendingRoot(t *testing.T) {
	at := map[string]uint64{"t@p": 7}
	reps := []wire.ReplicaState{
		{Peer: "old", StateRoot: "0xaa", Offsets: at},
		{Peer: "x", StateRoot: "0xaa", PendingRoot: "0x01", Offsets: at},
		{Peer: "y", StateRoot: "0xaa", PendingRoot: "0x02", Offsets: at},
	}
	if bad, _, root := diverged(reps); len(bad) != 0 || root != "0xaa" {
		t.Fatalf("diverged: %v, majority %q; want none on state root 0xaa", bad, root)
	}
	reps[0].StateRoot = "0xbb"
	if bad, _, _ := diverged(reps); len(bad) != 1 || bad[0] != "old" {
		t.Fatalf("diverged: %v; want the old replica, on another state root", bad)
	}
}

// An anchor derives a sampled execution's state only within its bounds:
// offsets whose sum would wrap around are refused, not summed (found in
// review: {MaxUint64, 11} summed to 10).
func TestDeriveBounds(t *testing.T) {
	many := map[string]uint64{}
	for i := range maxDeriveStreams + 1 {
		many[fmt.Sprint("t", i, "@p")] = 1
	}
	for _, c := range []struct {
		offsets map[string]uint64
		ok      bool
	}{
		{nil, true},
		{map[string]uint64{"flight@a": 3, "results@b": 9}, true},
		{map[string]uint64{"flight@a": maxDeriveEntries}, true},
		{map[string]uint64{"flight@a": maxDeriveEntries + 1}, false},
		{map[string]uint64{"flight@a": maxDeriveEntries, "results@b": 1}, false},
		{map[string]uint64{"flight@a": math.MaxUint64, "x@y": 11}, false},
		{many, false},
	} {
		if err := deriveBounds(c.offsets); (err == nil) != c.ok {
			t.Errorf("%d streams: %v", len(c.offsets), err)
		}
	}
}
