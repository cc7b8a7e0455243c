package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/smartlayer/smartlayer/devnet"
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
	if hits := memoHits(t, nodeURL); hits < 1 {
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

// memoHits reads a node's smartlayer_query_memo_hits_total.
func memoHits(t *testing.T, node string) float64 {
	t.Helper()
	resp, err := http.Get(node + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "smartlayer_query_memo_hits_total "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
