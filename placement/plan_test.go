package placement

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/smartlayer/smartlayer/wire"
)

func planInput(nServices, nInstances int, anchors []string, self string) PlanInput {
	in := PlanInput{Seed: [32]byte{1}, Epoch: 3, Self: self, Anchors: anchors, NowMs: 1000, Platforms: map[string]string{}}
	for i := 0; i < nServices; i++ {
		id := fmt.Sprintf("svc-%02d", i)
		in.Candidates = append(in.Candidates, Candidate{ID: id, Weight: 10})
		in.Platforms[id] = []string{"sgx", "sev", "tdx"}[i%3]
	}
	for i := 0; i < nInstances; i++ {
		in.Instances = append(in.Instances, Placed{ID: wire.InstanceID{byte(i), byte(i >> 8)}, Bundle: "0xb", Replicas: 3})
	}
	return in
}

// Every instance is planned by exactly one anchor; the plan is the same on
// every run; records name the planning anchor, the epoch and the time.
func TestPlanPartitionsInstancesAmongAnchors(t *testing.T) {
	anchors := []string{"a1", "a2", "a3"}
	seen := map[wire.InstanceID]string{}
	for _, self := range anchors {
		recs := Plan(planInput(12, 300, anchors, self))
		again := Plan(planInput(12, 300, anchors, self))
		if len(recs) != len(again) {
			t.Fatalf("%s: plans differ in length", self)
		}
		for i, r := range recs {
			if !slices.Equal(r.Replicas, again[i].Replicas) || r.Instance != again[i].Instance {
				t.Fatalf("%s: the plan is not deterministic", self)
			}
			if prev, ok := seen[r.Instance]; ok {
				t.Fatalf("%s planned by %s and %s", r.Instance, prev, self)
			}
			seen[r.Instance] = self
			if r.AnchorPeer != self || r.Epoch != 3 || r.IssuedMs != 1000 || r.Fencing != 1 || len(r.Replicas) != 3 || r.Executor != r.Replicas[0] {
				t.Fatalf("record %+v", r)
			}
		}
	}
	if len(seen) != 300 {
		t.Fatalf("%d of 300 instances planned", len(seen))
	}
}

// A node leaving moves only the instances it held: their fencing goes up,
// and an executor that stays a replica keeps executing.
func TestPlanMovesOnlyWhatTheLeaverHeld(t *testing.T) {
	in := planInput(10, 200, []string{"a1"}, "a1")
	first := map[wire.InstanceID]*Record{}
	for _, r := range Plan(in) {
		first[r.Instance] = r
	}
	in.Previous = func(id wire.InstanceID) *Record { return first[id] }
	if again := Plan(in); len(again) != 0 {
		t.Fatalf("%d records re-planned with nothing changed", len(again))
	}
	gone := "svc-03"
	in.Candidates = slices.DeleteFunc(slices.Clone(in.Candidates), func(c Candidate) bool { return c.ID == gone })
	moved := Plan(in)
	held := 0
	for _, r := range first {
		if r.Holds(gone) {
			held++
		}
	}
	if len(moved) != held || held == 0 {
		t.Fatalf("%d moved, %d held by the leaver", len(moved), held)
	}
	for _, r := range moved {
		old := first[r.Instance]
		if r.Holds(gone) || r.Fencing != old.Fencing+1 {
			t.Fatalf("moved record %+v from %+v", r, old)
		}
		if old.Executor != gone && r.Executor != old.Executor {
			t.Fatalf("executor %s replaced by %s though it stayed", old.Executor, r.Executor)
		}
		kept := 0
		for _, p := range old.Replicas {
			if r.Holds(p) {
				kept++
			}
		}
		if kept != 2 {
			t.Fatalf("%d of the old replicas kept, want 2", kept)
		}
	}
	if Plan(PlanInput{Self: "a1", Anchors: []string{"a1"}, Instances: in.Instances}) != nil {
		t.Fatal("planned with no candidates")
	}
}

// In partial fallback mode every instance's replicas are on three
// platforms.
func TestPlanDiverse(t *testing.T) {
	in := planInput(9, 100, []string{"a1"}, "a1")
	in.Diverse = true
	for _, r := range Plan(in) {
		seen := map[string]bool{}
		for _, p := range r.Replicas {
			seen[in.Platforms[p]] = true
		}
		if len(seen) != 3 {
			t.Fatalf("%v on %d platforms", r.Replicas, len(seen))
		}
	}
}

func TestLevels(t *testing.T) {
	l := NewLevel()
	if l.Excluded() || l.Strike().Score != 1-LevelStrike || l.Strike().Strikes != 1 {
		t.Fatalf("strike: %+v", l.Strike())
	}
	l = l.WithEvidence()
	if !l.Excluded() || l.Evidence != 1 || l.Score != LevelEvidenceFactor {
		t.Fatalf("evidence: %+v", l)
	}
	// Probation brings it back after (0.5-0.4)/0.001 = 100 intervals.
	n := 0
	for back := false; !back; n++ {
		l, back = l.Probation()
		if n > 1000 {
			t.Fatal("never back")
		}
	}
	if n < 99 || n > 101 || l.Excluded() {
		t.Fatalf("back after %d intervals: %+v", n, l)
	}
	if _, back := l.Probation(); back {
		t.Fatal("probation for a node that is not excluded")
	}
	for i := 0; i < 100; i++ {
		l = l.Clean()
	}
	if l.Score != 1 {
		t.Fatalf("score above or below 1 after clean rounds: %v", l.Score)
	}
	if l = l.Sampled().Mismatched(); l.Samples != 1 || l.Mismatches != 1 {
		t.Fatalf("counts %+v", l)
	}
}

// A plan told only what joined gives the records a full plan gives, after
// some candidates left and others joined.
func TestPlanWithJoinedMatchesFullPlan(t *testing.T) {
	in := planInput(30, 500, []string{"a1", "a2"}, "a1")
	first := map[wire.InstanceID]*Record{}
	for _, r := range Plan(in) {
		first[r.Instance] = r
	}
	in.Previous = func(id wire.InstanceID) *Record { return first[id] }
	in.Candidates = slices.DeleteFunc(slices.Clone(in.Candidates), func(c Candidate) bool { return c.ID == "svc-04" || c.ID == "svc-17" })
	joined := []Candidate{{ID: "svc-new1", Weight: 10}, {ID: "svc-new2", Weight: 25}}
	in.Candidates = append(in.Candidates, joined...)
	full := Plan(in)
	in.Joined = joined
	fast := Plan(in)
	if len(full) == 0 || len(full) != len(fast) {
		t.Fatalf("full plan %d records, with Joined %d", len(full), len(fast))
	}
	for i := range full {
		if full[i].Instance != fast[i].Instance || !slices.Equal(full[i].Replicas, fast[i].Replicas) || full[i].Executor != fast[i].Executor {
			t.Fatalf("record %d differs: %+v vs %+v", i, full[i], fast[i])
		}
	}
	in.Joined = []Candidate{}
	in.Candidates = in.Candidates[:len(in.Candidates)-2]
	for _, r := range Plan(in) {
		first[r.Instance] = r
	}
	if again := Plan(in); len(again) != 0 {
		t.Fatalf("%d re-planned with nothing changed", len(again))
	}
}

// A new epoch re-places every instance under its seed: each gets a record
// of the new epoch with a higher fencing number, even where the replicas
// stay the same, and a plan in the same epoch again changes nothing.
func TestPlanNewEpochReissues(t *testing.T) {
	in := planInput(10, 100, []string{"a1"}, "a1")
	prev := map[wire.InstanceID]*Record{}
	for _, r := range Plan(in) {
		prev[r.Instance] = r
	}
	in.Previous = func(id wire.InstanceID) *Record { return prev[id] }
	if again := Plan(in); len(again) != 0 {
		t.Fatalf("the same epoch re-placed %d instances", len(again))
	}
	next := in
	next.Epoch, next.Seed = in.Epoch+1, [32]byte{2}
	recs := Plan(next)
	if len(recs) != 100 {
		t.Fatalf("the new epoch re-placed %d of 100 instances", len(recs))
	}
	kept := 0
	for _, r := range recs {
		old := prev[r.Instance]
		if r.Epoch != next.Epoch || r.Fencing != old.Fencing+1 || !r.Newer(old) {
			t.Fatalf("record %+v after %+v", r, old)
		}
		if slices.Equal(r.Replicas, old.Replicas) {
			kept++
		}
	}
	t.Logf("%d of 100 instances kept their replicas under the new seed", kept)
}

// A full candidate keeps the instances it holds and takes no new one: a
// re-plan with it full moves nothing it holds and places no new instance
// on it; an instance it refused moves to the next candidate of its
// ranking, with the fencing number raised. The incremental plan (Joined)
// agrees with the full one.
func TestPlanFullCandidateTakesNothingNew(t *testing.T) {
	in := planInput(6, 120, []string{"a1"}, "a1")
	first := map[wire.InstanceID]*Record{}
	for _, r := range Plan(in) {
		first[r.Instance] = r
	}
	const full = "svc-02"
	var held []wire.InstanceID
	for id, r := range first {
		if r.Holds(full) {
			held = append(held, id)
		}
	}
	if len(held) == 0 {
		t.Fatal("svc-02 holds nothing in the first plan")
	}
	refused := held[0]
	in.Previous = func(id wire.InstanceID) *Record { return first[id] }
	in.Full = map[string]bool{full: true}
	in.Refused = func(id wire.InstanceID, c string) bool { return id == refused && c == full }
	// Forty new instances, which would rank svc-02 in the top three for
	// about half of them.
	for i := 0; i < 40; i++ {
		in.Instances = append(in.Instances, Placed{ID: wire.InstanceID{0xee, byte(i)}, Bundle: "0xb", Replicas: 3})
	}
	out := map[wire.InstanceID]*Record{}
	for _, r := range Plan(in) {
		out[r.Instance] = r
	}
	for id, r := range out {
		if first[id] == nil {
			if r.Holds(full) {
				t.Fatalf("new instance %s placed on the full candidate: %v", id, r.Replicas)
			}
			if len(r.Replicas) != 3 {
				t.Fatalf("new instance %s on %d replicas", id, len(r.Replicas))
			}
			continue
		}
		if id != refused {
			t.Fatalf("instance %s re-planned though only %s was refused", id, refused)
		}
	}
	r := out[refused]
	if r == nil || r.Holds(full) || len(r.Replicas) != 3 || r.Fencing != first[refused].Fencing+1 {
		t.Fatalf("refused instance re-planned as %+v", r)
	}
	for _, p := range first[refused].Replicas {
		if p != full && !r.Holds(p) {
			t.Fatalf("the refused instance's other replica %s moved: %v -> %v", p, first[refused].Replicas, r.Replicas)
		}
	}
	newOnes := 0
	for id := range out {
		if first[id] == nil {
			newOnes++
		}
	}
	if newOnes != 40 {
		t.Fatalf("%d of 40 new instances planned", newOnes)
	}
	// The incremental plan, told nothing joined, decides the same.
	in.Joined = []Candidate{}
	inc := Plan(in)
	if len(inc) != len(out) {
		t.Fatalf("incremental plan made %d records, the full one %d", len(inc), len(out))
	}
	for _, r := range inc {
		if !slices.Equal(r.Replicas, out[r.Instance].Replicas) {
			t.Fatalf("incremental %v, full %v", r.Replicas, out[r.Instance].Replicas)
		}
	}
	// Every candidate full: a new instance stays unplaced, nothing panics.
	in.Joined = nil
	in.Full = map[string]bool{}
	for _, c := range in.Candidates {
		in.Full[c.ID] = true
	}
	for _, r := range Plan(in) {
		if first[r.Instance] == nil {
			t.Fatalf("new instance %s placed with every candidate full", r.Instance)
		}
	}
}

// A candidate that fails an instance's service level holds none of that
// class's instances (those it held move off) and keeps the others; one that
// fails the network's floor (class "") holds nothing.
func TestPlanUnfitCandidates(t *testing.T) {
	in := planInput(8, 300, []string{"a1"}, "a1")
	for i := range in.Instances {
		if i%2 == 0 {
			in.Instances[i].Class = "strict"
		}
	}
	first := map[wire.InstanceID]*Record{}
	for _, r := range Plan(in) {
		first[r.Instance] = r
	}
	in.Previous = func(id wire.InstanceID) *Record { return first[id] }
	slow := "svc-02"
	class := map[wire.InstanceID]string{}
	for _, p := range in.Instances {
		class[p.ID] = p.Class
	}
	heldStrict, heldOther := 0, 0
	for id, r := range first {
		if r.Holds(slow) {
			if class[id] == "strict" {
				heldStrict++
			} else {
				heldOther++
			}
		}
	}
	if heldStrict == 0 || heldOther == 0 {
		t.Fatalf("the slow node holds %d strict and %d other instances: pick another", heldStrict, heldOther)
	}
	in.Unfit = map[string]map[string]bool{"strict": {slow: true}}
	moved := Plan(in)
	if len(moved) != heldStrict {
		t.Fatalf("%d moved, want the %d strict instances the slow node held", len(moved), heldStrict)
	}
	after := maps.Clone(first)
	for _, r := range moved {
		if class[r.Instance] != "strict" || r.Holds(slow) || r.Fencing != first[r.Instance].Fencing+1 {
			t.Fatalf("moved %+v", r)
		}
		after[r.Instance] = r
	}
	// Hot: unfit for every class.
	in.Previous = func(id wire.InstanceID) *Record { return after[id] }
	in.Unfit = map[string]map[string]bool{"": {slow: true}}
	for _, r := range Plan(in) {
		if r.Holds(slow) || class[r.Instance] == "strict" {
			t.Fatalf("hot: %+v", r)
		}
		after[r.Instance] = r
	}
	for id, r := range after {
		if r.Holds(slow) {
			t.Fatalf("%s still on the hot node", id)
		}
	}
}

// LimitMoves holds back moves of instances whose replicas are all still
// live, counting them; a replica gone moves at once.
func TestPlanLimitMoves(t *testing.T) {
	in := planInput(8, 300, []string{"a1"}, "a1")
	first := map[wire.InstanceID]*Record{}
	for _, r := range Plan(in) {
		first[r.Instance] = r
	}
	in.Previous = func(id wire.InstanceID) *Record { return first[id] }
	in.Candidates = append(in.Candidates, Candidate{ID: "svc-new", Weight: 10})
	all := PlanMoves(in)
	if len(all.Records) < 20 || all.Deferred != 0 {
		t.Fatalf("a join moves %d instances, %d deferred: too few to test", len(all.Records), all.Deferred)
	}
	in.LimitMoves, in.MaxMoves = true, 5
	capped := PlanMoves(in)
	if len(capped.Records) != 5 || capped.Deferred != len(all.Records)-5 {
		t.Fatalf("capped at 5: %d moved, %d deferred of %d", len(capped.Records), capped.Deferred, len(all.Records))
	}
	for i, r := range capped.Records {
		if r.Instance != all.Records[i].Instance || !slices.Equal(r.Replicas, all.Records[i].Replicas) {
			t.Fatal("the capped plan is not the first moves of the full one")
		}
	}
	// A replica gone: its instances move even with no moves left.
	in.MaxMoves = 0
	gone := "svc-01"
	in.Candidates = slices.DeleteFunc(slices.Clone(in.Candidates), func(c Candidate) bool { return c.ID == gone })
	pl := PlanMoves(in)
	forced := 0
	for _, r := range first {
		if r.Holds(gone) {
			forced++
		}
	}
	if len(pl.Records) != forced || forced == 0 {
		t.Fatalf("%d moved with none allowed, want the %d the gone node held", len(pl.Records), forced)
	}
	for _, r := range pl.Records {
		if !first[r.Instance].Holds(gone) {
			t.Fatalf("%s moved though its replicas are live", r.Instance)
		}
	}
}

// Too few candidates meet an instance's service level: the unfit ones make
// up its replica count, after the fit ones.
func TestPlanUnfitMakeUpTheCount(t *testing.T) {
	in := planInput(4, 50, []string{"a1"}, "a1")
	for i := range in.Instances {
		in.Instances[i].Class = "strict"
	}
	in.Unfit = map[string]map[string]bool{"strict": {"svc-00": true, "svc-01": true}}
	for _, r := range Plan(in) {
		if len(r.Replicas) != 3 {
			t.Fatalf("%d replicas: %v", len(r.Replicas), r.Replicas)
		}
		fit := 0
		for i, id := range r.Replicas {
			if !in.Unfit["strict"][id] {
				if i != fit {
					t.Fatalf("a fit replica after an unfit one: %v", r.Replicas)
				}
				fit++
			}
		}
		if fit != 2 || in.Unfit["strict"][r.Executor] {
			t.Fatalf("%d fit replicas, executor %s: %v", fit, r.Executor, r.Replicas)
		}
	}
}
