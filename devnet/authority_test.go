package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/p2p"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/transport"
)

// TestRecordFromAnotherAnchorRefused: an anchor of the set that signs a
// record for an instance another live anchor is responsible for is refused
// by the instance's replicas and by the other anchors, and the replicas
// keep serving under the responsible anchor's record (trust item 4).
func TestRecordFromAnotherAnchorRefused(t *testing.T) {
	opts := DefaultOptions()
	// 30 tickets: the chance that anchor 0 is responsible for none is
	// (2/3)^30; and on a busy machine its records may reach anchor 2 a
	// while after the devnet is up (a takeover may even sign some first),
	// so the test waits for one.
	opts.Tickets, opts.Services = 30, 4
	d := startDevnet(t, opts)
	a0 := d.Info.Anchors[0].Peer
	var inst string
	var good *placement.Record
	waitUntil(t, time.Minute, "anchor 2 routes a ticket by a record of anchor 0", func() bool {
		for _, tk := range d.Info.Tickets {
			rt, code := getRoute(t, d.Info.Anchors[2].HTTP, tk.Instance)
			if code != 200 {
				continue
			}
			rec, err := placement.DecodeRecord(rt.Record)
			if err == nil && rec.AnchorPeer == a0 {
				inst, good = tk.Instance, rec
				return true
			}
		}
		return false
	})
	// Anchor 1 goes rogue: it stops, and its key, still an anchor's, signs a
	// record moving anchor 0's instance onto a node of its choosing.
	if err := d.KillAnchor(1); err != nil {
		t.Fatal(err)
	}
	key, err := nodekey.Load(filepath.Join(d.Info.Anchors[1].Data, "node.key"))
	if err != nil {
		t.Fatal(err)
	}
	rogue, err := p2p.New(transport.Options{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rogue.Close()
	var other string
	for _, s := range d.Info.Services {
		if !good.Holds(s.Peer) {
			other = s.Peer
		}
	}
	bad := *good
	bad.Fencing, bad.Replicas, bad.Executor, bad.Takeover, bad.IssuedMs = good.Fencing+10, []string{other}, other, nil, time.Now().UnixMilli()
	bad.AnchorPeer = key.PeerID().String()
	if err := bad.Sign(key.ECDSA); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	call := func(ep Endpoint, proto transport.Protocol, msg any) error {
		t.Helper()
		if rogue.Connect(ctx, ep.P2P) == 0 {
			t.Fatalf("cannot reach %s", ep.Peer)
		}
		id, _ := peer.Decode(ep.Peer)
		b, _ := json.Marshal(msg)
		_, err := rogue.Request(ctx, id, proto, b, transport.MaxMessage)
		return err
	}
	assign := map[string]any{"items": []any{map[string]any{"record": &bad}}}
	for _, s := range d.Info.Services {
		if !good.Holds(s.Peer) && s.Peer != other {
			continue
		}
		err := call(s, transport.ProtoAssign, assign)
		if !errors.Is(err, transport.ErrRemote) || !strings.Contains(err.Error(), "responsible anchor") {
			t.Fatalf("service node %s took a record from an anchor not responsible: %v", s.Peer, err)
		}
	}
	err = call(d.Info.Anchors[2], transport.ProtoReplicate, map[string]any{"records": []any{&bad}})
	if !errors.Is(err, transport.ErrRemote) || !strings.Contains(err.Error(), "responsible anchor") {
		t.Fatalf("anchor 2 took a record from an anchor not responsible: %v", err)
	}
	// Nothing moved: the route and every replica still hold the good record.
	rt, _ := getRoute(t, d.Info.Anchors[2].HTTP, inst)
	if rec, err := placement.DecodeRecord(rt.Record); err != nil || rec.Fencing != good.Fencing || rec.AnchorPeer != a0 {
		t.Fatalf("route after the rogue record: %+v %v", rec, err)
	}
	for _, r := range rt.Replicas {
		var v struct{ StateRoot string }
		if err := getJSON(ctx, r.HTTP+"/v1/tokens/"+inst+"/root", &v); err != nil || v.StateRoot == "" {
			t.Fatalf("replica %s after the rogue record: %v", r.Peer, err)
		}
	}
}
