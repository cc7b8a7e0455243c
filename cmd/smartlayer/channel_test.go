package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/wire"
)

// TestChannelCommands (issue 14): against a devnet with its chain, `token
// query` without paying is refused 402 with the price; with --devnet it
// pays from the demo channel; `channel status` shows the call charged,
// `channel promise` signs a promise a curl user could send, `channel
// settle` cashes and pays out, `channel open` and `topup` make and fund a
// new channel, and `channel close --anchor` closes the demo channel at once
// with the anchor's signature, after which a paid call is refused.
func TestChannelCommands(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services, o.Chain = 1, 2, true
	d, err := devnet.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	info := filepath.Join(d.Dir(), "devnet.json")
	integ := d.Info.Integration.Key
	anchor := d.Info.Anchors[0].HTTP
	pi := d.Info.Chain.Payment
	id := fmt.Sprint(pi.Channel)
	tk := d.Info.Tickets[0]
	g := tk.Headers[wire.GrantHeader]
	// jsonOut reads a command's JSON answer from its standard output (its
	// progress goes to standard error).
	jsonOut := func(args ...string) map[string]any {
		t.Helper()
		out, errOut, err := runSplit(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%v: %q (standard error %q)", args, out, errOut)
		}
		return m
	}

	if _, err := run("token", "query", tk.Instance, "status", "--grant", g, "--integration-key", integ, "--anchor", anchor); err == nil ||
		!strings.Contains(err.Error(), "payment-required") {
		t.Fatalf("an unpaid query: %v", err)
	}
	if m := jsonOut("token", "query", tk.Instance, "status", "--grant", g, "--integration-key", integ, "--anchor", anchor, "--devnet", info); m["result"] == nil {
		t.Fatalf("a paid query: %v", m)
	}
	// A second process pays on from where the channel stands: the
	// anchor's highest promise (or, should it not hold the first process's
	// yet, the one the refusing node shows).
	if m := jsonOut("token", "query", tk.Instance, "status", "--grant", g, "--integration-key", integ, "--anchor", anchor, "--devnet", info); m["result"] == nil {
		t.Fatalf("a second paid query: %v", m)
	}
	out, err := run("channel", "promise", id, "--devnet", info, "--key", integ, "--cumulative", "1000", "--nonce", "999")
	if err != nil || !strings.HasPrefix(out, id+";1000;999;0x") {
		t.Fatalf("channel promise: %v %q", err, out)
	}
	// What is cashed is paid out once the anchor counts the calls it pays
	// for (a forward may still be on its way: settle again until it is).
	waitFor(t, time.Minute, "every amount cashed paid out", func() error {
		if m := jsonOut("channel", "settle", id, "--anchor", anchor); m["cashed"] == "0" || m["cashed"] != m["distributed"] {
			return fmt.Errorf("settle: %v", m)
		}
		return nil
	})
	st := jsonOut("channel", "status", id, "--devnet", info, "--anchor", anchor)
	chainView, _ := st["chain"].(map[string]any)
	if chainView == nil || chainView["cashed"] == "0" {
		t.Fatalf("status: %v", st)
	}

	// A new channel of the integration's, topped up.
	m := jsonOut("channel", "open", "--devnet", info, "--key", integ, "--anchor-address", pi.Anchor.Hex(), "--amount", "0.5")
	if m["deposit"] != "500000000000000000" {
		t.Fatalf("open: %v", m)
	}
	m = jsonOut("channel", "topup", fmt.Sprint(m["channel"]), "--devnet", info, "--key", integ, "--amount", "0.25")
	if c, _ := m["chain"].(map[string]any); c == nil || c["deposit"] != "750000000000000000" {
		t.Fatalf("topup: %v", m)
	}
	if _, err := run("channel", "topup", "99", "--devnet", info, "--key", integ, "--amount", "1"); err == nil || !strings.Contains(err.Error(), "UnknownChannel") {
		t.Fatalf("topup of no channel: %v", err)
	}

	// A paid action: its answer (with the executor's receipt) is kept to
	// prove the action's result by later.
	args := `{"hotel":"` + d.Info.Hotel.HTTP + `"}`
	acted, err := run("token", "action", tk.Instance, "rebook", "--key", "proved-1", "--args", args, "--grant", g, "--integration-key", integ, "--anchor", anchor, "--devnet", info)
	if err != nil {
		t.Fatalf("a paid action: %v %s", err, acted)
	}
	answer := filepath.Join(t.TempDir(), "action.json")
	if err := os.WriteFile(answer, []byte(acted), 0o600); err != nil {
		t.Fatal(err)
	}
	var action struct{ Outcome wire.ActionOutcome }
	if err := json.Unmarshal([]byte(acted), &action); err != nil || action.Outcome.Attestation == "" {
		t.Fatalf("the action's answer: %v %s", err, acted)
	}

	// Closed cooperatively: the rest of the deposit back at once; the
	// anchor's nodes take no more calls on it.
	m = jsonOut("channel", "close", id, "--devnet", info, "--key", integ, "--anchor", anchor)
	if c, _ := m["chain"].(map[string]any); c == nil || c["closed"] != true {
		t.Fatalf("close: %v", m)
	}
	// The ticket's registration is a key operation: once its period is
	// on chain, any anchor's proof of it verifies; a made-up one has none.
	var anchors []string
	for _, a := range d.Info.Anchors {
		anchors = append(anchors, "--anchor", a.HTTP)
	}
	waitFor(t, 2*time.Minute, "the registration's period written and proved", func() error {
		out, err := run(append([]string{"commitment", "prove", tk.Instance, "--devnet", info}, anchors...)...)
		if err != nil || !strings.Contains(out, `"verified": true`) {
			return fmt.Errorf("%v %s", err, out)
		}
		return nil
	})
	if _, err := run(append([]string{"commitment", "prove", "0x" + strings.Repeat("ab", 32), "--devnet", info}, anchors...)...); err == nil {
		t.Fatal("a made-up operation proved")
	}
	// A hostile anchor asked first, answering the UID with a proof of
	// 100,000 hashes (too long for any tree, and for the chain's calls),
	// does not keep the honest anchors from being asked.
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pr := wire.CommitmentProof{UID: common.HexToHash(tk.Instance), Proof: make([]common.Hash, 100_000)}
		_ = json.NewEncoder(w).Encode(pr)
	}))
	defer hostile.Close()
	if out, err := run(append([]string{"commitment", "prove", tk.Instance, "--devnet", info, "--anchor", hostile.URL}, anchors...)...); err != nil || !strings.Contains(out, `"verified": true`) {
		t.Fatalf("with a hostile anchor asked first: %v %s", err, out)
	}
	// The action's result, proved from the action's answer (its receipt):
	// the proof names the result's UID.
	waitFor(t, 2*time.Minute, "the action result's period written and proved by the receipt", func() error {
		out, err := run(append([]string{"commitment", "prove", answer, "--devnet", info}, anchors...)...)
		if err != nil || !strings.Contains(out, `"verified": true`) || !strings.Contains(out, action.Outcome.Attestation) {
			return fmt.Errorf("%v %s", err, out)
		}
		return nil
	})
	// A receipt altered to name another execution has no proof (its
	// signature fails first).
	var altered map[string]map[string]any
	if err := json.Unmarshal([]byte(acted), &altered); err != nil || altered["receipt"]["transcriptRoot"] == nil {
		t.Fatalf("the action's answer holds no receipt: %v %s", err, acted)
	}
	altered["receipt"]["transcriptRoot"] = "0x" + strings.Repeat("12", 32)
	b, _ := json.Marshal(altered)
	if err := os.WriteFile(answer, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(append([]string{"commitment", "prove", answer, "--devnet", info}, anchors...)...); err == nil || !strings.Contains(err.Error(), "receipt") {
		t.Fatalf("an altered receipt proved: %v %s", err, out)
	}
	if m := jsonOut("commitment", "status", "--devnet", info); m["currentPeriod"] == nil || m["periods"] == nil {
		t.Fatalf("commitment status: %v", m)
	}
	waitFor(t, time.Minute, "a call on the closed channel refused", func() error {
		_, err := run("token", "query", tk.Instance, "status", "--grant", g, "--integration-key", integ, "--anchor", anchor, "--devnet", info)
		if err != nil && strings.Contains(err.Error(), "payment-refused") {
			return nil
		}
		return fmt.Errorf("answered: %v", err)
	})
}
