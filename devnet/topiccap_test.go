package devnet

import (
	"context"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/node"
)

// TestFullServiceNodeTakesNothingNew: a service node at its cap on topics
// followed (service.max_topics) turns new instances down and says it is
// full in its heartbeats; the anchors place those tickets on the other
// nodes, it keeps the instances it took and applies their statuses, and it
// never follows more topics than its cap (issue 16, bounded topics).
func TestFullServiceNodeTakesNothingNew(t *testing.T) {
	const maxTopics = 6
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.InMemory = 30, 4, true
	opts.Configure = func(role node.Role, i int, cfg *node.Config) {
		if role == node.RoleService && i == 0 {
			cfg.Service.MaxTopics = maxTopics
		}
	}
	d := startDevnet(t, opts)
	small := d.Info.Services[0]

	// Every ticket ends on three up replicas, each of which answers its
	// state: the small node's refusals were placed elsewhere.
	placed := func() bool {
		for _, tk := range d.Info.Tickets {
			rt, code := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
			if code != 200 || len(rt.Replicas) != 3 {
				return false
			}
			for _, r := range rt.Replicas {
				var v stateView
				if r.State != "up" || getAs(d, r.HTTP+"/v1/tokens/"+tk.Instance+"/state", tk.Instance, &v) != nil {
					return false
				}
			}
		}
		return true
	}
	waitUntil(t, 60*time.Second, "every ticket answers on three replicas", placed)

	if n := metricValue(t, small.HTTP, "smartlayer_instances_turned_down_total"); n < 1 {
		t.Fatalf("the small node turned down %v instances; 30 tickets on 4 nodes should overflow %d topics", n, maxTopics)
	}
	if n := metricValue(t, small.HTTP, "smartlayer_gossip_topics"); n > maxTopics || n < 1 {
		t.Fatalf("the small node follows %v topics, cap %d", n, maxTopics)
	}
	var net struct {
		Services []struct {
			Peer      string `json:"peer"`
			Instances int    `json:"instances"`
			Full      bool   `json:"full"`
		} `json:"services"`
	}
	waitUntil(t, 30*time.Second, "anchor 0 sees the small node full, holding instances", func() bool {
		if err := getJSON(context.Background(), d.Info.Anchors[0].HTTP+"/v1/network", &net); err != nil {
			return false
		}
		for _, s := range net.Services {
			if s.Peer == small.Peer {
				return s.Full && s.Instances > 0
			}
		}
		return false
	})

	// The tickets it kept still apply statuses, like every other: a
	// status for every flight reaches every replica.
	flights := map[string]Ticket{}
	for _, tk := range d.Info.Tickets {
		flights[tk.Topic] = tk
	}
	for _, tk := range flights {
		if _, err := d.PublishStatus(context.Background(), tk.Flight, tk.Date, 200, "delayed"); err != nil {
			t.Fatal(err)
		}
	}
	for topic := range flights {
		waitFlight(t, d, topic, 200, 30*time.Second)
	}
	if n := metricValue(t, small.HTTP, "smartlayer_gossip_topics"); n > maxTopics {
		t.Fatalf("the small node follows %v topics, cap %d", n, maxTopics)
	}
}
