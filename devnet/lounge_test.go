package devnet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attest"
	loungepass "github.com/smartlayer/smartlayer/examples/lounge-pass"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// TestLoungePassReadsTheTicket: the lounge pass's entry query reads its
// flight ticket's status through ctx.tokens.query, under the grant the
// passenger gave the pass (not the desk: the grant names the pass's token
// address, and the pass's node proves it runs the pass); the ticket's
// answer comes with a receipt the pass's node checked and kept in the
// transcript, which replays offline without calling out; the same grant
// presented by the desk itself is refused (issue 17, inter-token calls).
func TestLoungePassReadsTheTicket(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.InMemory, opts.LoungePasses = 6, 4, true, 2
	d := startDevnet(t, opts)
	if len(d.Info.LoungePasses) != 2 {
		t.Fatalf("%d lounge passes", len(d.Info.LoungePasses))
	}
	ctx := context.Background()
	d.Client.VerifyReceipts = true
	entry := func(p LoungePass) (map[string]any, *receipt.Receipt, error) {
		out, rc, err := d.Client.QueryReceipt(ctx, p.Instance, "entry", p.EntryArgs(), nil)
		var v map[string]any
		if err == nil {
			err = json.Unmarshal(out, &v)
		}
		return v, rc, err
	}
	// Pass 0's ticket is on the first flight, which the devnet made 190
	// minutes late; pass 1's on the second, 45 minutes late.
	var late, onTime map[string]any
	var rc *receipt.Receipt
	waitUntil(t, 60*time.Second, "both passes answer entry", func() bool {
		var err0, err1 error
		late, rc, err0 = entry(d.Info.LoungePasses[0])
		onTime, _, err1 = entry(d.Info.LoungePasses[1])
		if err0 != nil || err1 != nil {
			t.Logf("entry: %v / %v", err0, err1)
			return false
		}
		return late["delayMinutes"] == 190.0 && onTime["delayMinutes"] == 45.0
	})
	if late["enter"] != true || onTime["enter"] != false {
		t.Fatalf("entry: %v, %v", late, onTime)
	}

	// The execution behind the receipt: fetched from the node that
	// answered, it holds the ticket's answer with the ticket node's
	// receipt, and it replays offline to the same answer.
	node := d.serviceHTTP(rc.Node)
	var k sampling.Kept
	getJSONT(t, node+"/v1/receipts/"+rc.Leaf().Hex()+"/transcript", &k)
	tr := k.Transcript
	if tr == nil || rc.Names(tr.Execution(tr.Root())) != nil {
		t.Fatalf("the transcript served is not the receipt's: %+v", k)
	}
	if len(tr.Calls) != 1 || tr.Calls[0].Kind != "tokens.query" {
		t.Fatalf("calls recorded: %+v", tr.Calls)
	}
	var call sandbox.TokenCall
	var ans sandbox.TokenAnswer
	if json.Unmarshal(tr.Calls[0].Request, &call) != nil || json.Unmarshal(tr.Calls[0].Response, &ans) != nil {
		t.Fatalf("recorded call %s -> %s", tr.Calls[0].Request, tr.Calls[0].Response)
	}
	var callee receipt.Receipt
	if err := json.Unmarshal(ans.Receipt, &callee); err != nil {
		t.Fatalf("no callee receipt kept: %s", tr.Calls[0].Response)
	}
	args, _ := json.Marshal(call.Args)
	if err := callee.Binds("query:status", d.Info.LoungePasses[0].Ticket, "", args, ans.Result); err != nil {
		t.Fatalf("the kept receipt does not bind the ticket's answer: %v", err)
	}
	if err := callee.Verify(callee.Node); err != nil || !d.isService(callee.Node) {
		t.Fatalf("the kept receipt is not a service node's: %v", err)
	}
	if err := sampling.CheckCalls(tr, nil); err != nil {
		t.Fatalf("the transcript's inter-token answer does not check: %v", err)
	}
	b, err := loungepass.Issued(d.airline.ECDSA, attest.NetworkDomain(d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, mod, err := sandbox.CompileBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sandbox.Replay(ctx, mod, tr, k.State)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	var replayed map[string]any
	if json.Unmarshal(res.Output, &replayed) != nil || replayed["enter"] != true || replayed["delayMinutes"] != 190.0 {
		t.Fatalf("replayed to %s", res.Output)
	}

	// The anchors sample the passes' executions like any other and find
	// nothing wrong with them: more entry queries, then sampling rounds.
	for range 40 {
		if _, _, err := entry(d.Info.LoungePasses[0]); err != nil {
			t.Fatal(err)
		}
	}
	samples := func(result string) float64 {
		n := 0.0
		for _, a := range d.Info.Anchors {
			n += metricValue(t, a.HTTP, `smartlayer_samples_total{result="`+result+`"}`)
		}
		return n
	}
	before := samples("match")
	waitUntil(t, 60*time.Second, "the anchors sample 20 more executions", func() bool { return samples("match") >= before+20 })
	if n := samples("mismatch"); n != 0 {
		t.Fatalf("%v sampled executions did not replay", n)
	}

	// The grant is the pass's: the desk presenting it on the ticket itself
	// (signed by the integration's key) is refused.
	p := d.Info.LoungePasses[0]
	hdr := http.Header{}
	hdr.Set("X-Smartlayer-Grant", p.Grant)
	if _, err := d.Client.QueryWith(ctx, p.Ticket, "status", nil, hdr); err == nil || !strings.Contains(err.Error(), "403") && !strings.Contains(err.Error(), "grant") {
		t.Fatalf("the pass's grant used by the desk: %v", err)
	}
	// Nor does it help to claim to be the pass: with the pass's real record
	// (public, in its route), the desk is no replica of it; with a record
	// the desk made naming itself, no responsible anchor signed it.
	rt, err := d.Client.Route(ctx, p.Instance)
	if err != nil {
		t.Fatal(err)
	}
	passID, _ := wire.ParseInstanceID(p.Instance)
	me := nodekey.FromECDSA(d.integration.ECDSA).PeerID().String()
	own := &placement.Record{Instance: passID, Bundle: "0x00", Replicas: []string{me}, Executor: me, AnchorPeer: me}
	if err := own.Sign(d.integration.ECDSA); err != nil {
		t.Fatal(err)
	}
	ownJSON, _ := json.Marshal(own)
	for name, rec := range map[string][]byte{"the pass's record": rt.Record, "a record the desk signed": ownJSON} {
		h := hdr.Clone()
		h.Set(wire.CallerHeader, p.Instance)
		h.Set(wire.CallerRecordHeader, base64.RawURLEncoding.EncodeToString(rec))
		h.Set(wire.CallChainHeader, p.Instance)
		_, err := d.Client.QueryWith(ctx, p.Ticket, "status", nil, h)
		var pr *wire.Problem
		if !errors.As(err, &pr) || pr.Status != http.StatusForbidden {
			t.Fatalf("the desk as the pass, with %s: %v", name, err)
		}
	}

	// The pass starts the ticket's own action (ctx.tokens.action), under
	// the passenger's grant to the pass: once per desk request, its
	// executor's receipt checked and kept, and the pass's execution replays
	// offline without calling out.
	hotelBefore := hotelStats(t, d)
	deskArgs := map[string]string{"grant": p.Grant, "hotel": d.Info.Hotel.HTTP}
	// Only under the holder's grant to the desk.
	if _, _, err := d.Client.Action(ctx, p.Instance, "rebookHotel", "desk-0", deskArgs, nil); err == nil || !strings.Contains(err.Error(), "grant") {
		t.Fatalf("rebookHotel with no grant: %v", err)
	}
	// A stranger cannot take an inter-token action's key first.
	if _, _, err := d.Client.Action(ctx, p.Ticket, "rebook", sandbox.TokenActionKey(p.Instance, "rebookHotel", "desk-1", 1), deskArgs, d.Info.Tickets[0].Header()); err == nil || !strings.Contains(err.Error(), "idempotency-key-reserved") {
		t.Fatalf("a token-call key taken by an integration: %v", err)
	}
	// Nor by naming a calling token it is not the executor of (the header
	// was all that was looked at).
	claimed := d.Info.Tickets[0].Header()
	claimed.Set(wire.CallerHeader, p.Instance)
	if _, _, err := d.Client.Action(ctx, p.Ticket, "rebook", sandbox.TokenActionKey(p.Instance, "rebookHotel", "desk-1", 1), deskArgs, claimed); err == nil || !strings.Contains(err.Error(), "idempotency-key-reserved") {
		t.Fatalf("a token-call key taken by an integration naming the token as its caller: %v", err)
	}
	deskHdr := http.Header{wire.GrantHeader: {p.DeskGrant}}
	var out *wire.ActionOutcome
	var prc *receipt.Receipt
	waitUntil(t, 60*time.Second, "the pass's rebookHotel action", func() bool {
		var err error
		out, prc, err = d.Client.Action(ctx, p.Instance, "rebookHotel", "desk-1", deskArgs, deskHdr)
		if err != nil {
			t.Logf("rebookHotel: %v", err)
		}
		return err == nil
	})
	var deskRes struct{ Rebooking, Booking, Ticket string }
	if json.Unmarshal(out.Result, &deskRes) != nil || deskRes.Rebooking != "confirmed" || deskRes.Booking == "" || deskRes.Ticket != p.Ticket {
		t.Fatalf("rebookHotel answered %s", out.Result)
	}
	if got := hotelStats(t, d); got != hotelBefore+1 {
		t.Fatalf("the hotel booked %d times, want once", got-hotelBefore)
	}
	again, _, err := d.Client.Action(ctx, p.Instance, "rebookHotel", "desk-1", deskArgs, deskHdr)
	if err != nil || string(again.Result) != string(out.Result) || hotelStats(t, d) != hotelBefore+1 {
		t.Fatalf("the same desk request again: %v %s, hotel %d", err, again.Result, hotelStats(t, d)-hotelBefore)
	}
	node = d.serviceHTTP(prc.Node)
	var ka sampling.Kept
	getJSONT(t, node+"/v1/receipts/"+prc.Leaf().Hex()+"/transcript", &ka)
	at := ka.Transcript
	if at == nil || len(at.Calls) != 1 || at.Calls[0].Kind != "tokens.action" {
		t.Fatalf("the pass action's calls: %+v", at)
	}
	var acall sandbox.TokenCall
	var aans sandbox.TokenAnswer
	if json.Unmarshal(at.Calls[0].Request, &acall) != nil || json.Unmarshal(at.Calls[0].Response, &aans) != nil || acall.Key == "" {
		t.Fatalf("recorded call %s -> %s", at.Calls[0].Request, at.Calls[0].Response)
	}
	if acall.Key != sandbox.TokenActionKey(p.Instance, "rebookHotel", "desk-1", 1) {
		t.Fatalf("the ticket's action ran under key %q", acall.Key)
	}
	var ticketRc receipt.Receipt
	if err := json.Unmarshal(aans.Receipt, &ticketRc); err != nil {
		t.Fatalf("no receipt of the ticket's executor kept: %s", at.Calls[0].Response)
	}
	aargs, _ := json.Marshal(acall.Args)
	if err := ticketRc.Binds("action:rebook", p.Ticket, acall.Key, aargs, aans.Result); err != nil {
		t.Fatalf("the kept receipt does not bind the ticket's action: %v", err)
	}
	if err := sampling.CheckCalls(at, nil); err != nil {
		t.Fatalf("the transcript's inter-token action does not check: %v", err)
	}
	// A forged answer in the record is caught by the same check.
	forged := *at
	forged.Calls = slices.Clone(at.Calls)
	fa := aans
	fa.Result = json.RawMessage(`{"rebooking":"confirmed","booking":"forged"}`)
	forged.Calls[0].Response, _ = json.Marshal(fa)
	if err := sampling.CheckCalls(&forged, nil); !errors.Is(err, sampling.ErrCallUnvouched) {
		t.Fatalf("a forged ticket answer in the record: %v", err)
	}
	ares, err := sandbox.Replay(ctx, mod, at, ka.State)
	if err != nil {
		t.Fatalf("replay of the pass's action: %v", err)
	}
	var replayedAction struct{ Rebooking, Booking string }
	if json.Unmarshal(ares.Output, &replayedAction) != nil || replayedAction.Booking != deskRes.Booking {
		t.Fatalf("the pass's action replayed to %s", ares.Output)
	}

	checkCallsFromApply(t, d, p, deskHdr)

	// On the same network: inter-token call cycles and chains past the
	// depth bound are cut.
	checkCallCycles(t, d)
}

// checkCallsFromApply: once the desk asked the pass to watch its ticket, a
// status update of the flight makes the pass's apply read the ticket
// (issue 17, calls from apply): the pass's executor alone calls, publishes
// the answer with the ticket node's receipt, and every replica of the pass
// applies the update with it, to one state root; the answer is the
// ticket's, not one each replica fetched.
func checkCallsFromApply(t *testing.T, d *Devnet, p LoungePass, deskHdr http.Header) {
	t.Helper()
	ctx := context.Background()
	tk, rt := watchTicket(t, d, p, deskHdr)
	// The ticket itself, after the update: the answer the pass records is
	// the ticket's status when its executor asked, this one or the one
	// before.
	var before struct{ DelayMinutes float64 }
	bj, err := d.Client.QueryWith(ctx, tk.Instance, "status", nil, tk.Header())
	if err != nil || json.Unmarshal(bj, &before) != nil {
		t.Fatalf("the ticket's status: %v %s", err, bj)
	}
	e, err := d.PublishStatus(ctx, tk.Flight, tk.Date, 215, "delayed")
	if err != nil {
		t.Fatal(err)
	}
	att, err := attest.Parse(e.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	var states []map[string]any
	var roots []string
	waitUntil(t, 60*time.Second, "every replica of the pass applies the update with the executor's answer", func() bool {
		states, roots = nil, nil
		for _, r := range rt.Replicas {
			var v wire.StateView
			if err := getJSON(ctx, r.HTTP+"/v1/tokens/"+p.Instance+"/state", &v); err != nil {
				t.Logf("replica %s: %v", r.Peer, err)
				return false
			}
			var st map[string]any
			_ = json.Unmarshal(v.State, &st)
			if st["checkedOn"] != att.UID.String() {
				return false
			}
			states, roots = append(states, st), append(roots, v.StateRoot)
		}
		return true
	})
	for i := range roots {
		if roots[i] != roots[0] {
			t.Fatalf("the pass's replicas differ after a call from apply: %v (%v)", roots, states)
		}
	}
	if got := states[0]["ticketDelayMinutes"]; got != 215.0 && got != before.DelayMinutes {
		t.Fatalf("the pass recorded the ticket's delay as %v (the ticket said %v, then 215)", got, before.DelayMinutes)
	}
	// The history of every replica shows the executor's answers, checked.
	for _, r := range rt.Replicas {
		var h struct{ History []wire.HistoryItem }
		if err := getJSON(ctx, r.HTTP+"/v1/tokens/"+p.Instance+"/history", &h); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(h.History, func(it wire.HistoryItem) bool {
			return it.Applied && strings.HasPrefix(it.Note, "answers for entry ")
		}) {
			t.Fatalf("replica %s kept no answers: %+v", r.Peer, h)
		}
	}
}

// isService reports whether addr is one of the devnet's service nodes.
func (d *Devnet) isService(addr common.Address) bool { return d.serviceHTTP(addr) != "" }

// serviceHTTP is the HTTP address of the service node whose key is addr
// ("" for none).
func (d *Devnet) serviceHTTP(addr common.Address) string {
	for _, s := range d.Info.Services {
		id, _ := peer.Decode(s.Peer)
		if a, _ := nodekey.AddressOfPeer(id); a == addr {
			return s.HTTP
		}
	}
	return ""
}

// watchTicket has the desk ask pass p to watch its ticket (returned, with
// the pass's route) and waits until every replica of the pass applied the
// watch and the "welcome" it starts: the watch result fires the "opens"
// trigger, whose predicate asks the ticket (a call from a trigger, on the
// result stream itself), and the lounge is open for the pass's flight.
func watchTicket(t *testing.T, d *Devnet, p LoungePass, deskHdr http.Header) (Ticket, *wire.Route) {
	t.Helper()
	ctx := context.Background()
	var tk Ticket
	for _, x := range d.Info.Tickets {
		if x.Instance == p.Ticket {
			tk = x
		}
	}
	waitUntil(t, 60*time.Second, "the pass's watch action", func() bool {
		out, _, err := d.Client.Action(ctx, p.Instance, "watch", "desk-watch", map[string]string{"grant": p.Grant}, deskHdr)
		if err != nil {
			t.Logf("watch: %v", err)
			return false
		}
		return strings.Contains(string(out.Result), `"watching":true`)
	})
	rt, err := d.Client.Route(ctx, p.Instance)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "every replica of the pass applies the welcome the trigger started", func() bool {
		for _, r := range rt.Replicas {
			var v wire.StateView
			if err := getJSON(ctx, r.HTTP+"/v1/tokens/"+p.Instance+"/state", &v); err != nil || !strings.Contains(string(v.State), `"welcomed":true`) {
				return false
			}
		}
		return true
	})
	return tk, rt
}

// blindApply is a fault for TestWaitingReplicaAsksTheExecutor: on the node
// it wraps, while on, a pass's apply runs as if the pass held no grant, so
// it makes no call (that node's state before the entry differs from the
// others').
type blindApply struct {
	token.Script
	on *atomic.Bool
}

func (b blindApply) Run(ctx context.Context, c token.Call) (*token.Result, error) {
	if c.Kind == token.KindApply && b.on.Load() {
		var st map[string]any
		if json.Unmarshal(c.State, &st) == nil && st["grant"] != nil {
			delete(st, "grant")
			c.State, _ = json.Marshal(st)
		}
	}
	return b.Script.Run(ctx, c)
}

// TestWaitingReplicaAsksTheExecutor: a pass's executor applies a status
// update without calling out (its state differs), while the other
// replicas' apply calls the ticket and waits for the executor's answers.
// They ask the executor, which publishes answers that hold no call; their
// call then fails in the module (the same on each), and no replica waits
// for ever (issue 17, calls from apply).
func TestWaitingReplicaAsksTheExecutor(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.InMemory, opts.LoungePasses = 3, 3, true, 1
	var blind [3]atomic.Bool
	opts.WrapScript = func(i int) func(token.Script) token.Script {
		return func(s token.Script) token.Script { return blindApply{s, &blind[i]} }
	}
	d := startDevnet(t, opts)
	ctx := context.Background()
	p := d.Info.LoungePasses[0]
	// Every replica holds the grant (and ran the welcome its trigger
	// started) before the update: their states before it are the same.
	tk, rt := watchTicket(t, d, p, http.Header{wire.GrantHeader: {p.DeskGrant}})
	exec := -1
	for i, s := range d.Info.Services {
		if s.Peer == rt.Executor {
			exec = i
		}
	}
	if exec < 0 || len(rt.Replicas) < 2 {
		t.Fatalf("route %+v", rt)
	}
	blind[exec].Store(true)
	e, err := d.PublishStatus(ctx, tk.Flight, tk.Date, 230, "delayed")
	if err != nil {
		t.Fatal(err)
	}
	att, err := attest.Parse(e.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	uid := att.UID.String()
	waitUntil(t, 60*time.Second, "every replica steps the update", func() bool {
		for _, r := range rt.Replicas {
			var h struct{ History []wire.HistoryItem }
			if err := getJSON(ctx, r.HTTP+"/v1/tokens/"+p.Instance+"/history", &h); err != nil {
				return false
			}
			i := slices.IndexFunc(h.History, func(it wire.HistoryItem) bool { return it.UID == uid })
			if i < 0 {
				return false
			}
			it := h.History[i]
			if r.Peer == rt.Executor {
				if !it.Applied {
					t.Fatalf("the executor did not apply the update: %+v", it)
				}
				continue
			}
			if it.Applied || !strings.Contains(it.Note, "answered no such call") {
				t.Fatalf("replica %s: %+v", r.Peer, it)
			}
			if !slices.ContainsFunc(h.History, func(a wire.HistoryItem) bool { return a.Note == "answers for entry "+uid }) {
				t.Fatalf("replica %s applied the update with no answers: %+v", r.Peer, h.History)
			}
		}
		return true
	})
}
