package sim

import (
	"fmt"
	"math"
	"sort"

	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

const maxViolations = 20

func (w *world) violate(format string, a ...any) {
	if len(w.report.Violations) < maxViolations {
		w.report.Violations = append(w.report.Violations, fmt.Sprintf("%.3fs: ", w.clk.now.Seconds())+fmt.Sprintf(format, a...))
	}
}

// ids lists every instance in a fixed order.
func (w *world) ids() []wire.InstanceID {
	out := make([]wire.InstanceID, 0, len(w.tickets))
	for id := range w.tickets {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i][:]) < string(out[j][:]) })
	return out
}

// record is the responsible anchor's record of an instance.
func (w *world) record(id wire.InstanceID) *placement.Record {
	for _, a := range w.anchors {
		if r := a.records[id]; r != nil {
			return r
		}
	}
	return nil
}

// placedEverywhere returns "" when every instance's record names its
// target number of live service nodes, each of them holds it under that
// record, and all agree on one state root; else the first problem.
func (w *world) placedEverywhere() string {
	live := 0
	for _, s := range w.services {
		if s.up {
			live++
		}
	}
	for _, id := range w.ids() {
		rec := w.record(id)
		if rec == nil {
			return fmt.Sprintf("%s has no record", id)
		}
		if len(rec.Replicas) != min(w.cfg.Replicas, live) {
			return fmt.Sprintf("%s on %d replicas", id, len(rec.Replicas))
		}
		var root [32]byte
		for i, p := range rec.Replicas {
			s := w.byPeer[p]
			in := s.inst[id]
			switch {
			case !s.up || s.cut:
				return fmt.Sprintf("%s on a node that is down", id)
			case in == nil || in.Record.Fencing != rec.Fencing:
				f := uint64(0)
				if in != nil {
					f = in.Record.Fencing
				}
				return fmt.Sprintf("%s not held under fencing %d by %s (held: %v, fencing %d, node up %v cut %v, record issued %d)", id, rec.Fencing, p, in != nil, f, s.up, s.cut, rec.IssuedMs-1_700_000_000_000)
			case i > 0 && in.Root() != root:
				first := w.byPeer[rec.Replicas[0]].inst[id]
				return fmt.Sprintf("%s: replicas on different state roots: %s has %s offsets %v, %s has %s offsets %v", id, rec.Replicas[0], first.State, first.Offsets, p, in.State, in.Offsets)
			}
			root = in.Root()
		}
	}
	return ""
}

// check tests the invariants once the network is quiet.
func (w *world) check() {
	if p := w.placedEverywhere(); p != "" {
		w.violate("placement after repair: %s", p)
	}
	streams := map[string][]attlog.StreamID{}
	for sid := range w.heads {
		streams[sid.Topic] = append(streams[sid.Topic], sid)
	}
	for _, id := range w.ids() {
		rec := w.record(id)
		if rec == nil {
			continue
		}
		for _, p := range rec.Replicas {
			in := w.byPeer[p].inst[id]
			if in == nil {
				continue
			}
			// Every acknowledged attestation of the instance's streams applied,
			// each once and in order (applyTo checks the order as it goes).
			topics, _ := token.Topics(in, w.env.Subscriptions)
			for t := range topics {
				for _, sid := range streams[t] {
					if got, head := in.Offsets[sid.String()], w.heads[sid]; got != head {
						w.violate("%s on %s applied %s up to #%d of #%d", id, p, sid, got, head)
					}
				}
			}
			if p == rec.Executor && len(in.Pending) > 0 {
				w.violate("%s: its executor %s still has %d pending actions", id, p, len(in.Pending))
			}
		}
		// Replicas that applied the same entries may still disagree on
		// what is pending: triggers see the interleaving of a status stream
		// and the result stream, which differs between replicas.
		var keys string
		for i, p := range rec.Replicas {
			in := w.byPeer[p].inst[id]
			if in == nil {
				continue
			}
			k := fmt.Sprint(pendingKeys(in.Pending))
			if i > 0 && k != keys {
				w.report.Findings.PendingDivergence++
				if w.report.Findings.Example == "" {
					w.report.Findings.Example = fmt.Sprintf("instance %s: replica %s has pending %s, replica %s has %s", id, rec.Replicas[0], keys, p, k)
				}
				break
			}
			keys = k
		}
	}
	// No action took effect twice under one key (the hotel books once per
	// key), and every started action took effect.
	if w.report.Actions.Started > 0 && len(w.hotel) == 0 {
		w.violate("%d actions started, none executed", w.report.Actions.Started)
	}
	for _, id := range w.ids() {
		rec := w.record(id)
		if rec == nil {
			continue
		}
		if in := w.byPeer[rec.Executor].inst[id]; in != nil {
			keys := map[string]bool{} // a key re-applied under a newer fencing is one booking
			for _, d := range in.Done {
				if w.hotel[d.Key] > 0 {
					keys[d.Key] = true
				}
			}
			booked := len(keys)
			if booked > 1 {
				w.violate("%s: %d bookings at the hotel for one ticket (done %+v)", id, booked, in.Done)
			}
		}
	}
}

// measureLookups runs record lookups over the Kademlia model.
func (w *world) measureLookups() {
	members := w.anchors
	if w.cfg.DHTAll {
		members = w.nodes
	}
	peers := make([]string, len(members))
	for i, m := range members {
		peers[i] = m.peer
	}
	kd := newKad(peers, 20, 3, func(n int) int { return w.rng.IntN(n) })
	ids := w.ids()
	var hops []float64
	for i := 0; i < w.cfg.Lookups; i++ {
		from := w.rng.IntN(len(members))
		id := ids[w.rng.IntN(len(ids))]
		key := placement.DHTKey(members[0].planSeed, id)
		hops = append(hops, float64(kd.lookup(from, key)))
	}
	w.report.LookupHops = dist(hops)
	w.report.DHTMembers = len(members)
}

func dist(xs []float64) Dist {
	if len(xs) == 0 {
		return Dist{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	q := func(p float64) float64 { return s[min(len(s)-1, int(math.Ceil(p*float64(len(s))))-1)] }
	r := func(x float64) float64 { return math.Round(x*1000) / 1000 }
	return Dist{N: len(s), Mean: r(sum / float64(len(s))), P50: r(q(0.5)), P99: r(q(0.99)), Max: r(s[len(s)-1])}
}

func pendingKeys(ps []token.PendingAction) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Key
	}
	sort.Strings(out)
	return out
}
