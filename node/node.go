package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	record "github.com/libp2p/go-libp2p-record"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/p2p"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// Version is the software version, set by the build.
var Version = "0.1.0-dev"

// Node is one running anchor or service node.
type Node struct {
	streams httpapi.StreamCount // SSE streams open (api.Deps.Streams)
	queries atomic.Int64        // queries running (api.Deps.Queries)
	cfg     Config
	log     *slog.Logger
	key     *nodekey.Key
	store   *store.Store
	net     transport.Transport
	deps    Deps
	rand    *lockedRand
	reg     *prometheus.Registry
	httpSrv *http.Server
	httpLn  net.Listener
	httpURL string
	started time.Time
	peerStr string // the peer ID in text, derived once

	anchors  map[peer.ID]common.Address // the anchor set
	admitted map[peer.ID]bool           // service nodes an anchor admits (by list)
	// staked, with network.eth_rpc: service nodes admitted on chain
	staked *chain.Watcher
	// epochs: the epoch the node runs, with the seeds and stakes of the
	// last few (stakes from the chain weigh anchors' votes; nil: one each)
	epochs *epochBook
	// refusedEpoch is the last registry epoch the node did not follow (its
	// anchor set is another).
	refusedEpoch atomic.Uint64
	reader       *chain.Reader // with network.eth_rpc and network.registry
	checked      checkedLogs   // relayed contract events found next of their key
	followKick   chan struct{} // followLoop: read the registry's epochs soon
	slash        *slasher      // anchors with network.eth_rpc: slashing evidence to the registry
	pay          *paying       // with network.channels: priced calls and their settlement
	commit       *committing   // anchors with network.commitments: periodic commitments of key operations
	// txSem: one transaction at a time from the node key (epochs, slashes,
	// settlements), each counted from the account's pending nonce
	// (txLock).
	txSem  chan struct{}
	eth    *ethclient.Client
	types  *contracts.TokenTypes // with network.token_types
	rent   *chain.Rent           // service nodes with network.token_types
	writes *httpapi.RateLimiter  // writes per client address
	// publishers: log entries per publisher address
	publishers *httpapi.RateLimiter
	domain     attest.Domain
	members    *members
	// modes: the verification mode each anchor's heartbeat answer said
	// (service nodes).
	modes modeBook
	// authority says which anchor may sign which placement record.
	authority *placement.Authority
	// records: the authority's check of records inter-token calls show,
	// remembered a while.
	records *recordChecks

	metric nodeMetrics

	anchor  *anchorRole
	service *serviceRole
	att     *attengine.Engine
	// publisher sequences attestations on an anchor (network.publisher_key).
	publisher *nodekey.Key
	// appliedHook, when set, sees every entry an instance applies (benchmarks).
	appliedHook atomic.Pointer[func(id wire.InstanceID, e *attlog.Entry)]

	ctx     context.Context
	done    chan struct{} // closed when the node stops (for long-lived HTTP answers)
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
	goMu    sync.Mutex
	closing bool
}

// Deps are the engines a node runs on where a test or a tool replaces
// them; the zero value is what a production node uses.
type Deps struct {
	// Transport makes the node's network from its key and record
	// validators (nil: libp2p, p2p.New). transport.MemNetwork.Join runs
	// nodes in one process without sockets; transport.Faulty wraps either
	// to drop gossip or cut links.
	Transport func(transport.Options) (transport.Transport, error)
	// WrapScript wraps every token module the node loads (tests: a module
	// that misbehaves on purpose).
	WrapScript func(token.Script) token.Script
	// Now is the node's clock (nil: the wall clock).
	Now func() time.Time
	// RandSeed seeds the node's random source (nil: 32 bytes from
	// crypto/rand, as a production node must be).
	RandSeed *[32]byte
}

// New validates cfg, opens the data directory (creating the node key on first
// start) and binds the p2p and HTTP listeners. Start begins serving.
func New(cfg Config, log *slog.Logger) (*Node, error) { return NewWith(cfg, log, Deps{}) }

// NewWith is New on the engines deps names.
func NewWith(cfg Config, log *slog.Logger, deps Deps) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid config:\n%w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	key, created, err := nodekey.LoadOrCreate(filepath.Join(cfg.DataDir, "node.key"))
	if err != nil {
		return nil, err
	}
	n := &Node{
		txSem: make(chan struct{}, 1),
		done:  make(chan struct{}),
		cfg:   cfg, deps: deps, rand: newLockedRand(deps.RandSeed), key: key, started: time.Now(), peerStr: key.PeerID().String(),
		log:      log.With("role", string(cfg.Role), "peer", shortID(key.PeerID().String())),
		reg:      prometheus.NewRegistry(),
		anchors:  map[peer.ID]common.Address{},
		admitted: cfg.ServiceNodeIDs(),
		members:  newMembers(),
		domain:   attest.NetworkDomain(cfg.Network.ChainID, common.HexToAddress(cfg.Network.EAS)),
	}
	if created {
		n.log.Info("created node key", "address", key.Address())
	}
	for _, id := range cfg.AnchorIDs() {
		addr, err := nodekey.AddressOfPeer(id)
		if err != nil {
			return nil, fmt.Errorf("network.anchors: %w", err)
		}
		n.anchors[id] = addr
	}
	ok := false
	defer func() {
		if !ok {
			n.closeResources()
		}
	}()
	if cfg.Network.EthRPC != "" && cfg.Network.Registry != "" || cfg.Role == RoleService && (cfg.Network.TokenTypes != "" || cfg.Network.Channels != "") {
		if err := n.openChain(); err != nil {
			return nil, err
		}
	}
	if n.epochs == nil {
		n.epochs = newEpochBook(cfg.Network.Epoch, cfg.Seed(), nil)
	}
	if n.reader != nil && cfg.EpochFromChain() && cfg.Network.FollowEpochs {
		n.followKick = make(chan struct{}, 1)
		// A restart after the network followed later epochs runs the
		// latest at once: its stored records are of it.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := n.followEpochs(ctx); err != nil {
			n.log.Warn("reading the registry's latest epoch failed; following it later", "err", err)
		}
		cancel()
	}
	if cfg.Role == RoleAnchor {
		if _, ok := n.anchors[key.PeerID()]; !ok {
			return nil, fmt.Errorf("this node's peer ID %s is not in the anchor set (network.anchors, or the registry's for network.epoch); an anchor must be in it", key.PeerID())
		}
	}
	n.authority = &placement.Authority{Anchors: map[string]common.Address{}, VoteTTLMs: n.takeoverTTL().Milliseconds(),
		EpochStake: n.epochs.stake, Seed: n.seedOf}
	n.records = newRecordChecks(n.authority.Check)
	for id, addr := range n.anchors {
		n.authority.Anchors[id.String()] = addr
	}
	if n.store, err = store.Open(filepath.Join(cfg.DataDir, "db")); err != nil {
		return nil, err
	}
	newTransport := deps.Transport
	if newTransport == nil {
		newTransport = func(o transport.Options) (transport.Transport, error) { return p2p.New(o) }
	}
	n.net, err = newTransport(transport.Options{
		Key:        key,
		Listen:     cfg.P2P.Listen,
		DHTServer:  cfg.Role == RoleAnchor,
		Validators: record.NamespacedValidator{placement.Namespace: placement.Validator{Authority: n.authority}},
		Logger:     n.log,
	})
	if err != nil {
		return nil, err
	}
	if n.httpLn, err = net.Listen("tcp", cfg.HTTP.Listen); err != nil {
		return nil, fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
	}
	n.httpURL = cfg.HTTP.PublicURL
	if n.httpURL == "" {
		n.httpURL = "http://" + n.httpLn.Addr().String()
	}
	n.registerMetrics()
	n.writes = httpapi.NewRateLimiter(cfg.HTTP.WriteRate, cfg.HTTP.WriteBurst, 100_000)
	n.publishers = httpapi.NewRateLimiter(cfg.Network.PublisherRate, cfg.Network.PublisherBurst, 100_000)
	mux := http.NewServeMux()
	deliver := func(attengine.Delivered) {}
	switch cfg.Role {
	case RoleAnchor:
		if n.anchor, err = newAnchorRole(n); err != nil {
			return nil, err
		}
		deliver = n.anchor.delivered
	case RoleService:
		if n.service, err = newServiceRole(n); err != nil {
			return nil, err
		}
		deliver = n.service.apply
	}
	if n.pay != nil {
		n.pay.attach()
	}
	if n.att, err = attengine.New(attengine.Deps{
		Host: n.net, Store: n.store, Log: n.log, Policy: n.policy(nil), Spawn: n.spawn, Deliver: deliver,
		Anchor: cfg.Role == RoleAnchor, Retention: cfg.Network.LogRetention.Duration,
		AntiEntropyEvery: 10 * cfg.Network.HeartbeatInterval.Duration,
		IsAnchorPeer:     n.isAnchorPeer, IsAnchorAddress: n.isAnchorAddress, IsMember: n.isMember,
		Anchors: func() []peer.ID {
			out := make([]peer.ID, 0, len(n.anchors))
			for id := range n.anchors {
				out = append(out, id)
			}
			return out
		},
		Now:              n.now,
		MaxTopics:        serviceOnly(cfg.Role, cfg.Service.MaxTopics),
		PublisherAllowed: n.publishers.Allow, Refused: func(r string) { n.metric.refused.WithLabelValues(r).Inc() },
	}); err != nil {
		return nil, err
	}
	if cfg.Network.PublisherKey != "" {
		if cfg.Role != RoleAnchor {
			return nil, errors.New("network.publisher_key: only anchors sequence attestations")
		}
		if n.publisher, err = nodekey.Load(cfg.Network.PublisherKey); err != nil {
			return nil, fmt.Errorf("network.publisher_key: %w", err)
		}
	}
	n.registerAPI(mux)
	n.httpSrv = httpapi.NewServer(httpapi.Wrap(mux, httpapi.NewMetrics(n.reg), n.log), n.log)
	n.httpLn = httpapi.NewLimitListener(n.httpLn, cfg.HTTP.MaxConnsPerClient, cfg.HTTP.MaxConns, n.inputRefused)
	transport.HandleMax(n.net, transport.ProtoHeartbeat, smallRequest, n.handleHeartbeat)
	ok = true
	return n, nil
}

// Start connects to the bootstrap peers and starts serving.
func (n *Node) Start(ctx context.Context) {
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if n.staked != nil {
		// The admitted service nodes are read before the first heartbeat
		// is answered.
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := n.staked.Poll(pctx); err != nil {
			n.log.Warn("reading the registry failed; no service node is admitted until it is read", "err", err)
		}
		cancel()
	}
	if n.service != nil {
		// Before gossip and HTTP deliver anything: changes to instances
		// run on the shards from here on.
		n.service.applier.start(n.ctx, n.spawn)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	connected := n.net.Connect(cctx, n.cfg.P2P.Bootstrap)
	cancel()
	n.log.Info("node started", "http", n.httpURL, "p2p", n.net.FullAddrs(), "bootstrap_connected", connected)
	if err := n.writeInfo(); err != nil {
		n.log.Warn("cannot write node.json", "err", err)
	}
	n.wg.Add(2)
	go func() {
		defer n.wg.Done()
		if err := n.httpSrv.Serve(n.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("http server stopped", "err", err)
		}
	}()
	go func() {
		defer n.wg.Done()
		n.heartbeatLoop()
	}()
	if err := n.att.Start(n.ctx); err != nil { // anchors: the firehose too, for full logs
		n.log.Error("gossip did not start", "err", err)
	}
	if n.pay != nil {
		n.pay.start()
	}
	if n.commit != nil {
		n.reg.MustRegister(n.commit.results)
		iv := min(max(time.Duration(n.commit.period)*time.Second/4, time.Second), time.Minute)
		n.spawn(func() { every(n.ctx, iv, n.commit.round) })
	}
	if n.anchor != nil {
		n.anchor.start()
	}
	if n.staked != nil {
		n.spawn(func() { n.staked.Run(n.ctx, n.cfg.Network.ChainPoll.Duration) })
	}
	if n.anchor != nil && n.eth != nil {
		r := newRelay(n)
		n.spawn(func() { r.run(n.ctx) })
	}
	epoch, _ := n.epochs.now()
	n.metric.epoch.Set(float64(epoch))
	if n.anchor != nil && n.reader != nil && n.cfg.Network.AdvanceEpochs {
		a := &advancer{n: n}
		n.spawn(func() {
			chain.PollEvery(n.ctx, n.cfg.Network.ChainPoll.Duration, n.log, "starting the registry's epochs", a.round)
		})
	}
	if n.followKick != nil {
		n.spawn(n.followLoop)
	}
	if n.rent != nil && n.service != nil {
		n.spawn(func() { n.service.rentLoop(n.ctx) })
	}
	if n.service != nil {
		n.service.start()
	}
}

// Info is what a started node writes to <data_dir>/node.json, for tools
// (devnet --procs) and operators to find its endpoints.
type Info struct {
	Role    Role     `json:"role"`
	Peer    string   `json:"peer"`
	Address string   `json:"address"`
	HTTP    string   `json:"http"`
	P2P     []string `json:"p2p"`
}

// Info describes the running node.
func (n *Node) Info() Info {
	return Info{Role: n.cfg.Role, Peer: n.peerStr, Address: n.Address().Hex(), HTTP: n.httpURL, P2P: n.net.FullAddrs()}
}

func (n *Node) writeInfo() error {
	b, err := json.MarshalIndent(n.Info(), "", "  ")
	if err != nil {
		return err
	}
	p := filepath.Join(n.cfg.DataDir, InfoFile)
	if err := os.WriteFile(p+".tmp", b, 0o644); err != nil {
		return err
	}
	return os.Rename(p+".tmp", p)
}

// InfoFile is the name of the file Start writes in the data directory.
const InfoFile = "node.json"

// Crash stops the node the way a crash would, as far as a process can
// stop itself: its background work (actions under way, syncing, duties)
// ends at once instead of after the HTTP requests in flight are answered,
// so an action cut off mid-way publishes nothing. What is stored stays;
// the node can be started again on its data directory. Devnet's in-process
// kill uses it; a signal to the process takes the graceful Close.
func (n *Node) Crash() error {
	if n.cancel != nil {
		n.cancel()
	}
	return n.Close()
}

// Close shuts the node down: HTTP first (the requests in flight are
// answered, for up to 5 s), then loops, p2p and the store.
func (n *Node) Close() error {
	var err error
	n.once.Do(func() {
		close(n.done) // streams end first, so the HTTP shutdown need not wait for them
		if n.httpSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = n.httpSrv.Shutdown(ctx)
			cancel()
		}
		n.goMu.Lock()
		n.closing = true
		n.goMu.Unlock()
		if n.cancel != nil {
			n.cancel()
		}
		n.wg.Wait()
		err = n.closeResources()
		n.log.Info("node stopped")
	})
	return err
}

func (n *Node) closeResources() error {
	var errs []error
	if n.eth != nil {
		n.eth.Close()
	}
	if n.httpLn != nil {
		_ = n.httpLn.Close()
	}
	if n.net != nil {
		errs = append(errs, n.net.Close())
	}
	if n.store != nil {
		errs = append(errs, n.store.Close())
	}
	return errors.Join(errs...)
}

// OnApplied registers f to see every attestation entry an instance applies,
// after it is stored. Set it before Start; used by benchmarks.
func (n *Node) OnApplied(f func(id wire.InstanceID, e *attlog.Entry)) {
	if f == nil {
		n.appliedHook.Store(nil)
		return
	}
	n.appliedHook.Store(&f)
}

// policy is how the node judges attestations it is given: signed for this
// network's domain, not from the future beyond a minute.
func (n *Node) policy(revoked attest.Revocations) *attest.Policy {
	return &attest.Policy{
		Pins:    []attest.Pin{{ChainID: n.domain.ChainID, Contract: n.domain.VerifyingContract}},
		MaxSkew: time.Minute,
		Revoked: revoked,
	}
}

// spawn runs f on a goroutine that Close waits for; once Close has begun it
// runs nothing.
func (n *Node) spawn(f func()) {
	n.goMu.Lock()
	defer n.goMu.Unlock()
	if n.closing {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
}

// PeerID is the node's libp2p identity.
func (n *Node) PeerID() peer.ID { return n.key.PeerID() }

// Address is the node's Ethereum address.
func (n *Node) Address() common.Address { return n.key.Address() }

// HTTPURL is the node's integration API base URL.
func (n *Node) HTTPURL() string { return n.httpURL }

// ListenURL is the HTTP address the node listens on, which differs from
// HTTPURL behind a proxy (http.public_url).
func (n *Node) ListenURL() string { return "http://" + n.httpLn.Addr().String() }

// P2PAddrs are the node's full multiaddrs.
func (n *Node) P2PAddrs() []string { return n.net.FullAddrs() }

// Role is the node's role.
func (n *Node) Role() Role { return n.cfg.Role }

// Registry is the node's Prometheus registry.
func (n *Node) Registry() *prometheus.Registry { return n.reg }

func (n *Node) isAnchorAddress(a common.Address) bool {
	for _, x := range n.anchors {
		if x == a {
			return true
		}
	}
	return false
}

func (n *Node) isAnchorPeer(p peer.ID) bool {
	_, ok := n.anchors[p]
	return ok
}

func (n *Node) self() Member {
	mb := Member{
		Peer: n.peerStr, Address: n.Address().Hex(), Role: n.cfg.Role,
		HTTP: n.httpURL, Version: Version, Platform: n.platform(),
		State: wire.StateUp, LastSeenMs: n.now().UnixMilli(),
	}
	if n.service != nil {
		mb.Capacity = n.cfg.Service.Capacity
		mb.Instances = n.service.count()
		mb.Full = n.service.full(n.now())
	}
	return mb
}

// serviceOnly is v on a service node and 0 on an anchor.
func serviceOnly(r Role, v int) int {
	if r != RoleService {
		return 0
	}
	return v
}

func (n *Node) platform() string {
	if n.cfg.Service.Platform != "" {
		return n.cfg.Service.Platform
	}
	return runtime.GOOS + "/" + runtime.GOARCH + "/software"
}

func (n *Node) downAfter() time.Duration {
	return time.Duration(n.cfg.Network.DownAfter) * n.cfg.Network.HeartbeatInterval.Duration
}

// takeoverTTL is how far from its time an anchor's down vote counts
// (placement.Authority.VoteTTLMs): ten down periods. It derives from the
// network section, so every node of a network uses the same.
func (n *Node) takeoverTTL() time.Duration { return 10 * n.downAfter() }

// every runs round each interval, after the first interval, until ctx
// ends; an interval of 0 or less runs nothing (the loop is off).
func every(ctx context.Context, iv time.Duration, round func()) {
	if iv <= 0 {
		return
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			round()
		}
	}
}

// heartbeatLoop announces the node to every anchor each interval. Anchors
// learn liveness from it; service nodes learn the network from the answers.
func (n *Node) heartbeatLoop() {
	t := time.NewTicker(n.cfg.Network.HeartbeatInterval.Duration)
	defer t.Stop()
	for {
		n.heartbeatOnce()
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (n *Node) heartbeatOnce() {
	me := n.self()
	var wg sync.WaitGroup
	for id := range n.anchors {
		if id == n.PeerID() || !n.net.Reachable(id) {
			continue
		}
		wg.Add(1)
		go func(id peer.ID) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(n.ctx, n.cfg.Network.HeartbeatInterval.Duration*2)
			defer cancel()
			resp, err := transport.Call[heartbeat, heartbeatAck](ctx, n.net, id, transport.ProtoHeartbeat, &heartbeat{Member: me})
			if err != nil {
				n.metric.heartbeats.WithLabelValues("error").Inc()
				n.log.Debug("heartbeat failed", "anchor", shortID(id.String()), "err", err)
				n.net.Refresh(ctx, id) // restarted on other ports?
				return
			}
			n.metric.heartbeats.WithLabelValues("ok").Inc()
			if n.service != nil {
				n.members.replace(resp.Members)
				n.modes.report(id, resp.Mode, resp.ModeRound, n.now())
			}
		}(id)
	}
	wg.Wait()
}

// handleHeartbeat records the sender in the anchor's view. A peer may claim
// the anchor role only if it is in the anchor set.
func (n *Node) handleHeartbeat(_ context.Context, from transport.PeerID, hb *heartbeat) (*heartbeatAck, error) {
	if n.cfg.Role != RoleAnchor {
		return nil, errors.New("not an anchor")
	}
	mb := hb.Member
	if mb.Peer != from.String() {
		return nil, fmt.Errorf("heartbeat for %s sent by %s", mb.Peer, from)
	}
	if err := checkMember(&mb, n.cfg.Network.MaxCapacity); err != nil {
		n.inputRefused("heartbeat-malformed")
		return nil, fmt.Errorf("heartbeat: %w", err)
	}
	if (mb.Role == RoleAnchor) != n.isAnchorPeer(from) {
		return nil, fmt.Errorf("peer %s claims role %s but is %sin the anchor set", from, mb.Role, map[bool]string{true: "", false: "not "}[n.isAnchorPeer(from)])
	}
	if mb.Role == RoleService && !n.admits(from) {
		n.inputRefused("heartbeat-not-admitted")
		if n.staked != nil {
			return nil, fmt.Errorf("peer %s is not a service node staked in the registry (smartlayer stake deposit)", from)
		}
		return nil, fmt.Errorf("peer %s is not an admitted service node (network.service_nodes)", from)
	}
	if addr, err := nodekey.AddressOfPeer(from); err == nil {
		mb.Address = addr.Hex()
	}
	n.members.seen(mb, n.now())
	if n.anchor != nil {
		if mb.Role == RoleService {
			n.anchor.probe.heartbeat(mb.Peer, n.now(), n.cfg.Network.HeartbeatInterval.Duration)
		}
		n.anchor.poke()
	}
	list, _ := n.members.snapshot()
	ack := &heartbeatAck{Members: append(list, n.self())}
	if n.anchor != nil {
		ack.Mode, ack.ModeRound = n.anchor.mode()
	}
	return ack, nil
}

// network lists anchors and service nodes with their state.
func (n *Node) network() (anchors, services []Member) {
	list, _ := n.members.snapshot()
	me := n.self()
	seen := map[string]bool{me.Peer: true}
	if me.Role == RoleAnchor {
		anchors = append(anchors, me)
	} else {
		services = append(services, me)
	}
	for _, mb := range list {
		if seen[mb.Peer] {
			continue
		}
		seen[mb.Peer] = true
		if mb.Role == RoleAnchor {
			anchors = append(anchors, mb)
		} else {
			services = append(services, mb)
		}
	}
	// Anchors of the set never heard from are listed as down.
	for id, addr := range n.anchors {
		if !seen[id.String()] {
			anchors = append(anchors, Member{Peer: id.String(), Address: addr.Hex(), Role: RoleAnchor, State: wire.StateDown})
		}
	}
	return anchors, services
}

type nodeMetrics struct {
	heartbeats *prometheus.CounterVec
	queries    *prometheus.CounterVec
	queryTime  prometheus.Histogram
	// answersReused counts queries answered with an earlier answer and
	// its receipt (service.receipt_reuse).
	answersReused prometheus.Counter
	placements    prometheus.Counter
	// moves: instances an anchor moved off their replicas, by reason;
	// deferredMoves: those its last plan held back (network.max_moves).
	moves         *prometheus.CounterVec
	deferredMoves prometheus.Gauge
	assigns       *prometheus.CounterVec
	refused       *prometheus.CounterVec
	input         *prometheus.CounterVec // hostile or malformed input refused, by reason
	// actions and failures
	actions      *prometheus.CounterVec
	actionTime   prometheus.Histogram
	fetchRetries prometheus.Counter
	routed       *prometheus.CounterVec
	// sampling and verification (anchors)
	samples   *prometheus.CounterVec
	forwarded *prometheus.CounterVec
	slashed   prometheus.Counter
	strikes   prometheus.Counter
	slo       *prometheus.GaugeVec
	// anti-entropy rounds' findings (anchors)
	antiEntropy *prometheus.CounterVec
	epoch       prometheus.Gauge // the epoch the node runs
}

func (n *Node) registerMetrics() {
	n.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_sse_streams", Help: "Server-Sent Event streams open (at most http.max_streams)."},
		func() float64 { return float64(n.streams.Load()) }))
	n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_queries_in_flight", Help: "Queries this node runs now (at most service.max_queries; past it 503 overloaded)."},
		func() float64 { return float64(n.queries.Load()) }))
	n.metric = nodeMetrics{
		heartbeats: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_heartbeats_sent_total", Help: "Heartbeats sent to anchors by result."}, []string{"result"}),
		queries:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_queries_total", Help: "Token queries answered by result."}, []string{"result"}),
		answersReused: prometheus.NewCounter(prometheus.CounterOpts{Name: "smartlayer_answers_reused_total",
			Help: "Queries answered with an earlier answer of the same pure query on the same state and its receipt (service.receipt_reuse)."}),
		queryTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "smartlayer_query_seconds", Help: "Time to run a token query in the sandbox.",
			Buckets: prometheus.ExponentialBuckets(0.00002, 2.5, 14)}),
		placements: prometheus.NewCounter(prometheus.CounterOpts{Name: "smartlayer_placements_total", Help: "Placement records signed by this anchor."}),
		moves: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_placement_moves_total",
			Help: "Instances this anchor moved off one of their replicas, by reason: replica-gone, hot (below network.hot_latency), service-level (below the token's SLA), full, rebalance (a node joined, a weight changed)."}, []string{"reason"}),
		deferredMoves: prometheus.NewGauge(prometheus.GaugeOpts{Name: "smartlayer_placement_moves_deferred",
			Help: "Moves this anchor's last plan held back, past network.max_moves per network.move_interval."}),
		assigns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_assign_batches_total", Help: "Assignment batches sent to service nodes by result."}, []string{"result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_gossip_refused_total", Help: "Attestation log entries refused by reason."}, []string{"reason"}),
	}
	n.metric.input = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_input_refused_total", Help: "Requests and peer messages refused as malformed, over a limit or not admitted, by reason."}, []string{"reason"})
	n.reg.MustRegister(n.metric.input)
	n.metric.actions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_actions_total", Help: "Token actions run by this executor, by result."}, []string{"result"})
	n.metric.actionTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "smartlayer_action_seconds", Help: "Time to run a token action, external calls included.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14)})
	n.metric.fetchRetries = prometheus.NewCounter(prometheus.CounterOpts{Name: "smartlayer_fetch_failures_total", Help: "Failed tries of an action's external call on this executor."})
	n.metric.routed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_routed_calls_total", Help: "External calls this anchor routed for executors, by result."}, []string{"result"})
	n.metric.samples = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_samples_total", Help: "Transcripts this anchor replayed, by result (match, mismatch, error)."}, []string{"result"})
	n.metric.forwarded = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_forwarded_receipts_total", Help: "Receipts integrations forwarded that this anchor checked, by result (match, mismatch, no-transcript, transcript-mismatch, ...)."}, []string{"result"})
	n.reg.MustRegister(n.metric.forwarded)
	n.metric.antiEntropy = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_anti_entropy_total",
		Help: "Replicas this anchor found differing from the others at the same log position, by what rebuilding from the log found (healed, persists, nondeterministic, skipped, error)."}, []string{"result"})
	n.reg.MustRegister(n.metric.antiEntropy)
	n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_gossip_topics",
		Help: "Gossip topics this node receives (a service node: those of the instances it holds, at most service.max_topics)."}, func() float64 {
		if n.att == nil {
			return 0
		}
		return float64(n.att.FollowedTopics())
	}))
	n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_replay_filter_keys",
		Help: "Attestation keys in the in-memory filter of the replay index (pruned ones stay until it is rebuilt; network.log_retention bounds the index)."}, func() float64 {
		if n.att == nil {
			return 0
		}
		k, _ := n.att.ReplayFilter()
		return float64(k)
	}))
	n.metric.epoch = prometheus.NewGauge(prometheus.GaugeOpts{Name: "smartlayer_epoch", Help: "The epoch this node runs (its placement seed and anchor stakes)."})
	n.reg.MustRegister(n.metric.epoch)
	if n.staked != nil {
		n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_chain_block", Help: "The block of this anchor's last read of the registry."},
			func() float64 { b, _ := n.staked.Snapshot(); return float64(b) }))
		n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_chain_admitted_services", Help: "Service nodes the registry admitted at this anchor's last read."},
			func() float64 { _, a := n.staked.Snapshot(); return float64(a) }))
		n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_chain_latest_epoch",
			Help: "The last epoch the registry started, as of this anchor's last read (-1: none); this node runs network.epoch until restarted with another."},
			func() float64 { return float64(n.staked.LatestEpoch()) }))
		n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_chain_read_age_seconds",
			Help: "Seconds since this anchor last read the registry (admission stays as last read while the chain does not answer: alert on this)."},
			func() float64 {
				if t := n.staked.LastRead(); !t.IsZero() {
					return time.Since(t).Seconds()
				}
				return -1
			}))
	}
	n.metric.slashed = prometheus.NewCounter(prometheus.CounterOpts{Name: "smartlayer_slashing_evidence_total", Help: "Slashing-evidence attestations this anchor signed."})
	n.metric.strikes = prometheus.NewCounter(prometheus.CounterOpts{Name: "smartlayer_sla_strikes_total", Help: "SLA strikes this anchor recorded against executors."})
	n.metric.slo = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "smartlayer_slo_score", Help: "This anchor's service-level score of each sampled service node (below 0.5: given no instances)."}, []string{"node"})
	n.reg.MustRegister(n.metric.heartbeats, n.metric.queries, n.metric.queryTime, n.metric.answersReused, n.metric.placements, n.metric.moves, n.metric.deferredMoves, n.metric.assigns, n.metric.refused,
		n.metric.actions, n.metric.actionTime, n.metric.fetchRetries, n.metric.routed, n.metric.samples, n.metric.slashed, n.metric.strikes, n.metric.slo)
	n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_sample_interval_seconds", Help: "How often this anchor samples each service node (0: off)."},
		func() float64 { return n.cfg.Network.SampleInterval.Seconds() }))
	n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_peers", Help: "Connected libp2p peers."},
		func() float64 { return float64(n.net.PeerCount()) }))
	n.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "smartlayer_members_up", Help: "Nodes this node sees up, itself included."},
		func() float64 {
			a, s := n.network()
			up := 0
			for _, m := range append(a, s...) {
				if m.State == wire.StateUp {
					up++
				}
			}
			return float64(up)
		}))
}

func shortID(s string) string {
	if len(s) > 12 {
		return s[len(s)-8:]
	}
	return s
}

// smallRequest caps the requests of protocols whose messages are small
// (heartbeats, bundle and sample requests).
const smallRequest = 16 << 10

// limited rate-limits a write endpoint per client address.
func (n *Node) limited(h http.HandlerFunc) http.HandlerFunc {
	return n.writes.Limit(h, n.inputRefused)
}

// inputRefused counts hostile or malformed input refused, by reason.
func (n *Node) inputRefused(reason string) { n.metric.input.WithLabelValues(reason).Inc() }

// isMember reports whether p is an anchor or an admitted service node: the
// peers that may ask to route calls and repair logs.
func (n *Node) isMember(p peer.ID) bool { return n.isAnchorPeer(p) || n.admits(p) }

// admits reports whether an anchor admits service node p: staked in the
// registry when the node reads a chain, else listed in network.service_nodes.
func (n *Node) admits(p peer.ID) bool {
	if n.staked == nil {
		return n.admitted[p]
	}
	a, err := nodekey.AddressOfPeer(p)
	return err == nil && n.staked.ServiceAdmitted(a)
}

// weight is a service node's placement weight: the capacity it claims
// (capped by network.max_capacity when its heartbeat was read) and, when
// the anchor reads a chain, no more than its stake allows: one unit of
// capacity per network.stake_per_capacity whole stake tokens.
func (n *Node) weight(mb Member) int {
	c := mb.Capacity
	if n.staked == nil {
		return c
	}
	stake := n.staked.ServiceStake(common.HexToAddress(mb.Address))
	if stake == nil {
		return 0
	}
	perUnit := new(big.Int).Mul(big.NewInt(n.cfg.Network.StakePerCapacity), big.NewInt(1e18))
	if allowed := new(big.Int).Quo(stake, perUnit); allowed.IsInt64() && allowed.Int64() < int64(c) {
		c = int(allowed.Int64())
	}
	return c
}

// openChain dials network.eth_rpc and binds the registry for admission.
func (n *Node) openChain() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs := chain.Contracts{Registry: common.HexToAddress(n.cfg.Network.Registry)}
	if n.cfg.Network.TokenTypes != "" {
		cs.TokenTypes = common.HexToAddress(n.cfg.Network.TokenTypes)
	}
	if n.cfg.Network.Channels != "" {
		cs.Channels = common.HexToAddress(n.cfg.Network.Channels)
	}
	if n.cfg.Network.Commitments != "" && n.cfg.Role == RoleAnchor {
		cs.Commitments = common.HexToAddress(n.cfg.Network.Commitments)
	}
	// The chain ID is network.chain_id: the same deployer on another chain
	// makes the same addresses, and a testnet's cheap stake must not admit
	// anyone here.
	c, id, r, err := chain.Open(ctx, n.cfg.Network.EthRPC, n.cfg.Network.ChainID, cs)
	if err != nil {
		return fmt.Errorf("network.eth_rpc, network.registry, network.token_types: %w", err)
	}
	n.eth, n.types, n.reader = c, r.Types, r
	if r.Channels != nil {
		n.pay = newPaying(n, r.Channels, cs.Channels, id.Int64())
	}
	if r.Commitments != nil {
		if n.commit, err = newCommitting(ctx, n, r.Commitments, cs.Commitments); err != nil {
			return fmt.Errorf("network.commitments: %w", err)
		}
	}
	if n.cfg.EpochFromChain() {
		if err := n.epochFromChain(ctx, r); err != nil {
			return err
		}
	}
	switch {
	case n.cfg.Role == RoleAnchor && n.cfg.Network.EthRPC != "":
		n.staked = chain.NewWatcher(r, n.cfg.Network.Confirmations, n.log.With("chain", chain.Redact(n.cfg.Network.EthRPC)))
		n.slash = newSlasher(n, r.Registry, cs.Registry, id)
	case n.cfg.Role == RoleService && r.Types != nil:
		n.rent = chain.NewRent(r)
	}
	return nil
}

// epochFromChain takes network.epoch's seed, anchor set and stakes from
// the registry, read network.confirmations blocks deep (a start undone by
// a reorg is not run on). An anchor whose registered peer ID is not its
// address's key is left out; network.anchors and network.epoch_seed, when
// given, must agree with the chain.
func (n *Node) epochFromChain(ctx context.Context, r *chain.Reader) error {
	head, err := n.eth.BlockNumber(ctx)
	if err != nil {
		return fmt.Errorf("network.eth_rpc: %w", err)
	}
	at := head - min(n.cfg.Network.Confirmations, head)
	seed, anchors, stakes, err := n.epochOf(ctx, r, n.cfg.Network.Epoch, at)
	if err != nil {
		return fmt.Errorf("network.epoch %d at block %d (%d confirmations): %w (smartlayer chain advance starts the current epoch; smartlayer chain status shows the last one started)",
			n.cfg.Network.Epoch, at, n.cfg.Network.Confirmations, err)
	}
	if len(n.anchors) > 0 && !maps.Equal(anchors, n.anchors) {
		return fmt.Errorf("network.anchors disagrees with the anchor set of epoch %d in the registry (%d anchors): leave it out to take the chain's", n.cfg.Network.Epoch, len(anchors))
	}
	if n.cfg.Network.EpochSeed != "" && n.cfg.Seed() != seed {
		return fmt.Errorf("network.epoch_seed disagrees with epoch %d's seed in the registry (%s): leave it out to take the chain's", n.cfg.Network.Epoch, common.Hash(seed).Hex())
	}
	n.anchors, n.epochs = anchors, newEpochBook(n.cfg.Network.Epoch, seed, stakes)
	n.log.Info("epoch from the chain", "epoch", n.cfg.Network.Epoch, "seed", common.Hash(seed).Hex(), "anchors", len(anchors), "block", at)
	return nil
}

// bundleOnChain checks that a client's new bundle is registered by its
// issuer in TokenTypes (nil when the node reads no token types). Only
// bundles clients publish are asked: those other anchors replicate or
// serve were checked where they were published, and a chain that does not
// answer must not cost replication a bundle.
func (n *Node) bundleOnChain() func(*loadedBundle) error {
	if n.types == nil {
		return nil
	}
	return func(lb *loadedBundle) error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		id, err := n.types.TypeOfBundle(&bind.CallOpts{Context: ctx}, lb.Issuer, lb.Hash)
		if err != nil {
			return fmt.Errorf("%w: the token types contract: %v", api.ErrChainUnavailable, err)
		}
		if id == ([32]byte{}) {
			return fmt.Errorf("%w: %s has not registered bundle %s in the token types contract (smartlayer issuer register)", registry.ErrNotOnChain, lb.Issuer, lb.Hash)
		}
		return nil
	}
}

// Ingest takes one gossip message as if it had arrived from the network:
// validated, ordered, stored and delivered. Benchmarks measure it.
func (n *Node) Ingest(data []byte) error { return n.att.Ingest(data) }

// txLock waits for the node key's turn to send (as long as ctx lets it);
// unlock gives it back.
func (n *Node) txLock(ctx context.Context) (unlock func(), err error) {
	select {
	case n.txSem <- struct{}{}:
		return func() { <-n.txSem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// chainSender is a sender of the node key's transactions, counting from
// the account's pending nonce; the caller holds txLock.
func chainSender(ctx context.Context, n *Node) (*chain.Sender, error) {
	return chain.NewSender(ctx, n.eth, n.key.ECDSA, big.NewInt(n.cfg.Network.ChainID))
}
