package devnet

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// check heals the network (every node running) and checks the invariants,
// each waiting for the evidence until deadline: a network that settles
// passes as soon as it has settled.
func (r *chaosRun) check(ctx context.Context, targets map[string]int, deadline time.Time) []Check {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.heal(ctx, deadline)
	var out []Check
	for _, c := range []struct {
		name string
		f    func(context.Context) (string, error)
	}{
		{"every node running and healthy", r.checkNodes},
		{"every node's metrics scrape-able", r.checkMetrics},
		{"every ticket on its target number of replicas, all up and answering", func(ctx context.Context) (string, error) { return r.checkPlacement(ctx, targets) }},
		{"every acknowledged status on every anchor", r.checkAnchors},
		{"every replica of every ticket on the same state root, with the same actions pending", r.checkRoots},
		{"every acknowledged status applied exactly once on every replica", r.checkHistory},
		{"no hotel booking made twice for one action", r.checkBookings},
		{"the action in flight when its executor was cut off finished, once", r.inFlightCheck()},
	} {
		if c.f == nil {
			continue
		}
		start := time.Now()
		detail, err := eventually(ctx, deadline, c.f)
		ch := Check{Name: c.name, OK: err == nil, Detail: detail}
		if err != nil {
			ch.Detail = err.Error()
		}
		out = append(out, ch)
		mark := "ok  "
		if !ch.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(r.out, "  %s %s (%.1fs): %s\n", mark, c.name, time.Since(start).Seconds(), ch.Detail)
	}
	return out
}

// heal lets every paused node go on and restarts every node a fault left
// down (a restart that failed), until each runs or deadline passes.
func (r *chaosRun) heal(ctx context.Context, deadline time.Time) {
	for _, n := range r.nodes() {
		role := node.RoleAnchor
		if n.role == "service" {
			role = node.RoleService
		}
		_ = r.d.Resume(role, n.i)
		for n.exited && time.Now().Before(deadline) && ctx.Err() == nil {
			err := r.d.Revive(ctx, role, n.i)
			if err == nil {
				break
			}
			fmt.Fprintf(r.out, "  heal: restart %s %d: %v\n", n.role, n.i, err)
			sleepCtx(ctx, time.Second)
		}
	}
}

// eventually runs f until it succeeds or deadline passes; the last error
// is the answer then.
func eventually(ctx context.Context, deadline time.Time, f func(context.Context) (string, error)) (string, error) {
	for {
		detail, err := f(ctx)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return detail, err
		}
		if !sleepCtx(ctx, 500*time.Millisecond) {
			return detail, ctx.Err()
		}
	}
}

// chaosNode is one node of the run.
type chaosNode struct {
	role   string
	i      int
	http   string
	exited bool
}

// nodes lists every node with its HTTP address and whether it has exited.
func (r *chaosRun) nodes() []chaosNode {
	var out []chaosNode
	for i, p := range r.d.procs {
		n := chaosNode{role: "anchor", i: i, exited: p.exited()}
		if i >= r.o.Net.Anchors {
			n.role, n.i = "service", i-r.o.Net.Anchors
			n.http = r.d.Info.Services[n.i].HTTP
		} else {
			n.http = r.d.Info.Anchors[i].HTTP
		}
		out = append(out, n)
	}
	return out
}

func (r *chaosRun) checkNodes(ctx context.Context) (string, error) {
	for _, n := range r.nodes() {
		if n.exited {
			return "", fmt.Errorf("%s %d is not running", n.role, n.i)
		}
		var h struct {
			Status string `json:"status"`
		}
		if err := get(ctx, n.http+"/v1/health", &h); err != nil {
			return "", fmt.Errorf("%s %d: %w", n.role, n.i, err)
		}
	}
	return fmt.Sprintf("%d nodes", len(r.d.procs)), nil
}

func (r *chaosRun) checkMetrics(ctx context.Context) (string, error) {
	for _, n := range r.nodes() {
		if err := scrape(ctx, n.http); err != nil {
			return "", fmt.Errorf("%s %d: %w", n.role, n.i, err)
		}
	}
	return fmt.Sprintf("%d nodes scraped", len(r.d.procs)), nil
}

func (r *chaosRun) checkPlacement(ctx context.Context, targets map[string]int) (string, error) {
	for _, t := range r.d.Info.Tickets {
		r.d.Client.Forget(t.Instance)
		rt, err := r.d.Client.Route(ctx, t.Instance)
		if err != nil {
			return "", fmt.Errorf("ticket %s: %w", t.Instance, err)
		}
		if len(rt.Replicas) != targets[t.Instance] {
			return "", fmt.Errorf("ticket %s has %d replicas, its target is %d (%s)", t.Instance, len(rt.Replicas), targets[t.Instance], r.candidates(ctx))
		}
		if err := r.d.ticketReady(ctx, t); err != nil {
			return "", fmt.Errorf("ticket %s: %w", t.Instance, err)
		}
	}
	return fmt.Sprintf("%d tickets", len(r.d.Info.Tickets)), nil
}

// checkAnchors: each anchor's head of the airline's stream of each topic is
// at least the last acknowledged entry.
func (r *chaosRun) checkAnchors(ctx context.Context) (string, error) {
	want := map[string]uint64{}
	for _, a := range r.acked {
		want[a.Topic] = max(want[a.Topic], a.Seq)
	}
	me := r.d.airline.Address()
	for i, a := range r.d.Info.Anchors {
		for topic, seq := range want {
			heads, err := r.d.Client.Heads(ctx, a.HTTP, topic)
			if err != nil {
				return "", fmt.Errorf("anchor %d: %w", i, err)
			}
			var have uint64
			for _, h := range heads {
				if h.Publisher == me {
					have = h.Seq
				}
			}
			if have < seq {
				return "", fmt.Errorf("anchor %d has %s up to entry %d; entry %d was acknowledged", i, topic, have, seq)
			}
		}
	}
	return fmt.Sprintf("%d acknowledged statuses over %d topics, on %d anchors", len(r.acked), len(want), len(r.d.Info.Anchors)), nil
}

func (r *chaosRun) checkRoots(ctx context.Context) (string, error) {
	n := 0
	for _, t := range r.d.Info.Tickets {
		rt, err := r.d.Client.Route(ctx, t.Instance)
		if err != nil {
			return "", fmt.Errorf("ticket %s: %w", t.Instance, err)
		}
		roots := map[string][]string{}
		var views []string
		for _, rep := range rt.Replicas {
			var v struct {
				StateRoot   string          `json:"stateRoot"`
				PendingRoot string          `json:"pendingRoot"`
				Offsets     json.RawMessage `json:"offsets"`
			}
			if err := get(ctx, rep.HTTP+"/v1/tokens/"+t.Instance+"/root", &v); err != nil {
				return "", fmt.Errorf("ticket %s: %w", t.Instance, err)
			}
			// The same state and the same actions pending.
			k := v.StateRoot + "/" + v.PendingRoot
			roots[k] = append(roots[k], rep.Peer)
			views = append(views, fmt.Sprintf("%s: root %s pending %s offsets %s", rep.Peer, v.StateRoot, v.PendingRoot, v.Offsets))
			n++
		}
		if len(roots) != 1 {
			return "", fmt.Errorf("ticket %s: replicas on %d state or pending roots: %s; %s", t.Instance, len(roots), strings.Join(views, "; "), r.stateDiff(ctx, t, rt.Replicas))
		}
	}
	return fmt.Sprintf("%d replicas of %d tickets", n, len(r.d.Info.Tickets)), nil
}

// checkHistory reads every replica's history of every ticket: each status
// an anchor acknowledged on the ticket's flight is there exactly once, and
// no attestation is there twice. A full history (token.MaxHistory items)
// is checked from its oldest status on.
func (r *chaosRun) checkHistory(ctx context.Context) (string, error) {
	byTopic := map[string][]string{}
	for uid, a := range r.acked {
		byTopic[a.Topic] = append(byTopic[a.Topic], uid)
	}
	me := r.d.airline.Address()
	n, full := 0, 0
	for _, t := range r.d.Info.Tickets {
		rt, err := r.d.Client.Route(ctx, t.Instance)
		if err != nil {
			return "", fmt.Errorf("ticket %s: %w", t.Instance, err)
		}
		for _, rep := range rt.Replicas {
			var h struct {
				History []token.HistoryItem `json:"history"`
			}
			if err := r.d.GetAs(ctx, rep.HTTP+"/v1/tokens/"+t.Instance+"/history", t, &h); err != nil {
				return "", fmt.Errorf("ticket %s: %w", t.Instance, err)
			}
			count := map[string]int{}
			var from uint64
			for _, it := range h.History {
				uid := strings.ToLower(it.UID)
				if count[uid]++; count[uid] == 2 {
					return "", fmt.Errorf("ticket %s on %s: attestation %s applied twice", t.Instance, rep.Peer, uid)
				}
				if it.Topic == t.Topic && it.Publisher == me && (from == 0 || it.Seq < from) {
					from = it.Seq
				}
			}
			if len(h.History) >= token.MaxHistory {
				full++
			} else {
				from = 0
			}
			for _, uid := range byTopic[t.Topic] {
				if r.acked[uid].Seq >= from && count[uid] != 1 {
					return "", fmt.Errorf("ticket %s on %s: acknowledged status %s (entry %d) not applied", t.Instance, rep.Peer, uid, r.acked[uid].Seq)
				}
			}
			n++
		}
	}
	detail := fmt.Sprintf("%d histories", n)
	if full > 0 {
		detail += fmt.Sprintf(" (%d full: checked from their oldest status)", full)
	}
	return detail, nil
}

// checkBookings: every booking the hotel made is under the key of one
// action, a trigger's (the instance, the trigger and the status that fired
// it: the same on every replica and every executor) or an integration's;
// a key made up anew after a failover would book the same action twice.
// Every action the executor confirmed is booked under its key, with the
// booking its result names.
func (r *chaosRun) checkBookings(ctx context.Context) (string, error) {
	known := map[string]bool{}
	byTopic := map[string][]wire.InstanceID{}
	for _, t := range r.d.Info.Tickets {
		id, err := wire.ParseInstanceID(t.Instance)
		if err != nil {
			return "", err
		}
		byTopic[t.Topic] = append(byTopic[t.Topic], id)
	}
	for uid, t := range r.published {
		for _, id := range byTopic[t.Topic] {
			known[token.TriggerKey(id, "longDelay", "rebook", uid)] = true
		}
	}
	triggered := 0
	bookings := r.d.HotelServer.Bookings()
	var unknown []string
	for key := range bookings {
		if _, ok := r.actions[key]; ok || strings.HasPrefix(key, fmt.Sprintf("chaos-%d-", r.o.Seed)) {
			continue
		}
		if !known[key] {
			unknown = append(unknown, key)
			continue
		}
		triggered++
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		var ex []string
		for _, k := range unknown[:min(3, len(unknown))] {
			ex = append(ex, k+" ("+r.explainKey(ctx, k)+")")
		}
		return "", fmt.Errorf("%d bookings under keys of no action (a key made anew books an action twice): %s", len(unknown), strings.Join(ex, "; "))
	}
	confirmed := 0
	for key, a := range r.actions {
		if a.Booking == "" {
			continue
		}
		confirmed++
		if got := bookings[key]; got != a.Booking {
			return "", fmt.Errorf("action %s on %s confirmed booking %s; the hotel has %q under its key", key, a.Instance, a.Booking, got)
		}
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	return fmt.Sprintf("%d bookings: %d by triggers, %d by integrations' actions (%d confirmed, each under its key); %d repeated requests answered from the first booking",
		len(bookings), triggered, len(bookings)-triggered, confirmed, r.d.HotelServer.Repeats()), nil
}

// explainKey looks for the history item whose application fired a
// trigger under key, on any replica of any ticket.
func (r *chaosRun) explainKey(ctx context.Context, key string) string {
	for _, t := range r.d.Info.Tickets {
		id, _ := wire.ParseInstanceID(t.Instance)
		rt, err := r.d.Client.Route(ctx, t.Instance)
		if err != nil {
			continue
		}
		for _, rep := range rt.Replicas {
			var h struct {
				History []token.HistoryItem `json:"history"`
			}
			if r.d.GetAs(ctx, rep.HTTP+"/v1/tokens/"+t.Instance+"/history", t, &h) != nil {
				continue
			}
			for _, it := range h.History {
				if token.TriggerKey(id, "longDelay", "rebook", it.UID) == key {
					return fmt.Sprintf("the trigger of ticket %s, fired by %s entry %d of %s (%s) on %s", t.Instance, it.Topic, it.Seq, it.Publisher.Hex(), it.UID, rep.Peer)
				}
			}
		}
	}
	return "no history item of any replica explains it"
}

// inFlightCheck, after a partitions run, checks the action whose executor
// was cut off mid-call: booked at the hotel under its key, pending on no
// replica.
func (r *chaosRun) inFlightCheck() func(context.Context) (string, error) {
	a := r.inFlight
	if a == nil {
		return nil
	}
	return func(ctx context.Context) (string, error) {
		b, ok := r.d.HotelServer.Bookings()[a.Key]
		if !ok {
			return "", fmt.Errorf("no booking under %s", a.Key)
		}
		rt, err := r.d.Client.Route(ctx, a.Ticket.Instance)
		if err != nil {
			return "", err
		}
		for _, rep := range rt.Replicas {
			var v wire.StateView
			if err := r.d.GetAs(ctx, rep.HTTP+"/v1/tokens/"+a.Ticket.Instance+"/state", a.Ticket, &v); err != nil {
				return "", err
			}
			for _, p := range v.Pending {
				if p.Key == a.Key {
					return "", fmt.Errorf("still pending on %s", rep.Peer)
				}
			}
		}
		return fmt.Sprintf("booking %s under its key; executor %s, now %s", b, token.ShortPeer(a.Executor), token.ShortPeer(rt.Executor)), nil
	}
}

// stateDiff names the top-level state fields on which a ticket's replicas
// differ, with each replica's value.
func (r *chaosRun) stateDiff(ctx context.Context, t Ticket, reps []wire.Replica) string {
	states := make([]map[string]json.RawMessage, len(reps))
	keys := map[string]bool{}
	for i, rep := range reps {
		var v wire.StateView
		if err := r.d.GetAs(ctx, rep.HTTP+"/v1/tokens/"+t.Instance+"/state", t, &v); err != nil {
			return "state of " + rep.Peer + ": " + err.Error()
		}
		_ = json.Unmarshal(v.State, &states[i])
		for k := range states[i] {
			keys[k] = true
		}
	}
	var out []string
	for k := range keys {
		var vals []string
		differ := false
		for i := range reps {
			vals = append(vals, fmt.Sprintf("%s=%s", token.ShortPeer(reps[i].Peer), states[i][k]))
			if i > 0 && !wire.SameJSON(states[i][k], states[0][k]) {
				differ = true
			}
		}
		if differ {
			out = append(out, k+": "+strings.Join(vals, " "))
		}
	}
	sort.Strings(out)
	return "fields that differ: " + strings.Join(out, "; ")
}

// candidates says, for each anchor, the service nodes it sees up and those
// its sampling excludes from placement: why a ticket may have fewer
// replicas than its target.
func (r *chaosRun) candidates(ctx context.Context) string {
	var out []string
	for i, a := range r.d.Info.Anchors {
		var v struct {
			Services []struct {
				Peer  string `json:"peer"`
				State string `json:"state"`
			} `json:"services"`
			Sampling struct {
				ExcludeBelow float64 `json:"excludeBelow"`
				Nodes        map[string]struct {
					Score float64 `json:"score"`
				} `json:"nodes"`
			} `json:"sampling"`
		}
		if err := get(ctx, a.HTTP+"/v1/network", &v); err != nil {
			out = append(out, fmt.Sprintf("anchor %d: %v", i, err))
			continue
		}
		up, excluded := 0, 0
		for _, s := range v.Services {
			if s.State == wire.StateUp {
				up++
			}
			if n, ok := v.Sampling.Nodes[s.Peer]; ok && n.Score < v.Sampling.ExcludeBelow {
				excluded++
			}
		}
		out = append(out, fmt.Sprintf("anchor %d sees %d of %d service nodes up, %d excluded by sampling", i, up, len(v.Services), excluded))
	}
	return strings.Join(out, "; ")
}
