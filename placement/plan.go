package placement

import (
	"bytes"
	"slices"
	"sort"

	"github.com/smartlayer/smartlayer/wire"

	"github.com/ethereum/go-ethereum/crypto"
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
	// Joined, when not nil, says the candidates differ from those the
	// previous records were planned with only by removals and by the
	// candidates listed here (no weight changed). Plan then recomputes
	// only the instances a removal or a join can change: one whose replica
	// left, or where a joined candidate outscores a replica. Rendezvous
	// hashing makes this exact; it turns a re-plan after a crash from
	// O(instances x candidates) into O(affected x candidates).
	Joined []Candidate
	// Full names candidates that take no new instance (a service node at
	// its cap on topics followed): a full candidate stays a replica only
	// where the previous record names it and it has not turned the
	// instance down (Refused, which may be nil). Instances then go to the
	// next candidates of their ranking.
	Full    map[string]bool
	Refused func(id wire.InstanceID, candidate string) bool
}

// open reports whether candidate c may be a replica of the instance whose
// current record is cur: any candidate that is not full, and a full one
// that already holds it.
func (in *PlanInput) open(id wire.InstanceID, cur *Record, c string) bool {
	if !in.Full[c] {
		return true
	}
	return cur != nil && cur.Holds(c) && (in.Refused == nil || !in.Refused(id, c))
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
	var live map[string]float64
	if in.Joined != nil && !in.Diverse {
		live = make(map[string]float64, len(in.Candidates))
		for _, c := range in.Candidates {
			live[c.ID] = c.Weight
		}
	}
	anchors := positions(in.Anchors)
	var sc scorer
	var out []*Record
	var scratch []Candidate
	for _, p := range insts {
		k := DHTKey(in.Seed, p.ID)
		if responsible(k, anchors) != in.Self {
			continue
		}
		var cur *Record
		if in.Previous != nil {
			cur = in.Previous(p.ID)
		}
		// A record of an epoch before this one is made again under this
		// epoch's seed, even with the same replicas.
		same := cur != nil && cur.Epoch == in.Epoch
		if live != nil && same && unchanged(&sc, &in, p.ID, k, cur, live, p.Replicas) {
			continue
		}
		cands := in.Candidates
		if len(in.Full) > 0 {
			scratch = scratch[:0]
			for _, c := range in.Candidates {
				if in.open(p.ID, cur, c.ID) {
					scratch = append(scratch, c)
				}
			}
			cands = scratch
		}
		want := sc.top(k, cands, p.Replicas)
		if in.Diverse {
			want = Diverse(sc.top(k, cands, len(cands)), func(id string) string { return in.Platforms[id] }, p.Replicas)
		}
		if len(want) == 0 {
			continue // every candidate is full: the current record stays
		}
		if same && slices.Equal(cur.Replicas, want) {
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

// unchanged reports whether an instance's replicas stay what cur says
// after only the removals and joins PlanInput.Joined describes: every
// replica is still an open candidate and no joined open candidate
// outscores the weakest of them.
func unchanged(sc *scorer, in *PlanInput, inst wire.InstanceID, k Key, cur *Record, live map[string]float64, r int) bool {
	if len(cur.Replicas) != r {
		return false
	}
	var worst scored
	for i, id := range cur.Replicas {
		w, ok := live[id]
		if !ok || !in.open(inst, cur, id) {
			return false
		}
		s := sc.score(k, Candidate{ID: id, Weight: w})
		if i == 0 || worst.better(s) {
			worst = s
		}
	}
	for _, j := range in.Joined {
		if j.Weight > 0 && in.open(inst, cur, j.ID) && sc.score(k, j).better(worst) {
			return false
		}
	}
	return true
}

type position struct {
	id  string
	pos [32]byte
}

// positions hashes anchors' IDs once per plan.
func positions(anchors []string) []position {
	out := make([]position, len(anchors))
	for i, a := range anchors {
		out[i] = position{a, crypto.Keccak256Hash([]byte(a))}
	}
	return out
}

// responsible is Responsible over precomputed positions.
func responsible(k Key, anchors []position) string {
	var best [32]byte
	id := ""
	for i, a := range anchors {
		var d [32]byte
		for j := range d {
			d[j] = a.pos[j] ^ k[j]
		}
		if c := bytes.Compare(d[:], best[:]); i == 0 || c < 0 || c == 0 && a.id < id {
			best, id = d, a.id
		}
	}
	return id
}
