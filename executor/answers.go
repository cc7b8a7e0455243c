package executor

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// maxAnswering bounds the entries a node answers at once (each may wait on
// several calls to other tokens).
const maxAnswering = 8

// answerTries: an entry whose calls failed for a reason that may pass is
// answered again at its next steps, up to this many times in all; then the
// failures are published as its answers.
const answerTries = 5

// retryAnswer counts a try of an entry's answers whose calls failed for a
// reason that may pass, and reports whether to try again later instead of
// publishing them.
func (x *Executor) retryAnswer(id wire.InstanceID, uid string) bool {
	k := id.String() + "/" + uid
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.answerTries == nil || len(x.answerTries) > 4096 {
		x.answerTries = map[string]int{}
	}
	x.answerTries[k]++
	return x.answerTries[k] < answerTries
}

// Answer makes, for real, the calls to other tokens that entry e's step of
// instance cur makes (its apply, failed or trigger predicates: every
// replica waits for them, token.ErrNeedAnswer; uid is the entry's cause),
// and publishes their answers on the instance's result topic as the
// executor's answers attestation (token.AnswersAction), which every replica
// checks and steps the entry with. It returns at once; the calls run on
// their own goroutine, one per entry at a time and at most maxAnswering in
// all, and only while this node is the instance's executor and no answers
// to the entry are known. A run that fails after its calls still has them
// answered: the module fails the same way on every replica.
func (x *Executor) Answer(cur *token.Instance, e token.Entry, uid string, env *token.Env) {
	x.answerAsync(cur.ID(), uid, func() error { return x.answer(cur, e, uid, env) })
}

// AnswerNone publishes, for an entry that this node applied without
// calling out while a replica waits for answers to it (its state before
// the entry differed), answers that hold no call: the replica's calls then
// fail in its module instead of waiting for ever. Nothing happens when
// answers to the entry are known.
func (x *Executor) AnswerNone(cur *token.Instance, uid string, env *token.Env) {
	x.answerAsync(cur.ID(), uid, func() error {
		if _, ok := token.AnswersOf(cur, uid, env); ok {
			return nil
		}
		return x.publishAnswers(cur.ID(), token.Answers{UID: uid, Calls: []token.CallRecord{}})
	})
}

func (x *Executor) answerAsync(id wire.InstanceID, uid string, f func() error) {
	if !x.started.Load() {
		return // the node is not running yet: a later step asks again
	}
	if in := x.d.Instance(id); in == nil || in.Record.Executor != x.d.Self {
		return
	}
	flight := "answers/" + id.String() + "/" + uid
	x.mu.Lock()
	if _, busy := x.inflight[flight]; busy || x.answering >= maxAnswering {
		x.mu.Unlock()
		return // a later step asks again
	}
	x.inflight[flight] = &call{done: make(chan struct{})}
	x.answering++
	x.mu.Unlock()
	x.d.Spawn(func() {
		defer func() {
			x.mu.Lock()
			c := x.inflight[flight]
			delete(x.inflight, flight)
			x.answering--
			x.mu.Unlock()
			close(c.done)
		}()
		if err := f(); err != nil {
			x.count("answers-failed")
			x.d.Log.Warn("cannot answer an entry's calls to other tokens", "instance", id, "entry", uid, "err", err)
		}
	})
}

func (x *Executor) answer(cur *token.Instance, e token.Entry, uid string, env *token.Env) error {
	id := cur.ID()
	// A predecessor's answers, published before it went, come first.
	if x.d.CatchUp != nil {
		x.d.CatchUp(wire.ResultTopic(id))
		x.d.Settle(id)
	}
	if in := x.d.Instance(id); in != nil {
		cur = in // as it stands now: the entry waits at this state
	}
	if _, ok := token.AnswersOf(cur, uid, env); ok {
		return nil // answered already: replicas step the entry with those
	}
	live := &sandbox.LiveCalls{Querier: x.d.Tokens, Timeout: x.d.Config.ActionTimeout, Final: x.d.FinalCallError}
	_, err := token.Step(sandbox.WithLiveCalls(x.ctx, live), cur, token.Event{Entry: &e}, env)
	if errors.Is(err, token.ErrNeedAnswer) {
		return fmt.Errorf("a call went unanswered: %w", err)
	}
	if x.ctx.Err() != nil {
		return x.ctx.Err() // stopping: what the calls answered may be cut short
	}
	if live.Transient() && x.retryAnswer(cur.ID(), uid) {
		// A call failed for a reason that may pass (no route yet, a node
		// down, a 5xx): published, it would fail the module on every
		// replica for good. Asked again at the entry's next step.
		return nil
	}
	calls := live.Calls()
	if len(calls) == 0 {
		return nil // the step no longer calls out (the instance moved on)
	}
	if len(calls) > token.MaxAnswerCalls {
		calls = calls[:token.MaxAnswerCalls]
	}
	return x.publishAnswers(id, token.Answers{UID: uid, Calls: calls})
}

// publishAnswers signs and publishes an entry's answers under this node's
// record of the instance; answers past token.MaxAnswersBytes are replaced
// by errors that say so (the module sees those calls fail, on every
// replica alike).
func (x *Executor) publishAnswers(id wire.InstanceID, a token.Answers) error {
	x.mu.Lock()
	delete(x.answerTries, id.String()+"/"+a.UID)
	x.mu.Unlock()
	body, _ := json.Marshal(a)
	if len(body) > token.MaxAnswersBytes {
		for i := range a.Calls {
			a.Calls[i].Response, _ = json.Marshal(sandbox.TokenAnswer{Error: fmt.Sprintf("the answers to this entry's calls exceed %d bytes: too large to share with the replicas", token.MaxAnswersBytes)})
		}
		body, _ = json.Marshal(a)
	}
	if len(body) > token.MaxAnswersBytes {
		// The requests alone are too large: answers that hold no call (every
		// call fails in the module, on every replica alike).
		a.Calls = []token.CallRecord{}
		body, _ = json.Marshal(a)
	}
	in := x.d.Instance(id)
	if in == nil || in.Record.Executor != x.d.Self {
		return nil // no longer ours to answer
	}
	att, err := x.signResult(in.Record, token.AnswersAction, a.UID, sandbox.Hash{}, json.RawMessage("{}"), body)
	if err != nil {
		return err
	}
	if err := x.d.Publish(x.ctx, wire.ResultTopic(id), att); err != nil {
		return fmt.Errorf("publish the answers: %w", err)
	}
	x.count("answered")
	x.d.Log.Debug("answered an entry's calls to other tokens", "instance", id, "entry", a.UID, "calls", len(a.Calls))
	return nil
}
