// Package devnet runs a whole Smart Layer network on one machine: anchors,
// service nodes and the flight-ticket token with its tickets, in one process
// or one OS process per node.
package devnet

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/chain/devchain"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/client"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	carrental "github.com/smartlayer/smartlayer/examples/flight-ticket/car-rental"
	"github.com/smartlayer/smartlayer/examples/flight-ticket/hotel"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/p2p"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// Options configure a devnet.
type Options struct {
	Anchors  int
	Services int
	Tickets  int
	Flights  int
	// LoungePasses: the lounge-pass token (examples/lounge-pass) is
	// published and the first LoungePasses tickets' passengers get a pass,
	// each with a grant from the passenger to the pass (devnet.json
	// "loungePasses"): a token that reads another.
	LoungePasses int
	// DataDir keeps state across runs; empty means a temporary directory
	// removed by Close.
	DataDir string
	// Procs runs every node as its own OS process of Binary.
	Procs  bool
	Binary string
	// Netns, with Procs, runs each node in a Linux network namespace of its
	// own, linked to the others by a bridge (root and iproute2 needed;
	// NetnsAvailable says why not): Partition cuts a node off.
	Netns bool
	// InMemory runs the in-process nodes on one transport.MemNetwork
	// rather than libp2p sockets (HTTP stays real): many nodes in one
	// process, no ports for p2p.
	InMemory bool
	// HeartbeatInterval of every node; service nodes are down after 6 missed.
	HeartbeatInterval time.Duration
	// DemoAirline keeps a stream of flight updates going until Close.
	DemoAirline bool
	// Chain runs a local chain (go-ethereum's simulated backend, served
	// over HTTP JSON-RPC) with the contracts deployed, every node staked
	// and registered and the flight ticket's type registered
	// (devnet.json "chain"); anchors admit the service nodes staked there.
	Chain bool
	// ChainRPC, with Chain, is an EVM JSON-RPC endpoint to use instead of
	// the embedded chain (geth --dev, say); ChainFunder is a key of an
	// account there with ether, which pays the devnet's accounts their gas.
	ChainRPC    string
	ChainFunder *ecdsa.PrivateKey
	// UnstakedServices, with Chain, leaves the last service nodes
	// unregistered on chain (tests: anchors refuse them).
	UnstakedServices int
	// TicketRentEpochs, with Chain, is how many epochs of rent the airline
	// pays for the flight ticket's type (0: about a year).
	TicketRentEpochs int
	// AdvanceEpochs, with Chain, has the anchors start each epoch on chain
	// when its first block is mined (network.advance_epochs); off, epochs
	// start only when someone calls advance (smartlayer chain advance), so
	// instances stay where they are placed.
	AdvanceEpochs bool
	// GossipDrop drops this share of gossip on every service node (tests).
	GossipDrop float64
	// CorruptService, when above 0, makes service node CorruptService-1
	// apply attestations wrongly (tests).
	CorruptService int
	// WrapScript, when set, wraps the token modules service node i loads
	// (tests: a replica that drifts, a module that is not deterministic).
	WrapScript func(i int) func(token.Script) token.Script
	// SequencerKey, when set, is the key file anchor 0 sequences posted
	// attestations with (network.publisher_key).
	SequencerKey string
	// Receipts is the service nodes' service.receipts ("" = the default).
	Receipts string
	// Delayable puts a proxy in front of each in-process service node's
	// HTTP API whose delay SetHTTPDelay sets while the devnet runs (a
	// replica made slow: tests and bench query --slow).
	Delayable bool
	// Configure, when set, adjusts every node's configuration last (tests:
	// shorter timeouts, faster sampling).
	Configure func(role node.Role, i int, cfg *node.Config)
	// Platforms, when set, are given to the service nodes in turn
	// (service.platform), to try partial fallback placement.
	Platforms []string
	Log       *slog.Logger
	// Progress receives one line per step.
	Progress io.Writer
}

// DefaultOptions are the defaults of `smartlayer devnet`.
func DefaultOptions() Options {
	return Options{Anchors: 3, Services: 5, Tickets: 100, Flights: 5, HeartbeatInterval: 500 * time.Millisecond}
}

func (o *Options) validate() error {
	var errs []error
	if o.Anchors < 1 || o.Anchors > 32 {
		errs = append(errs, fmt.Errorf("--anchors %d: want 1 to 32", o.Anchors))
	}
	if o.Services < 1 || o.Services > 200 {
		errs = append(errs, fmt.Errorf("--services %d: want 1 to 200", o.Services))
	}
	if o.ChainRPC != "" && (!o.Chain || o.ChainFunder == nil) {
		errs = append(errs, errors.New("an external chain RPC needs the chain on and a funder key"))
	}
	if o.UnstakedServices < 0 || o.UnstakedServices >= o.Services || o.UnstakedServices > 0 && !o.Chain {
		errs = append(errs, fmt.Errorf("unstaked services %d: want 0 to services-1, with the chain on", o.UnstakedServices))
	}
	if o.Tickets < 0 || o.Tickets > 100_000 {
		errs = append(errs, fmt.Errorf("--tickets %d: want 0 to 100000", o.Tickets))
	}
	if o.Flights < 1 || o.Flights > len(flightCodes) {
		errs = append(errs, fmt.Errorf("--flights %d: want 1 to %d", o.Flights, len(flightCodes)))
	}
	if o.HeartbeatInterval < 50*time.Millisecond {
		errs = append(errs, fmt.Errorf("heartbeat interval %s: want at least 50ms", o.HeartbeatInterval))
	}
	if o.Netns && (!o.Procs || o.Chain) {
		errs = append(errs, errors.New("network namespaces are for a devnet of processes (--procs) without the local chain"))
	}
	if o.InMemory && o.Procs {
		errs = append(errs, errors.New("an in-memory network runs in one process: not with --procs"))
	}
	return errors.Join(errs...)
}

// Endpoint is one node in devnet.json.
type Endpoint struct {
	Peer    string   `json:"peer"`
	Address string   `json:"address"`
	HTTP    string   `json:"http"`
	P2P     []string `json:"p2p"`
	Data    string   `json:"data"`
}

// Airline is the demo issuer.
type Airline struct {
	Key     string `json:"key"`
	Address string `json:"address"`
}

// Ticket is one issued flight ticket.
type Ticket struct {
	Instance  string `json:"instance"`
	Flight    string `json:"flight"`
	Date      string `json:"date"`
	Passenger string `json:"passenger"`
	Seat      string `json:"seat"`
	// Holder is the passenger's address: the ticket's owner.
	Holder string `json:"holder"`
	// OwnerKey is the passenger's key (hex; a test key of this devnet), so
	// a test or a tool can act as the owner: sign grants and revocations,
	// read its own ticket.
	OwnerKey string `json:"ownerKey,omitempty"`
	// Headers carry the demo integration's grant (query:status,
	// action:rebook, read:state, read:history), ready to send with a call
	// signed by the integration's key (Devnet.Sign; the devnet's Client
	// signs its calls with it).
	Headers map[string]string `json:"headers,omitempty"`
	// Topic of the flight's status attestations.
	Topic string `json:"topic"`
	// Kept in tickets.json only: the signed ticket and the passenger's key.
	Attestation  json.RawMessage `json:"attestation,omitempty"`
	PassengerKey string          `json:"passengerKey,omitempty"`
}

// maxDevnetPrice is the most a call on the devnet costs (the flight
// ticket's actions).
const maxDevnetPrice = 20

// Sign returns h with the demo integration's signature over a request
// (method, the URL's path and query, body), as a call under a grant needs
// (wire.SignatureHeader). Each call signs afresh: a signature is taken once.
func (d *Devnet) Sign(h http.Header, method, rawURL string, body []byte) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	u, err := url.Parse(rawURL)
	if err != nil || d.integration == nil {
		return out
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	if sig, err := grant.Sign(d.integration.ECDSA, grant.Request{Method: method, Path: u.RequestURI(), Body: body, Key: out.Get(wire.IdempotencyHeader)}, time.Now(), nonce); err == nil {
		out.Set(wire.SignatureHeader, sig)
	}
	if pr := d.Client.Payer; pr != nil && out.Get(wire.PaymentHeader) == "" {
		// Paid from the integration's channel: as much as the call is
		// known to cost, or the most a devnet call costs.
		if h, err := pr.PromiseFor(u.Path, maxDevnetPrice); err == nil {
			out.Set(wire.PaymentHeader, h)
		}
	}
	return out
}

// Header returns the ticket's headers as an http.Header.
func (t Ticket) Header() http.Header {
	h := http.Header{}
	for k, v := range t.Headers {
		h.Set(k, v)
	}
	return h
}

// Info is written to <data>/devnet.json.
type Info struct {
	Anchors     []Endpoint `json:"anchors"`
	Services    []Endpoint `json:"services"`
	Bundle      string     `json:"bundle"`
	Airline     Airline    `json:"airline"`
	Integration Airline    `json:"integration"`
	EpochSeed   string     `json:"epochSeed"`
	ChainID     int64      `json:"chainId"`
	EASContract string     `json:"easContract"`
	Tickets     []Ticket   `json:"tickets"`
	// LoungePasses, with Options.LoungePasses: passes whose entry query
	// reads their ticket's status through the passenger's grant.
	LoungePasses []LoungePass `json:"loungePasses,omitempty"`
	// Hotel is the demo hotel API the flight ticket's rebook action calls.
	Hotel struct {
		HTTP string `json:"http"`
	} `json:"hotel"`
	// Chain is the local chain, with Options.Chain.
	Chain *ChainInfo `json:"chain,omitempty"`
	// Dashboard is the first anchor's live network dashboard (every
	// anchor serves one at /ui/).
	Dashboard string `json:"dashboard"`
	// Demo is the car-rental website (examples/flight-ticket/car-rental).
	Demo struct {
		HTTP string `json:"http"`
	} `json:"demo"`
}

// Devnet is a running local network.
type Devnet struct {
	opts    Options
	dir     string
	tempDir bool
	log     *slog.Logger
	cfgBase node.Config

	// Anchors and Services are the in-process nodes (nil entries when killed).
	Anchors  []*node.Node
	Services []*node.Node
	procs    []*proc       // with Procs: anchors first, then services
	delays   []*delayProxy // with Delayable: one per service node

	Info      Info
	Client    *client.Client
	bootstrap []string // anchors' p2p addresses
	// integration is the demo integration's key (grantAll).
	integration *nodekey.Key
	mem         *transport.MemNetwork // with InMemory
	airline     *nodekey.Key
	publisher   *client.Publisher
	stopDemo    context.CancelFunc
	demoDone    chan struct{}
	// HotelServer is the demo hotel (examples/flight-ticket/hotel).
	HotelServer *hotel.Server
	demoSite    *carrental.Server
	chain       *devchain.Dev     // with Options.Chain
	ext         *ethclient.Client // with Options.ChainRPC
	reloaded    bool              // network.json was there: a restart on the same data
	chainState  *chainState
	lab         *netLab // with Options.Netns
	// demoStatuses are the statuses Start published (chaos tells the
	// bookings their triggers made by them).
	demoStatuses []demoStatus
}

type demoStatus struct {
	UID    string
	Ticket Ticket
	Delay  int // minutes
}

func (d *Devnet) where() string {
	switch {
	case d.opts.Procs:
		if d.opts.Netns {
			return "one OS process each, each in a network namespace of its own"
		}
		return "one OS process each"
	case d.mem != nil:
		return "in this process, on an in-memory network"
	}
	return "in this process"
}

// Dir is the data directory.
func (d *Devnet) Dir() string { return d.dir }

func (d *Devnet) progress(format string, a ...any) {
	if d.opts.Progress != nil {
		fmt.Fprintf(d.opts.Progress, format+"\n", a...)
	}
}

// Start boots the network, publishes the flight-ticket token, issues and
// registers the tickets, and waits until every ticket answers its status.
func Start(ctx context.Context, opts Options) (_ *Devnet, err error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	d := &Devnet{opts: opts, dir: opts.DataDir, log: opts.Log}
	if opts.InMemory {
		d.mem = transport.NewMemNetwork()
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.dir == "" {
		if d.dir, err = os.MkdirTemp("", "smartlayer-devnet-"); err != nil {
			return nil, err
		}
		d.tempDir = true
	} else if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = d.Close()
		}
	}()
	if err := d.prepareNetwork(); err != nil {
		return nil, err
	}
	hotelAddr := "127.0.0.1:0"
	if opts.Netns {
		if d.lab, err = newNetLab(); err != nil {
			return nil, fmt.Errorf("network namespaces: %w", err)
		}
		hotelAddr = d.lab.gateway + ":0" // where the nodes' namespaces reach this process
	}
	if d.HotelServer, err = hotel.Start(hotelAddr); err != nil {
		return nil, fmt.Errorf("demo hotel: %w", err)
	}
	d.Info.Hotel.HTTP = d.HotelServer.URL
	if opts.Chain {
		if err := d.startChain(ctx); err != nil {
			return nil, fmt.Errorf("chain: %w", err)
		}
		d.cfgBase.Network.EthRPC = d.Info.Chain.RPC
		d.cfgBase.Network.Registry = d.chainState.cs.Registry.Hex()
		d.cfgBase.Network.ChainPoll = node.Duration{Duration: 500 * time.Millisecond}
		d.cfgBase.Network.TokenTypes = d.chainState.cs.TokenTypes.Hex()
		d.cfgBase.Network.Channels = d.chainState.cs.Channels.Hex()
		d.cfgBase.Network.Commitments = d.chainState.cs.Commitments.Hex()
		d.cfgBase.Network.SettleInterval = node.Duration{Duration: time.Minute}
		d.cfgBase.Network.Confirmations = devnetConfirmations
		d.cfgBase.Network.AdvanceEpochs = opts.AdvanceEpochs
	}
	d.progress("starting %d anchors and %d service nodes (%s)", opts.Anchors, opts.Services, d.where())
	var bootstrap []string
	for i := 0; i < opts.Anchors; i++ {
		ep, err := d.startNode(ctx, node.RoleAnchor, i, bootstrap)
		if err != nil {
			return nil, fmt.Errorf("anchor %d: %w", i, err)
		}
		d.Info.Anchors = append(d.Info.Anchors, ep)
		bootstrap = append(bootstrap, ep.P2P...)
	}
	d.bootstrap = bootstrap
	for i := 0; i < opts.Services; i++ {
		ep, err := d.startNode(ctx, node.RoleService, i, bootstrap)
		if err != nil {
			return nil, fmt.Errorf("service %d: %w", i, err)
		}
		d.Info.Services = append(d.Info.Services, ep)
	}
	var anchorURLs []string
	for _, a := range d.Info.Anchors {
		anchorURLs = append(anchorURLs, a.HTTP)
	}
	d.Client = client.New(anchorURLs, nil)
	d.progress("waiting for every anchor to see %d service nodes", opts.Services)
	if err := d.WaitMembers(ctx, opts.Services-opts.UnstakedServices, 30*time.Second); err != nil {
		return nil, err
	}
	if err := d.publishToken(ctx); err != nil {
		return nil, err
	}
	if err := d.WaitTickets(ctx, 60*time.Second); err != nil {
		return nil, err
	}
	if err := d.publishDemoUpdates(ctx); err != nil {
		return nil, err
	}
	if err := d.startDemoSite(); err != nil {
		return nil, fmt.Errorf("demo site: %w", err)
	}
	if opts.Chain {
		if err := d.finishChain(ctx); err != nil {
			return nil, fmt.Errorf("chain: %w", err)
		}
	}
	if err := d.writeInfo(); err != nil {
		return nil, err
	}
	if opts.DemoAirline {
		d.startDemoAirline()
	}
	return d, nil
}

// publishDemoUpdates has the airline announce a status for every flight: the
// first is three hours late (its passengers get the lounge), the second 45
// minutes, the others on time.
func (d *Devnet) publishDemoUpdates(ctx context.Context) error {
	seen := map[string]bool{}
	for _, t := range d.Info.Tickets {
		if seen[t.Topic] {
			continue
		}
		delay, status := 0, "on time"
		switch len(seen) {
		case 0:
			delay, status = 190, "delayed"
		case 1:
			delay, status = 45, "delayed"
		}
		seen[t.Topic] = true
		e, err := d.PublishStatus(ctx, t.Flight, t.Date, delay, status)
		if err != nil {
			return fmt.Errorf("demo flight update: %w", err)
		}
		if s, err := attest.Parse(e.Attestation); err == nil {
			d.demoStatuses = append(d.demoStatuses, demoStatus{UID: strings.ToLower(s.UID.String()), Ticket: t, Delay: delay})
		}
	}
	if len(seen) > 0 {
		d.progress("the airline published a status for each of %d flights (the first is 190 minutes late)", len(seen))
	}
	return nil
}

// PublishStatus has the airline publish a flight-status attestation on the
// flight's topic, through an anchor.
func (d *Devnet) PublishStatus(ctx context.Context, flight, date string, delay int, status string) (*attlog.Entry, error) {
	att, err := SignStatus(d.airline, d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS), flight, date, delay, status, time.Now())
	if err != nil {
		return nil, err
	}
	return d.publisher.Publish(ctx, FlightTopic(flight, date), att)
}

// startDemoAirline publishes a random flight's new status every 5 seconds.
func (d *Devnet) startDemoAirline() {
	ctx, cancel := context.WithCancel(context.Background())
	d.stopDemo, d.demoDone = cancel, make(chan struct{})
	go func() {
		defer close(d.demoDone)
		rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 1))
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			tk := d.Info.Tickets[rng.IntN(len(d.Info.Tickets))]
			delay := rng.IntN(5) * 60
			status := "on time"
			if delay > 0 {
				status = "delayed"
			}
			if e, err := d.PublishStatus(ctx, tk.Flight, tk.Date, delay, status); err == nil {
				d.progress("airline: %s %s is %s (%d min), entry %d", tk.Flight, tk.Date, status, delay, e.Seq)
			}
		}
	}()
}

// netFile is <data>/network.json: the epoch the devnet runs and its seed.
type netFile struct {
	EpochSeed string `json:"epochSeed"`
	Epoch     uint64 `json:"epoch,omitempty"`
}

// prepareNetwork creates (or reloads) the epoch seed and the anchor keys, so
// that every node knows the anchor set before any starts.
func (d *Devnet) prepareNetwork() error {
	p := filepath.Join(d.dir, "network.json")
	var nf netFile
	if b, err := os.ReadFile(p); err == nil {
		if err := json.Unmarshal(b, &nf); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		d.reloaded = true
	} else {
		// Without a chain the seed is random, made once; with one,
		// startEpoch takes the chain's and writes the file.
		seed := make([]byte, 32)
		_, _ = rand.Read(seed)
		nf.EpochSeed = "0x" + hex.EncodeToString(seed)
		if !d.opts.Chain {
			b, _ := json.MarshalIndent(nf, "", "  ")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				return err
			}
		}
	}
	cfg := node.DefaultConfig("")
	cfg.Network.EpochSeed, cfg.Network.Epoch = nf.EpochSeed, nf.Epoch
	cfg.Network.HeartbeatInterval = node.Duration{Duration: d.opts.HeartbeatInterval}
	// Six missed 500 ms heartbeats: a node is down after 3 s, which stays well
	// inside the 10 s re-placement bound and tolerates a loaded machine.
	cfg.Network.DownAfter = 6
	cfg.P2P.Listen = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Log.Level = "info"
	// A local network: quick retries and failure attestations, and anchors
	// that sample every few seconds.
	cfg.Service.FetchTimeout = node.Duration{Duration: time.Second}
	cfg.Network.RouteTimeout = node.Duration{Duration: time.Second}
	cfg.Network.RoutePrivate = true  // the demo hotel is on loopback
	cfg.Service.EgressPrivate = true // and so do its service nodes call it
	cfg.Network.SampleInterval = node.Duration{Duration: 5 * time.Second}
	cfg.Network.AntiEntropyInterval = node.Duration{Duration: 5 * time.Second}
	// Anchors measure service nodes twice a second, and a node that fell
	// below a ticket's SLA gets tickets again 5 s after it meets it.
	cfg.Network.ProbeInterval = node.Duration{Duration: 500 * time.Millisecond}
	cfg.Network.SLAHold = node.Duration{Duration: 5 * time.Second}
	// Every client of a devnet is on loopback: benchmarks and tests publish
	// thousands of statuses a second from one address.
	cfg.HTTP.WriteRate, cfg.HTTP.WriteBurst = 5000, 10000
	cfg.Network.PublisherRate, cfg.Network.PublisherBurst = 5000, 10000
	cfg.HTTP.BundlesPerHour = 1000
	for i := 0; i < d.opts.Anchors; i++ {
		k, _, err := nodekey.LoadOrCreate(filepath.Join(d.nodeDir(node.RoleAnchor, i), "node.key"))
		if err != nil {
			return err
		}
		cfg.Network.Anchors = append(cfg.Network.Anchors, k.PeerID().String())
	}
	// Until stake exists anchors admit service nodes by list: the devnet's
	// own, whose keys it makes here.
	for i := 0; i < d.opts.Services; i++ {
		k, _, err := nodekey.LoadOrCreate(filepath.Join(d.nodeDir(node.RoleService, i), "node.key"))
		if err != nil {
			return err
		}
		cfg.Network.ServiceNodes = append(cfg.Network.ServiceNodes, k.PeerID().String())
	}
	d.cfgBase = cfg
	d.Info.EpochSeed = nf.EpochSeed
	d.Info.ChainID = cfg.Network.ChainID
	d.Info.EASContract = cfg.Network.EAS
	return nil
}

func (d *Devnet) nodeDir(role node.Role, i int) string {
	return filepath.Join(d.dir, fmt.Sprintf("%s-%d", role, i))
}

// nodeConfig is node i's configuration and the engines it runs on: the
// devnet's faults are wrappers around its transport and its modules.
func (d *Devnet) nodeConfig(role node.Role, i int, bootstrap []string) (node.Config, node.Deps) {
	cfg := d.cfgBase
	var deps node.Deps
	var faults transport.Faults
	cfg.Role = role
	cfg.DataDir = d.nodeDir(role, i)
	cfg.P2P.Bootstrap = append([]string(nil), bootstrap...)
	cfg.Network.Anchors = append([]string(nil), d.cfgBase.Network.Anchors...)
	cfg.Network.ServiceNodes = append([]string(nil), d.cfgBase.Network.ServiceNodes...)
	if role == node.RoleAnchor && i == 0 {
		cfg.Network.PublisherKey = d.opts.SequencerKey
	}
	if role == node.RoleService {
		if len(d.opts.Platforms) > 0 {
			cfg.Service.Platform = d.opts.Platforms[i%len(d.opts.Platforms)]
		}
		if d.opts.Receipts != "" {
			cfg.Service.Receipts = d.opts.Receipts
		}
		if share := d.opts.GossipDrop; share > 0 {
			// A seeded source per node, so a run's losses do not depend on
			// other nodes' draws; locked, as gossip arrives concurrently.
			var mu sync.Mutex
			rng := mrand.New(mrand.NewPCG(uint64(i)+1, 0x90551b))
			faults.DropGossip = func() bool {
				mu.Lock()
				defer mu.Unlock()
				return rng.Float64() < share
			}
		}
		if d.opts.CorruptService == i+1 {
			deps.WrapScript = func(s token.Script) token.Script { return corruptScript{s} }
		}
		if d.opts.WrapScript != nil {
			deps.WrapScript = d.opts.WrapScript(i)
		}
		// Triggered actions of the flight ticket book at the demo hotel.
		cfg.Service.ActionVars = map[string]string{"hotel": d.Info.Hotel.HTTP}
	}
	cfg.P2P.Listen = append([]string(nil), d.cfgBase.P2P.Listen...)
	if d.opts.Configure != nil {
		d.opts.Configure(role, i, &cfg)
	}
	if d.mem != nil {
		cfg.P2P.Bootstrap = nil // every node of the network is reachable by ID
	}
	if faults.DropGossip != nil || d.mem != nil {
		deps.Transport = func(o transport.Options) (transport.Transport, error) {
			var t transport.Transport
			var err error
			if d.mem != nil {
				t, err = d.mem.Join(o)
			} else {
				t, err = p2p.New(o)
			}
			if err != nil {
				return nil, err
			}
			return transport.Faulty(t, faults), nil
		}
	}
	return cfg, deps
}

func (d *Devnet) startNode(ctx context.Context, role node.Role, i int, bootstrap []string) (Endpoint, error) {
	cfg, deps := d.nodeConfig(role, i, bootstrap)
	if d.opts.Procs {
		var wrap []string
		if d.lab != nil {
			ln, err := d.lab.add(len(d.procs))
			if err != nil {
				return Endpoint{}, err
			}
			wrap = []string{"ip", "netns", "exec", ln.ns}
			cfg.HTTP.Listen = ln.ip + ":0"
			cfg.P2P.Listen = []string{"/ip4/" + ln.ip + "/tcp/0", "/ip4/" + ln.ip + "/udp/0/quic-v1"}
		}
		p, info, err := startProc(ctx, wrap, d.binary(), cfg, nil)
		if err != nil {
			return Endpoint{}, err
		}
		d.procs = append(d.procs, p)
		return Endpoint{Peer: info.Peer, Address: info.Address, HTTP: info.HTTP, P2P: info.P2P, Data: cfg.DataDir}, nil
	}
	var dp *delayProxy
	if d.opts.Delayable && role == node.RoleService {
		var err error
		if dp, err = newDelayProxy(); err != nil {
			return Endpoint{}, err
		}
		cfg.HTTP.PublicURL = dp.url
		d.delays = append(d.delays, dp)
	}
	n, err := node.NewWith(cfg, d.log.With("node", fmt.Sprintf("%s-%d", role, i)), deps)
	if err != nil {
		return Endpoint{}, err
	}
	if dp != nil {
		if err := dp.setTarget(n.ListenURL()); err != nil {
			return Endpoint{}, err
		}
	}
	n.Start(ctx)
	if role == node.RoleAnchor {
		d.Anchors = append(d.Anchors, n)
	} else {
		d.Services = append(d.Services, n)
	}
	info := n.Info()
	return Endpoint{Peer: info.Peer, Address: info.Address, HTTP: info.HTTP, P2P: info.P2P, Data: cfg.DataDir}, nil
}

func (d *Devnet) binary() string {
	if d.opts.Binary != "" {
		return d.opts.Binary
	}
	exe, _ := os.Executable()
	return exe
}

// WaitMembers waits until every anchor sees want service nodes up.
func (d *Devnet) WaitMembers(ctx context.Context, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok := true
		for _, a := range d.Info.Anchors {
			var net struct {
				Services []struct{ State string } `json:"services"`
			}
			if err := getJSON(ctx, a.HTTP+"/v1/network", &net); err != nil {
				ok = false
				break
			}
			up := 0
			for _, s := range net.Services {
				if s.State == wire.StateUp {
					up++
				}
			}
			if up < want {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("anchors did not see %d service nodes up within %s", want, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func getJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// publishToken loads or makes the airline key and tickets, publishes the
// bundle with the airline as issuer and registers every ticket.
func (d *Devnet) publishToken(ctx context.Context) error {
	keyPath := filepath.Join(d.dir, "airline.key")
	airline, _, err := nodekey.LoadOrCreate(keyPath)
	if err != nil {
		return err
	}
	d.Info.Airline = Airline{Key: keyPath, Address: airline.Address().Hex()}
	d.airline = airline
	d.publisher = d.Client.NewPublisher(airline.ECDSA)
	// The airline is the token's issuer: its key in the TokenScript, and
	// its signature over the bundle.
	var twin common.Address
	if d.chainState != nil {
		twin = d.chainState.cs.FlightTickets
	}
	var hotelHosts []string
	if d.lab != nil {
		hotelHosts = append(hotelHosts, d.lab.gateway) // the hotel, as the nodes' namespaces reach it
	}
	b, err := flightticket.IssuedOn(airline.ECDSA, attest.NetworkDomain(d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS)), twin, time.Now(), hotelHosts...)
	if err != nil {
		return err
	}
	pb, err := d.Client.PublishBundle(ctx, b.Files, b.Issuer)
	if err != nil {
		return fmt.Errorf("publish flight-ticket bundle: %w", err)
	}
	d.Info.Bundle = pb.Bundle
	d.progress("published token %s as bundle %s (queries %v)", pb.Name, pb.Bundle, pb.Queries)

	tickets, err := d.loadOrIssueTickets(airline)
	if err != nil {
		return err
	}
	for i, t := range tickets {
		if _, err := d.Client.Register(ctx, pb.Bundle, t.Attestation); err != nil {
			return fmt.Errorf("register ticket %s: %w", t.Instance, err)
		}
		if (i+1)%25 == 0 || i+1 == len(tickets) {
			d.progress("registered %d/%d tickets", i+1, len(tickets))
		}
	}
	if d.chainState != nil {
		if err := d.mintTickets(ctx, tickets); err != nil {
			return err
		}
	}
	if err := d.grantAll(tickets); err != nil {
		return err
	}
	if err := d.issuePasses(ctx, tickets); err != nil {
		return err
	}
	d.Info.Tickets = make([]Ticket, len(tickets))
	for i, t := range tickets {
		t.OwnerKey = t.PassengerKey
		t.Attestation, t.PassengerKey = nil, ""
		t.Topic = FlightTopic(t.Flight, t.Date)
		d.Info.Tickets[i] = t
	}
	return nil
}

// grantAll has every passenger grant the demo integration (a car-rental
// website) the status query and the rebook action of their ticket for two
// weeks.
func (d *Devnet) grantAll(tickets []Ticket) error {
	keyPath := filepath.Join(d.dir, "integration.key")
	integ, _, err := nodekey.LoadOrCreate(keyPath)
	if err != nil {
		return err
	}
	d.Info.Integration = Airline{Key: keyPath, Address: integ.Address().Hex()}
	d.integration = integ
	d.Client.Key = integ.ECDSA // its calls prove they are the integration's
	if d.Info.Chain != nil && d.Info.Chain.Payment != nil {
		// ... and pay for them from its channel.
		pi := d.Info.Chain.Payment
		d.Client.Payer = &client.Payer{Key: integ.ECDSA, Channel: pi.Channel, Domain: channel.Domain(d.Info.Chain.ChainID, pi.Contract)}
	}
	domain := attest.NetworkDomain(d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS))
	now := time.Now()
	for i := range tickets {
		t := &tickets[i]
		pk, err := crypto.HexToECDSA(t.PassengerKey)
		if err != nil {
			return fmt.Errorf("ticket %s: passenger key: %w", t.Instance, err)
		}
		id, err := attest.ParseUID(t.Instance)
		if err != nil {
			return err
		}
		g, err := attest.SignGrant(pk, domain, id, integ.Address(), []string{"query:status", "action:rebook", "read:state", "read:history"}, now.Add(14*24*time.Hour), now)
		if err != nil {
			return err
		}
		v, err := g.EncodeURLValue()
		if err != nil {
			return err
		}
		t.Headers = map[string]string{wire.GrantHeader: v}
	}
	d.progress("passengers granted the demo integration %s the status query, the rebook action and reading their tickets", integ.Address())
	return nil
}

func (d *Devnet) loadOrIssueTickets(airline *nodekey.Key) ([]Ticket, error) {
	p := filepath.Join(d.dir, "tickets.json")
	var tickets []Ticket
	if b, err := os.ReadFile(p); err == nil {
		if err := json.Unmarshal(b, &tickets); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if len(tickets) == d.opts.Tickets {
			d.progress("reusing %d tickets from %s", len(tickets), p)
			return tickets, nil
		}
	}
	tickets, err := IssueTickets(airline, d.opts.Tickets, d.opts.Flights, d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS), time.Now())
	if err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(tickets, "", "  ")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return nil, err
	}
	d.progress("airline %s issued %d tickets over %d flights", airline.Address(), len(tickets), d.opts.Flights)
	return tickets, nil
}

// WaitTickets waits until every replica of every ticket answers its status.
func (d *Devnet) WaitTickets(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	pending := make([]Ticket, len(d.Info.Tickets))
	copy(pending, d.Info.Tickets)
	total := len(pending)
	last := -1
	var lastErr error
	for len(pending) > 0 {
		var still []Ticket
		for _, t := range pending {
			if err := d.ticketReady(ctx, t); err != nil {
				still = append(still, t)
				lastErr = fmt.Errorf("ticket %s: %w", t.Instance, err)
			}
		}
		pending = still
		if done := total - len(pending); done != last {
			d.progress("tickets answering on all their replicas: %d/%d", done, total)
			last = done
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d tickets did not answer on all replicas within %s; last: %v", len(pending), total, timeout, lastErr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

func (d *Devnet) ticketReady(ctx context.Context, t Ticket) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	rt, err := d.Client.Route(ctx, t.Instance)
	if err != nil {
		return err
	}
	for _, r := range rt.Replicas {
		if r.State != wire.StateUp {
			return fmt.Errorf("replica %s is %s", r.Peer, r.State)
		}
		if _, err := d.Client.QueryReplica(ctx, r.HTTP, t.Instance, "status", nil, t.Header()); err != nil {
			return fmt.Errorf("replica %s: %w", r.HTTP, err)
		}
	}
	return nil
}

func (d *Devnet) writeInfo() error {
	b, err := json.MarshalIndent(d.Info, "", "  ")
	if err != nil {
		return err
	}
	// It holds test keys (the parties', the nodes' on chain): owner only.
	p := filepath.Join(d.dir, "devnet.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return err
	}
	return os.Chmod(p, 0o600) // one kept from an earlier run
}

// KillService stops service node i abruptly enough for the network to notice
// only through missed heartbeats.
func (d *Devnet) KillService(i int) error {
	if d.opts.Procs {
		return d.procs[d.opts.Anchors+i].kill()
	}
	n := d.Services[i]
	if n == nil {
		return nil
	}
	d.Services[i] = nil
	return n.Crash()
}

// RestartService starts in-process service node i again on its data
// directory, after KillService.
func (d *Devnet) RestartService(ctx context.Context, i int) (*node.Node, error) {
	n, err := d.restart(ctx, node.RoleService, i, d.Services)
	if err == nil {
		d.Info.Services[i].HTTP = n.HTTPURL()
	}
	return n, err
}

// KillAnchor stops in-process anchor i.
func (d *Devnet) KillAnchor(i int) error {
	n := d.Anchors[i]
	if d.opts.Procs || n == nil {
		return errors.New("kill works on a running in-process anchor")
	}
	d.Anchors[i] = nil
	return n.Crash()
}

// RestartAnchor starts in-process anchor i again on its data directory.
func (d *Devnet) RestartAnchor(ctx context.Context, i int) (*node.Node, error) {
	n, err := d.restart(ctx, node.RoleAnchor, i, d.Anchors)
	if err == nil {
		d.Info.Anchors[i].HTTP = n.HTTPURL()
	}
	return n, err
}

func (d *Devnet) restart(ctx context.Context, role node.Role, i int, slot []*node.Node) (*node.Node, error) {
	if d.opts.Procs || slot[i] != nil {
		return nil, fmt.Errorf("restart works on a killed in-process %s", role)
	}
	cfg, deps := d.nodeConfig(role, i, d.bootstrap)
	var dp *delayProxy
	if role == node.RoleService && i < len(d.delays) {
		dp = d.delays[i]
		cfg.HTTP.PublicURL = dp.url
	}
	n, err := node.NewWith(cfg, d.log.With("node", fmt.Sprintf("%s-%d", role, i)), deps)
	if err != nil {
		return nil, err
	}
	if dp != nil {
		if err := dp.setTarget(n.ListenURL()); err != nil {
			return nil, err
		}
	}
	n.Start(ctx)
	slot[i] = n
	return n, nil
}

// Close stops every node and removes a temporary data directory.
func (d *Devnet) Close() error {
	var errs []error
	if d.stopDemo != nil {
		d.stopDemo()
		<-d.demoDone
	}
	for i := len(d.procs) - 1; i >= 0; i-- {
		errs = append(errs, d.procs[i].stop())
	}
	for _, n := range d.Services {
		if n != nil {
			errs = append(errs, n.Close())
		}
	}
	for _, n := range d.Anchors {
		if n != nil {
			errs = append(errs, n.Close())
		}
	}
	if d.HotelServer != nil {
		errs = append(errs, d.HotelServer.Close())
	}
	if d.demoSite != nil {
		errs = append(errs, d.demoSite.Close())
	}
	for _, p := range d.delays {
		errs = append(errs, p.srv.Close())
	}
	if d.lab != nil {
		errs = append(errs, d.lab.close())
	}
	if d.ext != nil {
		d.ext.Close()
	}
	if d.chain != nil {
		errs = append(errs, d.chain.Close())
	}
	if d.tempDir {
		errs = append(errs, os.RemoveAll(d.dir))
	}
	return errors.Join(errs...)
}

// GetAs GETs url (a replica's state, history or root) as the demo
// integration of ticket tk: its grant, the call signed; into out.
func (d *Devnet) GetAs(ctx context.Context, url string, tk Ticket, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header = d.Sign(tk.Header(), http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return json.Unmarshal(b, out)
}
