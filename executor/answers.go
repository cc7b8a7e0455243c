package executor

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// maxAnswersBytes bounds the answers one attestation carries, well under a
// gossip message: past it, the answers are replaced by errors that say so
// (the module sees the call fail, on every replica alike).
const maxAnswersBytes = 256 << 10

// Answer makes, for real, the calls to other tokens that entry e's step of
// instance cur makes (its apply, failed or trigger predicates: every
// replica waits for them, token.ErrNeedAnswer), and publishes their answers
// on the instance's result topic as the executor's answers attestation
// (token.AnswersAction), which every replica checks and steps the entry
// with. It returns at once; the calls run on their own goroutine, one per
// entry at a time, and only while this node is the instance's executor.
// Calls already answered for the entry are not published again.
func (x *Executor) Answer(cur *token.Instance, e token.Entry, env *token.Env) {
	if cur.Record.Executor != x.d.Self || !x.started.Load() {
		return // not ours, or the node is not running yet: a later step asks again
	}
	id := cur.ID()
	key := token.AnswersKey(e.Stream(), e.Seq)
	flight := "answers/" + id.String() + "/" + key
	x.mu.Lock()
	if _, busy := x.inflight[flight]; busy {
		x.mu.Unlock()
		return
	}
	x.inflight[flight] = &call{done: make(chan struct{})}
	x.mu.Unlock()
	x.d.Spawn(func() {
		defer func() {
			x.mu.Lock()
			c := x.inflight[flight]
			delete(x.inflight, flight)
			x.mu.Unlock()
			close(c.done)
		}()
		if err := x.answer(cur, e, key, env); err != nil {
			x.count("answers-failed")
			x.d.Log.Warn("cannot answer an entry's calls to other tokens", "instance", id, "entry", key, "err", err)
		}
	})
}

func (x *Executor) answer(cur *token.Instance, e token.Entry, key string, env *token.Env) error {
	id := cur.ID()
	rd, err := token.Step(sandbox.WithLiveCalls(x.ctx, x.d.Tokens), cur, token.Event{Entry: &e}, env)
	if errors.Is(err, token.ErrNeedAnswer) {
		return fmt.Errorf("a call went unanswered: %w", err)
	}
	if err != nil {
		return err
	}
	if x.ctx.Err() != nil {
		return x.ctx.Err() // stopping: what the calls answered may be cut short
	}
	have := cur.AnswersFor(key)
	var calls []token.CallRecord
	for _, c := range rd.Calls {
		if !slices.ContainsFunc(have, func(h token.CallRecord) bool { return token.SameCall(h, c) }) &&
			!slices.ContainsFunc(calls, func(h token.CallRecord) bool { return token.SameCall(h, c) }) {
			calls = append(calls, c)
		}
	}
	if len(calls) == 0 {
		return nil // answered already (or the step no longer calls out)
	}
	if len(calls) > token.MaxAnswerCalls {
		calls = calls[:token.MaxAnswerCalls]
	}
	a := token.Answers{Stream: e.Stream(), Seq: e.Seq, UID: e.Att.UID.String(), Calls: calls}
	body, _ := json.Marshal(a)
	if len(body) > maxAnswersBytes {
		for i := range a.Calls {
			ans, _ := json.Marshal(sandbox.TokenAnswer{Error: fmt.Sprintf("the answers to this entry's calls exceed %d bytes: too large to share with the replicas", maxAnswersBytes)})
			a.Calls[i].Response = ans
		}
		body, _ = json.Marshal(a)
	}
	in := x.d.Instance(id)
	if in == nil || in.Record.Executor != x.d.Self {
		return nil // no longer ours to answer
	}
	att, err := x.signResult(in.Record, token.AnswersAction, key, sandbox.Hash{}, json.RawMessage("{}"), body)
	if err != nil {
		return err
	}
	if err := x.d.Publish(x.ctx, wire.ResultTopic(id), att); err != nil {
		return fmt.Errorf("publish the answers: %w", err)
	}
	x.count("answered")
	x.d.Log.Debug("answered an entry's calls to other tokens", "instance", id, "entry", key, "calls", len(calls))
	return nil
}
