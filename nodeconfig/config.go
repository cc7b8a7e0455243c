// Package nodeconfig is a node's configuration: its TOML file, defaults
// and validation (every problem named by its key). Package node runs a
// node from it.
package nodeconfig

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/smartlayer/smartlayer/receipt"
)

// Role is what a node does in the network.
type Role string

// The two node roles.
const (
	RoleAnchor  Role = "anchor"
	RoleService Role = "service"
)

// DefaultKeptExecutions is service.max_kept_executions' default (the
// sampling ring's size, sampling.RingSize).
const DefaultKeptExecutions = 4096

// Duration is a time.Duration read from text such as "1s".
type Duration struct{ time.Duration }

// UnmarshalText reads a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (examples: 500ms, 2s, 1m)", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as text.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Config is a node's configuration, read from TOML and flags.
type Config struct {
	Role    Role   `toml:"role"`
	DataDir string `toml:"data_dir"`
	P2P     struct {
		Listen    []string `toml:"listen"`
		Bootstrap []string `toml:"bootstrap"`
	} `toml:"p2p"`
	Network struct {
		// Anchors are the peer IDs of the staked anchor set.
		Anchors []string `toml:"anchors"`
		// ServiceNodes, on anchors, admits service nodes by peer ID until
		// stake exists: a heartbeat from any other peer is refused, so an
		// unknown peer gets no instances. MaxCapacity caps the capacity a
		// service node's heartbeat may claim (its placement weight).
		ServiceNodes []string `toml:"service_nodes"`
		MaxCapacity  int      `toml:"max_capacity"`
		// EthRPC and Registry, on anchors, admit service nodes from the
		// chain instead of ServiceNodes: a service node must be registered
		// and staked in the Registry contract (read every ChainPoll, off
		// the query path).
		EthRPC    string   `toml:"eth_rpc"`
		Registry  string   `toml:"registry"`
		ChainPoll Duration `toml:"chain_poll"`
		// Confirmations: the registry is read this many blocks behind the
		// endpoint's head, so a reorg shallower than that never admits,
		// drops or slashes anyone.
		Confirmations uint64 `toml:"confirmations"`
		// EpochFromChain, with EthRPC and Registry: the seed, the anchor
		// set and the anchors' stakes of network.epoch are the registry's
		// (Registry.epochAnchors); network.epoch_seed and network.anchors
		// may then be left out (given, they must agree with the chain).
		EpochFromChain bool `toml:"epoch_from_chain"`
		// FollowEpochs, with EpochFromChain: each epoch the registry starts
		// later (with the same anchor set) is followed live: its seed and
		// stakes, and a re-placement under the new seed.
		FollowEpochs bool `toml:"follow_epochs"`
		// AdvanceEpochs, on anchors with EthRPC and Registry: start each
		// epoch on chain once its first block is mined (Registry.advance,
		// paid from the anchor's node key), taking turns with the others.
		AdvanceEpochs bool `toml:"advance_epochs"`
		// StakePerCapacity, with EthRPC: whole stake tokens a service node
		// stakes per unit of placement weight (its claimed capacity is cut
		// to what its stake allows).
		StakePerCapacity int64 `toml:"stake_per_capacity"`
		// TokenTypes, on anchors with EthRPC, is the TokenTypes contract:
		// a bundle is taken only if its issuer registered its hash there.
		TokenTypes string `toml:"token_types"`
		// PublisherRate and PublisherBurst: log entries one publisher
		// (signing address) may post to an anchor per second, and in a burst.
		PublisherRate     float64  `toml:"publisher_rate"`
		PublisherBurst    int      `toml:"publisher_burst"`
		Epoch             uint64   `toml:"epoch"`
		EpochSeed         string   `toml:"epoch_seed"`
		HeartbeatInterval Duration `toml:"heartbeat_interval"`
		DownAfter         int      `toml:"down_after"`
		// ChainID and EAS name the domain ticket attestations are signed for.
		ChainID int64  `toml:"chain_id"`
		EAS     string `toml:"eas_contract"`
		// LogRetention prunes attestation log entries older than this (by
		// attestation time); 0 keeps them forever. A stream's last entry is
		// always kept.
		LogRetention Duration `toml:"log_retention"`
		// TranscriptRetention: how long a service node keeps the execution
		// behind every receipt it signed, for whoever holds the receipt
		// (on disk, sampling.Archive); anchors hold a node that cannot
		// produce one younger than this less receipt.MaxSkew at fault.
		// 0 keeps only the recent ones in memory and blames no one.
		TranscriptRetention Duration `toml:"transcript_retention"`
		// PublisherKey, on an anchor, is a key it sequences attestations
		// with: POST /v1/attestations may then carry {topic, attestation}.
		PublisherKey string `toml:"publisher_key"`
		// RouteAttempts and RouteTimeout: an anchor's own tries of an
		// external call an executor could not make (then a failure
		// attestation).
		RouteAttempts int      `toml:"route_attempts"`
		RouteTimeout  Duration `toml:"route_timeout"`
		// RoutePrivate lets an anchor route calls to loopback and private
		// addresses (a local network's demo APIs); off, they are refused.
		RoutePrivate bool `toml:"route_private"`
		// SampleInterval: how often an anchor samples each service node's
		// recent transcripts and replays them (0 turns sampling off);
		// SampleShare is the share of a node's recent transcripts taken.
		SampleInterval Duration `toml:"sample_interval"`
		SampleShare    float64  `toml:"sample_share"`
		// FullShare: in full fallback mode, the share of calls through an
		// anchor that it re-executes.
		FullShare float64 `toml:"full_share"`
		// AntiEntropyInterval: how often an anchor compares the replicas
		// of a batch of AntiEntropyBatch of its instances and has a
		// differing one rebuilt from the log (0 turns it off).
		AntiEntropyInterval Duration `toml:"anti_entropy_interval"`
		AntiEntropyBatch    int      `toml:"anti_entropy_batch"`
		// ProbeInterval: how often an anchor probes each live service
		// node's HTTP API and measures its answer time and availability
		// (0 turns measuring off, and with it service-level placement);
		// ProbeTimeout bounds one probe.
		ProbeInterval Duration `toml:"probe_interval"`
		ProbeTimeout  Duration `toml:"probe_timeout"`
		// SLAHold: a node that failed a service level gets instances of
		// that level again only this long after it last failed.
		SLAHold Duration `toml:"sla_hold"`
		// HotLatency: a node whose measured 95th-percentile answer time is
		// above it runs hot and holds no instances (0: no floor).
		HotLatency Duration `toml:"hot_latency"`
		// MaxMoves: instances an anchor moves off live nodes (a node fell
		// below a service level, ran hot, joined, changed weight) per
		// MoveInterval; moves forced by a node gone are not counted.
		MaxMoves     int      `toml:"max_moves"`
		MoveInterval Duration `toml:"move_interval"`
		// Channels, with EthRPC, is the payment channels contract: a call
		// its TokenScript prices (<sl:price>) is answered only with a
		// promise on a channel that pays for it (X-Smartlayer-Payment),
		// otherwise 402; without it, every call is free.
		Channels string `toml:"channels"`
		// SettleInterval: how often an anchor settles the channels opened
		// to it on chain (cashes the highest promise, pays the nodes out);
		// 0 settles only on demand (POST /v1/channels/{id}/settle).
		SettleInterval Duration `toml:"settle_interval"`
		// AnchorShare: the anchor's part of each payout after the burn, in
		// basis points (the rest goes by calls served).
		AnchorShare int `toml:"anchor_share"`
		// Commitments, on anchors with EthRPC, is the Commitments contract:
		// the anchor keeps the key token operations (action results,
		// failure attestations, registrations) of each period and, in its
		// turn of the rotation, writes the period's Merkle root there.
		Commitments string `toml:"commitments"`
	} `toml:"network"`
	HTTP struct {
		Listen       string `toml:"listen"`
		PublicURL    string `toml:"public_url"`
		MaxBodyBytes int64  `toml:"max_body_bytes"`
		// MaxConnsPerClient caps one client address's open connections;
		// MaxConns caps them all.
		MaxConnsPerClient int `toml:"max_conns_per_client"`
		MaxConns          int `toml:"max_conns"`
		// WriteRate and WriteBurst: writes (attestations, bundles,
		// registrations, revocations, votes) one client address may make
		// per second, and in a burst.
		WriteRate  float64 `toml:"write_rate"`
		WriteBurst int     `toml:"write_burst"`
		// BundlesPerHour: new bundles (compiled modules, kept for good)
		// one client address may publish to an anchor per hour.
		BundlesPerHour int `toml:"bundles_per_hour"`
		// MaxStreams caps the Server-Sent Event streams (GET
		// /v1/topics/{topic}/stream) open at once; past it, 503.
		MaxStreams int `toml:"max_streams"`
	} `toml:"http"`
	Service struct {
		Capacity int    `toml:"capacity"`
		Platform string `toml:"platform"`
		// Receipts: "batched" signs concurrent answers' receipts once per
		// Merkle batch; "single" signs each; "off" sends none (for
		// measurement, or deployments whose integrations need none).
		Receipts string `toml:"receipts"`
		// ReceiptWindow: with batched receipts, how long a batch's first
		// answer waits for others before the batch is signed (0: sign at
		// once; batches form only while a signature is being made).
		ReceiptWindow Duration `toml:"receipt_window"`
		// ReceiptReuse: how long the answer of a pure query (one that read
		// nothing of the world), with its receipt, is served again to the
		// same query with the same argument bytes while the instance's
		// bundle, state and fencing stay the same; the receipt is then up to
		// this old (its atMs is when the execution ran). 0: every answer
		// gets a receipt of its own.
		ReceiptReuse Duration `toml:"receipt_reuse"`
		// ActionTimeout bounds one action, its external calls included.
		ActionTimeout Duration `toml:"action_timeout"`
		// FetchAttempts and FetchTimeout: an executor's tries of one
		// external call before it asks the responsible anchor to route it.
		FetchAttempts int      `toml:"fetch_attempts"`
		FetchTimeout  Duration `toml:"fetch_timeout"`
		// ActionVars are given to actions that triggers start, as their
		// args ("hotel" = the hotel API's base URL for the flight ticket).
		ActionVars map[string]string `toml:"action_vars"`
		// EgressPrivate lets this node's scripts reach loopback and private
		// addresses, on any port of a declared host: local development
		// networks only (the devnet's demo hotel is on loopback). Off,
		// every hop of ctx.fetch goes to a declared host, on its declared
		// or default port, at a public address.
		EgressPrivate bool `toml:"egress_private"`
		// OutcomeRetention is how long an executor keeps an action's
		// outcome for requests that repeat its idempotency key.
		OutcomeRetention Duration `toml:"outcome_retention"`
		// MaxKeptExecutions: how many recent executions (transcript, state,
		// receipt) the node keeps in memory, for anchors to sample and for
		// receipt holders to fetch; the oldest go first.
		MaxKeptExecutions int `toml:"max_kept_executions"`
		// MaxArchiveBytes bounds the executions a node archives for the
		// network's transcript retention (as written: a state once a time
		// bucket); at the bound it answers new queries 503 archive-full
		// until the oldest ones age out, rather than answer one it could
		// not keep.
		MaxArchiveBytes int64 `toml:"max_archive_bytes"`
		// QueryMemoBytes bounds the answers of queries the node remembers
		// (sandbox.Memo): a query that read nothing of the world (no clock,
		// no outbound call, no log line) is answered again from memory
		// while its instance's state and its arguments stay the same.
		// 0 turns the memo off.
		QueryMemoBytes int64 `toml:"query_memo_bytes"`
		// MaxTopics caps the gossip topics the node follows (its instances'
		// subscriptions and their owners' revocation topics). A node at the
		// cap turns new instances down and tells the anchors it is full in
		// its heartbeat: it keeps what it holds and is placed nothing new.
		MaxTopics int `toml:"max_topics"`
		// MaxQueries caps the queries the node runs at once; past it a
		// query is answered 503 overloaded with Retry-After: 1, and
		// clients ask another replica.
		MaxQueries int `toml:"max_queries"`
	} `toml:"service"`
	Sandbox struct {
		Timeout      Duration `toml:"timeout"`
		MaxCallDepth int      `toml:"max_call_depth"`
	} `toml:"sandbox"`
	Log struct {
		Level string `toml:"level"`
	} `toml:"log"`
}

// Default returns the defaults every field falls back to.
func Default(role Role) Config {
	var c Config
	c.Role = role
	c.DataDir = "./smartlayer-data"
	c.P2P.Listen = []string{"/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/udp/4001/quic-v1"}
	c.Network.HeartbeatInterval = Duration{time.Second}
	c.Network.DownAfter = 3
	c.Network.ChainID = 1337
	c.Network.EAS = "0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587"
	c.HTTP.Listen = "127.0.0.1:8080"
	c.HTTP.MaxBodyBytes = 1 << 20
	c.HTTP.MaxConnsPerClient = 256
	c.HTTP.MaxConns = 16384
	c.HTTP.WriteRate = 20
	c.HTTP.WriteBurst = 100
	c.HTTP.BundlesPerHour = 20
	c.HTTP.MaxStreams = 1024
	c.Network.MaxCapacity = 10000
	c.Network.PublisherRate = 10
	c.Network.PublisherBurst = 100
	c.Service.Capacity = 10000
	c.Service.Receipts = "batched"
	c.Service.ActionTimeout = Duration{30 * time.Second}
	c.Service.FetchAttempts = 3
	c.Service.OutcomeRetention = Duration{24 * time.Hour}
	c.Service.MaxKeptExecutions = DefaultKeptExecutions
	c.Service.MaxArchiveBytes = 4 << 30
	c.Service.QueryMemoBytes = 32 << 20
	c.Service.ReceiptReuse = Duration{time.Second}
	c.Network.TranscriptRetention = Duration{15 * time.Minute}
	c.Service.MaxTopics = 100_000
	c.Service.MaxQueries = 256
	c.Service.FetchTimeout = Duration{2 * time.Second}
	c.Network.RouteAttempts = 2
	c.Network.RouteTimeout = Duration{2 * time.Second}
	c.Network.SampleInterval = Duration{30 * time.Second}
	c.Network.SampleShare = 0.1
	c.Network.FullShare = 0.1
	c.Network.ChainPoll = Duration{15 * time.Second}
	c.Network.Confirmations = 12
	c.Network.EpochFromChain = true
	c.Network.FollowEpochs = true
	c.Network.AdvanceEpochs = true
	c.Network.StakePerCapacity = 1
	c.Network.AntiEntropyInterval = Duration{30 * time.Second}
	c.Network.ProbeInterval = Duration{time.Second}
	c.Network.ProbeTimeout = Duration{5 * time.Second}
	c.Network.SLAHold = Duration{30 * time.Second}
	c.Network.HotLatency = Duration{3 * time.Second}
	c.Network.MaxMoves = 200
	c.Network.MoveInterval = Duration{10 * time.Second}
	c.Network.SettleInterval = Duration{time.Hour}
	c.Network.AnchorShare = 1000
	c.Network.AntiEntropyBatch = 16
	c.Sandbox.Timeout = Duration{time.Second}
	c.Sandbox.MaxCallDepth = 256
	c.Log.Level = "info"
	return c
}

// Load reads a TOML file over the defaults. Unknown keys are errors.
func Load(path string, c *Config) error {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("config %s: unknown keys: %s", path, strings.Join(keys, ", "))
	}
	return nil
}

// EpochFromChain reports whether the epoch's seed, anchor set and stakes
// are read from the registry.
func (c *Config) EpochFromChain() bool {
	return c.Network.EpochFromChain && c.Network.EthRPC != "" && c.Network.Registry != ""
}

// Seed returns the epoch seed bytes. Validate checks it first.
func (c *Config) Seed() [32]byte {
	var s [32]byte
	b, _ := hex.DecodeString(strings.TrimPrefix(c.Network.EpochSeed, "0x"))
	copy(s[:], b)
	return s
}

// ServiceNodeIDs returns the admitted service nodes' peer IDs.
func (c *Config) ServiceNodeIDs() map[peer.ID]bool {
	out := make(map[peer.ID]bool, len(c.Network.ServiceNodes))
	for _, a := range c.Network.ServiceNodes {
		if id, err := anchorID(a); err == nil {
			out[id] = true
		}
	}
	return out
}

// AnchorIDs returns the parsed anchor peer IDs. Validate checks them first.
func (c *Config) AnchorIDs() []peer.ID {
	out := make([]peer.ID, 0, len(c.Network.Anchors))
	for _, a := range c.Network.Anchors {
		if id, err := anchorID(a); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// anchorID accepts a bare peer ID or a multiaddr ending in /p2p/<id>.
func anchorID(s string) (peer.ID, error) {
	if strings.HasPrefix(s, "/") {
		m, err := ma.NewMultiaddr(s)
		if err != nil {
			return "", err
		}
		ai, err := peer.AddrInfoFromP2pAddr(m)
		if err != nil {
			return "", err
		}
		return ai.ID, nil
	}
	return peer.Decode(s)
}

// Validate reports every problem, one per line, naming the key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, a...)))
	}
	if c.Role != RoleAnchor && c.Role != RoleService {
		bad("role", "%q is not a role; want \"anchor\" or \"service\"", c.Role)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir", "must be set: the node keeps its key and store there")
	}
	if len(c.P2P.Listen) == 0 {
		bad("p2p.listen", "needs at least one multiaddr, e.g. /ip4/0.0.0.0/tcp/4001")
	}
	for i, l := range c.P2P.Listen {
		if _, err := ma.NewMultiaddr(l); err != nil {
			bad(fmt.Sprintf("p2p.listen[%d]", i), "%q is not a multiaddr: %v", l, err)
		}
	}
	for i, b := range c.P2P.Bootstrap {
		m, err := ma.NewMultiaddr(b)
		if err == nil {
			_, err = peer.AddrInfoFromP2pAddr(m)
		}
		if err != nil {
			bad(fmt.Sprintf("p2p.bootstrap[%d]", i), "%q: want a multiaddr ending in /p2p/<peer id>: %v", b, err)
		}
	}
	fromChain := c.EpochFromChain()
	if len(c.Network.Anchors) == 0 && !fromChain {
		bad("network.anchors", "needs the peer IDs of the anchor set (or network.eth_rpc and network.registry to read it from the chain)")
	}
	for i, a := range c.Network.Anchors {
		if _, err := anchorID(a); err != nil {
			bad(fmt.Sprintf("network.anchors[%d]", i), "%q is not a peer ID: %v", a, err)
		}
	}
	if s := strings.TrimPrefix(c.Network.EpochSeed, "0x"); s == "" && fromChain {
		// the chain's
	} else if len(s) != 64 {
		bad("network.epoch_seed", "want 32 bytes of hex (0x + 64 digits), got %q", c.Network.EpochSeed)
	} else if _, err := hex.DecodeString(s); err != nil {
		bad("network.epoch_seed", "not hex: %q", c.Network.EpochSeed)
	}
	if c.Network.HeartbeatInterval.Duration < 50*time.Millisecond || c.Network.HeartbeatInterval.Duration > time.Minute {
		bad("network.heartbeat_interval", "%s is out of range 50ms..1m", c.Network.HeartbeatInterval)
	}
	if c.Network.DownAfter < 2 || c.Network.DownAfter > 100 {
		bad("network.down_after", "%d missed heartbeats is out of range 2..100", c.Network.DownAfter)
	}
	if c.Network.ChainID <= 0 {
		bad("network.chain_id", "must be positive")
	}
	for i, a := range c.Network.ServiceNodes {
		if _, err := anchorID(a); err != nil {
			bad(fmt.Sprintf("network.service_nodes[%d]", i), "%q is not a peer ID: %v", a, err)
		}
	}
	if (c.Network.EthRPC == "") != (c.Network.Registry == "") {
		bad("network.eth_rpc", "network.eth_rpc and network.registry go together (the chain's JSON-RPC URL and the Registry contract's address)")
	}
	if c.Network.TokenTypes != "" && (c.Network.EthRPC == "" || !common.IsHexAddress(c.Network.TokenTypes)) {
		bad("network.token_types", "%q: want a 0x address, with network.eth_rpc", c.Network.TokenTypes)
	}
	if c.Network.Channels != "" && (c.Network.EthRPC == "" || !common.IsHexAddress(c.Network.Channels)) {
		bad("network.channels", "%q: want a 0x address, with network.eth_rpc", c.Network.Channels)
	}
	if c.Network.Commitments != "" && (c.Network.EthRPC == "" || !common.IsHexAddress(c.Network.Commitments)) {
		bad("network.commitments", "%q: want a 0x address, with network.eth_rpc", c.Network.Commitments)
	}
	if d := c.Network.SettleInterval.Duration; d != 0 && (d < time.Second || d > 30*24*time.Hour) {
		bad("network.settle_interval", "%s: want 0 (on demand only) or 1s to 720h", d)
	}
	if s := c.Network.AnchorShare; s < 0 || s >= 10_000 {
		bad("network.anchor_share", "%d basis points is out of range 0..9999", s)
	}
	if c.Network.Registry != "" && !common.IsHexAddress(c.Network.Registry) {
		bad("network.registry", "%q is not a 0x address", c.Network.Registry)
	}
	if c.Network.EthRPC != "" {
		if u, err := url.Parse(c.Network.EthRPC); err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			bad("network.eth_rpc", "%q is not an http(s) or ws(s) URL", c.Network.EthRPC)
		}
	}
	if c.Network.StakePerCapacity < 1 || c.Network.StakePerCapacity > 1_000_000_000 {
		bad("network.stake_per_capacity", "%d is out of range 1..1000000000", c.Network.StakePerCapacity)
	}
	if d := c.Network.ChainPoll.Duration; d < 100*time.Millisecond || d > 10*time.Minute {
		bad("network.chain_poll", "%s is out of range 100ms..10m", d)
	}
	if c.Network.Confirmations > 10_000 {
		bad("network.confirmations", "%d is out of range 0..10000", c.Network.Confirmations)
	}
	if c.Role == RoleAnchor && len(c.Network.ServiceNodes) == 0 && c.Network.EthRPC == "" {
		bad("network.service_nodes", "an anchor needs the peer IDs of the service nodes it admits, or network.eth_rpc and network.registry to admit the ones staked on chain")
	}
	if c.Network.MaxCapacity < 1 || c.Network.MaxCapacity > 10_000_000 {
		bad("network.max_capacity", "%d is out of range 1..10000000", c.Network.MaxCapacity)
	}
	if c.HTTP.MaxConnsPerClient < 1 || c.HTTP.MaxConns < c.HTTP.MaxConnsPerClient || c.HTTP.MaxConns > 1_000_000 {
		bad("http.max_conns_per_client", "%d per client, %d in all: want 1 <= per client <= in all <= 1000000", c.HTTP.MaxConnsPerClient, c.HTTP.MaxConns)
	}
	if c.Network.PublisherRate <= 0 || c.Network.PublisherBurst < 1 {
		bad("network.publisher_rate", "%v per second, burst %d: want both positive", c.Network.PublisherRate, c.Network.PublisherBurst)
	}
	if c.HTTP.BundlesPerHour < 1 {
		bad("http.bundles_per_hour", "%d: want at least 1", c.HTTP.BundlesPerHour)
	}
	if c.HTTP.WriteRate <= 0 || c.HTTP.WriteBurst < 1 {
		bad("http.write_rate", "%v per second, burst %d: want both positive", c.HTTP.WriteRate, c.HTTP.WriteBurst)
	}
	if !isHexAddress(c.Network.EAS) {
		bad("network.eas_contract", "%q is not a 0x address", c.Network.EAS)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		bad("http.listen", "%q: want host:port (port 0 picks a free one): %v", c.HTTP.Listen, err)
	}
	if c.HTTP.PublicURL != "" {
		if u, err := url.Parse(c.HTTP.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("http.public_url", "%q is not an http(s) URL", c.HTTP.PublicURL)
		}
	}
	if c.HTTP.MaxBodyBytes < 1024 || c.HTTP.MaxBodyBytes > 64<<20 {
		bad("http.max_body_bytes", "%d is out of range 1024..67108864", c.HTTP.MaxBodyBytes)
	}
	if c.HTTP.MaxStreams < 1 || c.HTTP.MaxStreams > 1_000_000 {
		bad("http.max_streams", "%d is out of range 1..1000000", c.HTTP.MaxStreams)
	}
	if b := c.Service.MaxArchiveBytes; b < 1<<20 || b > 1<<40 {
		bad("service.max_archive_bytes", "%d is out of range 1 MiB..1 TiB", b)
	}
	if b := c.Service.QueryMemoBytes; b != 0 && (b < 64<<10 || b > 16<<30) {
		bad("service.query_memo_bytes", "%d is out of range 64 KiB..16 GiB (or 0: off)", b)
	}
	if c.Service.MaxKeptExecutions < 16 || c.Service.MaxKeptExecutions > 1_000_000 {
		bad("service.max_kept_executions", "%d is out of range 16..1000000", c.Service.MaxKeptExecutions)
	}
	if c.Service.MaxQueries < 1 || c.Service.MaxQueries > 1_000_000 {
		bad("service.max_queries", "%d is out of range 1..1000000", c.Service.MaxQueries)
	}
	if c.Service.MaxTopics < 4 || c.Service.MaxTopics > 10_000_000 {
		bad("service.max_topics", "%d is out of range 4..10000000", c.Service.MaxTopics)
	}
	if c.Role == RoleService && (c.Service.Capacity < 1 || c.Service.Capacity > 10_000_000) {
		bad("service.capacity", "%d is out of range 1..10000000", c.Service.Capacity)
	}
	if c.Service.Receipts != "batched" && c.Service.Receipts != "single" && c.Service.Receipts != "off" {
		bad("service.receipts", "%q: want \"batched\", \"single\" or \"off\"", c.Service.Receipts)
	}
	if d := c.Service.ReceiptReuse.Duration; d < 0 || d > time.Minute {
		bad("service.receipt_reuse", "%s is out of range 0..1m", d)
	}
	if d := c.Service.ReceiptWindow.Duration; d < 0 || d > 10*time.Millisecond {
		bad("service.receipt_window", "%s is out of range 0..10ms", d)
	}
	if d := c.Service.ActionTimeout.Duration; d < time.Second || d > 10*time.Minute {
		bad("service.action_timeout", "%s is out of range 1s..10m", d)
	}
	if d := c.Service.OutcomeRetention.Duration; d < time.Minute {
		bad("service.outcome_retention", "%s: want at least 1m", d)
	}
	if c.Service.FetchAttempts < 1 || c.Service.FetchAttempts > 10 {
		bad("service.fetch_attempts", "%d is out of range 1..10", c.Service.FetchAttempts)
	}
	if d := c.Service.FetchTimeout.Duration; d < 10*time.Millisecond || d > time.Minute {
		bad("service.fetch_timeout", "%s is out of range 10ms..1m", d)
	}
	if c.Network.RouteAttempts < 1 || c.Network.RouteAttempts > 10 {
		bad("network.route_attempts", "%d is out of range 1..10", c.Network.RouteAttempts)
	}
	if d := c.Network.RouteTimeout.Duration; d < 10*time.Millisecond || time.Duration(c.Network.RouteAttempts)*d > 8*time.Second {
		bad("network.route_timeout", "%s: want at least 10ms, and route_attempts x route_timeout within 8s (one libp2p exchange)", d)
	}
	if d := c.Network.SampleInterval.Duration; d != 0 && d < 100*time.Millisecond {
		bad("network.sample_interval", "%s: want 0 (off) or at least 100ms", d)
	}
	if d := c.Network.ProbeInterval.Duration; d != 0 && (d < 100*time.Millisecond || d > time.Hour) {
		bad("network.probe_interval", "%s: want 0 (off) or 100ms to 1h", d)
	}
	if d := c.Network.ProbeTimeout.Duration; d < 100*time.Millisecond || d > time.Minute {
		bad("network.probe_timeout", "%s is out of range 100ms..1m", d)
	}
	if d := c.Network.SLAHold.Duration; d < 0 || d > 24*time.Hour {
		bad("network.sla_hold", "%s is out of range 0..24h", d)
	}
	if d := c.Network.HotLatency.Duration; d != 0 && (d < 10*time.Millisecond || d > time.Minute) {
		bad("network.hot_latency", "%s: want 0 (no floor) or 10ms to 1m", d)
	}
	if n := c.Network.MaxMoves; n < 1 || n > 1_000_000 {
		bad("network.max_moves", "%d is out of range 1..1000000", n)
	}
	if d := c.Network.MoveInterval.Duration; d < 100*time.Millisecond || d > time.Hour {
		bad("network.move_interval", "%s is out of range 100ms..1h", d)
	}
	if d := c.Network.AntiEntropyInterval.Duration; d != 0 && d < 100*time.Millisecond {
		bad("network.anti_entropy_interval", "%s: want 0 (off) or at least 100ms", d)
	}
	if b := c.Network.AntiEntropyBatch; b < 1 || b > 1000 {
		bad("network.anti_entropy_batch", "%d instances a round is out of range 1..1000", b)
	}
	if c.Network.SampleShare <= 0 || c.Network.SampleShare > 1 {
		bad("network.sample_share", "%v is out of range (0, 1]", c.Network.SampleShare)
	}
	if c.Network.FullShare < 0 || c.Network.FullShare > 1 {
		bad("network.full_share", "%v is out of range 0..1", c.Network.FullShare)
	}
	if c.Sandbox.Timeout.Duration <= 0 || c.Sandbox.Timeout.Duration > time.Minute {
		bad("sandbox.timeout", "%s is out of range (0, 1m]", c.Sandbox.Timeout)
	}
	if c.Sandbox.MaxCallDepth < 16 || c.Sandbox.MaxCallDepth > 100_000 {
		bad("sandbox.max_call_depth", "%d is out of range 16..100000", c.Sandbox.MaxCallDepth)
	}
	if r := c.Network.TranscriptRetention.Duration; r < 0 || r > 0 && r < 3*receipt.MaxSkew {
		bad("network.transcript_retention", "%s: want 0 (off) or at least %s (three times the receipts' clock skew)", r, 3*receipt.MaxSkew)
	}
	if r := c.Network.LogRetention.Duration; r < 0 || r > 0 && r < time.Minute {
		bad("network.log_retention", "%s: want 0 (keep forever) or at least 1m", r)
	}

	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	return errors.Join(errs...)
}

func isHexAddress(s string) bool {
	if !strings.HasPrefix(s, "0x") || len(s) != 42 {
		return false
	}
	_, err := hex.DecodeString(s[2:])
	return err == nil
}
