package node

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// Calls to other tokens from apply, failed and trigger predicates
// (token/calls.go): a replica whose step of an entry waits for the
// executor's answers steps it again when they arrive. Answers attestations
// arriving on an instance's result topic are indexed by the entry they
// answer (prefixAnswers), so that a step finds them whichever stream
// brought the entry and in whatever order, and a rebuild finds them too. A
// replica that waits on an entry the executor applied without calling out
// (their states before it differed) asks the executor, over
// ProtoAskAnswers, to say so: answers that hold no call.

// ProtoAskAnswers asks an instance's executor about an entry a replica
// waits on, by its cause: {instance, uid} -> {}. The executor acts only for
// a replica its record names, and only on an entry its history shows it
// stepped.
const ProtoAskAnswers = transport.Protocol("/smartlayer/answers/1.0.0")

type askAnswers struct {
	Instance wire.InstanceID `json:"instance"`
	UID      string          `json:"uid"`
}

// askEvery: a replica asks the executor about an instance's waiting entry
// at most this often.
const askEvery = 5 * time.Second

// maxAnswersPerEntry bounds the answers attestations kept for one entry
// (one per executor it had, in practice).
const maxAnswersPerEntry = 4

// indexAnswers keeps an answers attestation under the entry it answers,
// and reports whether it was new.
func (s *serviceRole) indexAnswers(id wire.InstanceID, uid string, att *attest.Signed) bool {
	entry := crypto.Keccak256Hash([]byte(uid))
	key := answersKey(id, entry, common.Hash(att.UID))
	if _, err := s.n.store.Get(key); err == nil {
		return false // indexed already
	}
	n := 0
	_ = s.n.store.Each(answersPrefix(id, entry), func(_, _ []byte) error { n++; return nil })
	if n >= maxAnswersPerEntry {
		return false
	}
	enc, err := json.Marshal(att)
	if err == nil {
		err = s.n.store.Put(key, enc)
	}
	if err != nil {
		s.n.log.Error("index an executor's answers", "instance", id, "entry", uid, "err", err)
		return false
	}
	return true
}

// maxAnswersAhead bounds the entries of each of an instance's result
// streams read ahead of its offset for answers.
const maxAnswersAhead = 1024

// indexAnswersAhead reads the instance's result streams past its offsets
// for the executor's answers to entry uid, and indexes them: answers to an
// entry of the result stream itself (a result whose trigger predicate
// calls out) come after it in the same stream, which waits for them. It
// reports whether it found any it had not indexed.
func (s *serviceRole) indexAnswersAhead(cur *instance, uid string, env *token.Env) bool {
	id, found := cur.ID(), false
	for _, h := range s.n.att.TopicHeads(wire.ResultTopic(id)) {
		sid := attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}
		from := s.strangers.done(id, sid.String(), cur.Offsets[sid.String()]) + 1
		if h.Seq < from {
			continue
		}
		if h.Seq-from >= maxAnswersAhead {
			from = h.Seq - maxAnswersAhead + 1
		}
		ds, err := s.n.att.StreamRange(sid, from, h.Seq)
		if err != nil {
			continue
		}
		for _, d := range ds {
			if u, ok := token.AnswersIn(cur, d.Att, env); ok && u == uid && s.indexAnswers(id, uid, d.Att) {
				found = true
			}
		}
	}
	return found
}

// answersOf is token.Env.Answers for instance id.
func (s *serviceRole) answersOf(id wire.InstanceID) func(uid string) []*attest.Signed {
	return func(uid string) []*attest.Signed {
		var out []*attest.Signed
		_ = s.n.store.Each(answersPrefix(id, crypto.Keccak256Hash([]byte(uid))), func(_, v []byte) error {
			if att, err := attest.Parse(v); err == nil {
				out = append(out, att)
			}
			return nil
		})
		return out
	}
}

// waitsForAnswers handles a step that waits for the executor's answers to
// an entry: this node answers if it is the executor; otherwise it asks the
// executor now and then, in case the executor applied the entry without
// calling out.
func (s *serviceRole) waitsForAnswers(cur *instance, e *token.Entry, need *token.NeedAnswer, env *token.Env) {
	if s.indexAnswersAhead(cur, need.UID, env) {
		s.stepSoon(cur.ID())
		return
	}
	if cur.Record.Executor == s.n.PeerID().String() {
		s.exec.Answer(cur, *e, need.UID, env)
		return
	}
	id := cur.ID()
	now := s.n.now()
	if last, ok := s.asked.Load(id); ok && now.Sub(last.(time.Time)) < askEvery {
		return
	}
	s.asked.Store(id, now)
	req := &askAnswers{Instance: id, UID: need.UID}
	to := peerIDOf(cur.Record.Executor)
	s.n.spawn(func() {
		ctx, cancel := context.WithTimeout(s.n.ctx, 10*time.Second)
		defer cancel()
		if _, err := transport.CallMax[askAnswers, struct{}](ctx, s.n.net, to, ProtoAskAnswers, req, transport.SmallAnswer); err != nil {
			s.n.log.Debug("asking the executor about an entry's answers", "instance", id, "entry", need.UID, "err", err)
		}
	})
}

// handleAskAnswers is the executor's side of ProtoAskAnswers: for an
// entry this node stepped (its history holds the entry's cause) without
// waiting for answers, answers that hold no call. At most one ask an
// instance a second is looked at.
func (s *serviceRole) handleAskAnswers(_ context.Context, from transport.PeerID, req *askAnswers) (*struct{}, error) {
	s.mu.RLock()
	cur := s.inst[req.Instance]
	s.mu.RUnlock()
	if cur == nil || cur.Record.Executor != s.n.PeerID().String() || req.UID == "" || len(req.UID) > 256 ||
		!slices.Contains(cur.Record.Replicas, from.String()) {
		return &struct{}{}, nil // not ours to answer
	}
	now := s.n.now()
	if last, ok := s.askedHere.Load(req.Instance); ok && now.Sub(last.(time.Time)) < time.Second {
		return &struct{}{}, nil
	}
	s.askedHere.Store(req.Instance, now)
	stepped := false
	_ = s.n.store.Each(histPrefix(req.Instance), func(_, v []byte) error {
		var it token.HistoryItem
		if json.Unmarshal(v, &it) == nil && it.UID == req.UID {
			stepped = true
		}
		return nil
	})
	if !stepped {
		return &struct{}{}, nil // not stepped here yet, or long ago
	}
	lb, ok := s.bundleOf(cur)
	if !ok {
		return &struct{}{}, nil
	}
	env := s.envOf(lb)
	env.Answers = s.answersOf(cur.ID())
	s.exec.AnswerNone(cur, req.UID, env)
	return &struct{}{}, nil
}

// stepSoon steps what the instance has not applied, off the current
// shard's turn (from a step, which runs on it).
func (s *serviceRole) stepSoon(id wire.InstanceID) {
	time.AfterFunc(0, func() {
		if s.n.ctx != nil && s.n.ctx.Err() == nil {
			s.catchUp(id)
		}
	})
}
