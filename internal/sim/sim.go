package sim

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/examples/flight-ticket/model"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// Config sizes a simulated network and its faults.
type Config struct {
	Anchors, Services, Instances int
	Seed                         uint64
	Replicas                     int           // per instance (3)
	Flights                      int           // tickets share flights (Instances/50)
	Statuses                     int           // flight statuses the airline publishes
	Latency                      time.Duration // median one-way link latency (50 ms)
	Loss                         float64       // share of gossip forwards lost (0.01)
	Crash                        float64       // share of service nodes killed at 10 s
	Restart                      float64       // share of the killed that come back at 25 s
	Partition                    float64       // share of service nodes cut off from 5 s to 12 s
	Degree                       int           // gossip forwards per node (6, GossipSub's D)
	Lookups                      int           // record lookups measured
	// DHTAll makes every node a DHT member for the lookup measure (default:
	// the anchors only, as the network runs it).
	DHTAll bool
	// Broadcasts publishes this many messages on one topic every service
	// node follows, to compare propagation with GossipSub's published
	// figures (reported as broadcastMs).
	Broadcasts int
	// LookupsOnly measures lookups and stops: no workload, no checks.
	LookupsOnly bool
	End         time.Duration // virtual end of the workload (40 s); repair runs on
}

// Defaults fills zero fields.
func (c *Config) Defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Anchors, 3)
	def(&c.Services, 12)
	def(&c.Instances, 100)
	def(&c.Replicas, 3)
	def(&c.Flights, max(1, c.Instances/50))
	def(&c.Statuses, min(2*c.Flights, 400))
	def(&c.Degree, 6)
	def(&c.Lookups, 300)
	if c.Latency == 0 {
		c.Latency = 50 * time.Millisecond
	}
	if c.End == 0 {
		c.End = 40 * time.Second
	}
}

// Check validates a configuration.
func (c *Config) Check() error {
	switch {
	case c.Anchors < 1 || c.Services < 1 || c.Instances < 1:
		return fmt.Errorf("sim: need at least one anchor, service node and instance (got %d, %d, %d)", c.Anchors, c.Services, c.Instances)
	case c.Replicas > c.Services:
		return fmt.Errorf("sim: %d replicas need at least as many service nodes, not %d", c.Replicas, c.Services)
	case c.Loss < 0 || c.Loss >= 1 || c.Crash < 0 || c.Crash >= 1 || c.Partition < 0 || c.Partition >= 1 || c.Restart < 0 || c.Restart > 1:
		return fmt.Errorf("sim: loss, crash and partition are shares in [0, 1)")
	case c.Anchors+c.Services > 100_000 || c.Instances > 1_000_000:
		return fmt.Errorf("sim: at most 100,000 nodes and 1,000,000 instances")
	}
	return nil
}

// Report is what a run measured and checked. It holds no wall-clock
// figure, so the same seed prints the same report.
type Report struct {
	Config     Config   `json:"config"`
	Events     uint64   `json:"events"`
	LookupHops Dist     `json:"lookupHops"`
	DHTMembers int      `json:"dhtMembers"`
	Gossip     Dist     `json:"gossipPropagationMs"`
	Broadcast  Dist     `json:"broadcastMs,omitempty"`
	Placement  Traffic  `json:"placement"`
	Actions    Actions  `json:"actions"`
	Repair     Repair   `json:"repair"`
	Findings   Findings `json:"findings"`
	Violations []string `json:"violations"`
}

// Findings are protocol behaviours a run observed that the invariants do
// not forbid yet.
type Findings struct {
	// PendingDivergence counts instances whose replicas, on the same state
	// root, disagree on their pending actions.
	PendingDivergence int    `json:"pendingDivergence"`
	Example           string `json:"example,omitempty"`
}

// Dist summarises a sample.
type Dist struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// Traffic counts placement work.
type Traffic struct {
	Records        int `json:"records"`        // records signed, first placement included
	Moved          int `json:"moved"`          // records that replaced another (re-placement)
	CatchUpEntries int `json:"catchUpEntries"` // log entries new replicas fetched
}

// Actions counts triggered actions.
type Actions struct {
	Started    int `json:"started"`    // distinct idempotency keys triggered
	Executions int `json:"executions"` // hotel calls, retries and failovers included
	Effects    int `json:"effects"`    // distinct bookings made
	Results    int `json:"results"`    // result attestations published
	Fenced     int `json:"fenced"`     // results replicas refused from stale executors
}

// Repair measures recovery after the churn.
type Repair struct {
	Killed, Restarted, Partitioned int
	// Ms from the kill until every instance is back on its target number
	// of live replicas that agree on one state root; -1 if never.
	Ms int64 `json:"ms"`
}

type node struct {
	idx    int
	anchor bool
	key    *nodekey.Key
	peer   string
	up     bool
	cut    bool // partitioned off
	store  *attlog.MemStorage
	log    *attlog.Log
	seen   map[uint64]bool // entries seen, by seenKey
	// service nodes
	inst    map[wire.InstanceID]*token.Instance
	follows map[string][]wire.InstanceID
	running map[string]bool
	// anchors
	records    map[wire.InstanceID]*placement.Record
	view       map[int]bool // service nodes seen down
	mine       []placement.Placed
	planned    map[string]bool // candidates of the last plan
	planSeed   [32]byte
	planQueued bool
	rejoined   []*node // came back since the last plan
	// publisher state per topic
	seq  map[string]uint64
	prev map[string]common.Hash
}

type world struct {
	cfg      Config
	rng      *rand.Rand
	clk      clock
	nodes    []*node
	anchors  []*node
	services []*node
	byPeer   map[string]*node
	env      *token.Env
	airline  *nodekey.Key
	subs     map[string][]int // topic -> service nodes following
	tickets  map[wire.InstanceID]json.RawMessage
	flightOf map[wire.InstanceID]int
	atts     map[string]*attest.Signed // entry key -> attestation
	pubAt    map[string]time.Duration  // entry key -> publish time
	heads    map[attlog.StreamID]uint64
	hotel    map[string]int // idempotency key -> executions
	started  map[string]bool
	report   Report
	gossipMs []float64
	bcastMs  []float64
	bcast    map[string]bool // entry keys of broadcast messages
	killAt   time.Duration
	repaired bool
}

// Run simulates one network and returns its report.
func Run(cfg Config) (*Report, error) {
	cfg.Defaults()
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	w := &world{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5ca1ab1e)), byPeer: map[string]*node{},
		subs: map[string][]int{}, tickets: map[wire.InstanceID]json.RawMessage{}, flightOf: map[wire.InstanceID]int{},
		atts: map[string]*attest.Signed{}, pubAt: map[string]time.Duration{}, heads: map[attlog.StreamID]uint64{}, hotel: map[string]int{}, started: map[string]bool{}, bcast: map[string]bool{}}
	w.report.Config = cfg
	if err := w.build(); err != nil {
		return nil, err
	}
	w.measureLookups()
	if cfg.LookupsOnly {
		return &w.report, nil
	}
	w.schedule()
	// The workload, then repair until the network is quiet (bounded).
	w.clk.run(cfg.End + repairWindow)
	w.check()
	w.report.Events = w.clk.events
	w.report.Gossip = dist(w.gossipMs)
	w.report.Broadcast = dist(w.bcastMs)
	for _, n := range w.hotel {
		w.report.Actions.Executions += n
	}
	w.report.Actions.Effects = len(w.hotel)
	w.report.Actions.Started = len(w.started)
	return &w.report, nil
}

func keyOf(seed uint64, i int) *nodekey.Key {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], seed)
	binary.BigEndian.PutUint64(b[8:], uint64(i))
	for n := byte(0); ; n++ {
		k, err := crypto.ToECDSA(crypto.Keccak256([]byte("smartlayer-sim"), b[:], []byte{n}))
		if err == nil {
			return nodekey.FromECDSA(k)
		}
	}
}

func (w *world) build() error {
	man, err := (&tokenscript.Bundle{Files: flightticket.Files()}).Manifest()
	if err != nil {
		return err
	}
	w.airline = keyOf(w.cfg.Seed, -1)
	anchorAddr := map[common.Address]bool{}
	for i := 0; i < w.cfg.Anchors+w.cfg.Services; i++ {
		k := keyOf(w.cfg.Seed, i)
		n := &node{idx: i, anchor: i < w.cfg.Anchors, key: k, peer: k.PeerID().String(), up: true, store: attlog.NewMem(),
			seen: map[uint64]bool{}, seq: map[string]uint64{}, prev: map[string]common.Hash{}}
		n.log, _ = attlog.New(n.store, 0)
		n.log.KeepReplays = true
		if n.anchor {
			n.records, n.view, n.planned = map[wire.InstanceID]*placement.Record{}, map[int]bool{}, map[string]bool{}
			anchorAddr[k.Address()] = true
			w.anchors = append(w.anchors, n)
		} else {
			n.inst, n.follows, n.running = map[wire.InstanceID]*token.Instance{}, map[string][]wire.InstanceID{}, map[string]bool{}
			w.services = append(w.services, n)
		}
		w.nodes = append(w.nodes, n)
		w.byPeer[n.peer] = n
	}
	// Instances: tickets on flights, each planned by its responsible anchor.
	var seed [32]byte
	binary.BigEndian.PutUint64(seed[24:], w.cfg.Seed)
	au := &placement.Authority{Anchors: map[string]common.Address{}, Seed: func(e uint64) ([32]byte, bool) { return seed, e == 0 }}
	for _, a := range w.anchors {
		au.Anchors[a.peer] = a.key.Address()
	}
	w.env = &token.Env{Script: model.Script{}, Subscriptions: man.Service.Subscriptions, Triggers: man.Service.Triggers,
		Issuers:     func(string) []common.Address { return []common.Address{w.airline.Address()} },
		IsAnchor:    func(a common.Address) bool { return anchorAddr[a] },
		CheckRecord: au.Check}
	peers := make([]string, len(w.anchors))
	for i, a := range w.anchors {
		peers[i] = a.peer
	}
	for i := 0; i < w.cfg.Instances; i++ {
		id := wire.InstanceID(crypto.Keccak256Hash(seed[:], []byte(fmt.Sprint("ticket", i))))
		f := w.rng.IntN(w.cfg.Flights)
		w.flightOf[id] = f
		w.tickets[id], _ = json.Marshal(map[string]any{"uid": id.String(), "recipient": common.Address{byte(i)}.Hex(), "time": 1_700_000_000,
			"data": map[string]any{"flight": flightName(f), "date": "2026-12-01", "passenger": fmt.Sprint("p", i), "seat": "1A"}})
		resp, _ := placement.Responsible(placement.DHTKey(seed, id), peers)
		a := w.byPeer[resp]
		a.mine = append(a.mine, placement.Placed{ID: id, Bundle: "0x01", Replicas: w.cfg.Replicas})
	}
	for _, a := range w.anchors {
		a.planSeed = seed
	}
	return nil
}

func flightName(f int) string { return fmt.Sprintf("SL%04d", f) }
