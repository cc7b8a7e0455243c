package p2p

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/routing"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/smartlayer/smartlayer/transport"
)

// PeerID is a libp2p peer identity.
type PeerID = peer.ID

// Host is a libp2p host with its DHT: a transport.Transport.
type Host struct {
	h   host.Host
	dht *dht.IpfsDHT
	log *slog.Logger
}

var _ transport.Transport = (*Host)(nil)

// New starts a host listening on opts.Listen.
func New(opts transport.Options) (*Host, error) {
	h, err := libp2p.New(
		libp2p.Identity(opts.Key.Libp2p()),
		libp2p.ListenAddrStrings(opts.Listen...),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(libp2pquic.NewTransport),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
	)
	if err != nil {
		return nil, fmt.Errorf("start libp2p host: %w", err)
	}
	mode := dht.ModeClient
	if opts.DHTServer {
		mode = dht.ModeServer
	}
	d, err := dht.New(h,
		dht.Mode(mode),
		dht.ProtocolPrefix(transport.ProtocolPrefix),
		dht.Validator(opts.Validators),
		dht.DisableProviders(),
	)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("start DHT: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Host{h: h, dht: d, log: log}, nil
}

// Close stops the DHT and the host.
func (h *Host) Close() error {
	err1 := h.dht.Close()
	err2 := h.h.Close()
	if err1 != nil {
		return err1
	}
	return err2
}

// FullAddrs returns the host's full multiaddrs, with /p2p/<id>.
func (h *Host) FullAddrs() []string {
	var out []string
	for _, a := range h.h.Addrs() {
		out = append(out, a.String()+"/p2p/"+h.h.ID().String())
	}
	return out
}

// Connect dials each bootstrap multiaddr (with /p2p/), remembering its
// addresses for good. It returns how many connected; a failed dial is
// logged, not fatal.
func (h *Host) Connect(ctx context.Context, addrs []string) int {
	ok := 0
	for _, s := range addrs {
		ai, err := ParseAddrInfo(s)
		if err != nil {
			h.log.Warn("bad bootstrap address", "addr", s, "err", err)
			continue
		}
		if ai.ID == h.h.ID() {
			continue
		}
		h.h.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.PermanentAddrTTL)
		if err := h.h.Connect(ctx, *ai); err != nil {
			h.log.Warn("bootstrap dial failed", "peer", ai.ID, "err", err)
			continue
		}
		ok++
	}
	return ok
}

// ID is the host's peer ID.
func (h *Host) ID() PeerID { return h.h.ID() }

// Reachable: the host has addresses of the peer or a connection to it.
func (h *Host) Reachable(id PeerID) bool {
	return len(h.h.Peerstore().Addrs(id)) > 0 || len(h.h.Network().ConnsToPeer(id)) > 0
}

// Refresh asks the DHT where a peer is now and remembers its addresses: one
// that restarted on other ports is found through the peers it reconnected to.
func (h *Host) Refresh(ctx context.Context, id PeerID) {
	ai, err := h.dht.FindPeer(ctx, id)
	if err != nil || len(ai.Addrs) == 0 {
		return
	}
	h.h.Peerstore().AddAddrs(id, ai.Addrs, peerstore.PermanentAddrTTL)
}

// PeerCount is the number of connected peers.
func (h *Host) PeerCount() int { return len(h.h.Network().Peers()) }

// PutRecord stores a record in the DHT.
func (h *Host) PutRecord(ctx context.Context, key string, value []byte) error {
	return h.dht.PutValue(ctx, key, value)
}

// GetRecord finds the best record under key in the DHT.
func (h *Host) GetRecord(ctx context.Context, key string) ([]byte, error) {
	v, err := h.dht.GetValue(ctx, key)
	if errors.Is(err, routing.ErrNotFound) {
		return nil, fmt.Errorf("%w: %v", transport.ErrNotFound, err)
	}
	return v, err
}

// ParseAddrInfo reads a multiaddr that ends in /p2p/<peer id>.
func ParseAddrInfo(s string) (*peer.AddrInfo, error) {
	m, err := ma.NewMultiaddr(s)
	if err != nil {
		return nil, err
	}
	ai, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (want a multiaddr ending in /p2p/<peer id>)", s, err)
	}
	return ai, nil
}
