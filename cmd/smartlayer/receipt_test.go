package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// TestReceiptVerifyReplay: a receipt from a real answer verifies, and
// --replay fetches the execution from the node that answered and re-runs
// it locally; a receipt altered after signing does not verify. The answer
// is a node's second to the same query of the same state, so the node's
// query memo answered it (service.query_memo_bytes): its execution replays
// all the same.
func TestReceiptVerifyReplay(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services, o.Flights = 2, 3, 1
	o.Configure = func(_ node.Role, _ int, cfg *node.Config) { cfg.Service.ReceiptReuse = node.Duration{} } // every answer its own receipt
	d, err := devnet.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tk := d.Info.Tickets[0]
	d.Client.VerifyReceipts = true
	var rc *receipt.Receipt
	answered := map[common.Address]bool{}
	for i := 0; i < 40 && rc == nil; i++ {
		_, r, err := d.Client.QueryReceipt(context.Background(), tk.Instance, "status", nil, tk.Header())
		if err != nil || r == nil {
			t.Fatalf("query: %v %v", r, err)
		}
		if answered[r.Node] {
			rc = r
		}
		answered[r.Node] = true
	}
	if rc == nil {
		t.Fatal("no replica answered twice in 40 queries")
	}
	nodeURL := ""
	for _, s := range d.Info.Services {
		if common.HexToAddress(s.Address) == rc.Node {
			nodeURL = s.HTTP
		}
	}
	if nodeURL == "" {
		t.Fatal("no service node signed the receipt")
	}
	if hits := metric(t, nodeURL, "smartlayer_query_memo_hits_total"); hits < 1 {
		t.Fatalf("the node answered the same query of the same state twice and its memo answered neither (%v hits)", hits)
	}
	dir := t.TempDir()
	write := func(v any) string {
		b, _ := json.Marshal(v)
		p := filepath.Join(dir, "r.json")
		_ = os.WriteFile(p, b, 0o600)
		return p
	}
	if _, err := run("receipt", "verify", write(rc), "--replay", "--node", nodeURL, "--anchor", d.Info.Anchors[0].HTTP); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("the execution (it holds the state) served without a grant: %v", err)
	}
	out, err := run("receipt", "verify", write(rc), "--replay", "--node", nodeURL, "--anchor", d.Info.Anchors[0].HTTP,
		"--grant", tk.Headers[wire.GrantHeader], "--integration-key", d.Info.Integration.Key)
	if err != nil || !strings.Contains(out, `"replay": "ok"`) {
		t.Fatalf("verify --replay: %s %v", out, err)
	}
	bad := *rc
	bad.Output[0] ^= 1 // another answer under the node's signature
	if _, err := run("receipt", "verify", write(&bad)); err == nil {
		t.Fatal("an altered receipt verified")
	}
}

// metric reads one of a node's metrics (0 when it has none).
func metric(t *testing.T, node, name string) float64 {
	t.Helper()
	v, err := devnet.Metric(context.Background(), node, name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestReceiptReused: within service.receipt_reuse a node answers the same
// pure query of the same state with the answer and receipt it made first
// (same leaf, same time), whose execution replays; once the state changes
// the answer and its receipt are new.
func TestReceiptReused(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services, o.Flights = 2, 3, 1
	o.Configure = func(_ node.Role, _ int, cfg *node.Config) {
		cfg.Service.ReceiptReuse = node.Duration{Duration: time.Minute}
	}
	ctx := context.Background()
	d, err := devnet.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tk := d.Info.Tickets[0]
	d.Client.VerifyReceipts = true
	// twice asks until one node answered twice, and returns both answers.
	twice := func() (first, second *receipt.Receipt, out json.RawMessage) {
		t.Helper()
		seen := map[common.Address]*receipt.Receipt{}
		for i := 0; i < 40; i++ {
			o, r, err := d.Client.QueryReceipt(ctx, tk.Instance, "status", nil, tk.Header())
			if err != nil || r == nil {
				t.Fatalf("query: %v %v", r, err)
			}
			if f := seen[r.Node]; f != nil {
				return f, r, o
			}
			seen[r.Node] = r
		}
		t.Fatal("no replica answered twice in 40 queries")
		return nil, nil, nil
	}
	first, second, _ := twice()
	if first.Leaf() != second.Leaf() || first.AtMs != second.AtMs {
		t.Fatalf("a node answered the same query of the same state with a new receipt within service.receipt_reuse: %+v then %+v", first, second)
	}
	nodeURL := ""
	for _, s := range d.Info.Services {
		if common.HexToAddress(s.Address) == second.Node {
			nodeURL = s.HTTP
		}
	}
	if reused := metric(t, nodeURL, "smartlayer_answers_reused_total"); reused < 1 {
		t.Fatalf("smartlayer_answers_reused_total %v", reused)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	b, _ := json.Marshal(second)
	_ = os.WriteFile(p, b, 0o600)
	if out, err := run("receipt", "verify", p, "--replay", "--node", nodeURL, "--anchor", d.Info.Anchors[0].HTTP,
		"--grant", tk.Headers[wire.GrantHeader], "--integration-key", d.Info.Integration.Key); err != nil || !strings.Contains(out, `"replay": "ok"`) {
		t.Fatalf("verify --replay of a reused receipt: %s %v", out, err)
	}
	// A new status: every replica's state changes, and so the answers.
	if _, err := d.PublishStatus(ctx, tk.Flight, tk.Date, 333, "delayed"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		a, b, out := twice()
		if strings.Contains(string(out), `"delayMinutes":333`) && a.StateBefore == b.StateBefore {
			if a.StateBefore == first.StateBefore || a.Leaf() == first.Leaf() {
				t.Fatal("the new state's answer came with the old state's receipt")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new status is not answered a minute after it was published: %s", out)
		}
	}
}
