package token_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// callingModule's apply and trigger predicate read another token.
const callingModule = `module.exports = {
  init(t) { return {ticket: t.ticket, seen: 0}; },
  queries: { seen(state) { return state.seen; } },
  apply(state, att, ctx) {
    var t = ctx.tokens.query(state.ticket, "status", {}, {grant: "g"});
    var booking = null;
    if (att.data.delayMinutes >= 180) {
      booking = ctx.tokens.action(state.ticket, "rebook", {}, {grant: "g"}).booking;
    }
    return {ticket: state.ticket, seen: state.seen + 1, delay: att.data.delayMinutes, ticketFlight: t.flight, booking: booking};
  },
  triggers: {
    lounge(before, after, ctx) {
      var t = ctx.tokens.query(after.ticket, "lounge", {delay: after.delay});
      return t.open === true;
    },
  },
  actions: { notify(state) { return {state: state}; } },
};`

// fakeTicket answers the calls for real (the executor's live step), with a
// receipt the test's CheckCalls takes.
type fakeTicket struct {
	calls int
	keys  []string // the actions' idempotency keys
}

func (f *fakeTicket) QueryToken(_ context.Context, c sandbox.TokenCall) (*sandbox.TokenAnswer, error) {
	f.calls++
	switch c.Name {
	case "status":
		return &sandbox.TokenAnswer{Result: json.RawMessage(`{"flight":"LH123"}`), Receipt: json.RawMessage(`"vouched"`)}, nil
	case "lounge":
		return &sandbox.TokenAnswer{Result: json.RawMessage(`{"open":true}`), Receipt: json.RawMessage(`"vouched"`)}, nil
	case "rebook":
		f.keys = append(f.keys, c.Key)
		return &sandbox.TokenAnswer{Result: json.RawMessage(`{"booking":"B-1"}`), Receipt: json.RawMessage(`"vouched"`)}, nil
	}
	return nil, errors.New("no such query")
}

// TestCallsFromApply: a replica's apply that calls another token waits for
// the executor's answers; the executor's live step makes the calls (apply's
// and the trigger predicate's), its answers attestation is checked and
// kept, and the entry then applies on every replica to the same state, in
// either order of arrival. Answers by another node, unvouched ones, ones
// for an applied entry and ones that miss a call change nothing.
func TestCallsFromApply(t *testing.T) {
	mod, err := sandbox.Compile("caller", []byte(callingModule), sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	anchor, exec, airline := keyOf("anchor"), keyOf("exec"), keyOf("airline")
	env := &token.Env{Script: sandbox.TokenScript(mod),
		Subscriptions: []tokenscript.Subscription{{Schema: attest.FlightStatusSchema.UID, Key: "LH123/2026-12-01"}},
		Triggers:      []tokenscript.Trigger{{When: "lounge", Action: "notify"}},
		IsAnchor:      func(a common.Address) bool { return a == anchor.Address() },
		CheckRecord: func(r *placement.Record) error {
			return r.Verify(func(a common.Address) bool { return a == anchor.Address() })
		},
		CheckCalls: func(cs []token.CallRecord) error {
			for _, c := range cs {
				if !strings.Contains(string(c.Response), `"receipt":"vouched"`) {
					return errors.New("a recorded answer no replica vouched for")
				}
			}
			return nil
		}}
	id := wire.InstanceID{0xca}
	rec := &placement.Record{Instance: id, Bundle: "0x00", Fencing: 1, Executor: exec.PeerID().String(), AnchorPeer: anchor.PeerID().String()}
	rec.Replicas = []string{rec.Executor}
	if err := rec.Sign(anchor.ECDSA); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rd, err := token.Step(ctx, nil, token.Event{Register: &token.Register{Record: rec, Registration: &wire.Registration{Instance: id, Bundle: "0x00"},
		Ticket: json.RawMessage(`{"ticket":"0x0b"}`)}}, env)
	if err != nil {
		t.Fatal(err)
	}
	fresh := rd.Instance
	status := func(seq uint64, delay int) *token.Entry {
		data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"LH123","date":"2026-12-01","delayMinutes":` + itoa(delay) + `,"status":"delayed"}`))
		s, err := attest.Sign(airline.ECDSA, domain, attest.Message{Version: attest.Version2, Schema: attest.FlightStatusSchema.UID, Time: 1_700_000_000 + seq, Data: data, Revocable: true})
		if err != nil {
			t.Fatal(err)
		}
		return &token.Entry{Topic: attest.FlightStatusSchema.UID.String() + "/LH123/2026-12-01", Publisher: airline.Address(), Seq: seq, Att: s}
	}
	answers := func(signer string, seq uint64, a token.Answers) *token.Entry {
		rj, _ := json.Marshal(rec)
		body, _ := json.Marshal(a)
		js, _ := json.Marshal(map[string]any{"instance": id.String(), "action": token.AnswersAction, "idempotencyKey": a.Key(),
			"fencing": 1, "transcriptRoot": zeroHash, "patch": "{}", "result": string(body), "record": string(rj)})
		data, err := attest.ActionResultSchema.Schema.EncodeJSON(js)
		if err != nil {
			t.Fatal(err)
		}
		k := keyOf(signer)
		s, err := attest.Sign(k.ECDSA, domain, attest.Message{Version: attest.Version2, Schema: attest.ActionResultSchema.UID, Time: 1_700_000_100, Data: data, Revocable: true})
		if err != nil {
			t.Fatal(err)
		}
		return &token.Entry{Topic: wire.ResultTopic(id), Publisher: k.Address(), Seq: seq, Att: s}
	}
	e1 := status(1, 200)

	// A replica: the apply's call has no answer yet.
	_, err = token.Step(ctx, fresh, token.Event{Entry: e1}, env)
	var need *token.NeedAnswer
	if !errors.As(err, &need) || !errors.Is(err, token.ErrNeedAnswer) || need.Key != token.AnswersKey(e1.Stream(), 1) {
		t.Fatalf("a replica's step of an entry whose apply calls out: %v", err)
	}

	// The executor's live step makes both calls.
	ticket := &fakeTicket{}
	live, err := token.Step(sandbox.WithLiveCalls(ctx, ticket), fresh, token.Event{Entry: e1}, env)
	if err != nil || len(live.Calls) != 3 || ticket.calls != 3 {
		t.Fatalf("the executor's live step: %v, %d calls recorded, %d made", err, len(live.Calls), ticket.calls)
	}
	// The action apply started is keyed by the entry: every replay and a
	// new executor's answer start it under the same key.
	if want := sandbox.TokenActionKey(id.String(), "apply", token.AnswersKey(e1.Stream(), 1), 1); len(ticket.keys) != 1 || ticket.keys[0] != want {
		t.Fatalf("apply's action ran under keys %q, want %q", ticket.keys, want)
	}
	a := token.Answers{Stream: e1.Stream(), Seq: 1, UID: e1.Att.UID.String(), Calls: live.Calls}
	stepOK := func(in *token.Instance, e *token.Entry) (*token.Instance, token.Ready) {
		t.Helper()
		rd, err := token.Step(ctx, in, token.Event{Entry: e}, env)
		if err != nil {
			t.Fatalf("step: %v", err)
		}
		if rd.Instance == nil {
			t.Fatal("the step changed nothing")
		}
		return rd.Instance, rd
	}

	// Answers that do not count: signed by a node the record does not
	// name, not vouched for, and ones that miss the trigger's call.
	in := fresh
	for _, c := range []struct {
		e    *token.Entry
		note string
	}{
		{answers("stranger", 1, a), "not the executor"},
		{answers("exec", 1, token.Answers{Stream: a.Stream, Seq: 1, UID: a.UID, Calls: []token.CallRecord{{Kind: "tokens.query",
			Request: a.Calls[0].Request, Response: json.RawMessage(`{"result":{"flight":"XX1"},"receipt":"forged"}`)}}}), "no replica vouched"},
	} {
		var rd token.Ready
		in, rd = stepOK(in, c.e)
		if rd.Answered || len(in.Answers) != 0 || !strings.Contains(rd.History.Note, c.note) {
			t.Fatalf("answers %q were taken: %+v", c.note, rd.History)
		}
	}
	partial := token.Answers{Stream: a.Stream, Seq: 1, UID: a.UID, Calls: a.Calls[:1]}
	in, rd = stepOK(in, answers("exec", 3, partial))
	if !rd.Answered || len(in.AnswersFor(partial.Key())) != 1 {
		t.Fatalf("the executor's first answers: %+v", rd.History)
	}
	if _, err := token.Step(ctx, in, token.Event{Entry: e1}, env); !errors.Is(err, token.ErrNeedAnswer) {
		t.Fatalf("the trigger's call has no answer yet: %v", err)
	}
	in, _ = stepOK(in, answers("exec", 4, a))
	if got := len(in.AnswersFor(a.Key())); got != 3 {
		t.Fatalf("answers merged: %d calls, want 3", got)
	}

	// Now the entry applies, from the answers, and they go.
	in, rd = stepOK(in, e1)
	var st struct {
		TicketFlight, Booking string
		Seen                  int
	}
	_ = json.Unmarshal(in.State, &st)
	if !rd.History.Applied || st.TicketFlight != "LH123" || st.Booking != "B-1" || st.Seen != 1 || len(rd.NewPending) != 1 || len(in.Answers) != 0 || len(rd.Calls) != 3 {
		t.Fatalf("the entry with its answers: %+v, state %s, %d new pending, %d answers kept", rd.History, in.State, len(rd.NewPending), len(in.Answers))
	}
	if ticket.calls != 3 {
		t.Fatalf("a replica called the other token itself: %d calls", ticket.calls)
	}

	// Answers for an entry applied already are not kept.
	after, rd := stepOK(in, answers("exec", 5, a))
	if rd.Answered || len(after.Answers) != 0 {
		t.Fatalf("answers for an applied entry were kept: %+v", rd.History)
	}

	// Another replica hears the answers first: the same state.
	other, _ := stepOK(fresh, answers("exec", 1, a))
	other, _ = stepOK(other, e1)
	if other.Root() != in.Root() || len(other.Pending) != len(in.Pending) || other.PendingRoot() != in.PendingRoot() {
		t.Fatalf("replicas differ: %s vs %s", other.State, in.State)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
