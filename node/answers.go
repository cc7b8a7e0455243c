package node

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
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
// waits on: {instance, uid, stream, seq} -> {}. The executor acts only for
// a replica its record names, and only on an entry it has applied.
const ProtoAskAnswers = transport.Protocol("/smartlayer/answers/1.0.0")

type askAnswers struct {
	Instance wire.InstanceID `json:"instance"`
	UID      string          `json:"uid"`
	Stream   string          `json:"stream"`
	Seq      uint64          `json:"seq"`
}

// askEvery: a replica asks the executor about an instance's waiting entry
// at most this often.
const askEvery = 5 * time.Second

// indexAnswers keeps an answers attestation under the entry it answers.
func (s *serviceRole) indexAnswers(id wire.InstanceID, uid string, att *attest.Signed) {
	enc, err := json.Marshal(att)
	if err == nil {
		err = s.n.store.Put(answersKey(id, crypto.Keccak256Hash([]byte(uid)), common.Hash(att.UID)), enc)
	}
	if err != nil {
		s.n.log.Error("index an executor's answers", "instance", id, "entry", uid, "err", err)
	}
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
	req := &askAnswers{Instance: id, UID: need.UID, Stream: e.Stream(), Seq: e.Seq}
	to := peerIDOf(cur.Record.Executor)
	s.n.spawn(func() {
		ctx, cancel := context.WithTimeout(s.n.ctx, 10*time.Second)
		defer cancel()
		if _, err := transport.CallMax[askAnswers, struct{}](ctx, s.n.net, to, ProtoAskAnswers, req, transport.SmallAnswer); err != nil {
			s.n.log.Debug("asking the executor about an entry's answers", "instance", id, "entry", need.UID, "err", err)
		}
	})
}

// handleAskAnswers is the executor's side of ProtoAskAnswers.
func (s *serviceRole) handleAskAnswers(_ context.Context, from transport.PeerID, req *askAnswers) (*struct{}, error) {
	s.mu.RLock()
	cur := s.inst[req.Instance]
	s.mu.RUnlock()
	if cur == nil || cur.Record.Executor != s.n.PeerID().String() || len(req.UID) > 256 ||
		!slices.Contains(cur.Record.Replicas, from.String()) || cur.Offsets[req.Stream] < req.Seq {
		return &struct{}{}, nil // not ours to answer, or not applied here yet
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
