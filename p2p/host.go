package p2p

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	record "github.com/libp2p/go-libp2p-record"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/smartlayer/smartlayer/nodekey"
)

// ProtocolPrefix is the private prefix of the network's DHT protocols.
const ProtocolPrefix = protocol.ID("/smartlayer")

// PeerID is a libp2p peer identity.
type PeerID = peer.ID

// Options configure a Host.
type Options struct {
	Key        *nodekey.Key
	Listen     []string // multiaddrs
	DHTServer  bool     // anchors serve the DHT; service nodes are clients
	Validators record.NamespacedValidator
	Logger     *slog.Logger
}

// Host is a libp2p host with its DHT.
type Host struct {
	host.Host
	DHT *dht.IpfsDHT
	log *slog.Logger
}

// New starts a host listening on opts.Listen.
func New(opts Options) (*Host, error) {
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
		dht.ProtocolPrefix(ProtocolPrefix),
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
	return &Host{Host: h, DHT: d, log: log}, nil
}

// Close stops the DHT and the host.
func (h *Host) Close() error {
	err1 := h.DHT.Close()
	err2 := h.Host.Close()
	if err1 != nil {
		return err1
	}
	return err2
}

// FullAddrs returns the host's full multiaddrs, with /p2p/<id>.
func (h *Host) FullAddrs() []string {
	var out []string
	for _, a := range h.Addrs() {
		out = append(out, a.String()+"/p2p/"+h.ID().String())
	}
	return out
}

// Connect dials each bootstrap multiaddr (with /p2p/). It returns how many
// connected; a failed dial is logged, not fatal.
func (h *Host) Connect(ctx context.Context, addrs []string) int {
	ok := 0
	for _, s := range addrs {
		ai, err := ParseAddrInfo(s)
		if err != nil {
			h.log.Warn("bad bootstrap address", "addr", s, "err", err)
			continue
		}
		if ai.ID == h.ID() {
			continue
		}
		if err := h.Host.Connect(ctx, *ai); err != nil {
			h.log.Warn("bootstrap dial failed", "peer", ai.ID, "err", err)
			continue
		}
		ok++
	}
	return ok
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
