package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/sampling"
)

func validConfig() Config {
	c := DefaultConfig(RoleService)
	c.Network.Anchors = []string{"16Uiu2HAm9MmAwiJgRxtPFbg52mWD1QUQraMWmQWoZSUKcyokd16F"}
	c.Network.EpochSeed = "0x" + strings.Repeat("11", 32)
	c.Network.ServiceNodes = []string{"16Uiu2HAm9MmAwiJgRxtPFbg52mWD1QUQraMWmQWoZSUKcyokd16F"}
	return c
}

func TestAnchorNeedsAdmissionList(t *testing.T) {
	c := validConfig()
	c.Role = RoleAnchor
	c.Network.ServiceNodes = nil
	c.Network.MaxCapacity = 0
	err := c.Validate()
	for _, want := range []string{"network.service_nodes: an anchor needs", "network.max_capacity: 0 is out of range"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
}

// An anchor reading a chain needs no admission list; the chain's two keys
// go together and are checked.
func TestAnchorAdmissionFromChain(t *testing.T) {
	c := validConfig()
	c.Role = RoleAnchor
	c.Network.ServiceNodes = nil
	c.Network.EthRPC, c.Network.Registry = "http://127.0.0.1:8545", "0x00000000000000000000000000000000000000aa"
	if err := c.Validate(); err != nil {
		t.Fatalf("an anchor with eth_rpc and registry: %v", err)
	}
	for name, tc := range map[string]struct {
		mut  func(*Config)
		want string
	}{
		"rpc alone":    {func(c *Config) { c.Network.Registry = "" }, "network.eth_rpc and network.registry go together"},
		"bad registry": {func(c *Config) { c.Network.Registry = "0x12" }, `network.registry: "0x12" is not a 0x address`},
		"bad rpc":      {func(c *Config) { c.Network.EthRPC = "ftp://x" }, "is not an http(s) or ws(s) URL"},
		"poll":         {func(c *Config) { c.Network.ChainPoll = Duration{Duration: time.Millisecond} }, "network.chain_poll: 1ms is out of range"},
	} {
		c := c
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

// With a chain the epoch's seed and anchor set may come from the
// registry; without one, or with epoch_from_chain off, they are needed.
func TestEpochFromChainConfig(t *testing.T) {
	c := validConfig()
	c.Network.Anchors, c.Network.EpochSeed = nil, ""
	err := c.Validate()
	for _, want := range []string{"network.anchors: needs the peer IDs", "network.epoch_seed: want 32 bytes"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("no chain: want %q, got %v", want, err)
		}
	}
	c.Network.EthRPC, c.Network.Registry = "http://127.0.0.1:8545", "0x00000000000000000000000000000000000000aa"
	if err := c.Validate(); err != nil || !c.EpochFromChain() {
		t.Fatalf("the epoch from the chain: %v", err)
	}
	c.Network.EpochFromChain = false
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "network.anchors") {
		t.Fatalf("epoch_from_chain off: %v", err)
	}
	c.Network.EpochFromChain, c.Network.Confirmations = true, 10_001
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "network.confirmations") {
		t.Fatalf("confirmations: %v", err)
	}
}

func TestConfigValid(t *testing.T) {
	c := validConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidationMessages(t *testing.T) {
	cases := map[string]struct {
		mut  func(c *Config)
		want string
	}{
		"role":       {func(c *Config) { c.Role = "miner" }, `role: "miner" is not a role`},
		"data":       {func(c *Config) { c.DataDir = " " }, "data_dir: must be set"},
		"listen":     {func(c *Config) { c.P2P.Listen = []string{"tcp/4001"} }, `p2p.listen[0]: "tcp/4001" is not a multiaddr`},
		"bootstrap":  {func(c *Config) { c.P2P.Bootstrap = []string{"/ip4/1.2.3.4/tcp/1"} }, "p2p.bootstrap[0]: \"/ip4/1.2.3.4/tcp/1\": want a multiaddr ending in /p2p/<peer id>"},
		"anchors":    {func(c *Config) { c.Network.Anchors = nil }, "network.anchors: needs the peer IDs"},
		"anchor id":  {func(c *Config) { c.Network.Anchors = []string{"bob"} }, `network.anchors[0]: "bob" is not a peer ID`},
		"seed":       {func(c *Config) { c.Network.EpochSeed = "0x12" }, "network.epoch_seed: want 32 bytes of hex"},
		"hb":         {func(c *Config) { c.Network.HeartbeatInterval.Duration = 0 }, "network.heartbeat_interval: 0s is out of range"},
		"down":       {func(c *Config) { c.Network.DownAfter = 1 }, "network.down_after: 1 missed heartbeats"},
		"eas":        {func(c *Config) { c.Network.EAS = "0x1" }, `network.eas_contract: "0x1" is not a 0x address`},
		"http":       {func(c *Config) { c.HTTP.Listen = "8080" }, `http.listen: "8080": want host:port`},
		"public":     {func(c *Config) { c.HTTP.PublicURL = "ftp://x" }, `http.public_url: "ftp://x" is not an http(s) URL`},
		"body":       {func(c *Config) { c.HTTP.MaxBodyBytes = 1 }, "http.max_body_bytes: 1 is out of range"},
		"capacity":   {func(c *Config) { c.Service.Capacity = 0 }, "service.capacity: 0 is out of range"},
		"topics":     {func(c *Config) { c.Service.MaxTopics = 3 }, "service.max_topics: 3 is out of range"},
		"timeout":    {func(c *Config) { c.Sandbox.Timeout.Duration = 0 }, "sandbox.timeout: 0s is out of range"},
		"log":        {func(c *Config) { c.Log.Level = "loud" }, `log.level: "loud": want debug, info, warn or error`},
		"action":     {func(c *Config) { c.Service.ActionTimeout.Duration = 0 }, "service.action_timeout: 0s is out of range"},
		"attempts":   {func(c *Config) { c.Service.FetchAttempts = 0 }, "service.fetch_attempts: 0 is out of range"},
		"fetch":      {func(c *Config) { c.Service.FetchTimeout.Duration = time.Hour }, "service.fetch_timeout: 1h0m0s is out of range"},
		"route":      {func(c *Config) { c.Network.RouteAttempts = 11 }, "network.route_attempts: 11 is out of range"},
		"route time": {func(c *Config) { c.Network.RouteTimeout.Duration = 5 * time.Second }, "route_attempts x route_timeout within 8s"},
		"sample":     {func(c *Config) { c.Network.SampleInterval.Duration = time.Millisecond }, "network.sample_interval: 1ms: want 0 (off) or at least 100ms"},
		"share":      {func(c *Config) { c.Network.SampleShare = 0 }, "network.sample_share: 0 is out of range"},
		"full":       {func(c *Config) { c.Network.FullShare = 2 }, "network.full_share: 2 is out of range"},
		"probe":      {func(c *Config) { c.Network.ProbeInterval.Duration = time.Millisecond }, "network.probe_interval: 1ms: want 0 (off) or 100ms to 1h"},
		"probe time": {func(c *Config) { c.Network.ProbeTimeout.Duration = 0 }, "network.probe_timeout: 0s is out of range"},
		"hold":       {func(c *Config) { c.Network.SLAHold.Duration = -time.Second }, "network.sla_hold: -1s is out of range"},
		"hot":        {func(c *Config) { c.Network.HotLatency.Duration = time.Millisecond }, "network.hot_latency: 1ms: want 0 (no floor) or 10ms to 1m"},
		"moves":      {func(c *Config) { c.Network.MaxMoves = 0 }, "network.max_moves: 0 is out of range"},
		"move iv":    {func(c *Config) { c.Network.MoveInterval.Duration = 0 }, "network.move_interval: 0s is out of range"},
	}
	for name, tc := range cases {
		c := validConfig()
		tc.mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
	// Every problem is reported, one per line.
	c := validConfig()
	c.Role, c.Log.Level = "x", "y"
	if err := c.Validate(); err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Fatalf("want two lines: %v", err)
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.toml")
	_ = os.WriteFile(p, []byte("role = \"service\"\n[network]\nheartbeat_interval = \"250ms\"\ndown_after = 4\n"), 0o644)
	c := validConfig()
	if err := LoadConfigFile(p, &c); err != nil {
		t.Fatal(err)
	}
	if c.Network.HeartbeatInterval.Duration.Milliseconds() != 250 || c.Network.DownAfter != 4 {
		t.Fatalf("not read: %+v", c.Network)
	}
	_ = os.WriteFile(p, []byte("[service.action_vars]\nhotel = \"http://127.0.0.1:9000\"\n"), 0o644)
	if err := LoadConfigFile(p, &c); err != nil || c.Service.ActionVars["hotel"] != "http://127.0.0.1:9000" {
		t.Fatalf("action_vars: %v %v", err, c.Service.ActionVars)
	}
	_ = os.WriteFile(p, []byte("[network]\nheartbeat = \"1s\"\n"), 0o644)
	if err := LoadConfigFile(p, &c); err == nil || !strings.Contains(err.Error(), "unknown keys: network.heartbeat") {
		t.Fatalf("unknown key: %v", err)
	}
	_ = os.WriteFile(p, []byte("[network]\nheartbeat_interval = \"soon\"\n"), 0o644)
	if err := LoadConfigFile(p, &c); err == nil || !strings.Contains(err.Error(), `"soon" is not a duration`) {
		t.Fatalf("bad duration: %v", err)
	}
	_ = os.WriteFile(p, []byte("role = \n"), 0o644)
	if err := LoadConfigFile(p, &c); err == nil {
		t.Fatal("malformed TOML accepted")
	}
}

func TestAnchorMustBeInAnchorSet(t *testing.T) {
	c := validConfig()
	c.Role = RoleAnchor
	c.DataDir = t.TempDir()
	c.HTTP.Listen = "127.0.0.1:0"
	c.P2P.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	_, err := New(c, nil)
	if err == nil || !strings.Contains(err.Error(), "is not in the anchor set (network.anchors") {
		t.Fatalf("got %v", err)
	}
}

// The configuration's default of kept executions is the sampling ring's
// size (nodeconfig does not import sampling).
func TestKeptExecutionsDefault(t *testing.T) {
	if got := DefaultConfig(RoleService).Service.MaxKeptExecutions; got != sampling.RingSize {
		t.Fatalf("service.max_kept_executions defaults to %d, the sampling ring holds %d", got, sampling.RingSize)
	}
}
