package sim

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/examples/flight-ticket/model"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// Failure detection: heartbeats every interval, down after downAfter.
const (
	heartbeat = time.Second
	downAfter = 3 * time.Second
	killAt    = 10 * time.Second
	restartAt = 25 * time.Second
	cutFrom   = 5 * time.Second
	cutTo     = 12 * time.Second
	// antiEntropy: every node compares its topics' heads with an anchor's.
	antiEntropy = 5 * time.Second
	// repairWindow: how long after the workload the network may repair.
	repairWindow = 60 * time.Second
	// planTick: an anchor's placement loop runs at most this often.
	planTick = 500 * time.Millisecond
	// actionRetry: an executor whose action is still pending runs it again.
	actionRetry = 10 * time.Second
)

// latency draws a one-way latency: log-normal around the median.
func (w *world) latency() time.Duration {
	return time.Duration(float64(w.cfg.Latency) * math.Exp(0.4*w.rng.NormFloat64()))
}

// reachable: both up and on the same side of the partition.
func reachable(a, b *node) bool { return a.up && b.up && a.cut == b.cut }

// send delivers fn at `to` after a latency if the link holds then.
func (w *world) send(from, to *node, lossy bool, fn func()) {
	if !reachable(from, to) || lossy && w.rng.Float64() < w.cfg.Loss {
		return
	}
	w.clk.after(w.latency(), func() {
		if reachable(from, to) {
			fn()
		}
	})
}

func (w *world) schedule() {
	ctx := context.Background()
	for _, a := range w.anchors {
		a := a
		w.clk.after(0, func() { w.plan(ctx, a) })
	}
	// The airline's statuses: a random flight, delay and time each.
	for i := 0; i < w.cfg.Statuses; i++ {
		at := time.Second + time.Duration(w.rng.Int64N(int64(w.cfg.End/2)))
		f := w.rng.IntN(w.cfg.Flights)
		delay := []int{0, 30, 90, 185, 240}[w.rng.IntN(5)]
		w.clk.after(at, func() { w.publishStatus(ctx, f, delay) })
	}
	// Broadcasts on a topic every service node follows.
	if w.cfg.Broadcasts > 0 {
		for _, n := range w.services {
			w.subs[broadcastTopic] = append(w.subs[broadcastTopic], n.idx)
		}
		for i := 0; i < w.cfg.Broadcasts; i++ {
			w.clk.after(time.Second+time.Duration(i)*100*time.Millisecond, func() { w.broadcast(ctx) })
		}
	}
	// Churn: kills, restarts, a partition.
	perm := w.rng.Perm(len(w.services))
	nk := int(float64(len(w.services)) * w.cfg.Crash)
	nr := int(float64(nk) * w.cfg.Restart)
	np := int(float64(len(w.services)) * w.cfg.Partition)
	w.report.Repair = Repair{Killed: nk, Restarted: nr, Partitioned: np, Ms: -1}
	for i, p := range perm[:nk] {
		s := w.services[p]
		w.clk.after(killAt, func() { w.kill(s) })
		if i < nr {
			w.clk.after(restartAt, func() { w.restart(ctx, s) })
		}
	}
	if nk > 0 {
		w.killAt = killAt
		w.clk.after(killAt+time.Second, func() { w.watchRepair() })
	}
	for _, p := range perm[nk : nk+np] {
		s := w.services[p]
		w.clk.after(cutFrom, func() { s.cut = true; w.detect(s, false) })
		w.clk.after(cutTo, func() { s.cut = false; w.detect(s, true) })
	}
	for _, n := range w.nodes {
		n := n
		w.clk.after(antiEntropy+time.Duration(w.rng.Int64N(int64(antiEntropy))), func() { w.antiEntropy(ctx, n) })
	}
}

// --- anchors: placement ---

func (w *world) plan(ctx context.Context, a *node) {
	if !a.up {
		return
	}
	in := placement.PlanInput{Seed: a.planSeed, Self: a.peer, Instances: a.mine, NowMs: w.clk.now.Milliseconds() + 1_700_000_000_000,
		Previous: func(id wire.InstanceID) *placement.Record { return a.records[id] }}
	for _, b := range w.anchors {
		in.Anchors = append(in.Anchors, b.peer)
	}
	cands := map[string]bool{}
	for _, s := range w.services {
		if !a.view[s.idx] {
			in.Candidates = append(in.Candidates, placement.Candidate{ID: s.peer, Weight: 100})
			cands[s.peer] = true
		}
	}
	if len(a.records) > 0 {
		in.Joined = []placement.Candidate{}
		for p := range cands {
			if !a.planned[p] {
				in.Joined = append(in.Joined, placement.Candidate{ID: p, Weight: 100})
			}
		}
		sort.Slice(in.Joined, func(i, j int) bool { return in.Joined[i].ID < in.Joined[j].ID })
	}
	a.planned = cands
	for _, rec := range placement.Plan(in) {
		if err := rec.Sign(a.key.ECDSA); err != nil {
			continue
		}
		old := a.records[rec.Instance]
		a.records[rec.Instance] = rec
		w.report.Placement.Records++
		if old != nil {
			w.report.Placement.Moved++
			for _, p := range old.Replicas {
				if !rec.Holds(p) {
					w.assign(ctx, a, w.byPeer[p], rec)
				}
			}
		}
		for _, p := range rec.Replicas {
			w.assign(ctx, a, w.byPeer[p], rec)
		}
	}
}

// assign sends a record to a service node until it arrives (the anchor's
// delivery loop retries until the node acknowledges), unless a newer
// record supersedes it.
func (w *world) assign(ctx context.Context, a, s *node, rec *placement.Record) {
	var try func()
	try = func() {
		if a.records[rec.Instance] != rec && rec.Holds(s.peer) {
			return // superseded: the newer record is sent on its own
		}
		if w.clk.now > w.cfg.End+repairWindow {
			return
		}
		if !reachable(a, s) {
			w.clk.after(heartbeat, try)
			return
		}
		w.clk.after(w.latency(), func() {
			if !reachable(a, s) {
				w.clk.after(heartbeat, try)
				return
			}
			w.receiveRecord(ctx, s, rec)
		})
	}
	try()
}

func (w *world) receiveRecord(ctx context.Context, s *node, rec *placement.Record) {
	cur := s.inst[rec.Instance]
	if cur != nil && !rec.Newer(cur.Record) {
		return
	}
	if !rec.Holds(s.peer) {
		if cur != nil {
			w.drop(s, rec.Instance)
		}
		return
	}
	if cur != nil {
		rd, _ := token.Step(ctx, cur, token.Event{Record: rec}, w.env)
		if rd.Instance != nil {
			s.inst[rec.Instance] = rd.Instance
			w.kick(ctx, s, rec.Instance)
		}
		return
	}
	rd, err := token.Step(ctx, nil, token.Event{Register: &token.Register{Record: rec,
		Registration: &wire.Registration{Instance: rec.Instance, Bundle: rec.Bundle}, Ticket: w.tickets[rec.Instance]}}, w.env)
	if err != nil {
		w.violate("register %s on %s: %v", rec.Instance, s.peer, err)
		return
	}
	s.inst[rec.Instance] = rd.Instance
	topics, _ := token.Topics(rd.Instance, w.env.Subscriptions)
	for t := range topics {
		if !slices.Contains(s.follows[t], rec.Instance) {
			s.follows[t] = append(s.follows[t], rec.Instance)
		}
		if !slices.Contains(w.subs[t], s.idx) {
			w.subs[t] = append(w.subs[t], s.idx)
		}
	}
	w.catchUp(ctx, s, rec.Instance)
}

func (w *world) drop(s *node, id wire.InstanceID) {
	in := s.inst[id]
	delete(s.inst, id)
	topics, _ := token.Topics(in, w.env.Subscriptions)
	for t := range topics {
		s.follows[t] = slices.DeleteFunc(s.follows[t], func(x wire.InstanceID) bool { return x == id })
		if len(s.follows[t]) == 0 {
			delete(s.follows, t)
			w.subs[t] = slices.DeleteFunc(w.subs[t], func(x int) bool { return x == s.idx })
		}
	}
}

// catchUp applies what the node's log holds for the instance's topics, then
// asks an anchor for what it lacks (as followInstance and repair do).
func (w *world) catchUp(ctx context.Context, s *node, id wire.InstanceID) {
	in := s.inst[id]
	if in == nil {
		return
	}
	topics, _ := token.Topics(in, w.env.Subscriptions)
	names := make([]string, 0, len(topics))
	for t := range topics {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		page, _ := s.log.HeadsPage(t, nil, 1000)
		for _, h := range page {
			sid := h.StreamID()
			cur := s.inst[id]
			if cur == nil {
				return
			}
			if done := cur.Offsets[sid.String()]; done < h.Seq {
				es, _ := s.log.Range(sid, done+1, h.Seq)
				for _, e := range es {
					w.applyTo(ctx, s, id, e)
				}
			}
		}
		w.fetchTopic(ctx, s, t)
	}
}

// fetchTopic asks a reachable anchor for one topic's streams past this
// node's heads.
func (w *world) fetchTopic(ctx context.Context, s *node, topic string) {
	w.fetchTopics(ctx, s, []string{topic})
}

// fetchTopics asks a reachable anchor, in one request, for the streams of
// the topics past this node's heads.
func (w *world) fetchTopics(ctx context.Context, s *node, topics []string) {
	a := w.anchorFor(s)
	if a == nil {
		return
	}
	w.send(s, a, false, func() {
		var missing []*attlog.Entry
		for _, topic := range topics {
			page, _ := a.log.HeadsPage(topic, nil, 1000)
			for _, h := range page {
				mine := s.log.Head(h.StreamID()).Seq
				if mine < h.Seq {
					es, _ := a.log.Range(h.StreamID(), mine+1, h.Seq)
					missing = append(missing, es...)
				}
			}
		}
		if len(missing) == 0 {
			return
		}
		w.send(a, s, false, func() {
			w.report.Placement.CatchUpEntries += len(missing)
			for _, e := range missing {
				w.offer(ctx, s, e)
			}
		})
	})
}

func (w *world) anchorFor(s *node) *node {
	start := w.rng.IntN(len(w.anchors))
	for i := range w.anchors {
		if a := w.anchors[(start+i)%len(w.anchors)]; reachable(s, a) {
			return a
		}
	}
	return nil
}

func (w *world) antiEntropy(ctx context.Context, s *node) {
	if s.anchor && s.up {
		w.anchorSync(ctx, s)
	} else if s.up {
		topics := make([]string, 0, len(s.follows))
		for t := range s.follows {
			topics = append(topics, t)
		}
		sort.Strings(topics)
		w.fetchTopics(ctx, s, topics)
	}
	if w.clk.now < w.cfg.End+repairWindow-antiEntropy {
		w.clk.after(antiEntropy, func() { w.antiEntropy(ctx, s) })
	}
}

// anchorSync pulls every stream another anchor has further than this one
// (anchors' anti-entropy), and streams of service nodes' own topics (an
// executor's results) from the executors.
func (w *world) anchorSync(ctx context.Context, a *node) {
	var peers []*node
	peers = append(peers, w.anchors[w.rng.IntN(len(w.anchors))], w.services[w.rng.IntN(len(w.services))])
	for _, b := range peers {
		if b == a || !reachable(a, b) {
			continue
		}
		w.send(a, b, false, func() {
			var missing []*attlog.Entry
			for _, h := range b.log.Heads() {
				if mine := a.log.Head(h.StreamID()).Seq; mine < h.Seq {
					es, _ := b.log.Range(h.StreamID(), mine+1, h.Seq)
					missing = append(missing, es...)
				}
			}
			if len(missing) > 0 {
				w.send(b, a, false, func() {
					for _, e := range missing {
						w.offer(ctx, a, e)
					}
				})
			}
		})
	}
}

// --- the log and gossip ---

func entryKey(e *attlog.Entry) string { return e.ID().String() + "#" + strconv.FormatUint(e.Seq, 10) }

// seenKey is a 64-bit digest of an entry key: nodes remember millions of
// entries, and a string each would dominate the run's memory.
func seenKey(k string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(k))
	return h.Sum64()
}

// publish appends an attestation to the publisher's stream at an anchor
// (origin) and gossips it.
func (w *world) publish(ctx context.Context, pub *node, origin *node, topic string, att *attest.Signed) {
	pub.seq[topic]++
	e := &attlog.Entry{Topic: topic, Publisher: att.Signer, Seq: pub.seq[topic], Prev: pub.prev[topic], Attestation: att.UID[:]}
	pub.prev[topic] = e.Hash()
	k := entryKey(e)
	w.atts[k], w.pubAt[k] = att, w.clk.now
	w.receive(ctx, origin, e)
}

// receive is a node's first sight of an entry by gossip: offer it, forward
// it to Degree subscribers of its topic.
func (w *world) receive(ctx context.Context, n *node, e *attlog.Entry) {
	k := entryKey(e)
	if n.seen[seenKey(k)] || !n.up {
		return
	}
	n.seen[seenKey(k)] = true
	if t0, ok := w.pubAt[k]; ok {
		ms := float64((w.clk.now - t0).Microseconds()) / 1000
		if w.bcast[k] {
			w.bcastMs = append(w.bcastMs, ms)
		} else {
			w.gossipMs = append(w.gossipMs, ms)
		}
	}
	w.offer(ctx, n, e)
	subs := w.subs[e.Topic]
	total := len(w.anchors) + len(subs)
	for i := 0; i < w.cfg.Degree && total > 1; i++ {
		j := w.rng.IntN(total)
		var to *node
		if j < len(w.anchors) {
			to = w.anchors[j]
		} else {
			to = w.nodes[subs[j-len(w.anchors)]]
		}
		if to != n {
			w.send(n, to, true, func() { w.receive(ctx, to, e) })
		}
	}
}

// offer gives an entry to a node's log and applies what it delivers; a gap
// is repaired from an anchor.
func (w *world) offer(ctx context.Context, n *node, e *attlog.Entry) {
	att := w.atts[entryKey(e)]
	delivered, gap, err := n.log.Offer(e, att.Signer.Hex()+"/"+att.UID.String())
	if err != nil {
		w.violate("%s offered %s#%d: %v", n.peer, e.ID(), e.Seq, err)
		return
	}
	n.seen[seenKey(entryKey(e))] = true
	for _, d := range delivered {
		if n.anchor && d.Seq > w.heads[d.ID()] {
			w.heads[d.ID()] = d.Seq // acknowledged: an anchor stored it
		}
		if !n.anchor {
			for _, id := range slices.Clone(n.follows[d.Topic]) {
				w.applyTo(ctx, n, id, d)
			}
		}
	}
	if gap != nil && !n.anchor {
		w.fetchTopic(ctx, n, gap.Stream.Topic)
	}
}

// applyTo steps one instance with one delivered entry.
func (w *world) applyTo(ctx context.Context, s *node, id wire.InstanceID, e *attlog.Entry) {
	cur := s.inst[id]
	if cur == nil {
		return
	}
	before := cur.Offsets[e.ID().String()]
	rd, _ := token.Step(ctx, cur, token.Event{Entry: &token.Entry{Topic: e.Topic, Publisher: e.Publisher, Seq: e.Seq, Att: w.atts[entryKey(e)]}}, w.env)
	if rd.Instance == nil {
		return
	}
	if e.Seq != before+1 {
		w.violate("%s applied %s#%d to %s after #%d: out of order", s.peer, e.ID(), e.Seq, id, before)
	}
	if rd.History != nil && !rd.History.Applied && len(rd.History.Note) > 8 && rd.History.Note[:8] == "refused:" && e.Topic == wire.ResultTopic(id) {
		w.report.Actions.Fenced++
	}
	s.inst[id] = rd.Instance
	for _, p := range rd.NewPending {
		w.started[p.Key] = true
	}
	w.kick(ctx, s, id)
}

// --- the airline and the executors ---

func (w *world) publishStatus(ctx context.Context, f, delay int) {
	status := "delayed"
	if delay == 0 {
		status = "on-time"
	}
	data, err := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"` + flightName(f) + `","date":"2026-12-01","delayMinutes":` +
		itoa(delay) + `,"status":"` + status + `"}`))
	if err != nil {
		w.violate("encode status: %v", err)
		return
	}
	att, err := attest.Sign(w.airline.ECDSA, attest.NetworkDomain(31337, [20]byte{}), attest.Message{Version: attest.Version2,
		Schema: attest.FlightStatusSchema.UID, Time: 1_700_000_000 + uint64(w.clk.now/time.Second), Data: data, Revocable: true, Salt: [32]byte{byte(f), byte(f >> 8), byte(w.clk.seq), byte(w.clk.seq >> 8), byte(w.clk.seq >> 16)}})
	if err != nil {
		return
	}
	topic := attest.FlightStatusSchema.UID.String() + "/" + flightName(f) + "/2026-12-01"
	airline := w.publisherNode(w.airline.Address().Hex())
	origin := w.anchors[w.rng.IntN(len(w.anchors))]
	if origin.up {
		w.publish(ctx, airline, origin, topic, att)
	}
}

const broadcastTopic = "broadcast"

// broadcast publishes one message on the topic every service node follows.
func (w *world) broadcast(ctx context.Context) {
	data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"ALL","date":"2026-12-01","delayMinutes":0,"status":"news"}`))
	att, err := attest.Sign(w.airline.ECDSA, attest.NetworkDomain(31337, [20]byte{}), attest.Message{Version: attest.Version2,
		Schema: attest.FlightStatusSchema.UID, Time: 1_700_000_000 + uint64(w.clk.now/time.Millisecond), Data: data})
	if err != nil {
		return
	}
	pub := w.publisherNode(w.airline.Address().Hex())
	origin := w.anchors[w.rng.IntN(len(w.anchors))]
	w.bcast[entryKey(&attlog.Entry{Topic: broadcastTopic, Publisher: att.Signer, Seq: pub.seq[broadcastTopic] + 1})] = true
	w.publish(ctx, pub, origin, broadcastTopic, att)
}

// publisherNode keeps the airline's stream state (it is no network node).
func (w *world) publisherNode(name string) *node {
	if n := w.byPeer[name]; n != nil {
		return n
	}
	n := &node{peer: name, seq: map[string]uint64{}, prev: map[string]common.Hash{}}
	w.byPeer[name] = n
	return n
}

// kick runs the instance's pending actions when this node executes it: the
// hotel call (keyed, so a repeat books once; skipped by a triggered rebook
// once one is confirmed), then the result attestation.
func (w *world) kick(ctx context.Context, s *node, id wire.InstanceID) {
	in := s.inst[id]
	if in == nil || !s.up || in.Record.Executor != s.peer {
		return
	}
	// One action of an instance at a time, oldest first, as the executor's
	// work loop runs them: the next one sees the state the last one left.
	if len(in.Pending) > 0 && !s.running[id.String()] {
		p := in.Pending[0]
		s.running[id.String()] = true
		rtt := 2*w.latency() + 5*time.Millisecond
		w.clk.after(rtt, func() {
			delete(s.running, id.String())
			cur := s.inst[id]
			if !s.up || cur == nil || cur.Record.Executor != s.peer {
				return
			}
			if !slices.ContainsFunc(cur.Pending, func(x token.PendingAction) bool { return x.Key == p.Key }) {
				w.kick(ctx, s, id) // answered meanwhile: on to the next
				return
			}
			after := cur.State // a triggered rebook after a confirmed one skips the hotel
			if !model.Confirmed(cur.State) {
				w.hotel[p.Key]++
				var err error
				if after, err = model.Rebooked(cur.State, "bk-"+p.Key[2:14]); err != nil {
					return
				}
			}
			patch, _ := token.StatePatch(cur.State, after)
			rj, _ := json.Marshal(cur.Record)
			js, _ := json.Marshal(map[string]any{"instance": id.String(), "action": p.Action, "idempotencyKey": p.Key,
				"fencing": cur.Record.Fencing, "transcriptRoot": "0x" + zero64, "patch": string(patch), "result": "{}", "record": string(rj)})
			data, err := attest.ActionResultSchema.Schema.EncodeJSON(js)
			if err != nil {
				w.violate("encode result: %v", err)
				return
			}
			att, err := attest.Sign(s.key.ECDSA, attest.NetworkDomain(31337, [20]byte{}), attest.Message{Version: attest.Version2,
				Schema: attest.ActionResultSchema.UID, Time: 1_700_000_000 + uint64(w.clk.now/time.Second), Data: data})
			if err != nil {
				return
			}
			w.report.Actions.Results++
			w.publish(ctx, s, s, wire.ResultTopic(id), att)
		})
		// Still pending later (the result was lost, the node was cut off):
		// the work loop runs it again; the hotel's key keeps it one booking.
		w.clk.after(actionRetry, func() { w.kick(ctx, s, id) })
	}
}

const zero64 = "0000000000000000000000000000000000000000000000000000000000000000"

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// --- churn ---

func (w *world) kill(s *node) {
	s.up = false
	clear(s.running)
	w.detect(s, false)
}

// restart brings a node back on the data it had: its log reopens from its
// store (the real restart path), its instances as they were.
func (w *world) restart(ctx context.Context, s *node) {
	s.up = true
	s.log, _ = attlog.New(s.store, 0)
	s.log.KeepReplays = true
	w.detect(s, true)
	ids := make([]wire.InstanceID, 0, len(s.inst))
	for id := range s.inst {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	for _, id := range ids {
		w.kick(ctx, s, id) // pending actions left when it stopped
		w.catchUp(ctx, s, id)
	}
}

// detect: every anchor sees the change one failure-detection delay later
// and re-plans; an anchor that sees a node come back tells it which of its
// instances it still holds (the full assignment), and the node drops the
// rest.
func (w *world) detect(s *node, up bool) {
	for _, a := range w.anchors {
		a := a
		d := downAfter + time.Duration(w.rng.Int64N(int64(heartbeat)))
		if up {
			d = time.Duration(w.rng.Int64N(int64(heartbeat)))
		}
		w.clk.after(d, func() {
			if a.view[s.idx] == !up {
				return
			}
			if !up {
				if s.up && !s.cut {
					return // it came back before this anchor noticed
				}
				a.view[s.idx] = true
			} else {
				if !s.up || s.cut {
					return
				}
				delete(a.view, s.idx)
				a.rejoined = append(a.rejoined, s)
			}
			w.planSoon(a)
		})
	}
}

// planSoon re-plans at the anchor's next placement tick: changes seen within
// one tick share one plan, as the anchor's loop does.
func (w *world) planSoon(a *node) {
	if a.planQueued {
		return
	}
	a.planQueued = true
	w.clk.after(planTick, func() {
		a.planQueued = false
		w.plan(context.Background(), a)
		back := a.rejoined
		a.rejoined = nil
		for _, s := range back {
			if s.up && !s.cut {
				w.fullAssign(a, s) // after the plan: it lists what the node holds now
			}
		}
	})
}

func (w *world) fullAssign(a, s *node) {
	keep := map[wire.InstanceID]bool{}
	for id, r := range a.records {
		if r.Holds(s.peer) {
			keep[id] = true
		}
	}
	w.send(a, s, false, func() {
		ids := make([]wire.InstanceID, 0, len(s.inst))
		for id, in := range s.inst {
			if in.Record.Anchor == a.key.Address() && !keep[id] {
				ids = append(ids, id)
			}
		}
		sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
		for _, id := range ids {
			w.drop(s, id)
		}
	})
}

// watchRepair records when every instance is back on its live target.
func (w *world) watchRepair() {
	if w.repaired {
		return
	}
	if w.placedEverywhere() == "" {
		w.repaired = true
		w.report.Repair.Ms = (w.clk.now - w.killAt).Milliseconds()
		return
	}
	w.clk.after(500*time.Millisecond, w.watchRepair)
}
