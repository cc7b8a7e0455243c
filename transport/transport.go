// Package transport is the seam between a node and its network: the
// request/response protocols, gossip and the record lookup a node uses,
// behind one interface. Package p2p implements it over go-libp2p (TCP and
// QUIC, GossipSub, the Kademlia DHT); Mem implements it in memory, for
// tests that run many nodes in one process without sockets; Faulty wraps
// either to drop or refuse traffic on purpose.
//
// The wire format of a request is the same whatever carries it: the
// request's JSON, and an answer that is either the handler's JSON or its
// error text (at most MaxRemoteError bytes).
package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	record "github.com/libp2p/go-libp2p-record"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/smartlayer/smartlayer/nodekey"
)

// PeerID is a node's network identity (a libp2p peer ID: the hash of its
// public key).
type PeerID = peer.ID

// Protocol names a request/response protocol.
type Protocol = protocol.ID

// ProtocolPrefix is the private prefix of the network's protocols.
const ProtocolPrefix = Protocol("/smartlayer")

// Protocol IDs of the request/response protocols every node registers.
const (
	ProtoHeartbeat = Protocol("/smartlayer/heartbeat/1.0.0")
	ProtoBundle    = Protocol("/smartlayer/bundle/1.0.0")
	ProtoReplicate = Protocol("/smartlayer/replicate/1.0.0")
	ProtoAssign    = Protocol("/smartlayer/assign/1.0.0")
)

// MaxMessage caps one request or answer.
const MaxMessage = 16 << 20

// MaxRemoteError bounds the error text a handler's answer carries.
const MaxRemoteError = 512

// StreamTimeout bounds every request/response exchange.
const StreamTimeout = 10 * time.Second

// GossipPrefix prefixes the network's gossip topics.
const GossipPrefix = "/smartlayer/att/1/"

// Firehose is the topic every entry is also published on; anchors, which
// keep full logs, subscribe to it.
const Firehose = GossipPrefix + "all"

// MaxGossipMessage caps one gossiped message.
const MaxGossipMessage = 1 << 20

// ErrRemote is returned when the remote handler answered with an error.
var ErrRemote = errors.New("remote error")

// ErrUnreachable is returned for a request to a peer that cannot be
// reached or does not speak the protocol.
var ErrUnreachable = errors.New("peer unreachable")

// ErrNotFound is returned by GetRecord for a key no one holds.
var ErrNotFound = errors.New("record not found")

// ErrIgnore is a Validate answer for messages that are not wrong, only
// useless (duplicates): they are dropped without blame.
var ErrIgnore = errors.New("ignore")

// RawHandler answers one request's bytes from a peer.
type RawHandler func(ctx context.Context, from PeerID, req []byte) ([]byte, error)

// Validate decides whether a gossiped message may be delivered and
// forwarded. An error rejects it and counts against the peer that sent it;
// ErrIgnore drops it without blame. What it returns with a nil error is
// handed to the subscriber with the message, so nothing is decoded twice.
type Validate func(ctx context.Context, from PeerID, data []byte) (any, error)

// Transport is what a node needs of the network.
type Transport interface {
	// ID is this node's identity.
	ID() PeerID
	// SetHandler answers proto. A request from a peer allow refuses (nil
	// allows all), or larger than maxRequest, is refused before it is read.
	SetHandler(proto Protocol, maxRequest uint32, allow func(PeerID) bool, h RawHandler)
	// Request sends req to a peer on proto and returns the answer's bytes;
	// a handler's error comes back wrapped in ErrRemote. An answer past
	// maxAnswer bytes (MaxMessage at most) is refused unread.
	Request(ctx context.Context, to PeerID, proto Protocol, req []byte, maxAnswer uint32) ([]byte, error)
	// Gossip starts the node's gossip: validate judges every message
	// received, trusted names peers (the anchor set) never penalised, spawn
	// runs the subscription loops.
	Gossip(ctx context.Context, o GossipOptions) (Gossip, error)
	// PutRecord stores a record under key where the network's record
	// lookup finds it; GetRecord finds the best one (ErrNotFound if none).
	// Records are checked by the Options' validators at both ends.
	PutRecord(ctx context.Context, key string, value []byte) error
	GetRecord(ctx context.Context, key string) ([]byte, error)
	// Connect dials bootstrap addresses (remembered for good) and returns
	// how many answered.
	Connect(ctx context.Context, addrs []string) int
	// Reachable reports whether the node knows how to reach a peer.
	Reachable(id PeerID) bool
	// Refresh looks a peer's addresses up again (one that restarted on
	// other ports).
	Refresh(ctx context.Context, id PeerID)
	// FullAddrs are the addresses others reach this node at.
	FullAddrs() []string
	// PeerCount is the number of peers connected now.
	PeerCount() int
	Close() error
}

// Gossip is topic-based publish/subscribe with validation.
type Gossip interface {
	// Subscribe delivers a topic's messages from other nodes to handle,
	// with what the validator made of them, until ctx ends. A second
	// subscription to a topic is a no-op.
	Subscribe(ctx context.Context, topic string, handle func(data []byte, validated any)) error
	// Unsubscribe stops delivering a topic's messages and leaves it (a
	// later Subscribe joins it again). Not subscribed: a no-op.
	Unsubscribe(topic string)
	Subscribed(topic string) bool
	Publish(ctx context.Context, topic string, data []byte) error
	// Topics lists the topics subscribed to.
	Topics() []string
}

// GossipOptions configure a node's gossip.
type GossipOptions struct {
	Validate Validate
	// Trusted peers (the anchor set) are scored up and never penalised.
	Trusted func(PeerID) bool
	// Member: the peers whose gossip is taken (anchors and admitted
	// service nodes); nil takes every peer's. A non-member's messages are
	// dropped before they are validated (or seen: a member's copy of the
	// same message still counts), and it is kept out of the mesh.
	Member func(PeerID) bool
	// Rejected is told of each message the validator rejected.
	Rejected func(from PeerID, err error)
	// Spawn runs the subscription loops (nil: plain goroutines).
	Spawn func(func())
}

// Options are what a transport is made from.
type Options struct {
	Key        *nodekey.Key
	Listen     []string // multiaddrs (libp2p)
	DHTServer  bool     // anchors serve the record lookup; service nodes are clients
	Validators record.NamespacedValidator
	Logger     *slog.Logger
}

// Handler answers one typed request from a peer.
type Handler[Req, Resp any] func(ctx context.Context, from PeerID, req *Req) (*Resp, error)

// Handle registers a JSON handler for proto whose requests may be as large
// as MaxMessage.
func Handle[Req, Resp any](t Transport, proto Protocol, fn Handler[Req, Resp]) {
	HandleFrom(t, proto, MaxMessage, nil, fn)
}

// HandleMax registers a handler whose requests are refused past
// maxRequest bytes, before they are read: a heartbeat or a sample request
// is small, and a peer must not make a node buffer 16 MiB of one.
func HandleMax[Req, Resp any](t Transport, proto Protocol, maxRequest uint32, fn Handler[Req, Resp]) {
	HandleFrom(t, proto, maxRequest, nil, fn)
}

// HandleFrom is HandleMax for a protocol only some peers may speak
// (anchors, admitted service nodes): a request from any other peer is
// refused unread. allow nil allows every peer.
func HandleFrom[Req, Resp any](t Transport, proto Protocol, maxRequest uint32, allow func(PeerID) bool, fn Handler[Req, Resp]) {
	t.SetHandler(proto, maxRequest, allow, func(ctx context.Context, from PeerID, b []byte) ([]byte, error) {
		var req Req
		if err := json.Unmarshal(b, &req); err != nil {
			return nil, fmt.Errorf("decode request: %w", err)
		}
		resp, err := fn(ctx, from, &req)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	})
}

// Call sends req to a peer on proto and decodes the answer into a Resp,
// which may be as large as MaxMessage.
func Call[Req, Resp any](ctx context.Context, t Transport, to PeerID, proto Protocol, req *Req) (*Resp, error) {
	return CallMax[Req, Resp](ctx, t, to, proto, req, MaxMessage)
}

// SmallAnswer caps the answers that are acknowledgements (an assignment's,
// a replication's, a heal's, a slash signature's).
const SmallAnswer = 64 << 10

// CallMax is Call with the answer refused past maxAnswer bytes, before it
// is read: a peer must not make a node buffer 16 MiB of an acknowledgement.
func CallMax[Req, Resp any](ctx context.Context, t Transport, to PeerID, proto Protocol, req *Req, maxAnswer uint32) (*Resp, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxMessage {
		return nil, fmt.Errorf("%s to %s: request of %d bytes exceeds %d", proto, to, len(b), MaxMessage)
	}
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	out, err := t.Request(ctx, to, proto, b, maxAnswer)
	if err != nil {
		return nil, err
	}
	resp := new(Resp)
	if err := json.Unmarshal(out, resp); err != nil {
		return nil, fmt.Errorf("%s to %s: decode: %w", proto, to, err)
	}
	return resp, nil
}

// RemoteError is the error a requester sees for a handler's error: its
// text, cut to MaxRemoteError bytes, wrapped in ErrRemote.
func RemoteError(to PeerID, text string) error {
	return fmt.Errorf("%w: %s: %s", ErrRemote, to, CutError(text))
}

// CutError cuts a handler's error text to what peers are given.
func CutError(text string) string {
	if len(text) > MaxRemoteError {
		return text[:MaxRemoteError] + "…"
	}
	return text
}
