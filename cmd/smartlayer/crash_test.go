package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/internal/failpoint"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// TestCrashBetweenReceiveAndApply kills a replica's process (SIGKILL, from
// a failpoint) after it has taken a flight status into its log and before
// it has applied it, restarts it on its data, and sees the status applied
// there exactly once, the replicas on one state root, and the rebooking
// the status triggered made once at the hotel.
func TestCrashBetweenReceiveAndApply(t *testing.T) {
	bin := testBinary(t)
	o := devnet.DefaultOptions()
	o.Procs, o.Binary, o.Tickets, o.Flights, o.Services = true, bin, 6, 2, 4
	ctx := context.Background()
	d, err := devnet.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A ticket of the second flight, whose first status was a 45-minute
	// delay (the first flight's was already past three hours).
	tk := d.Info.Tickets[0]
	for _, t := range d.Info.Tickets {
		if t.Topic != d.Info.Tickets[0].Topic {
			tk = t
			break
		}
	}
	rt, err := d.Client.Route(ctx, tk.Instance)
	if err != nil {
		t.Fatal(err)
	}
	victim := -1
	for i, s := range d.Info.Services {
		if s.Peer == rt.Replicas[len(rt.Replicas)-1].Peer {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("replica %s is no service node of the devnet", rt.Replicas[len(rt.Replicas)-1].Peer)
	}
	// Once it has applied the flight's first status, stop the replica and
	// start it again with the failpoint armed for the flight's topic. The
	// stop is graceful, so that the status stays applied on its disk: a
	// kill -9 may lose it (written unsynced, by design: docs/reliability.md),
	// and its fetching again at the start would hit the failpoint there.
	victimURL := d.Info.Services[victim].HTTP
	waitFor(t, 60*time.Second, "the replica applying the flight's first status", func() error {
		var h struct {
			History []token.HistoryItem `json:"history"`
		}
		if err := d.GetAs(ctx, victimURL+"/v1/tokens/"+tk.Instance+"/history", tk, &h); err != nil {
			return err
		}
		for _, it := range h.History {
			if it.Topic == tk.Topic {
				return nil
			}
		}
		return fmt.Errorf("no status of %s applied yet", tk.Topic)
	})
	if err := d.Stop(node.RoleService, victim); err != nil {
		t.Fatal(err)
	}
	if err := d.ReviveEnv(ctx, node.RoleService, victim, []string{"SMARTLAYER_FAILPOINT=" + failpoint.CrashBeforeApply + ":" + tk.Topic}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "every ticket answering on its replicas after the restart", func() error { return d.WaitTickets(ctx, time.Second) })

	// A three-hour delay: applying it grants the lounge and starts the
	// hotel rebooking.
	e, err := d.PublishStatus(ctx, tk.Flight, tk.Date, 200, "delayed")
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.Parse(e.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	uid := strings.ToLower(s.UID.String())
	waitFor(t, 60*time.Second, "the replica killed by its failpoint", func() error {
		if !d.Exited(node.RoleService, victim) {
			return fmt.Errorf("service %d still running", victim)
		}
		return nil
	})
	logb, _ := os.ReadFile(filepath.Join(d.Info.Services[victim].Data, "node.log"))
	if !strings.Contains(string(logb), "failpoint "+failpoint.CrashBeforeApply) {
		t.Fatalf("service %d ended, but not at its failpoint; its log:\n%s", victim, logb)
	}
	if err := d.Revive(ctx, node.RoleService, victim); err != nil {
		t.Fatal(err)
	}
	id, _ := wire.ParseInstanceID(tk.Instance)
	key := token.TriggerKey(id, "longDelay", "rebook", uid)
	waitFor(t, 90*time.Second, "the status applied once on every replica, one state root, one booking", func() error {
		roots := map[string]bool{}
		for _, r := range rt.Replicas {
			var h struct {
				History []token.HistoryItem `json:"history"`
			}
			if err := d.GetAs(ctx, r.HTTP+"/v1/tokens/"+tk.Instance+"/history", tk, &h); err != nil {
				return err
			}
			n := 0
			for _, it := range h.History {
				if strings.EqualFold(it.UID, uid) {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("replica %s has the status %d times", r.Peer, n)
			}
			var v struct {
				StateRoot string `json:"stateRoot"`
			}
			if err := d.GetAs(ctx, r.HTTP+"/v1/tokens/"+tk.Instance+"/root", tk, &v); err != nil {
				return err
			}
			roots[v.StateRoot] = true
		}
		if len(roots) != 1 {
			return fmt.Errorf("replicas on %d state roots", len(roots))
		}
		if _, ok := d.HotelServer.Bookings()[key]; !ok {
			return fmt.Errorf("no booking under the trigger's key yet")
		}
		return nil
	})
}

// waitFor polls f until it succeeds, failing the test after timeout with
// f's last error.
func waitFor(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
