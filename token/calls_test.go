package token_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
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
	fail  bool
}

func (f *fakeTicket) QueryToken(_ context.Context, c sandbox.TokenCall) (*sandbox.TokenAnswer, error) {
	f.calls++
	if f.fail {
		return nil, errors.New("the ticket is down")
	}
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
		js, _ := json.Marshal(map[string]any{"instance": id.String(), "action": token.AnswersAction, "idempotencyKey": a.UID,
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
	uid := e1.Att.UID.String()
	index := map[string][]*attest.Signed{}
	env.Answers = func(u string) []*attest.Signed { return index[u] }

	// A replica: the apply's call has no answer yet.
	_, err = token.Step(ctx, fresh, token.Event{Entry: e1}, env)
	var need *token.NeedAnswer
	if !errors.As(err, &need) || !errors.Is(err, token.ErrNeedAnswer) || need.UID != uid {
		t.Fatalf("a replica's step of an entry whose apply calls out: %v", err)
	}

	// The executor's live step makes all three calls (apply's query and
	// action, the trigger's query), the action under a key made from the
	// entry.
	ticket := &fakeTicket{}
	live := &sandbox.LiveCalls{Querier: ticket}
	if _, err := token.Step(sandbox.WithLiveCalls(ctx, live), fresh, token.Event{Entry: e1}, env); err != nil || len(live.Calls()) != 3 || ticket.calls != 3 {
		t.Fatalf("the executor's live step: %v, %d calls recorded, %d made", err, len(live.Calls()), ticket.calls)
	}
	if want := sandbox.TokenActionKey(id.String(), "@apply", uid, 1); len(ticket.keys) != 1 || ticket.keys[0] != want {
		t.Fatalf("apply's action ran under keys %q, want %q", ticket.keys, want)
	}
	a := token.Answers{UID: uid, Calls: live.Calls()}
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

	// Answers that do not count, even when a node indexed them: signed by
	// a node the record does not name (a stranger's: no trace on the
	// instance), or not vouched for.
	in := fresh
	forged := token.Answers{UID: uid, Calls: slices.Clone(a.Calls)}
	forged.Calls[0].Response = json.RawMessage(`{"result":{"flight":"XX1"},"receipt":"forged"}`)
	for i, c := range []struct {
		e    *token.Entry
		note string
	}{
		{answers("stranger", 1, a), "not the executor"},
		{answers("exec", 1, forged), "answers for entry"},
	} {
		if c.e.Att.Signer != exec.Address() {
			rd, err := token.Step(ctx, in, token.Event{Entry: c.e}, env)
			if err != nil || rd.Instance != nil || !strings.Contains(rd.Refused, c.note) {
				t.Fatalf("answers %d: %v, %+v", i, err, rd)
			}
		} else {
			var rd token.Ready
			in, rd = stepOK(in, c.e)
			if !strings.Contains(rd.History.Note, c.note) {
				t.Fatalf("answers %d: %+v", i, rd.History)
			}
		}
		index[uid] = append(index[uid], c.e.Att)
		if _, err := token.Step(ctx, in, token.Event{Entry: e1}, env); !errors.Is(err, token.ErrNeedAnswer) {
			t.Fatalf("answers %d (%s) were taken: %v", i, c.note, err)
		}
	}

	// The executor's answers: noted for the index, and the entry applies
	// from them.
	good := answers("exec", 2, a)
	in, rd = stepOK(in, good)
	if rd.Answers != uid {
		t.Fatalf("the executor's answers were not noted: %+v", rd.History)
	}
	index[uid] = append(index[uid], good.Att)
	in, rd = stepOK(in, e1)
	var st struct {
		TicketFlight, Booking string
		Seen                  int
	}
	_ = json.Unmarshal(in.State, &st)
	if !rd.History.Applied || st.TicketFlight != "LH123" || st.Booking != "B-1" || st.Seen != 1 || len(rd.NewPending) != 1 {
		t.Fatalf("the entry with its answers: %+v, state %s, %d new pending", rd.History, in.State, len(rd.NewPending))
	}
	// apply's two calls are in its kept transcript, answered from the
	// record (the trigger's, the third, fired the pending action above).
	if tr, ok := rd.Kept[0].Transcript.(*sandbox.Transcript); !ok || len(rd.Kept) != 1 || len(tr.Calls) != 2 ||
		tr.Calls[0].Kind != "tokens.query" || tr.Calls[1].Kind != "tokens.action" {
		t.Fatalf("the applied run's transcript: %+v", rd.Kept)
	}
	if ticket.calls != 3 {
		t.Fatalf("a replica called the other token itself: %d calls", ticket.calls)
	}

	// Another replica, which had the answers before the entry: the same.
	other, _ := stepOK(fresh, good)
	other, _ = stepOK(other, e1)
	if other.Root() != in.Root() || other.PendingRoot() != in.PendingRoot() {
		t.Fatalf("replicas differ: %s vs %s", other.State, in.State)
	}

	// Answers past the bounds, by the executor itself, count for nothing:
	// more than MaxAnswerCalls calls, or more than MaxAnswersBytes (not
	// even indexed).
	eBig := status(4, 300)
	uidBig := eBig.Att.UID.String()
	many := token.Answers{UID: uidBig}
	for range token.MaxAnswerCalls + 1 {
		many.Calls = append(many.Calls, a.Calls[0])
	}
	huge := token.Answers{UID: uidBig, Calls: []token.CallRecord{{Kind: "tokens.query", Request: a.Calls[0].Request,
		Response: json.RawMessage(`{"result":"` + strings.Repeat("x", token.MaxAnswersBytes) + `","receipt":"vouched"}`)}}}
	_, rd = stepOK(in, answers("exec", 4, huge))
	if rd.Answers != "" || !strings.Contains(rd.History.Note, "refused: answers of") {
		t.Fatalf("oversized answers were noted: %+v", rd.History.Note)
	}
	index[uidBig] = []*attest.Signed{answers("exec", 5, many).Att, answers("exec", 6, huge).Att}
	if _, err := token.Step(ctx, in, token.Event{Entry: eBig}, env); !errors.Is(err, token.ErrNeedAnswer) {
		t.Fatalf("answers past the bounds were taken: %v", err)
	}

	// Answers are final: a call they do not hold fails in the module (here
	// apply's action: the update is not applied), the same on every
	// replica, rather than waiting.
	e2 := status(2, 240)
	uid2 := e2.Att.UID.String()
	index[uid2] = []*attest.Signed{answers("exec", 3, token.Answers{UID: uid2, Calls: a.Calls[:1]}).Att}
	_, rd = stepOK(in, e2)
	if rd.History.Applied || !strings.Contains(rd.History.Note, "answered no such call") {
		t.Fatalf("an entry whose answers miss a call: %+v", rd.History)
	}

	// A live run that fails after calling out still has its calls: the
	// executor answers them, and every replica fails the same way.
	ticket.fail = true
	live = &sandbox.LiveCalls{Querier: ticket}
	e3 := status(3, 10)
	if _, err := token.Step(sandbox.WithLiveCalls(ctx, live), in, token.Event{Entry: e3}, env); err != nil || len(live.Calls()) != 1 ||
		!strings.Contains(string(live.Calls()[0].Response), "the ticket is down") {
		t.Fatalf("a live step whose call failed: %v, %+v", err, live.Calls())
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
