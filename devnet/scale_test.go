package devnet

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/nodekey"
)

// TestOrderedGossipUnderLoss: 3 publishers, 20 topics, N attestations (2,000
// by default, 600 under -race; SMARTLAYER_SCALE_ATTESTATIONS=10000 for the
// full run), with a
// fifth of all gossip dropped on every service node, and a service node
// killed and restarted mid-stream. At the end every replica of every ticket
// has applied every entry of its flight exactly once, in order (offsets equal
// the heads; history has no duplicates), and the replicas of each ticket
// agree on the state root.
func TestOrderedGossipUnderLoss(t *testing.T) {
	n := 2000
	if raceDetector {
		n = 600 // the same paths and faults; -race makes each message ~10x dearer
	}
	if v := os.Getenv("SMARTLAYER_SCALE_ATTESTATIONS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	opts := DefaultOptions()
	opts.Tickets, opts.Flights, opts.Services, opts.GossipDrop = 40, 20, 5, 0.2
	d := startDevnet(t, opts)
	ctx := context.Background()
	flights := map[string]Ticket{}
	for _, tk := range d.Info.Tickets {
		flights[tk.Topic] = tk
	}
	var topics []Ticket
	for _, tk := range flights {
		topics = append(topics, tk)
	}
	if len(topics) != 20 {
		t.Fatalf("%d topics", len(topics))
	}
	// Three publishers relay the airline's signed statuses.
	var pubs []*client.Publisher
	for i := 0; i < 3; i++ {
		k, _ := nodekey.Generate()
		c := client.New([]string{d.Info.Anchors[i%len(d.Info.Anchors)].HTTP}, nil)
		pubs = append(pubs, c.NewPublisher(k.ECDSA))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	start := time.Now()
	for p := range pubs {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := p; i < n; i += len(pubs) {
				tk := topics[i%len(topics)]
				att, err := SignStatus(d.airline, d.Info.ChainID, common.HexToAddress(d.Info.EASContract), tk.Flight, tk.Date, i%400, "delayed", time.Now())
				if err != nil {
					errs <- err
					return
				}
				if _, err := pubs[p].Publish(ctx, tk.Topic, att); err != nil {
					errs <- err
					return
				}
			}
		}(p)
	}
	// Mid-stream, a service node dies and comes back on its data.
	time.Sleep(time.Second)
	if err := d.KillService(2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := d.RestartService(ctx, 2); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("published %d attestations in %s", n, time.Since(start).Round(time.Millisecond))

	// Wait until every replica has applied every entry of its flight.
	deadline := time.Now().Add(time.Minute)
	for {
		behind := 0
		var why []string
		for _, tk := range d.Info.Tickets {
			heads, err := d.Client.Heads(ctx, d.Info.Anchors[0].HTTP, tk.Topic)
			if err != nil {
				t.Fatal(err)
			}
			vs := replicaStates(t, d, tk.Instance)
			rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
			for i, v := range vs {
				for _, h := range heads {
					if got := v.Offsets[tk.Topic+"@"+h.Publisher.Hex()]; got != h.Seq {
						behind++
						if len(why) < 6 {
							rh, _ := d.Client.Heads(ctx, rt.Replicas[i].HTTP, tk.Topic)
							var logSeq uint64
							for _, x := range rh {
								if x.Publisher == h.Publisher {
									logSeq = x.Seq
								}
							}
							why = append(why, fmt.Sprintf("%s on %s: applied %d, its log %d, anchor %d", tk.Flight, rt.Replicas[i].HTTP, got, logSeq, h.Seq))
						}
					}
				}
				if v.StateRoot != vs[0].StateRoot {
					behind++
				}
			}
		}
		if behind == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d replica streams still behind or disagreeing after 2 minutes:\n%s", behind, strings.Join(why, "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("all replicas caught up %s after the start", time.Since(start).Round(time.Millisecond))
	// Exactly once: no stream position applied twice in any history.
	for _, tk := range d.Info.Tickets[:5] {
		rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
		for _, r := range rt.Replicas {
			var h struct {
				History []struct {
					Publisher string
					Seq       uint64
				}
			}
			if err := getAs(d, r.HTTP+"/v1/tokens/"+tk.Instance+"/history", tk.Instance, &h); err != nil {
				t.Fatal(err)
			}
			seen := map[string]uint64{}
			for _, it := range h.History {
				if it.Seq <= seen[it.Publisher] {
					t.Fatalf("replica %s applied %s seq %d after %d", r.HTTP, it.Publisher, it.Seq, seen[it.Publisher])
				}
				seen[it.Publisher] = it.Seq
			}
		}
	}
}
