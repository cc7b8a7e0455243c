package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// ChaosOptions configure a chaos run (Chaos): a devnet of OS processes kept
// busy by an airline, integrations and actions while nodes are killed,
// restarted and paused; then healed and checked.
type ChaosOptions struct {
	// Seed drives the fault schedule (which fault, which node, when and for
	// how long) and the workload's choices: the same seed replays them.
	Seed uint64
	// Duration of the faults under load.
	Duration time.Duration
	// Heal bounds how long the network may take to settle afterwards.
	Heal time.Duration
	// Net is the devnet to run (Procs and Binary are required).
	Net Options
	// Out receives progress lines as the run goes.
	Out io.Writer
	// Partitions runs each node in a network namespace of its own (root
	// and iproute2 needed) and, instead of the random schedule, cuts one
	// anchor off, then the executor of a ticket with an action in flight,
	// and heals each; Duration is then unused.
	Partitions bool
}

// Fault is one fault a chaos run injected.
type Fault struct {
	AtMs   int64     `json:"atMs"` // since the faults began
	Kind   string    `json:"kind"` // "kill -9" (then a restart on the same data), "pause" (SIGSTOP, then SIGCONT) or "partition" (link down, then up)
	Role   node.Role `json:"role"`
	Index  int       `json:"index"`
	HoldMs int64     `json:"holdMs"` // how long the node stayed down or paused
	Err    string    `json:"error,omitempty"`
}

// Check is one invariant a chaos run checked after healing.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// ChaosReport is what a chaos run did and what it found.
type ChaosReport struct {
	Seed       uint64  `json:"seed"`
	DurationMs int64   `json:"durationMs"`
	Faults     []Fault `json:"faults"`
	// Statuses the airline published, and how many an anchor acknowledged.
	Published int `json:"published"`
	Acked     int `json:"acked"`
	// Queries and actions the integration made, and how many succeeded.
	Queries   int `json:"queries"`
	QueriesOK int `json:"queriesOk"`
	Actions   int `json:"actions"`
	ActionsOK int `json:"actionsOk"`
	// Bookings at the hotel, and requests that repeated a booked key.
	Bookings int     `json:"bookings"`
	Repeats  int     `json:"repeats"`
	HealMs   int64   `json:"healMs"`
	Checks   []Check `json:"checks"`
}

// OK reports whether every check passed.
func (r *ChaosReport) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// chaosRun is the state of one run: what the workload saw acknowledged.
type chaosRun struct {
	d   *Devnet
	o   ChaosOptions
	out io.Writer
	t0  time.Time

	mu        sync.Mutex
	faults    []Fault
	published map[string]Ticket // every status UID the airline signed -> a ticket of its flight (topic)
	acked     map[string]ackedStatus
	// inFlight is the action the partitions run had its executor cut off
	// in the middle of.
	inFlight  *inFlightAction
	target    *Ticket // with Partitions: the ticket inFlight is on
	actions   map[string]actionAck
	queries   atomic.Int64
	queriesOK atomic.Int64
	nActions  atomic.Int64
	lat       *latencies // when set (soak), the latency of each answered query
}

// ackedStatus is a status an anchor acknowledged: on its topic, at seq of
// the airline's stream.
type ackedStatus struct {
	Topic string
	Seq   uint64
}

// actionAck is an action the executor answered.
type actionAck struct {
	Instance string
	Booking  string // the booking ID its result names, if confirmed
}

// ErrNoNetns is Chaos's error when partitions were asked for and this host
// cannot make network namespaces.
var ErrNoNetns = errors.New("network namespaces unavailable")

// Chaos starts a devnet of OS processes, runs the workload and the faults
// for o.Duration, heals every node and checks the invariants. A check that
// fails is in the report (OK false), not an error: the error is for a run
// that could not be made.
func Chaos(ctx context.Context, o ChaosOptions) (*ChaosReport, error) {
	if !o.Net.Procs || o.Net.Binary == "" {
		return nil, errors.New("chaos needs a devnet of processes (Procs, Binary)")
	}
	if (o.Duration <= 0 && !o.Partitions) || o.Heal <= 0 {
		return nil, errors.New("chaos needs a duration and a heal time above zero")
	}
	if o.Partitions {
		if err := NetnsAvailable(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoNetns, err)
		}
		o.Net.Netns, o.Duration = true, 0
	}
	if o.Net.Anchors < 3 || o.Net.Services < 4 {
		return nil, fmt.Errorf("chaos kills one anchor and one service node at a time: it needs at least 3 anchors and 4 service nodes (have %d, %d)", o.Net.Anchors, o.Net.Services)
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	o.Net.Progress = nil
	fmt.Fprintf(out, "chaos: seed %d; starting %d anchors and %d service nodes as processes, %d tickets\n", o.Seed, o.Net.Anchors, o.Net.Services, o.Net.Tickets)
	d, err := Start(ctx, o.Net)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	r := &chaosRun{d: d, o: o, out: out, published: map[string]Ticket{}, acked: map[string]ackedStatus{}, actions: map[string]actionAck{}}
	targets := map[string]int{}
	for _, t := range d.Info.Tickets {
		rt, err := d.Client.Route(ctx, t.Instance)
		if err != nil {
			return nil, fmt.Errorf("route of %s before the faults: %w", t.Instance, err)
		}
		targets[t.Instance] = len(rt.Replicas)
	}
	for _, s := range d.demoStatuses {
		r.published[s.UID] = s.Ticket
	}

	if o.Partitions {
		// The ticket whose executor is cut off mid-action; the workload
		// leaves its rebooking alone.
		tk, ok := r.ticketToRebook(ctx)
		if !ok {
			return nil, errors.New("partitions: no ticket under three hours late and not rebooked")
		}
		r.target = &tk
	}
	r.t0 = time.Now()
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	if o.Partitions {
		fmt.Fprintf(out, "chaos: partitions under load, each node in its own network namespace\n")
	} else {
		fmt.Fprintf(out, "chaos: %s of faults under load\n", o.Duration)
		fctx, stop = context.WithTimeout(ctx, o.Duration)
		defer stop()
	}
	wg := r.workload(fctx)
	if o.Partitions {
		err := r.partitions(ctx)
		stop()
		wg.Wait()
		if err != nil {
			return nil, err
		}
	} else {
		var faultsWG sync.WaitGroup
		for i, role := range []node.Role{node.RoleAnchor, node.RoleService} {
			rng := mrand.New(mrand.NewPCG(o.Seed, uint64(i+1)))
			faultsWG.Add(1)
			go func() { defer faultsWG.Done(); r.faultLoop(fctx, ctx, rng, role) }()
		}
		faultsWG.Wait()
		wg.Wait()
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	rep := &ChaosReport{Seed: o.Seed, DurationMs: time.Since(r.t0).Milliseconds(), Faults: r.faults,
		Published: len(r.published) - len(d.demoStatuses), Acked: len(r.acked), Queries: int(r.queries.Load()), QueriesOK: int(r.queriesOK.Load()),
		Actions: int(r.nActions.Load()), ActionsOK: len(r.actions)}
	fmt.Fprintf(out, "chaos: %d faults injected; healing (every node running, up to %s to settle)\n", len(r.faults), o.Heal)
	healStart := time.Now()
	rep.Checks = r.check(ctx, targets, time.Now().Add(o.Heal))
	rep.HealMs = time.Since(healStart).Milliseconds()
	rep.Bookings, rep.Repeats = len(d.HotelServer.Bookings()), d.HotelServer.Repeats()
	return rep, nil
}

// workload starts the airline, the integration's queries and its actions,
// each with its own source drawn from the seed, until ctx ends.
func (r *chaosRun) workload(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i, f := range []func(context.Context, *mrand.Rand){r.publish, r.query, r.act} {
		rng := mrand.New(mrand.NewPCG(r.o.Seed, uint64(100+i)))
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx, rng) }()
	}
	return &wg
}

// faultLoop injects faults into nodes of one role, one at a time, until
// ctx ends: at most one anchor and one service node are down at once,
// which the network is built to tolerate (three replicas, a majority of
// anchors). Each fault is undone before the next; heal is the context the
// undo runs under, so a fault in progress is always undone.
func (r *chaosRun) faultLoop(ctx, heal context.Context, rng *mrand.Rand, role node.Role) {
	n := r.o.Net.Anchors
	if role == node.RoleService {
		n = r.o.Net.Services
	}
	for {
		// The schedule is drawn whole before it waits, so that a seed
		// gives the same faults whatever the timing.
		gap := 500*time.Millisecond + time.Duration(rng.IntN(2000))*time.Millisecond
		kind := "kill -9"
		if rng.IntN(3) == 0 {
			kind = "pause"
		}
		i := rng.IntN(n)
		hold := time.Second + time.Duration(rng.IntN(4000))*time.Millisecond
		if !sleepCtx(ctx, gap) {
			return
		}
		f := Fault{AtMs: time.Since(r.t0).Milliseconds(), Kind: kind, Role: role, Index: i, HoldMs: hold.Milliseconds()}
		fmt.Fprintf(r.out, "  %6.1fs  %-7s %s %d for %.1fs\n", float64(f.AtMs)/1000, kind, role, i, hold.Seconds())
		var err error
		if kind == "pause" {
			err = r.d.Pause(role, i)
		} else {
			err = r.d.Crash(role, i)
		}
		if err == nil {
			time.Sleep(hold) // the fault's length: a schedule, not a wait for anything
			if kind == "pause" {
				err = r.d.Resume(role, i)
			} else {
				err = r.d.Revive(heal, role, i)
			}
		}
		if err != nil {
			f.Err = err.Error()
			fmt.Fprintf(r.out, "  %6.1fs  %s %s %d failed: %v\n", time.Since(r.t0).Seconds(), kind, role, i, err)
		}
		r.mu.Lock()
		r.faults = append(r.faults, f)
		r.mu.Unlock()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// publish has the airline publish flight statuses through anchor 0, about
// five a second over the flights; a third are delays of three hours or
// more, which start the tickets' rebook trigger.
func (r *chaosRun) publish(ctx context.Context, rng *mrand.Rand) {
	byTopic := map[string]Ticket{}
	var topics []string
	for _, t := range r.d.Info.Tickets {
		if _, ok := byTopic[t.Topic]; !ok {
			topics = append(topics, t.Topic)
		}
		byTopic[t.Topic] = t
	}
	for sleepCtx(ctx, 200*time.Millisecond) {
		t := byTopic[topics[rng.IntN(len(topics))]]
		delay := []int{0, 30, 200}[rng.IntN(3)]
		if r.o.Partitions {
			delay = []int{0, 30}[rng.IntN(2)] // the script makes the long delay
		}
		status := "delayed"
		if delay == 0 {
			status = "on time"
		}
		att, err := SignStatus(r.d.airline, r.d.cfgBase.Network.ChainID, common.HexToAddress(r.d.cfgBase.Network.EAS), t.Flight, t.Date, delay, status, time.Now())
		if err != nil {
			continue
		}
		s, err := attest.Parse(att)
		if err != nil {
			continue
		}
		uid := strings.ToLower(s.UID.String())
		r.mu.Lock()
		r.published[uid] = t
		r.mu.Unlock()
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		e, err := r.d.publisher.Publish(cctx, t.Topic, att)
		cancel()
		if err == nil {
			r.mu.Lock()
			r.acked[uid] = ackedStatus{Topic: t.Topic, Seq: e.Seq}
			r.mu.Unlock()
		}
	}
}

// query asks random tickets their status, as an integration would.
func (r *chaosRun) query(ctx context.Context, rng *mrand.Rand) {
	tickets := r.d.Info.Tickets
	for sleepCtx(ctx, 50*time.Millisecond) {
		t := tickets[rng.IntN(len(tickets))]
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		start := time.Now()
		_, err := r.d.Client.QueryWith(cctx, t.Instance, "status", nil, t.Header())
		cancel()
		r.queries.Add(1)
		if err == nil {
			r.queriesOK.Add(1)
			if r.lat != nil {
				r.lat.add(time.Since(start))
			}
		}
	}
}

// act runs the rebook action on random tickets, about twice a second, each
// under a fresh idempotency key that a failed call retries once.
func (r *chaosRun) act(ctx context.Context, rng *mrand.Rand) {
	tickets := r.d.Info.Tickets
	args := map[string]string{"hotel": r.d.Info.Hotel.HTTP}
	for n := 0; sleepCtx(ctx, 500*time.Millisecond); n++ {
		t := tickets[rng.IntN(len(tickets))]
		if r.target != nil && t.Instance == r.target.Instance {
			continue
		}
		key := fmt.Sprintf("chaos-%d-%d", r.o.Seed, n)
		r.nActions.Add(1)
		for try := 0; try < 2; try++ {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			out, _, err := r.d.Client.Action(cctx, t.Instance, "rebook", key, args, t.Header())
			cancel()
			if err != nil {
				continue
			}
			var res struct {
				Rebooking string `json:"rebooking"`
				Booking   string `json:"booking"`
			}
			_ = json.Unmarshal(out.Result, &res)
			ack := actionAck{Instance: t.Instance}
			if res.Rebooking == "confirmed" {
				ack.Booking = res.Booking
			}
			r.mu.Lock()
			r.actions[key] = ack
			r.mu.Unlock()
			break
		}
	}
}

// get reads a public URL into out.
func get(ctx context.Context, url string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return getJSON(ctx, url, out)
}

// scrape reads a node's /metrics.
func scrape(ctx context.Context, base string) error {
	_, err := metrics(ctx, base)
	return err
}

// metrics is a node's /metrics text (at most 4 MiB of it).
func metrics(ctx context.Context, base string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "smartlayer_") {
		return "", fmt.Errorf("%s/metrics: %s", base, resp.Status)
	}
	return string(b), nil
}

// Metric reads one sample of a node's /metrics, named as the text names it
// (with its labels: `name{label="value"}`); 0 when the node has none.
func Metric(ctx context.Context, base, name string) (float64, error) {
	text, err := metrics(ctx, base)
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, nil
}

// inFlightAction is a triggered action whose executor was cut off while
// the hotel held its booking's answer.
type inFlightAction struct {
	Ticket   Ticket
	Key      string
	Executor string
}

// partitions is the scripted run of Partitions: one anchor cut off for
// longer than the others take to vote it down, then the executor of a
// ticket while its triggered rebooking waits on the hotel's answer, each
// healed after.
func (r *chaosRun) partitions(ctx context.Context) error {
	hold := 8 * time.Second // above down_after (6 heartbeats of 500 ms) with room
	cut := func(role node.Role, i int, why string) error {
		f := Fault{AtMs: time.Since(r.t0).Milliseconds(), Kind: "partition", Role: role, Index: i, HoldMs: hold.Milliseconds()}
		fmt.Fprintf(r.out, "  %6.1fs  cut %s %d off for %.0fs (%s)\n", float64(f.AtMs)/1000, role, i, hold.Seconds(), why)
		err := r.d.Partition(role, i)
		if err == nil {
			time.Sleep(hold) // the partition's length: a schedule, not a wait for anything
			err = r.d.Reconnect(role, i)
		}
		if err != nil {
			f.Err = err.Error()
		}
		r.mu.Lock()
		r.faults = append(r.faults, f)
		r.mu.Unlock()
		return err
	}
	if !sleepCtx(ctx, 3*time.Second) {
		return ctx.Err()
	}
	if err := cut(node.RoleAnchor, 1, "an anchor"); err != nil {
		return err
	}
	if !sleepCtx(ctx, 3*time.Second) {
		return ctx.Err()
	}

	// A ticket on a flight whose last status is under three hours late:
	// a new status of 200 minutes starts its rebooking. The hotel holds
	// each booking's answer for 5 s, so the executor is cut off with the
	// call made and no result published.
	tk := *r.target
	id, _ := wire.ParseInstanceID(tk.Instance)
	rt, err := r.d.Client.Route(ctx, tk.Instance)
	if err != nil {
		return err
	}
	exec := -1
	for i, s := range r.d.Info.Services {
		if s.Peer == rt.Executor {
			exec = i
		}
	}
	if exec < 0 {
		return fmt.Errorf("partitions: executor %s of %s is no service node of the devnet", rt.Executor, tk.Instance)
	}
	booked := make(chan string, 64)
	r.d.HotelServer.OnBook(func(key string) {
		select {
		case booked <- key:
		default:
		}
	})
	defer r.d.HotelServer.OnBook(nil)
	r.d.HotelServer.SetFaults("ok", 5*time.Second, 0)
	defer r.d.HotelServer.SetFaults("ok", 0, 0)
	att, err := SignStatus(r.d.airline, r.d.cfgBase.Network.ChainID, common.HexToAddress(r.d.cfgBase.Network.EAS), tk.Flight, tk.Date, 200, "delayed", time.Now())
	if err != nil {
		return err
	}
	s, _ := attest.Parse(att)
	uid := strings.ToLower(s.UID.String())
	r.mu.Lock()
	r.published[uid] = tk
	r.mu.Unlock()
	e, err := r.d.publisher.Publish(ctx, tk.Topic, att)
	if err != nil {
		return fmt.Errorf("partitions: publish the long delay: %w", err)
	}
	r.mu.Lock()
	r.acked[uid] = ackedStatus{Topic: tk.Topic, Seq: e.Seq}
	r.mu.Unlock()
	key := token.TriggerKey(id, "longDelay", "rebook", uid)
	wait := time.NewTimer(30 * time.Second)
	defer wait.Stop()
	for done := false; !done; {
		select {
		case k := <-booked:
			done = k == key
		case <-wait.C:
			return fmt.Errorf("partitions: the executor of %s did not call the hotel within 30s of the long delay", tk.Instance)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	r.inFlight = &inFlightAction{Ticket: tk, Key: key, Executor: rt.Executor}
	r.mu.Unlock()
	if err := cut(node.RoleService, exec, "the executor of "+tk.Instance[:10]+"… with its rebooking in flight"); err != nil {
		return err
	}
	sleepCtx(ctx, 2*time.Second)
	return ctx.Err()
}

// ticketToRebook finds a ticket whose delay is under three hours and that
// has not been rebooked: a long delay will make its executor call the
// hotel (the action skips a ticket rebooked already).
func (r *chaosRun) ticketToRebook(ctx context.Context) (Ticket, bool) {
	// A flight the devnet's start made three hours late rebooks its
	// tickets by itself, maybe after the query below read a replica that
	// had not applied that status yet.
	late := map[string]bool{}
	for _, s := range r.d.demoStatuses {
		if s.Delay >= 180 {
			late[s.Ticket.Topic] = true
		}
	}
	for _, t := range r.d.Info.Tickets {
		if late[t.Topic] {
			continue
		}
		var v struct {
			Delay     int    `json:"delayMinutes"`
			Rebooking string `json:"rebooking"`
		}
		out, err := r.d.Client.QueryWith(ctx, t.Instance, "status", nil, t.Header())
		if err != nil || json.Unmarshal(out, &v) != nil {
			continue
		}
		if v.Delay < 180 && v.Rebooking != "confirmed" {
			return t, true
		}
	}
	return Ticket{}, false
}
