package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/nodekey"
)

// TestChainCommands: against a devnet's chain, `chain status` lists the
// staked nodes; `stake deposit` registers a new node (its key signs) and
// `stake withdraw` unbonds it; `issuer register|rent|status` manage a type;
// `ticket owner|transfer|status` move a ticket's ERC-721 twin and publish a
// flight's status on chain;
// a wrong RPC URL, a wrong chain ID, an account without ether or without
// tokens, and a refused transaction each end in one clear error.
func TestChainCommands(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services, o.Chain = 2, 2, true
	d, err := devnet.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	info := filepath.Join(d.Dir(), "devnet.json")
	treasury := filepath.Join(d.Dir(), "treasury.key")

	out, err := run("chain", "status", "--devnet", info)
	started := regexp.MustCompile(`epoch (\d+) started with seed (0x[0-9a-f]{64}) and 3 anchors`).FindStringSubmatch(out)
	if err != nil || strings.Count(out, "\nanchor ") != 3 || strings.Count(out, "\nservice ") != 2 || started == nil || started[2] != d.Info.EpochSeed {
		t.Fatalf("chain status: %v\n%s", err, out)
	}
	// The devnet started its epoch: advancing again in it changes nothing
	// (past its 240 blocks it starts the next one, with another seed).
	out, err = run("chain", "advance", "--devnet", info, "--key", treasury)
	again := regexp.MustCompile(`epoch (\d+) started: seed (0x[0-9a-f]{64}), 3 anchors`).FindStringSubmatch(out)
	if err != nil || again == nil || (again[1] == started[1]) != (again[2] == started[2]) {
		t.Fatalf("chain advance: %v\n%s", err, out)
	}
	if _, err := run("chain", "advance", "--devnet", info); err == nil || !strings.Contains(err.Error(), "--key is required") {
		t.Fatalf("chain advance without a key: %v", err)
	}

	// A new node: the treasury pays, the node's own key signs.
	nk, _ := nodekey.Generate()
	nodeKey := filepath.Join(t.TempDir(), "node.key")
	if err := nk.Save(nodeKey); err != nil {
		t.Fatal(err)
	}
	jsonOut := func(args ...string) map[string]any {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%v: %q", args, out)
		}
		return m
	}
	m := jsonOut("stake", "deposit", "--devnet", info, "--key", treasury, "--node-key", nodeKey, "--role", "service", "--amount", "1500", "--http", "http://127.0.0.1:9")
	if m["admitted"] != true || m["stake"] != "1500" || m["role"] != "service" || m["peerId"] != nk.PeerID().String() {
		t.Fatalf("after deposit: %v", m)
	}
	m = jsonOut("stake", "withdraw", "--devnet", info, "--key", treasury, "--node", nk.Address().Hex(), "--amount", "1000")
	if m["admitted"] != false || m["unbonding"] != "1000" || m["unbondingUntil"] == nil {
		t.Fatalf("after unbonding: %v", m)
	}
	if m = jsonOut("stake", "status", "--devnet", info, "--node", nk.Address().Hex()); m["stake"] != "500" {
		t.Fatalf("status: %v", m)
	}

	// A type of the treasury's own; anyone pays its rent.
	bundle := "0x" + strings.Repeat("ab", 32)
	m = jsonOut("issuer", "register", "--devnet", info, "--key", treasury, "--name", "demo", "--bundle", bundle, "--rent", "25")
	if m["active"] != true || m["name"] != "demo" {
		t.Fatalf("issuer register: %v", m)
	}
	typeID, _ := m["type"].(string)
	paid := m["paidUntilEpoch"].(float64)
	m = jsonOut("issuer", "rent", "--devnet", info, "--key", treasury, "--type", typeID, "--amount", "10")
	if m["paidUntilEpoch"].(float64) != paid+1 {
		t.Fatalf("after rent: %v, paid until %v before", m, paid)
	}

	// The first ticket's ERC-721 twin: its passenger holds it and moves it;
	// the airline publishes its flight's status on chain.
	tk := d.Info.Tickets[0]
	if out, err := run("ticket", "owner", "--devnet", info, "--instance", tk.Instance); err != nil || !strings.EqualFold(strings.TrimSpace(out), tk.Holder) {
		t.Fatalf("ticket owner: %v %q, want %s", err, out, tk.Holder)
	}
	passengerKey := filepath.Join(t.TempDir(), "passenger.key")
	if err := os.WriteFile(passengerKey, []byte(strings.TrimPrefix(tk.OwnerKey, "0x")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run("ticket", "transfer", "--devnet", info, "--key", passengerKey, "--instance", tk.Instance, "--to", nk.Address().Hex()); err != nil {
		t.Fatalf("ticket transfer: %v\n%s", err, out)
	}
	if out, err := run("ticket", "owner", "--devnet", info, "--instance", tk.Instance); err != nil || strings.TrimSpace(out) != nk.Address().Hex() {
		t.Fatalf("ticket owner after the transfer: %v %q", err, out)
	}

	noEther, _ := nodekey.Generate()
	noEtherKey := filepath.Join(t.TempDir(), "poor.key")
	_ = noEther.Save(noEtherKey)
	var airlineKey string
	{
		b, _ := os.ReadFile(info)
		var in struct{ Airline struct{ Key string } }
		_ = json.Unmarshal(b, &in)
		airlineKey = in.Airline.Key
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"chain", "status", "--eth-rpc", "http://127.0.0.1:1", "--registry", nk.Address().Hex(), "--epochs", nk.Address().Hex(), "--token-types", nk.Address().Hex()}, "does not answer"},
		{[]string{"stake", "deposit", "--devnet", info, "--key", treasury, "--amount", "1", "--chain-id", "5"}, "is chain 1337, not chain 5"},
		{[]string{"stake", "deposit", "--devnet", info, "--key", noEtherKey, "--amount", "1000"}, "has no ether to pay for gas"},
		{[]string{"stake", "deposit", "--devnet", info, "--key", airlineKey, "--amount", "1000"}, "insufficient balance"},
		{[]string{"stake", "deposit", "--devnet", info, "--key", treasury, "--node-key", noEtherKey, "--amount", "1"}, "BelowMinimum"},
		{[]string{"stake", "deposit", "--devnet", info, "--key", treasury, "--amount", "-3"}, "positive number of tokens"},
		{[]string{"stake", "withdraw", "--devnet", info, "--key", treasury, "--node", nk.Address().Hex()}, "StillUnbonding"},
		{[]string{"issuer", "status", "--devnet", info, "--type", "0x" + strings.Repeat("00", 32)}, "no token type"},
		{[]string{"issuer", "register", "--devnet", info, "--key", treasury, "--name", "demo", "--bundle", bundle, "--rent", "10"}, "TypeExists"},
		{[]string{"stake", "status", "--devnet", filepath.Join(t.TempDir(), "none.json"), "--node", nk.Address().Hex()}, "no such file"},
		{[]string{"ticket", "transfer", "--devnet", info, "--key", passengerKey, "--instance", tk.Instance, "--to", nk.Address().Hex()}, "is held by"},
		{[]string{"ticket", "status", "--devnet", info, "--key", treasury, "--flight", tk.Flight, "--date", tk.Date, "--status", "delayed"}, "OwnableUnauthorizedAccount"},
		{[]string{"ticket", "status", "--devnet", info, "--key", airlineKey, "--flight", strings.Repeat("F", 65), "--date", tk.Date, "--status", "delayed"}, "FieldTooLong"},
		{[]string{"ticket", "owner", "--devnet", info, "--instance", "0x" + strings.Repeat("00", 32)}, "has no token on chain"},
		{[]string{"ticket", "owner", "--devnet", info, "--instance", "0x12"}, "want 0x followed by 64 hex digits"},
	}
	for _, c := range cases {
		_, err := run(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
	if out, err := run("ticket", "status", "--devnet", info, "--key", airlineKey, "--flight", tk.Flight, "--date", tk.Date, "--delay", "200", "--status", "delayed"); err != nil ||
		!strings.Contains(out, "200 minutes late, on chain") {
		t.Fatalf("ticket status: %v\n%s", err, out)
	}
}
