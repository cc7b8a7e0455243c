package node

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// start follows the topics of every instance held and catches them up.
func (s *serviceRole) start() {
	s.n.spawn(func() { s.exec.pruneLoop(s.n.cfg.Service.OutcomeRetention.Duration) })
	for _, id := range s.ids() {
		s.mu.RLock()
		in := s.inst[id]
		s.mu.RUnlock()
		if in != nil {
			s.followInstance(in)
			s.exec.kick(id) // actions left pending when the node stopped
		}
	}
}

// topicsOf returns an instance's topics with the subscription each serves.
func (s *serviceRole) topicsOf(in *instance) (map[string]*tokenscript.Subscription, *loadedBundle) {
	h, _ := tokenscript.ParseBundleHash(in.Record.Bundle)
	lb, ok := s.bundles.get(h)
	if !ok {
		return nil, nil
	}
	var state map[string]any
	_ = json.Unmarshal(in.State, &state)
	out := map[string]*tokenscript.Subscription{}
	for i := range lb.manifest.Service.Subscriptions {
		sub := &lb.manifest.Service.Subscriptions[i]
		t, err := sub.Topic(state)
		if err == nil {
			err = attlog.CheckTopic(t)
		}
		if err != nil {
			s.n.log.Warn("subscription topic", "instance", in.Record.Instance, "err", err)
			continue
		}
		out[t] = sub
	}
	out[ResultTopic(in.Record.Instance)] = &tokenscript.Subscription{Schema: attest.ActionResultSchema.UID, Apply: applyResults}
	out[FailureTopic(in.Record.Instance)] = &tokenscript.Subscription{Schema: attest.FailureSchema.UID, Apply: applyFailures}
	return out, lb
}

// followInstance subscribes to the instance's topics and applies what the
// log already holds for them.
func (s *serviceRole) followInstance(in *instance) {
	topics, _ := s.topicsOf(in)
	id := in.Record.Instance
	s.mu.Lock()
	if s.followers == nil {
		s.followers = map[string][]wire.InstanceID{}
	}
	for t := range topics {
		if !slices.Contains(s.followers[t], id) {
			s.followers[t] = append(s.followers[t], id)
		}
	}
	s.mu.Unlock()
	if s.n.att == nil || s.n.att.gossip == nil {
		return
	}
	s.catchUp(id)
	for t := range topics {
		if err := s.n.att.follow(s.n.ctx, t); err != nil {
			s.n.log.Warn("follow topic", "topic", t, "err", err)
		}
	}
}

// catchUp applies stored entries the instance has not applied yet.
func (s *serviceRole) catchUp(id wire.InstanceID) {
	e := s.n.att
	e.order.Lock()
	defer e.order.Unlock()
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		return
	}
	topics, _ := s.topicsOf(in)
	for t := range topics {
		for _, h := range e.topicHeads(t) {
			sid := attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}
			if done := in.Offsets[sid.String()]; done < h.Seq {
				ds, err := e.streamRange(sid, done+1, h.Seq)
				if err != nil {
					return
				}
				for _, d := range ds {
					s.applyTo(id, d)
				}
			}
		}
	}
}

// apply is the attestation engine's delivery: each entry, in order, to every
// instance that follows its topic.
func (s *serviceRole) apply(d delivered) {
	s.mu.RLock()
	ids := append([]wire.InstanceID(nil), s.followers[d.Entry.Topic]...)
	s.mu.RUnlock()
	for _, id := range ids {
		s.applyTo(id, d)
	}
}

// applyTo applies one entry to one instance, deterministically: the module's
// apply runs with the attestation's time as its clock, so every replica
// reaches the same state. The instance's own topics carry its executor's
// action results (merged) and anchors' failure attestations (given to the
// module's failed handler).
func (s *serviceRole) applyTo(id wire.InstanceID, d delivered) {
	s.mu.RLock()
	cur := s.inst[id]
	s.mu.RUnlock()
	if cur == nil {
		return
	}
	key := d.Entry.ID().String()
	if cur.Offsets[key] >= d.Entry.Seq {
		return
	}
	topics, lb := s.topicsOf(cur)
	sub := topics[d.Entry.Topic]
	if sub == nil || lb == nil {
		return
	}
	in := *cur
	in.Offsets = map[string]uint64{}
	for k, v := range cur.Offsets {
		in.Offsets[k] = v
	}
	in.Offsets[key] = d.Entry.Seq
	att := d.Att
	item := HistoryItem{Topic: d.Entry.Topic, Publisher: d.Entry.Publisher, Seq: d.Entry.Seq, UID: att.UID.String(),
		Attester: att.Signer, Time: att.Message.Time}
	if ns, ok := attest.NetworkSchemaOf(att.Message.Schema); ok {
		item.Data, _ = ns.Schema.Decode(att.Message.Data)
	}
	attTime := time.Unix(int64(att.Message.Time), 0)
	run := func(kind sandbox.Kind) {
		input, _ := json.Marshal(map[string]any{"uid": item.UID, "attester": att.Signer.Hex(), "time": att.Message.Time,
			"schema": att.Message.Schema.String(), "data": item.Data,
			"publisher": d.Entry.Publisher.Hex(), "seq": d.Entry.Seq})
		res, err := lb.module.Run(s.n.ctx, sandbox.Call{Kind: kind, State: cur.State, Args: input,
			Env: sandbox.Env{Instance: id.String(), Now: attTime}})
		if err != nil {
			item.Note = "not applied: " + err.Error()
			return
		}
		in.State, item.Applied = normalizeState(res.State), true
		if s.n.cfg.Faults.CorruptState { // fault injection (tests): a wrong state, claimed as right
			in.State = json.RawMessage(strings.TrimSuffix(string(in.State), "}") + `,"corrupt":true}`)
			res.Transcript.StateAfter = sandbox.StateRoot(in.State)
			res.Transcript.Output = in.State
		}
		s.keepTranscript(res.Transcript, cur.State, nil)
	}
	switch {
	case item.Data == nil:
		item.Note = "not applied: schema not decodable"
	case sub.Apply == applyResults:
		st, note := s.applyResult(&in, item.Data, att)
		if note != "" {
			item.Note = note
			break
		}
		in.State, item.Applied = normalizeState(st), true
	case sub.Apply == applyFailures:
		switch {
		case !s.n.isAnchorAddress(att.Signer):
			item.Note = fmt.Sprintf("refused: failure attestations are signed by anchors, not %s", att.Signer)
		case !lb.module.HasFailed():
			item.Note = "not applied: the module has no failed handler"
		default:
			run(sandbox.KindFailure)
		}
	case sub.Issuers != "" && !isIssuer(lb, sub.Issuers, att):
		item.Note = fmt.Sprintf("not applied: %s is not an issuer of %s", att.Signer, sub.Issuers)
	default:
		run(sandbox.KindApply)
	}
	if item.Applied && string(in.State) != string(cur.State) {
		s.evalTriggers(&in, lb, cur.State, in.State, item.UID, attTime)
	}
	root := sandbox.StateRoot(in.State)
	item.StateRoot = hexutil.Encode(root[:])
	if err := s.putApplied(&in, &item); err != nil {
		s.n.log.Error("store applied state", "instance", id, "err", err)
	}
	if len(in.Pending) > 0 {
		s.exec.kick(id)
	}
	if h := s.n.appliedHook; h != nil {
		h(id, d.Entry)
	}
}

// The Apply markers of an instance's own topics.
const (
	applyResults  = "$results"
	applyFailures = "$failures"
)

func isIssuer(lb *loadedBundle, name string, att *attest.Signed) bool {
	def, ok := lb.manifest.Attestation(name)
	return ok && slices.Contains(def.Issuers, att.Signer)
}

// StateView is the answer of GET /v1/tokens/{instance}/state.
type StateView struct {
	Instance  wire.InstanceID   `json:"instance"`
	State     json.RawMessage   `json:"state"`
	StateRoot string            `json:"stateRoot"`
	Offsets   map[string]uint64 `json:"offsets"`
	Fencing   uint64            `json:"fencing"`
	Executor  string            `json:"executor"`
	Node      string            `json:"node"`
	// Pending: actions triggers started that no result answered yet.
	Pending []PendingAction `json:"pending"`
}

func (s *serviceRole) held(w http.ResponseWriter, r *http.Request) (*instance, bool) {
	id, ok := instanceParam(w, r)
	if !ok {
		return nil, false
	}
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		s.notHere(w, r, id)
		return nil, false
	}
	return in, true
}

func (s *serviceRole) httpState(w http.ResponseWriter, r *http.Request) {
	in, ok := s.held(w, r)
	if !ok {
		return
	}
	root := sandbox.StateRoot(in.State)
	offs := in.Offsets
	if offs == nil {
		offs = map[string]uint64{}
	}
	httpapi.WriteJSON(w, http.StatusOK, StateView{Instance: in.Record.Instance, State: in.State, StateRoot: hexutil.Encode(root[:]),
		Offsets: offs, Fencing: in.Record.Fencing, Executor: in.Record.Executor, Node: s.n.peerStr,
		Pending: append([]PendingAction{}, in.Pending...)})
}

func (s *serviceRole) httpHistory(w http.ResponseWriter, r *http.Request) {
	in, ok := s.held(w, r)
	if !ok {
		return
	}
	h, err := s.history(in.Record.Instance)
	if err != nil {
		httpapi.Internal(w, r, s.n.log, "store", err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"instance": in.Record.Instance, "history": h})
}
