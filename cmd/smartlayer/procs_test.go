package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/devnet"
)

// TestDevnetProcs runs the devnet with every node as its own OS process of
// this command, kills one service process and sees its tickets re-placed.
func TestDevnetProcs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "smartlayer")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	o := devnet.DefaultOptions()
	o.Procs, o.Binary, o.Tickets, o.Services = true, bin, 20, 4
	ctx := context.Background()
	d, err := devnet.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	if err := d.KillService(0); err != nil {
		t.Fatal(err)
	}
	if err := d.WaitTickets(ctx, 10*time.Second); err != nil {
		t.Fatalf("after killing a service process: %v", err)
	}
}
