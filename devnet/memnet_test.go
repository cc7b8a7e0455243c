package devnet

import (
	"context"
	"testing"
	"time"
)

// TestInMemoryNetwork runs the devnet's nodes on the in-memory transport
// (no p2p sockets; the nodes' code is the same): records are found,
// statuses reach every replica in order, replicas agree, and a lost service
// node's tickets are re-placed and keep applying.
func TestInMemoryNetwork(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.InMemory = 30, 8, true
	d := startDevnet(t, opts)
	first := d.Info.Tickets[0]
	waitFlight(t, d, first.Topic, 190, 20*time.Second)
	if _, err := d.PublishStatus(context.Background(), first.Flight, first.Date, 240, "delayed"); err != nil {
		t.Fatal(err)
	}
	waitFlight(t, d, first.Topic, 240, 20*time.Second)
	var rep struct{ Agree bool }
	if err := getJSON(context.Background(), d.Info.Anchors[2].HTTP+"/v1/tokens/"+first.Instance+"/consistency", &rep); err != nil || !rep.Agree {
		t.Fatalf("consistency: %v %+v", err, rep)
	}

	// Kill a replica of the first ticket: the anchors re-place it on live
	// nodes, which catch up on the log and apply the next status.
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, first.Instance)
	victim := rt.Replicas[0].Peer
	for i, s := range d.Services {
		if s != nil && s.PeerID().String() == victim {
			if err := d.KillService(i); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		rt, code := getRoute(t, d.Info.Anchors[1].HTTP, first.Instance)
		moved := code == 200
		for _, r := range rt.Replicas {
			moved = moved && r.Peer != victim && r.State == "up"
		}
		if moved {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ticket not re-placed off the killed node: %+v", rt)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := d.PublishStatus(context.Background(), first.Flight, first.Date, 300, "delayed"); err != nil {
		t.Fatal(err)
	}
	waitFlight(t, d, first.Topic, 300, 30*time.Second)
}
