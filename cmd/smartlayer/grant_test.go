package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/devnet"
)

// TestGrantSignUseRevoke: the owner signs a grant with the CLI, the
// integration queries under it with its key, the owner revokes it at one
// node and the query is refused (wherever it is routed).
func TestGrantSignUseRevoke(t *testing.T) {
	o := devnet.DefaultOptions()
	o.Tickets, o.Services, o.Flights = 1, 3, 1
	d, err := devnet.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tk := d.Info.Tickets[0]
	ownerKey := filepath.Join(t.TempDir(), "owner.key")
	if err := os.WriteFile(ownerKey, []byte(tk.OwnerKey), 0o600); err != nil {
		t.Fatal(err)
	}
	anchor := d.Info.Anchors[0].HTTP
	g, err := run("grant", "sign", "--key", ownerKey, "--instance", tk.Instance, "--integration", d.Info.Integration.Address,
		"--scopes", "query:status", "--for", "1h", "--chain-id", fmt.Sprint(d.Info.ChainID), "--eas", d.Info.EASContract)
	if err != nil {
		t.Fatalf("grant sign: %v", err)
	}
	g = strings.TrimSpace(g)
	query := func() error {
		_, err := run("token", "query", tk.Instance, "status", "--grant", g, "--integration-key", d.Info.Integration.Key, "--anchor", anchor)
		return err
	}
	if err := query(); err != nil {
		t.Fatalf("query under the new grant: %v", err)
	}
	if _, err := run("grant", "revoke", g, "--key", ownerKey, "--node", d.Info.Services[0].HTTP, "--chain-id", fmt.Sprint(d.Info.ChainID), "--eas", d.Info.EASContract); err != nil {
		t.Fatalf("grant revoke: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := query()
		if err != nil && strings.Contains(err.Error(), "grant-revoked") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the revoked grant still works: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
