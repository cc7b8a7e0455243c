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
	// Class names the service level its TokenScript asks for (slo.Target's
	// Key; "" for none): PlanInput.Unfit says which candidates fail it.
	Class string
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
	// Unfit names, per service-level class, the candidates that fail it:
	// none of the class's instances go to them, and those they hold move
	// off. Class "" is the network's floor (a node failing it runs hot):
	// its candidates are unfit for every instance. Where too few fit
	// candidates are left for an instance's replica count, the best unfit
	// ones make up the count.
	Unfit map[string]map[string]bool
	// LimitMoves caps the moves Plan makes of instances whose replicas are
	// all still live candidates (a node joined, fell below a service level,
	// ran hot, changed weight) at MaxMoves; the others are left for a later
	// plan, so placement does not churn. Moves forced by a replica gone,
	// and first placements, are never held back.
	LimitMoves bool
	MaxMoves   int
}

// open reports whether candidate c may be a replica of instance p whose
// current record is cur: one that meets p's service level and is not full,
// or a full one that already holds it.
func (in *PlanInput) open(p *Placed, cur *Record, c string) bool {
	return in.fits(p, c) && in.roomy(p, cur, c)
}

// fits reports whether candidate c meets p's service level and the floor.
func (in *PlanInput) fits(p *Placed, c string) bool {
	return !in.Unfit[""][c] && (p.Class == "" || !in.Unfit[p.Class][c])
}

// roomy reports whether candidate c may take p: it is not full, or it
// holds p already (and has not turned it down).
func (in *PlanInput) roomy(p *Placed, cur *Record, c string) bool {
	if !in.Full[c] {
		return true
	}
	return cur != nil && cur.Holds(c) && (in.Refused == nil || !in.Refused(p.ID, c))
}

// Planned is Plan's answer with the moves held back.
type Planned struct {
	Records []*Record
	// Deferred counts instances whose move LimitMoves held back; Limited,
	// the moves made that counted against MaxMoves.
	Deferred, Limited int
}

// MoveReason says why a plan moved instance p off its current record cur:
// "replica-gone" (a replica is no longer a live candidate), "hot" (one
// fails the network's floor), "service-level" (one fails p's class),
// "full", or "rebalance" (a node joined or a weight changed).
func (in *PlanInput) MoveReason(p *Placed, cur *Record) string {
	live := func(id string) bool {
		return slices.ContainsFunc(in.Candidates, func(c Candidate) bool { return c.ID == id })
	}
	reason := "rebalance"
	for _, r := range cur.Replicas {
		switch {
		case !live(r):
			return "replica-gone"
		case in.Unfit[""][r]:
			reason = "hot"
		case p.Class != "" && in.Unfit[p.Class][r] && reason != "hot":
			reason = "service-level"
		case in.Full[r] && reason == "rebalance":
			reason = "full"
		}
	}
	return reason
}

// Plan returns a new, unsigned record for every instance Self is
// responsible for whose best live replicas differ from its current
// record's, in instance order. A replaced record's fencing number goes up
// by one, and its executor stays when it is still a replica (otherwise the
// first replica executes). Plan is a pure function of its input.
func Plan(in PlanInput) []*Record { return PlanMoves(in).Records }

// PlanMoves is Plan, saying how many moves LimitMoves held back.
func PlanMoves(in PlanInput) Planned {
	var pl Planned
	if len(in.Candidates) == 0 {
		return pl
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
	var candidate map[string]bool
	if in.LimitMoves {
		candidate = make(map[string]bool, len(in.Candidates))
		for _, c := range in.Candidates {
			candidate[c.ID] = true
		}
	}
	filter := len(in.Full) > 0 || len(in.Unfit) > 0
	anchors := positions(in.Anchors)
	var sc scorer
	var scratch, spare []Candidate
	for i := range insts {
		p := &insts[i]
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
		if live != nil && same && unchanged(&sc, &in, p, k, cur, live) {
			continue
		}
		cands := in.Candidates
		spare = spare[:0]
		if filter {
			scratch = scratch[:0]
			for _, c := range in.Candidates {
				switch roomy := in.roomy(p, cur, c.ID); {
				case roomy && in.fits(p, c.ID):
					scratch = append(scratch, c)
				case roomy:
					spare = append(spare, c)
				}
			}
			cands = scratch
		}
		want := sc.top(k, cands, p.Replicas)
		if in.Diverse {
			want = Diverse(sc.top(k, cands, len(cands)), func(id string) string { return in.Platforms[id] }, p.Replicas)
		}
		if len(want) < p.Replicas && len(spare) > 0 {
			// Too few nodes meet the service level: the best of those that
			// do not make up the count, after them (an instance short of
			// replicas is worse off than one on a slow node).
			want = append(want, sc.top(k, spare, p.Replicas-len(want))...)
		}
		if len(want) == 0 {
			continue // every candidate is full: the current record stays
		}
		if same && slices.Equal(cur.Replicas, want) {
			continue
		}
		if in.LimitMoves && same && allLive(cur, candidate) {
			if in.MaxMoves <= 0 {
				pl.Deferred++
				continue
			}
			in.MaxMoves--
			pl.Limited++
		}
		rec := &Record{Instance: p.ID, Bundle: p.Bundle, Epoch: in.Epoch, Fencing: 1, Replicas: want, Executor: want[0],
			AnchorPeer: in.Self, IssuedMs: in.NowMs}
		if cur != nil {
			rec.Fencing = cur.Fencing + 1
			if slices.Contains(want, cur.Executor) {
				rec.Executor = cur.Executor
			}
		}
		pl.Records = append(pl.Records, rec)
	}
	return pl
}

// allLive reports whether every replica cur names is a live candidate.
func allLive(cur *Record, candidate map[string]bool) bool {
	for _, r := range cur.Replicas {
		if !candidate[r] {
			return false
		}
	}
	return true
}

// unchanged reports whether an instance's replicas stay what cur says
// after only the removals and joins PlanInput.Joined describes: every
// replica is still an open candidate and no joined open candidate
// outscores the weakest of them.
func unchanged(sc *scorer, in *PlanInput, p *Placed, k Key, cur *Record, live map[string]float64) bool {
	if len(cur.Replicas) != p.Replicas {
		return false
	}
	var worst scored
	for i, id := range cur.Replicas {
		w, ok := live[id]
		if !ok || !in.open(p, cur, id) {
			return false
		}
		s := sc.score(k, Candidate{ID: id, Weight: w})
		if i == 0 || worst.better(s) {
			worst = s
		}
	}
	for _, j := range in.Joined {
		if j.Weight > 0 && in.open(p, cur, j.ID) && sc.score(k, j).better(worst) {
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
