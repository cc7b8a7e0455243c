package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/wire"
)

// TestReceiptVerifyReplay: a receipt from a real answer verifies, and
// --replay fetches the execution from the node that answered and re-runs
// it locally; a receipt altered after signing does not verify.
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
	_, rc, err := d.Client.QueryReceipt(context.Background(), tk.Instance, "status", nil, tk.Header())
	if err != nil || rc == nil {
		t.Fatalf("query: %v %v", rc, err)
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
