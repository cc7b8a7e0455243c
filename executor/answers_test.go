package executor

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// callingApply reads another token in apply and does not catch a failure.
const callingApply = `
module.exports = {
  init() { return {n: 0}; },
  queries: { n(state) { return state.n; } },
  apply(state, att, ctx) {
    var t = ctx.tokens.query("0x0b", "status", {}, {grant: "g"});
    return {n: state.n + 1, delay: t.delayMinutes};
  },
};`

type downTicket struct{ calls int }

func (d *downTicket) QueryToken(context.Context, sandbox.TokenCall) (*sandbox.TokenAnswer, error) {
	d.calls++
	return nil, errors.New("the ticket's replicas are down")
}

// answersPublished decodes the answers attestations the shard saw published.
func (s *shard) answersPublished(t *testing.T) []token.Answers {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []token.Answers
	for _, att := range s.atts {
		data, _ := attest.ActionResultSchema.Schema.Decode(att.Message.Data)
		if !token.IsAnswers(data) {
			continue
		}
		var a token.Answers
		if err := json.Unmarshal([]byte(data["result"].(string)), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// TestAnswerKeepsCallsOfAFailedRun: the executor's live step of an entry
// whose apply calls out and then fails (the other token is down, the
// module does not catch it) still publishes the call with its error, so
// every replica's apply fails alike instead of waiting for ever; an entry
// answered already is not answered again.
func TestAnswerKeepsCallsOfAFailedRun(t *testing.T) {
	sh := &shard{}
	x, id := newWorkExecutor(t, sh)
	ticket := &downTicket{}
	x.d.Tokens = ticket
	mod, err := sandbox.Compile("calling.js", []byte(callingApply), sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	sub := tokenscript.Subscription{Schema: attest.FlightStatusSchema.UID, Key: "LH1/2026-12-01"}
	held := map[string][]*attest.Signed{}
	env := &token.Env{Script: sandbox.TokenScript(mod), Subscriptions: []tokenscript.Subscription{sub},
		Answers:     func(uid string) []*attest.Signed { return held[uid] },
		CheckRecord: func(*placement.Record) error { return nil }, CheckCalls: func([]token.CallRecord) error { return nil }}
	data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"LH1","date":"2026-12-01","delayMinutes":200,"status":"delayed"}`))
	att, err := attest.Sign(x.d.Key.ECDSA, x.d.Domain, attest.Message{Version: attest.Version2, Schema: attest.FlightStatusSchema.UID, Time: 1_700_000_000, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	e := token.Entry{Topic: attest.FlightStatusSchema.UID.String() + "/LH1/2026-12-01", Publisher: x.d.Key.Address(), Seq: 1, Att: att}
	uid := att.UID.String()
	x.Answer(sh.instance(id), e, uid, env)
	waitFor(t, "the executor's answers", func() bool { return len(sh.answersPublished(t)) == 1 })
	a := sh.answersPublished(t)[0]
	if a.UID != uid || len(a.Calls) != 1 || !strings.Contains(string(a.Calls[0].Response), "the ticket's replicas are down") || ticket.calls != 1 {
		t.Fatalf("answers published: %+v (%d calls made)", a, ticket.calls)
	}
	// Answered already (the index holds answers): not again.
	held[uid] = sh.atts
	x.Answer(sh.instance(id), e, uid, env)
	x.AnswerNone(sh.instance(id), uid, env)
	waitFor(t, "answering done", func() bool { x.mu.Lock(); defer x.mu.Unlock(); return x.answering == 0 })
	if n := len(sh.answersPublished(t)); n != 1 || ticket.calls != 1 {
		t.Fatalf("an answered entry answered again: %d answers, %d calls", n, ticket.calls)
	}
}

// TestAnswerNone: for an entry a replica waits on that the executor applied
// without calling out, the executor publishes answers that hold no call;
// not when answers are known, and not when another node executes the
// instance.
func TestAnswerNone(t *testing.T) {
	sh := &shard{}
	x, id := newWorkExecutor(t, sh)
	held := map[string][]*attest.Signed{}
	env := &token.Env{Answers: func(uid string) []*attest.Signed { return held[uid] },
		CheckRecord: func(*placement.Record) error { return nil }}
	x.AnswerNone(sh.instance(id), "0xcause1", env)
	waitFor(t, "answers that hold no call", func() bool { return len(sh.answersPublished(t)) == 1 })
	if a := sh.answersPublished(t)[0]; a.UID != "0xcause1" || a.Calls == nil || len(a.Calls) != 0 {
		t.Fatalf("answers: %+v", a)
	}
	// Answered already (the index holds the answers just published): not again.
	waitFor(t, "answering done", func() bool { x.mu.Lock(); defer x.mu.Unlock(); return x.answering == 0 })
	sh.mu.Lock()
	held["0xcause1"] = slices.Clone(sh.atts)
	sh.mu.Unlock()
	x.AnswerNone(sh.instance(id), "0xcause1", env)
	waitFor(t, "answering done", func() bool { x.mu.Lock(); defer x.mu.Unlock(); return x.answering == 0 })
	if n := len(sh.answersPublished(t)); n != 1 {
		t.Fatalf("an answered entry answered again: %d answers published", n)
	}
	sh.mu.Lock()
	sh.in.Record.Executor = "someone-else"
	sh.mu.Unlock()
	x.AnswerNone(sh.instance(id), "0xcause3", env)
	waitFor(t, "answering done", func() bool { x.mu.Lock(); defer x.mu.Unlock(); return x.answering == 0 })
	if n := len(sh.answersPublished(t)); n != 1 {
		t.Fatalf("%d answers published, want 1", n)
	}
}
