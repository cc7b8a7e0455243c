package devnet

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/wire"
)

// gethDevKey is the developer account key every `geth --dev` funds: a
// public test key, go-ethereum's cmd/utils.DeveloperKey.
const gethDevKey = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"

// gethBinary is SMARTLAYER_GETH, or geth built from the go-ethereum module
// in go.mod (a tool of this module; Go's build cache keeps the compiled
// packages, so only the first build is slow: about 3.5 minutes on two
// cores). SMARTLAYER_GETH=off skips the test.
func gethBinary(t *testing.T) string {
	t.Helper()
	switch p := os.Getenv("SMARTLAYER_GETH"); p {
	case "off":
		t.Skip("SMARTLAYER_GETH=off")
	case "":
	default:
		return p
	}
	out := filepath.Join(t.TempDir(), "geth")
	cmd := exec.Command("go", "build", "-o", out, "github.com/ethereum/go-ethereum/cmd/geth")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building geth: %v\n%s", err, b)
	}
	return out
}

// startGethDev runs `geth --dev` (a block a second, HTTP JSON-RPC on
// loopback only, no p2p) until the test ends, and returns its RPC URL.
func startGethDev(t *testing.T, geth string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, "geth.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(geth, "--dev", "--dev.period", "1", "--datadir", filepath.Join(dir, "data"),
		"--http", "--http.addr", "127.0.0.1", "--http.port", fmt.Sprint(port), "--http.api", "eth,net,web3",
		"--ipcdisable", "--port", "0", "--nodiscover", "--maxpeers", "0", "--authrpc.port", "0", "--verbosity", "2")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("geth log:\n%s", b)
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitUntil(t, time.Minute, "geth --dev answers JSON-RPC", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := ethclient.DialContext(ctx, url)
		if err != nil {
			return false
		}
		defer c.Close()
		n, err := c.BlockNumber(ctx)
		return err == nil && n > 0
	})
	return url
}

// TestDevnetOnGethDev: the same node code against a real external node.
// `geth --dev` runs as its own process; the devnet deploys the contracts
// there, stakes and registers its nodes and the flight ticket's type, and
// every node reads it over --eth-rpc: anchors admit the staked service
// nodes and refuse the unstaked one, tickets answer from their replicas,
// the chain status reads back the anchor set, and the tickets' ERC-721
// mints on geth reach every replica through the anchors' relay and the
// replicas' own checks against geth (chain issue, the external-node test).
func TestDevnetOnGethDev(t *testing.T) {
	geth := gethBinary(t)
	url := startGethDev(t, geth)
	funder, _ := crypto.HexToECDSA(gethDevKey)
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain, opts.UnstakedServices = 2, 4, true, 1
	opts.ChainRPC, opts.ChainFunder = url, funder
	d := startDevnet(t, opts)
	if d.Info.Chain.RPC != url || d.Info.Chain.ChainID != 1337 {
		t.Fatalf("devnet.json chain: %+v", d.Info.Chain)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _, r, err := chain.Open(ctx, url, 1337, d.Info.Chain.Contracts)
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Anchors) != 3 || len(st.Services) != 3 {
		t.Fatalf("on geth: %d anchors, %d services", len(st.Anchors), len(st.Services))
	}
	for _, a := range d.Info.Anchors {
		waitUntil(t, 30*time.Second, "the anchor reads geth's registry", func() bool {
			return metricValue(t, a.HTTP, "smartlayer_chain_admitted_services") == 3 && metricValue(t, a.HTTP, "smartlayer_chain_block") > 0
		})
	}
	unstaked := d.Info.Services[3].Peer
	for _, tk := range d.Info.Tickets {
		var codes []int
		waitUntil(t, 30*time.Second, "every replica of "+tk.Instance+" answers", func() bool {
			rt, code := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
			if code != 200 {
				return false
			}
			codes = codes[:0]
			for _, rp := range rt.Replicas {
				if rp.Peer == unstaked {
					t.Fatalf("the unstaked service node holds %s", tk.Instance)
				}
				c, _, _ := postS(t, d, rp.HTTP+"/v1/tokens/"+tk.Instance+"/query/status", `{}`, tk)
				codes = append(codes, c)
			}
			return allCodes(codes, 200)
		})
	}
	var h struct{ Instances int }
	if err := getJSON(ctx, d.Services[3].HTTPURL()+"/v1/health", &h); err != nil || h.Instances != 0 {
		t.Fatalf("the unstaked node: %+v %v", h, err)
	}
	// The tickets' ERC-721 mints on geth reach every replica: anchors read
	// geth's logs, replicas check them against geth.
	for _, tk := range d.Info.Tickets {
		id, _ := wire.ParseInstanceID(tk.Instance)
		transfers := wire.TransferTopic(d.Info.Chain.Contracts.FlightTickets, id)
		waitUntil(t, time.Minute, "every replica of "+tk.Instance+" applied its mint from geth", func() bool {
			return everyReplicaApplied(d, tk.Instance, transfers)
		})
	}
}
