package placement

import (
	"slices"
	"sort"

	"github.com/smartlayer/smartlayer/wire"
)

// Placed is an instance an anchor knows of: its bundle and how many
// replicas its TokenScript asks for.
type Placed struct {
	ID       wire.InstanceID
	Bundle   string
	Replicas int
}

// PlanInput is everything a placement decision depends on.
type PlanInput struct {
	Seed  [32]byte // the epoch seed
	Epoch uint64
	// Self is the planning anchor; Anchors, every live anchor (Self too):
	// an anchor plans the instances whose DHT key it is responsible for.
	Self    string
	Anchors []string
	// Candidates are the live, admitted service nodes with their weights.
	Candidates []Candidate
	// Diverse (partial fallback mode) spreads each instance's replicas
	// over platforms, looked up in Platforms.
	Diverse   bool
	Platforms map[string]string
	Instances []Placed
	// Previous holds the current record of each instance that has one.
	Previous func(wire.InstanceID) *Record
	NowMs    int64
}

// Plan returns a new, unsigned record for every instance Self is
// responsible for whose best live replicas differ from its current
// record's, in instance order. A replaced record's fencing number goes up
// by one, and its executor stays when it is still a replica (otherwise the
// first replica executes). Plan is a pure function of its input.
func Plan(in PlanInput) []*Record {
	if len(in.Candidates) == 0 {
		return nil
	}
	insts := slices.Clone(in.Instances)
	sort.Slice(insts, func(i, j int) bool { return string(insts[i].ID[:]) < string(insts[j].ID[:]) })
	var out []*Record
	for _, p := range insts {
		k := DHTKey(in.Seed, p.ID)
		if resp, _ := Responsible(k, in.Anchors); resp != in.Self {
			continue
		}
		want := Replicas(k, in.Candidates, p.Replicas)
		if in.Diverse {
			want = Diverse(Replicas(k, in.Candidates, len(in.Candidates)), func(id string) string { return in.Platforms[id] }, p.Replicas)
		}
		var cur *Record
		if in.Previous != nil {
			cur = in.Previous(p.ID)
		}
		if cur != nil && slices.Equal(cur.Replicas, want) {
			continue
		}
		rec := &Record{Instance: p.ID, Bundle: p.Bundle, Epoch: in.Epoch, Fencing: 1, Replicas: want, Executor: want[0],
			AnchorPeer: in.Self, IssuedMs: in.NowMs}
		if cur != nil {
			rec.Fencing = cur.Fencing + 1
			if slices.Contains(want, cur.Executor) {
				rec.Executor = cur.Executor
			}
		}
		out = append(out, rec)
	}
	return out
}
