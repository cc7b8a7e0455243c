package p2p

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/transport"
)

// Gossip is GossipSub v1.1 with one validator for every topic, peer
// scoring that lowers the score of peers that send invalid messages, and
// messages known by their content (see messageID). Topics it publishes on
// without subscribing (an anchor relaying entries) are joined on demand
// and let go of, least recently used first, past maxJoined.
type Gossip struct {
	self   peer.ID
	ps     *pubsub.PubSub
	joinMu sync.Mutex
	mu     sync.Mutex
	topics map[string]*pubsub.Topic
	subs   map[string]*pubsub.Subscription
	// joined lists the topics joined but not subscribed, most recently
	// published first.
	joined  *list.List
	inList  map[string]*list.Element
	penMu   sync.Mutex // separate: pubsub's event loop reads scores
	penalty map[peer.ID]penalty
	// trusted peers (the anchor set) are scored up and never penalised:
	// they vet what they forward, and a race between them is no offence.
	trusted  func(peer.ID) bool
	member   func(peer.ID) bool // nil: every peer
	rejected func(from peer.ID, err error)
	spawn    func(f func())
}

var _ transport.Gossip = (*Gossip)(nil)

// Gossip starts GossipSub on the host.
func (h *Host) Gossip(ctx context.Context, o transport.GossipOptions) (transport.Gossip, error) {
	return newGossip(ctx, h, o)
}

func newGossip(ctx context.Context, h *Host, o transport.GossipOptions) (*Gossip, error) {
	g := &Gossip{
		self: h.ID(), topics: map[string]*pubsub.Topic{}, subs: map[string]*pubsub.Subscription{}, penalty: map[peer.ID]penalty{},
		joined: list.New(), inList: map[string]*list.Element{},
		trusted: o.Trusted, member: o.Member, rejected: o.Rejected, spawn: o.Spawn,
	}
	validate := o.Validate
	params := &pubsub.PeerScoreParams{
		AppSpecificScore:  g.appScore,
		AppSpecificWeight: 1,
		DecayInterval:     time.Second,
		DecayToZero:       0.01,
		RetainScore:       time.Hour,
		// IP colocation is off: devnets and tests put every node on one address.
		IPColocationFactorWeight: 0,
		BehaviourPenaltyWeight:   -1,
		BehaviourPenaltyDecay:    0.9,
	}
	thresholds := &pubsub.PeerScoreThresholds{GossipThreshold: -10, PublishThreshold: -50, GraylistThreshold: -80}
	val := func(ctx context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
		if from == h.ID() {
			return pubsub.ValidationAccept // our own publications were checked before
		}
		v, err := validate(ctx, msg.ReceivedFrom, msg.Data)
		switch {
		case err == nil:
			msg.ValidatorData = v
			return pubsub.ValidationAccept
		case errors.Is(err, transport.ErrIgnore):
			return pubsub.ValidationIgnore
		}
		g.penalise(msg.ReceivedFrom, 20, time.Now())
		if g.rejected != nil {
			g.rejected(msg.ReceivedFrom, err)
		}
		return pubsub.ValidationReject
	}
	ps, err := pubsub.NewGossipSub(ctx, h.h,
		// No author, sequence number or transport signature: every payload
		// is a publisher-signed log entry around a signed attestation, which
		// the validator checks, so a second, pure-Go signature per message
		// (made by the sender, checked by every hop) bought nothing. Messages
		// are known by the hash of their topic and bytes, so one entry is
		// one message on a topic however many anchors relay it.
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(messageID),
		pubsub.WithPeerScore(params, thresholds),
		pubsub.WithDefaultValidator(pubsub.ValidatorEx(val)),
		// A non-member is kept out of the mesh, and its score (appScore)
		// is under the graylist, so we send it nothing; every message it
		// sends is dropped before pubsub marks it seen (the inspector
		// below), so a copy it sends first cannot make a member's copy a
		// duplicate.
		pubsub.WithPeerFilter(func(p peer.ID, _ string) bool { return g.isMember(p) }),
		// And a non-member's RPCs lose their messages and control first of
		// all: a peer pubsub has no score record for yet (it opened its
		// stream to us, and ours to it is not up) scores 0, not appScore.
		// Its subscriptions are kept: a node admitted later (staked since)
		// does not announce them again.
		pubsub.WithAppSpecificRpcInspector(func(p peer.ID, rpc *pubsub.RPC) error {
			if !g.isMember(p) {
				rpc.Publish, rpc.Control, rpc.Partial, rpc.TestExtension = nil, nil, nil, nil
			}
			return nil
		}),
		pubsub.WithValidateQueueSize(4096),
		pubsub.WithMaxMessageSize(transport.MaxGossipMessage),
	)
	if err != nil {
		return nil, fmt.Errorf("start gossipsub: %w", err)
	}
	g.ps = ps
	return g, nil
}

// messageID is a message's identity: SHA-256 of its topic and its bytes.
func messageID(m *pb.Message) string {
	h := sha256.New()
	h.Write([]byte(m.GetTopic()))
	h.Write([]byte{0})
	h.Write(m.Data)
	return string(h.Sum(nil))
}

// PenaltyHalfLife is how fast a penalty is forgiven: it halves in this time.
const PenaltyHalfLife = 30 * time.Second

// trustedScore is a trusted peer's application score.
const trustedScore = 100

// penalty is a peer's penalty as of a time; it decays from there.
type penalty struct {
	v    float64
	when time.Time
}

func (p penalty) at(now time.Time) float64 {
	if p.v == 0 {
		return 0
	}
	return p.v * math.Exp2(-float64(now.Sub(p.when))/float64(PenaltyHalfLife))
}

func (g *Gossip) penalise(p peer.ID, by float64, now time.Time) {
	if g.trusted != nil && g.trusted(p) {
		return
	}
	g.penMu.Lock()
	defer g.penMu.Unlock()
	v := g.penalty[p].at(now) + by
	g.penalty[p] = penalty{v: v, when: now}
	// Forgotten peers keep the map small: drop penalties decayed to nothing.
	if len(g.penalty) > 1024 {
		for q, pen := range g.penalty {
			if pen.at(now) < 0.01 {
				delete(g.penalty, q)
			}
		}
	}
}

// nonMemberScore is a non-member's application score: far under the
// graylist threshold.
const nonMemberScore = -1000

func (g *Gossip) isMember(p peer.ID) bool { return g.member == nil || g.member(p) }

// appScore is the application's opinion of a peer: minus its decaying
// penalties, or a bonus for a trusted peer, or nonMemberScore.
func (g *Gossip) appScore(p peer.ID) float64 {
	switch {
	case g.trusted != nil && g.trusted(p):
		return trustedScore
	case !g.isMember(p):
		return nonMemberScore
	}
	return -g.Penalty(p)
}

// Penalty returns a peer's current (decayed) penalty, for metrics and tests.
func (g *Gossip) Penalty(p peer.ID) float64 {
	g.penMu.Lock()
	defer g.penMu.Unlock()
	return g.penalty[p].at(time.Now())
}

// topic joins a topic once. Join talks to pubsub's event loop, so no lock
// of ours is held across it; joinMu makes concurrent first joins wait.
func (g *Gossip) topic(name string) (*pubsub.Topic, error) {
	g.mu.Lock()
	t, ok := g.topics[name]
	g.mu.Unlock()
	if ok {
		return t, nil
	}
	g.joinMu.Lock()
	defer g.joinMu.Unlock()
	g.mu.Lock()
	t, ok = g.topics[name]
	g.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := g.ps.Join(name)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.topics[name] = t
	g.mu.Unlock()
	return t, nil
}

// Subscribe delivers the messages of a topic to handle, with what the
// validator made of them, until ctx ends. Messages this host published are
// not delivered back to it. A second subscription to the same topic is a
// no-op.
func (g *Gossip) Subscribe(ctx context.Context, name string, handle func(data []byte, validated any)) error {
	t, err := g.topic(name)
	if err != nil {
		return err
	}
	g.joinMu.Lock()
	g.mu.Lock()
	_, ok := g.subs[name]
	g.mu.Unlock()
	if ok {
		g.joinMu.Unlock()
		return nil
	}
	sub, err := t.Subscribe()
	if err != nil {
		g.joinMu.Unlock()
		return err
	}
	g.mu.Lock()
	g.subs[name] = sub
	if el, ok := g.inList[name]; ok { // subscribed now: kept for good
		g.joined.Remove(el)
		delete(g.inList, name)
	}
	g.mu.Unlock()
	g.joinMu.Unlock()
	loop := func() {
		for {
			msg, err := sub.Next(ctx)
			if err != nil {
				return
			}
			if msg.ReceivedFrom == g.self {
				continue
			}
			handle(msg.Data, msg.ValidatorData)
		}
	}
	if g.spawn != nil {
		g.spawn(loop)
	} else {
		go loop()
	}
	return nil
}

// Unsubscribe stops delivering a topic's messages: the subscription is
// cancelled (GossipSub leaves the topic's mesh) and the topic stays joined
// only as the topics published to do, among the last maxJoined used.
func (g *Gossip) Unsubscribe(name string) {
	g.joinMu.Lock()
	g.mu.Lock()
	sub, ok := g.subs[name]
	delete(g.subs, name)
	g.mu.Unlock()
	g.joinMu.Unlock()
	if !ok {
		return
	}
	sub.Cancel()
	g.used(name)
}

// Subscribed reports whether the node listens to a topic.
func (g *Gossip) Subscribed(name string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.subs[name]
	return ok
}

// Publish sends data on a topic.
func (g *Gossip) Publish(ctx context.Context, name string, data []byte) error {
	t, err := g.topic(name)
	if err != nil {
		return err
	}
	err = t.Publish(ctx, data)
	g.used(name)
	return err
}

// maxJoined bounds the topics a node keeps joined without subscribing.
const maxJoined = 1024

// used moves a topic that is not subscribed to the front of the joined
// list, and lets go of the least recently used past maxJoined.
// The topics let go of are closed after the locks are released: Close
// talks to pubsub's event loop (see topic). A publish that still holds one
// gets "topic closed": the entry is then carried by repair.
func (g *Gossip) used(name string) {
	var closing []*pubsub.Topic
	g.joinMu.Lock()
	g.mu.Lock()
	if _, ok := g.subs[name]; !ok {
		if el, ok := g.inList[name]; ok {
			g.joined.MoveToFront(el)
		} else {
			g.inList[name] = g.joined.PushFront(name)
		}
		for g.joined.Len() > maxJoined {
			old := g.joined.Remove(g.joined.Back()).(string)
			delete(g.inList, old)
			if t, ok := g.topics[old]; ok {
				delete(g.topics, old)
				closing = append(closing, t)
			}
		}
	}
	g.mu.Unlock()
	g.joinMu.Unlock()
	for _, t := range closing {
		if t.Close() != nil {
			// Subscribed meanwhile (pubsub refuses to close it): keep the
			// handle, or the topic could never be joined again.
			g.mu.Lock()
			if _, ok := g.topics[t.String()]; !ok {
				g.topics[t.String()] = t
			}
			g.mu.Unlock()
		}
	}
}

// Peers lists the peers in a topic's mesh view.
func (g *Gossip) Peers(name string) []peer.ID { return g.ps.ListPeers(name) }

// Topics lists the topics subscribed to.
func (g *Gossip) Topics() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, 0, len(g.subs))
	for t := range g.subs {
		out = append(out, t)
	}
	return out
}
