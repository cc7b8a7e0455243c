package p2p

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	record "github.com/libp2p/go-libp2p-record"

	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/transport"
)

type ping struct{ N int }
type pong struct{ N int }

func newHost(t *testing.T, listen string) *Host {
	t.Helper()
	k, err := nodekey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(transport.Options{Key: k, Listen: []string{listen}, DHTServer: true, Validators: record.NamespacedValidator{}})
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
		transport.Handle(b, "/test/ping/1.0.0", func(_ context.Context, from PeerID, req *ping) (*pong, error) {
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
		resp, err := transport.Call[ping, pong](ctx, a, b.ID(), "/test/ping/1.0.0", &ping{N: 41})
		if err != nil || resp.N != 42 {
			t.Fatalf("%s: %v %v", tr, resp, err)
		}
		if _, err := transport.Call[ping, pong](ctx, a, b.ID(), "/test/ping/1.0.0", &ping{N: -1}); !errors.Is(err, transport.ErrRemote) || !strings.Contains(err.Error(), "negative") {
			t.Fatalf("%s: remote error: %v", tr, err)
		}
		if _, err := transport.Call[ping, pong](ctx, a, b.ID(), "/test/none/1.0.0", &ping{}); err == nil {
			t.Fatalf("%s: unknown protocol answered", tr)
		}
	}
}

func TestFrameLimit(t *testing.T) {
	var sb strings.Builder
	big := []byte(strings.Repeat("x", transport.MaxMessage+1))
	if err := transport.WriteFrame(&sb, big); err == nil {
		t.Fatal("oversized frame written")
	}
	hdr := "\xff\xff\xff\xff"
	if _, err := transport.ReadFrame(strings.NewReader(hdr), transport.MaxMessage); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("oversized header accepted: %v", err)
	}
}

// TestHandleFromRefusesOthersUnread: a protocol only some peers may speak
// resets others' streams before reading them, and a declared length is not
// allocated before its bytes arrive.
func TestHandleFromRefusesOthersUnread(t *testing.T) {
	a, b, c := newHost(t, "/ip4/127.0.0.1/tcp/0"), newHost(t, "/ip4/127.0.0.1/tcp/0"), newHost(t, "/ip4/127.0.0.1/tcp/0")
	called := 0
	transport.HandleFrom(b, "/test/only-a/1.0.0", transport.MaxMessage, func(p PeerID) bool { return p == a.ID() },
		func(_ context.Context, _ PeerID, req *ping) (*pong, error) {
			called++
			return &pong{N: req.N}, nil
		})
	ctx := context.Background()
	for _, h := range []*Host{a, c} {
		if h.Connect(ctx, b.FullAddrs()) != 1 {
			t.Fatal("connect")
		}
	}
	if _, err := transport.Call[ping, pong](ctx, c, b.ID(), "/test/only-a/1.0.0", &ping{N: 1}); err == nil {
		t.Fatal("a peer not allowed was answered")
	}
	if resp, err := transport.Call[ping, pong](ctx, a, b.ID(), "/test/only-a/1.0.0", &ping{N: 7}); err != nil || resp.N != 7 {
		t.Fatalf("the allowed peer: %v %v", resp, err)
	}
	if called != 1 {
		t.Fatalf("handler ran %d times", called)
	}
	// 16 MiB declared, 3 bytes sent: an error, not a 16 MiB buffer.
	if _, err := transport.ReadFrame(strings.NewReader("\x00\xff\xff\xffabc"), transport.MaxMessage); err == nil {
		t.Fatal("a short frame was read")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _ = transport.ReadFrame(strings.NewReader("\x00\xff\xff\xffabc"), transport.MaxMessage)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Fatalf("a 3-byte frame declared 16 MiB allocated %d bytes", got)
	}
}

// TestAnswerCap: an answer past the caller's cap is refused (an
// acknowledgement of 64 KiB at most), the same answer under Call's cap is
// read (issue 16: frame caps sized to each message).
func TestAnswerCap(t *testing.T) {
	a, b := newHost(t, "/ip4/127.0.0.1/tcp/0"), newHost(t, "/ip4/127.0.0.1/tcp/0")
	big := strings.Repeat("x", 100<<10)
	transport.Handle(b, "/test/big/1.0.0", func(_ context.Context, _ PeerID, req *ping) (*echo, error) {
		return &echo{S: big}, nil
	})
	ctx := context.Background()
	if a.Connect(ctx, b.FullAddrs()) != 1 {
		t.Fatal("connect")
	}
	if _, err := transport.CallMax[ping, echo](ctx, a, b.ID(), "/test/big/1.0.0", &ping{N: 1}, transport.SmallAnswer); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("a 100 KiB answer under a 64 KiB cap: %v", err)
	}
	if resp, err := transport.Call[ping, echo](ctx, a, b.ID(), "/test/big/1.0.0", &ping{N: 1}); err != nil || len(resp.S) != len(big) {
		t.Fatalf("the same answer under Call's cap: %v", err)
	}
}

type echo struct {
	S string `json:"s"`
}
