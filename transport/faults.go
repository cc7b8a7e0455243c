package transport

import (
	"context"
	"fmt"
)

// Faults make a transport misbehave on purpose, in tests and the devnet's
// fault switches. Nil fields do nothing.
type Faults struct {
	// DropGossip is asked for each gossiped message received that passed
	// validation; true drops it before the node sees it.
	DropGossip func() bool
	// Cut is asked for each request this node sends or answers and each
	// gossiped message it receives; true fails or drops it as if the link
	// between from and to were down (a partition).
	Cut func(from, to PeerID) bool
}

// Faulty wraps t so that it misbehaves as f says.
func Faulty(t Transport, f Faults) Transport { return &faulty{Transport: t, f: f} }

type faulty struct {
	Transport
	f Faults
}

func (t *faulty) Request(ctx context.Context, to PeerID, proto Protocol, req []byte, maxAnswer uint32) ([]byte, error) {
	if t.f.Cut != nil && t.f.Cut(t.ID(), to) {
		return nil, fmt.Errorf("open %s to %s: %w (link cut)", proto, to, ErrUnreachable)
	}
	return t.Transport.Request(ctx, to, proto, req, maxAnswer)
}

func (t *faulty) SetHandler(proto Protocol, maxRequest uint32, allow func(PeerID) bool, h RawHandler) {
	if t.f.Cut != nil {
		inner := h
		h = func(ctx context.Context, from PeerID, req []byte) ([]byte, error) {
			if t.f.Cut(from, t.ID()) {
				return nil, fmt.Errorf("link from %s cut", from)
			}
			return inner(ctx, from, req)
		}
	}
	t.Transport.SetHandler(proto, maxRequest, allow, h)
}

func (t *faulty) Gossip(ctx context.Context, o GossipOptions) (Gossip, error) {
	if cut, validate := t.f.Cut, o.Validate; cut != nil {
		o.Validate = func(ctx context.Context, from PeerID, data []byte) (any, error) {
			if cut(from, t.ID()) {
				return nil, ErrIgnore
			}
			return validate(ctx, from, data)
		}
	}
	g, err := t.Transport.Gossip(ctx, o)
	if err != nil || t.f.DropGossip == nil {
		return g, err
	}
	return &faultyGossip{Gossip: g, drop: t.f.DropGossip}, nil
}

type faultyGossip struct {
	Gossip
	drop func() bool
}

func (g *faultyGossip) Subscribe(ctx context.Context, topic string, handle func(data []byte, validated any)) error {
	return g.Gossip.Subscribe(ctx, topic, func(data []byte, v any) {
		if !g.drop() {
			handle(data, v)
		}
	})
}
