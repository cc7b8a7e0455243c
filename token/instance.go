package token

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// Instance is one token instance as every replica keeps it. Its JSON is the
// form replicas store.
type Instance struct {
	Record       *placement.Record  `json:"record"`
	Registration *wire.Registration `json:"registration"`
	// Owner is the token's holder: the instance attestation's recipient,
	// then, for a token with an ERC-721 twin (<sl:erc721>), the receiver of
	// its last Transfer.
	Owner common.Address `json:"owner"`
	// State in its canonical encoding (wire.Canonical).
	State json.RawMessage `json:"state"`
	// Offsets: per attestation stream ("topic@publisher"), the last
	// sequence number applied to the state.
	Offsets map[string]uint64 `json:"offsets,omitempty"`
	// Chain: per contract topic the instance follows, the place in the
	// chain of the last event applied; relayed events apply strictly after
	// it, so each applies once and in the chain's order, whichever anchor
	// relayed it first.
	Chain map[string]attest.ChainPos `json:"chain,omitempty"`
	// History is only read from stores written before history had keys of
	// its own; the shell moves it there at start.
	History []HistoryItem `json:"history,omitempty"`
	// HistoryN counts the history items ever written for the instance.
	HistoryN uint64 `json:"historyN,omitempty"`
	// Pending actions triggers started; Done: results applied.
	Pending []PendingAction `json:"pending,omitempty"`
	Done    []DoneAction    `json:"done,omitempty"`
	// Written: per top-level state field an action result wrote, the stamp
	// of the latest such result (ApplyResult). Like Done, it follows from
	// the log and is not part of the state root.
	Written map[string]Stamp `json:"written,omitempty"`
}

// ID is the instance's ID.
func (in *Instance) ID() wire.InstanceID { return in.Record.Instance }

// Root is the state root: the one the instance's transcripts, receipts,
// GET /state and /consistency show. State is kept canonical (Step and the
// shells' loaders see to it), so the root is the hash of its bytes, not of
// a second canonical encoding (wire.StateRoot of them is the same).
func (in *Instance) Root() [32]byte { return crypto.Keccak256Hash(in.State) }

// PendingRoot is the hash of the instance's pending actions (their
// actions and keys, in key order): not part of the state root, but
// replicas at one log position must agree on it too. Whether a replica
// took an executor's result can depend on when it heard of the record that
// fenced that executor off, and a result that changed no state (the
// failure route's answer is the state the failure writes anyway) leaves
// the state roots equal while one replica still waits for the action;
// anti-entropy compares both roots and rebuilds such a replica from the
// log.
func (in *Instance) PendingRoot() [32]byte {
	keys := make([]string, len(in.Pending))
	for i, p := range in.Pending {
		keys[i] = p.Key + "\x00" + p.Action
	}
	slices.Sort(keys)
	h := crypto.NewKeccakState()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	var out [32]byte
	h.Read(out[:])
	return out
}

// clone copies the instance so that a step never writes what a reader of
// the previous value may hold.
func (in *Instance) clone() *Instance {
	c := *in
	c.Offsets = make(map[string]uint64, len(in.Offsets)+1)
	for k, v := range in.Offsets {
		c.Offsets[k] = v
	}
	if in.Chain != nil {
		c.Chain = make(map[string]attest.ChainPos, len(in.Chain)+1)
		for k, v := range in.Chain {
			c.Chain[k] = v
		}
	}
	return &c
}

// HistoryItem is one attestation an instance applied (or refused, with a
// note saying why): wire.HistoryItem, as GET /history shows it.
type HistoryItem = wire.HistoryItem

// MaxHistory bounds the history an instance keeps.
const MaxHistory = 256

// PendingAction is an action a trigger started that no result has answered
// yet (wire.PendingAction, as GET /state shows it). Every replica keeps the
// list (it follows from the applied log), so a newly elected executor knows
// what its predecessor left undone.
type PendingAction = wire.PendingAction

// DoneAction is an action result an instance applied.
type DoneAction struct {
	Key     string `json:"idempotencyKey"`
	Action  string `json:"action,omitempty"`
	Fencing uint64 `json:"fencing"`
}

// MaxPending bounds an instance's pending actions: a trigger that fires
// with this many waiting starts nothing (the history item says so). It is
// part of the protocol, not a node's setting: every replica must drop the
// same actions to keep the same pending list.
const MaxPending = 64

// MaxDone bounds the applied results an instance remembers.
const MaxDone = 256

// Sub is what a topic the instance follows is for.
type Sub struct {
	tokenscript.Subscription
	// Own: the instance's own result or failure topic (not a subscription
	// of the TokenScript).
	Own ownTopic
}

type ownTopic int

const (
	notOwn ownTopic = iota
	ownResults
	ownFailures
)

// Topics lists the topics an instance follows: its subscriptions' topics
// (their keys filled from the state) and its own result and failure topics.
// A subscription whose topic cannot be made is left out and reported.
func Topics(in *Instance, subs []tokenscript.Subscription) (map[string]*Sub, []error) {
	var state map[string]any
	_ = json.Unmarshal(in.State, &state)
	out := map[string]*Sub{}
	var errs []error
	for i := range subs {
		if subs[i].Transfers {
			out[wire.TransferTopic(subs[i].Contract.Address, in.Record.Instance)] = &Sub{Subscription: subs[i]}
			continue
		}
		t, err := subs[i].Topic(state)
		if err == nil {
			err = attlog.CheckTopic(t)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("subscription topic: %w", err))
			continue
		}
		out[t] = &Sub{Subscription: subs[i]}
	}
	id := in.Record.Instance
	out[wire.ResultTopic(id)] = &Sub{Subscription: tokenscript.Subscription{Schema: attest.ActionResultSchema.UID}, Own: ownResults}
	out[wire.FailureTopic(id)] = &Sub{Subscription: tokenscript.Subscription{Schema: attest.FailureSchema.UID}, Own: ownFailures}
	return out, errs
}
