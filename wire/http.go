package wire

import (
	"encoding/json"
	"fmt"
	"github.com/ethereum/go-ethereum/common"
)

// Headers of the integration HTTP API (docs/api.md).
const (
	// GrantHeader carries an integration's grant: the owner's grant
	// attestation in any form attest.Parse reads (the URL value is the
	// compact choice).
	GrantHeader = "X-Smartlayer-Grant"
	// SignatureHeader proves who makes a call: t=<unix ms>;n=<nonce, 32
	// hex digits>;s=<secp256k1 signature, 130 hex digits> over the method,
	// path, body hash, time and nonce (grant.Sign). A call under a grant
	// must be signed by the integration the grant names; an owner signs
	// their own calls with no grant.
	SignatureHeader = "X-Smartlayer-Signature"
	// IdempotencyHeader names an action request: a repeated request with
	// the same key gets the first one's answer, and the key is passed on to
	// every external call the action makes.
	IdempotencyHeader = "Idempotency-Key"
	// ReceiptHeader carries a query's or action's execution receipt:
	// base64url, unpadded, of its JSON (package receipt).
	ReceiptHeader = "X-Smartlayer-Receipt"
	// NodeHeader names the service node (its peer ID) that ran the call.
	NodeHeader = "X-Smartlayer-Node"
	// FencingHeader is the fencing number of the placement record the call
	// ran under.
	FencingHeader = "X-Smartlayer-Fencing"
	// ViaHeader names the anchor (its peer ID) that forwarded the call in
	// full fallback mode.
	ViaHeader = "X-Smartlayer-Via"
	// ReexecutedHeader says whether that anchor replayed the execution:
	// "yes" or "no".
	ReexecutedHeader = "X-Smartlayer-Reexecuted"
)

// States of a node, as members and route replicas show them.
const (
	StateUp      = "up"
	StateDown    = "down"
	StateUnknown = "unknown" // a replica the answering node has not heard from
)

// Problem is an RFC 9457 problem details object: every error a node answers.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Route, on a 421, is where the refusing node believes the instance
	// lives. Clients ask an anchor instead of following it.
	Route *Route `json:"route,omitempty"`
	// Payment, on a 402 for a priced call, is what it costs and how to
	// pay it.
	Payment *PaymentDue `json:"payment,omitempty"`
}

func (p *Problem) Error() string {
	return fmt.Sprintf("%d %s: %s", p.Status, p.Type, p.Detail)
}

// ProblemOf reads an error answer of the given status: its problem
// details, or a problem of type about:blank with the body as its detail when
// the body is not one. The route member is not read: a client asks an
// anchor where to go, not the node that refused.
func ProblemOf(status int, body []byte) *Problem {
	p := &Problem{}
	var probe struct {
		*Problem
		Route json.RawMessage `json:"route"` // shadows Problem.Route
	}
	probe.Problem = p
	if json.Unmarshal(body, &probe) != nil || p.Type == "" {
		p.Type, p.Detail = "about:blank", string(body)
	}
	p.Status = status
	return p
}

// Route says where an instance lives: the answer of
// GET /v1/tokens/{instance}/route.
type Route struct {
	Instance InstanceID `json:"instance"`
	// Record is the anchor-signed placement record, as package placement
	// encodes it (placement.DecodeRecord reads it).
	Record   json.RawMessage `json:"record"`
	Executor string          `json:"executor"`
	Replicas []Replica       `json:"replicas"`
	// Mode is the network's verification mode ("normal", "partial",
	// "full"); in "full" mode integrations send queries and actions
	// through the anchors in Via (their HTTP URLs), empty in other modes.
	Mode string   `json:"mode"`
	Via  []string `json:"via"`
}

// Replica is one service node holding an instance, with where to reach it.
type Replica struct {
	Peer  string `json:"peer"`
	HTTP  string `json:"http,omitempty"`
	State string `json:"state"`
}

// StateView is the answer of GET /v1/tokens/{instance}/state.
type StateView struct {
	Instance  InstanceID        `json:"instance"`
	State     json.RawMessage   `json:"state"`
	StateRoot string            `json:"stateRoot"`
	Offsets   map[string]uint64 `json:"offsets"`
	Fencing   uint64            `json:"fencing"`
	Executor  string            `json:"executor"`
	Node      string            `json:"node"`
	// Owner signs the instance's grants: the instance attestation's
	// recipient, or the holder of its ERC-721 twin after a Transfer.
	Owner common.Address `json:"owner"`
	// Pending: actions triggers started that no result answered yet.
	Pending []PendingAction `json:"pending"`
}

// PendingAction is an action a trigger started that no result has answered
// yet (token.PendingAction is the token core's copy of it).
type PendingAction struct {
	Action string `json:"action"`
	Key    string `json:"idempotencyKey"`
	// Trigger and Cause: the predicate that fired and the UID of the
	// attestation whose application fired it.
	Trigger string `json:"trigger"`
	Cause   string `json:"cause"`
}

// ActionOutcome is the answer of POST /v1/tokens/{instance}/actions/{name}.
type ActionOutcome struct {
	Instance InstanceID      `json:"instance"`
	Action   string          `json:"action"`
	Key      string          `json:"idempotencyKey"`
	Result   json.RawMessage `json:"result"`
	Patch    json.RawMessage `json:"patch"`
	// Attestation is the UID of the executor's action-result attestation,
	// published on ResultTopic.
	Attestation string `json:"attestation"`
	Fencing     uint64 `json:"fencing"`
	Executor    string `json:"executor"`
	// Receipt is the execution receipt's JSON (package receipt), the same
	// one ReceiptHeader carries.
	Receipt json.RawMessage `json:"receipt,omitempty"`
	// DoneMs is when the action finished (Unix ms).
	DoneMs int64 `json:"doneMs"`
}

// Published is the answer of POST /v1/bundles.
type Published struct {
	Bundle  string   `json:"bundle"`
	Name    string   `json:"name"`
	Queries []string `json:"queries"`
}

// Registered is the answer of POST /v1/tokens.
type Registered struct {
	Instance InstanceID `json:"instance"`
	Route    string     `json:"route"`
}

// Consistency is the answer of GET /v1/tokens/{instance}/consistency: the
// state root most replicas report, and the replicas that report another.
// (Its fields are in the order the answer always had: alphabetical.)
type Consistency struct {
	Agree     bool           `json:"agree"`
	Differ    []string       `json:"differ"`
	Instance  InstanceID     `json:"instance"`
	Replicas  []ReplicaState `json:"replicas"`
	StateRoot string         `json:"stateRoot"`
}

// ReplicaState is one replica's view in a consistency report.
type ReplicaState struct {
	Peer      string `json:"peer"`
	HTTP      string `json:"http"`
	StateRoot string `json:"stateRoot,omitempty"`
	// PendingRoot: the hash of its pending actions.
	PendingRoot string            `json:"pendingRoot,omitempty"`
	Offsets     map[string]uint64 `json:"offsets,omitempty"`
	// Fencing of the placement record the replica holds.
	Fencing uint64 `json:"fencing,omitempty"`
	Error   string `json:"error,omitempty"`
}

// HistoryItem is one attestation an instance applied (or refused, with a
// note saying why), as GET /v1/tokens/{instance}/history shows it
// (token.HistoryItem is the token core's name for it).
type HistoryItem struct {
	Topic     string         `json:"topic"`
	Publisher common.Address `json:"publisher"`
	Seq       uint64         `json:"seq"`
	UID       string         `json:"uid"`
	Attester  common.Address `json:"attester"`
	Time      uint64         `json:"time"`
	Data      map[string]any `json:"data,omitempty"`
	Applied   bool           `json:"applied"`
	Note      string         `json:"note,omitempty"`
	StateRoot string         `json:"stateRoot"`
}

// History is the answer of GET /v1/tokens/{instance}/history: the last
// attestations the instance applied, oldest first.
type History struct {
	Instance InstanceID    `json:"instance"`
	History  []HistoryItem `json:"history"`
}

// Root is the answer of GET /v1/tokens/{instance}/root: a replica's
// StateView without the state and the pending actions (public: anchors
// compare it across replicas).
type Root struct {
	Instance  InstanceID `json:"instance"`
	StateRoot string     `json:"stateRoot"`
	// PendingRoot: the hash of the instance's pending actions
	// (token.Instance.PendingRoot), which replicas compare too.
	PendingRoot string            `json:"pendingRoot"`
	Offsets     map[string]uint64 `json:"offsets"`
	Fencing     uint64            `json:"fencing"`
	Executor    string            `json:"executor"`
	Node        string            `json:"node"`
	Owner       common.Address    `json:"owner"`
}

// Health is the answer of GET /v1/health.
type Health struct {
	Status        string   `json:"status"` // "ok"
	Role          string   `json:"role"`   // "anchor" or "service"
	Peer          string   `json:"peer"`
	Address       string   `json:"address"`
	Version       string   `json:"version"`
	UptimeSeconds int64    `json:"uptimeSeconds"`
	Instances     int      `json:"instances"`
	P2P           []string `json:"p2p"` // the node's libp2p addresses, with /p2p/<peer>
}

// StreamHead is the last entry of one publisher's stream on a topic.
type StreamHead struct {
	Topic     string         `json:"topic"`
	Publisher common.Address `json:"publisher"`
	Seq       uint64         `json:"seq"`
	Hash      common.Hash    `json:"hash"`
}

// TopicHeads is the answer of GET /v1/topics/{topic}/heads.
type TopicHeads struct {
	Topic string       `json:"topic"`
	Heads []StreamHead `json:"heads"`
	// More says the heads were cut at a page (1,024): ask again with
	// ?after= the last one's publisher.
	More bool `json:"more,omitempty"`
}

// VoteResult is the answer of POST /v1/votes: the mode in force and the
// round that set it.
type VoteResult struct {
	Mode  string `json:"mode"`
	Round uint64 `json:"round"`
}

// Revoked is the answer of POST /v1/revocations: the UID of the
// attestation withdrawn.
type Revoked struct {
	Revoked string `json:"revoked"`
}

// ReceiptQueued is the answer of POST /v1/receipts: the receipt (by its
// leaf) is queued for the anchor's next sampling round.
type ReceiptQueued struct {
	Queued bool        `json:"queued"`
	Leaf   common.Hash `json:"leaf"`
}
