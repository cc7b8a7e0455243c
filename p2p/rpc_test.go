package p2p

import (
	"context"
	"errors"
	"strings"
	"testing"

	record "github.com/libp2p/go-libp2p-record"

	"github.com/smartlayer/smartlayer/nodekey"
)

type ping struct{ N int }
type pong struct{ N int }

func newHost(t *testing.T, listen string) *Host {
	t.Helper()
	k, err := nodekey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{Key: k, Listen: []string{listen}, DHTServer: true, Validators: record.NamespacedValidator{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestRequestResponse runs the framed JSON protocol between two real hosts,
// over TCP and over QUIC.
func TestRequestResponse(t *testing.T) {
	for _, tr := range []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"} {
		a, b := newHost(t, tr), newHost(t, tr)
		Handle(b, "/test/ping/1.0.0", func(_ context.Context, from PeerID, req *ping) (*pong, error) {
			if from != a.ID() {
				return nil, errors.New("wrong peer")
			}
			if req.N < 0 {
				return nil, errors.New("negative")
			}
			return &pong{N: req.N + 1}, nil
		})
		ctx := context.Background()
		if n := a.Connect(ctx, b.FullAddrs()); n != 1 {
			t.Fatalf("%s: connected %d", tr, n)
		}
		resp, err := Call[ping, pong](ctx, a, b.ID(), "/test/ping/1.0.0", &ping{N: 41})
		if err != nil || resp.N != 42 {
			t.Fatalf("%s: %v %v", tr, resp, err)
		}
		if _, err := Call[ping, pong](ctx, a, b.ID(), "/test/ping/1.0.0", &ping{N: -1}); !errors.Is(err, ErrRemote) || !strings.Contains(err.Error(), "negative") {
			t.Fatalf("%s: remote error: %v", tr, err)
		}
		if _, err := Call[ping, pong](ctx, a, b.ID(), "/test/none/1.0.0", &ping{}); err == nil {
			t.Fatalf("%s: unknown protocol answered", tr)
		}
	}
}

func TestFrameLimit(t *testing.T) {
	var sb strings.Builder
	big := struct{ S string }{strings.Repeat("x", MaxMessage)}
	if err := writeFrame(&sb, big); err == nil {
		t.Fatal("oversized frame written")
	}
	hdr := "\xff\xff\xff\xff"
	var v any
	if err := readFrame(strings.NewReader(hdr), &v, MaxMessage); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("oversized header accepted: %v", err)
	}
}
