package transport

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	record "github.com/libp2p/go-libp2p-record"
	"github.com/libp2p/go-libp2p/core/peer"
)

// MemNetwork is an in-memory network: the transports joined to it reach
// each other by peer ID, with no sockets. Requests run the peer's handler
// on a goroutine of their own, as a stream would; gossip goes straight to
// every node subscribed to the topic that has not seen the message (a full
// mesh: no forwarding, no peer scores; messages known by their content, as
// p2p knows them); records live in one table, checked by each node's
// validators as the DHT checks them. Tests use it to run many nodes in one
// process.
type MemNetwork struct {
	mu      sync.RWMutex
	nodes   map[PeerID]*Mem
	records map[string][]byte
}

// NewMemNetwork makes an empty network.
func NewMemNetwork() *MemNetwork {
	return &MemNetwork{nodes: map[PeerID]*Mem{}, records: map[string][]byte{}}
}

// memAddrPrefix starts a Mem transport's address.
const memAddrPrefix = "/mem/"

// Join adds a node with opts.Key's identity; it has the signature of
// p2p.New, so a node can be given either. A key already joined and not
// closed is refused.
func (n *MemNetwork) Join(opts Options) (Transport, error) {
	if opts.Key == nil {
		return nil, errors.New("mem transport: no key")
	}
	m := &Mem{net: n, id: opts.Key.PeerID(), validators: opts.Validators, handlers: map[Protocol]memHandler{}}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.nodes[m.id]; ok {
		return nil, fmt.Errorf("mem transport: %s already joined", m.id)
	}
	n.nodes[m.id] = m
	return m, nil
}

func (n *MemNetwork) node(id PeerID) *Mem {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.nodes[id]
}

// Mem is one node's transport on a MemNetwork.
type Mem struct {
	net        *MemNetwork
	id         PeerID
	validators record.NamespacedValidator
	ctx        context.Context // ends when the node closes
	cancel     context.CancelFunc

	mu       sync.RWMutex
	closed   bool
	handlers map[Protocol]memHandler
	gossip   *memGossip
	running  sync.WaitGroup // handlers answering requests
}

type memHandler struct {
	max   uint32
	allow func(PeerID) bool
	fn    RawHandler
}

var _ Transport = (*Mem)(nil)

// ID is the node's peer ID.
func (m *Mem) ID() PeerID { return m.id }

// SetHandler answers proto.
func (m *Mem) SetHandler(proto Protocol, maxRequest uint32, allow func(PeerID) bool, h RawHandler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers[proto] = memHandler{max: maxRequest, allow: allow, fn: h}
}

// Request runs the peer's handler for proto on a copy of req.
func (m *Mem) Request(ctx context.Context, to PeerID, proto Protocol, req []byte, maxAnswer uint32) ([]byte, error) {
	peer := m.net.node(to)
	if peer == nil {
		return nil, fmt.Errorf("open %s to %s: %w", proto, to, ErrUnreachable)
	}
	peer.mu.RLock()
	h, ok := peer.handlers[proto]
	closed := peer.closed
	if ok && !closed {
		peer.running.Add(1)
	}
	peer.mu.RUnlock()
	if closed || !ok {
		return nil, fmt.Errorf("open %s to %s: %w (protocol not supported)", proto, to, ErrUnreachable)
	}
	if h.allow != nil && !h.allow(m.id) {
		peer.running.Done()
		return nil, fmt.Errorf("%s to %s: receive: stream reset", proto, to)
	}
	if uint32(len(req)) > h.max {
		peer.running.Done()
		return nil, fmt.Errorf("%s to %s: receive: stream reset (request of %d bytes exceeds %d)", proto, to, len(req), h.max)
	}
	type answer struct {
		b   []byte
		err error
	}
	done := make(chan answer, 1)
	in := slices.Clone(req)
	go func() {
		defer peer.running.Done()
		hctx, cancel := context.WithTimeout(peer.ctx, StreamTimeout)
		defer cancel()
		b, err := h.fn(hctx, m.id, in)
		done <- answer{slices.Clone(b), err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			return nil, RemoteError(to, a.err.Error())
		}
		// The answer's envelope (p2p's) is about 10 bytes more than its body.
		if len(a.b)+10 > int(min(maxAnswer, MaxMessage)) {
			return nil, fmt.Errorf("%s to %s: receive: message of %d bytes exceeds %d", proto, to, len(a.b), min(maxAnswer, MaxMessage))
		}
		return a.b, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s to %s: %w", proto, to, ctx.Err())
	}
}

// PutRecord validates a record and keeps it unless the one held is better.
func (m *Mem) PutRecord(_ context.Context, key string, value []byte) error {
	if err := m.validators.Validate(key, value); err != nil {
		return err
	}
	m.net.mu.Lock()
	defer m.net.mu.Unlock()
	if old, ok := m.net.records[key]; ok {
		if i, err := m.validators.Select(key, [][]byte{value, old}); err != nil || i != 0 {
			return err
		}
	}
	m.net.records[key] = slices.Clone(value)
	return nil
}

// GetRecord returns the record under key if it is valid.
func (m *Mem) GetRecord(_ context.Context, key string) ([]byte, error) {
	m.net.mu.RLock()
	v, ok := m.net.records[key]
	m.net.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err := m.validators.Validate(key, v); err != nil {
		return nil, err
	}
	return slices.Clone(v), nil
}

// Connect counts the addresses whose nodes are on the network.
func (m *Mem) Connect(_ context.Context, addrs []string) int {
	ok := 0
	for _, a := range addrs {
		text, found := strings.CutPrefix(a, memAddrPrefix)
		if !found {
			continue
		}
		if id, err := peer.Decode(text); err == nil && id != m.id && m.Reachable(id) {
			ok++
		}
	}
	return ok
}

// Reachable: the peer is on the network and open.
func (m *Mem) Reachable(id PeerID) bool {
	p := m.net.node(id)
	if p == nil {
		return false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return !p.closed
}

// Refresh does nothing: every node on the network is reachable by its ID.
func (m *Mem) Refresh(context.Context, PeerID) {}

// FullAddrs is the node's one address, /mem/<peer id>.
func (m *Mem) FullAddrs() []string { return []string{memAddrPrefix + m.id.String()} }

// PeerCount is the number of other open nodes.
func (m *Mem) PeerCount() int {
	m.net.mu.RLock()
	defer m.net.mu.RUnlock()
	n := 0
	for id, p := range m.net.nodes {
		p.mu.RLock()
		if id != m.id && !p.closed {
			n++
		}
		p.mu.RUnlock()
	}
	return n
}

// Close leaves the network and waits for the handlers still answering.
func (m *Mem) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.running.Wait()
	m.net.mu.Lock()
	if m.net.nodes[m.id] == m {
		delete(m.net.nodes, m.id)
	}
	m.net.mu.Unlock()
	return nil
}

// memQueue is how many gossiped messages wait for a subscriber before more
// are dropped (GossipSub drops past its validation queue too).
const memQueue = 4096

type memGossip struct {
	m    *Mem
	o    GossipOptions
	mu   sync.Mutex
	subs map[string]memSub
	// seen: the last memSeen messages this node published or took, by
	// content, so one entry relayed by several nodes arrives once (as
	// GossipSub's seen cache does with content IDs).
	seen  map[[32]byte]bool
	order [][32]byte
}

// memSeen bounds a node's seen cache.
const memSeen = 1 << 14

// see records a message; false if it was seen already.
func (g *memGossip) see(id [32]byte) bool {
	if g.seen[id] {
		return false
	}
	g.seen[id] = true
	g.order = append(g.order, id)
	if len(g.order) > memSeen {
		delete(g.seen, g.order[0])
		g.order = g.order[1:]
	}
	return true
}

func messageID(topic string, data []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(topic))
	h.Write([]byte{0})
	h.Write(data)
	return [32]byte(h.Sum(nil))
}

type memMsg struct {
	from PeerID
	data []byte
}

// Gossip starts the node's gossip on the network.
func (m *Mem) Gossip(_ context.Context, o GossipOptions) (Gossip, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gossip == nil {
		m.gossip = &memGossip{m: m, o: o, subs: map[string]memSub{}, seen: map[[32]byte]bool{}}
	}
	return m.gossip, nil
}

func (g *memGossip) Subscribe(ctx context.Context, topic string, handle func(data []byte, validated any)) error {
	g.mu.Lock()
	if _, ok := g.subs[topic]; ok {
		g.mu.Unlock()
		return nil
	}
	q, stop := make(chan memMsg, memQueue), make(chan struct{})
	g.subs[topic] = memSub{q: q, stop: stop}
	g.mu.Unlock()
	loop := func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-stop:
				return
			case <-g.m.ctx.Done():
				return
			case msg := <-q:
				if g.o.Member != nil && !g.o.Member(msg.from) {
					continue
				}
				v, err := g.o.Validate(ctx, msg.from, msg.data)
				switch {
				case err == nil:
					handle(msg.data, v)
				case errors.Is(err, ErrIgnore):
				case g.o.Rejected != nil:
					g.o.Rejected(msg.from, err)
				}
			}
		}
	}
	if g.o.Spawn != nil {
		g.o.Spawn(loop)
	} else {
		go loop()
	}
	return nil
}

// memSub is one subscription: its queue, and stop to end its loop.
type memSub struct {
	q    chan memMsg
	stop chan struct{}
}

func (g *memGossip) Unsubscribe(topic string) {
	g.mu.Lock()
	sub, ok := g.subs[topic]
	delete(g.subs, topic)
	g.mu.Unlock()
	if ok {
		close(sub.stop)
	}
}

func (g *memGossip) Subscribed(topic string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.subs[topic]
	return ok
}

// Publish hands a copy of data to every other node subscribed to topic
// that has not seen it.
func (g *memGossip) Publish(_ context.Context, topic string, data []byte) error {
	if len(data) > MaxGossipMessage {
		return fmt.Errorf("gossip message of %d bytes exceeds %d", len(data), MaxGossipMessage)
	}
	id := messageID(topic, data)
	g.mu.Lock()
	g.see(id)
	g.mu.Unlock()
	g.m.net.mu.RLock()
	peers := make([]*Mem, 0, len(g.m.net.nodes))
	for id, p := range g.m.net.nodes {
		if id != g.m.id {
			peers = append(peers, p)
		}
	}
	g.m.net.mu.RUnlock()
	for _, p := range peers {
		p.mu.RLock()
		pg, closed := p.gossip, p.closed
		p.mu.RUnlock()
		if pg == nil || closed {
			continue
		}
		pg.mu.Lock()
		sub, ok := pg.subs[topic]
		fresh := ok && pg.see(id)
		pg.mu.Unlock()
		if !fresh {
			continue
		}
		select {
		case sub.q <- memMsg{from: g.m.id, data: slices.Clone(data)}:
		default: // the subscriber is behind: dropped, as GossipSub would
		}
	}
	return nil
}

func (g *memGossip) Topics() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, 0, len(g.subs))
	for t := range g.subs {
		out = append(out, t)
	}
	return out
}
