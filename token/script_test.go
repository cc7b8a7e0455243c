package token_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/examples/flight-ticket/model"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// TestScripts runs the event scripts of testdata/*.txt through Step, once
// with the flight ticket's real module in the sandbox and once with its
// native model, checking every expectation and that both reach the same
// state root after every event.
//
// A script is one command a line ('#' starts a comment):
//
//	record fencing=N executor=NAME [issued=MS]   a placement record signed by "anchor"
//	register owner=NAME TICKET-JSON              creates the instance under the last record
//	status by=NAME seq=N time=T JSON              a flight-status attestation on the ticket's topic
//	result by=NAME seq=N time=T fencing=N action=A key=K|pending PATCH-JSON
//	failure by=NAME seq=N time=T action=A
//	transfer by=NAME seq=N block=B index=I from=NAME|zero to=NAME [token=other] [chain=forged|down]
//	                                             an ERC-721 Transfer of the ticket relayed by NAME
//	chainstatus by=NAME seq=N block=B index=I time=T [contract=other] [chain=forged|down] JSON
//	                                             a FlightStatus event relayed on the JSON's flight topic
//	expect ...                                   checks of the last step's Ready (see check)
//
// The chain check (Env.CheckChainLog) refuses a log relayed with
// chain=forged, as a node finding no such log would, and cannot be made
// for one with chain=down (its Step must fail, stepping nothing).
//
// Names are keys derived from the name; "airline" is the ticket's issuer,
// "anchor" and "anchor2" the anchors ("anchor" signs the records).
func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	bundle := &tokenscript.Bundle{Files: flightticket.Files()}
	man, err := bundle.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := sandbox.Compile("flight-ticket", man.Service.ModuleSource, sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			js := runScript(t, f, man, sandbox.TokenScript(mod))
			native := runScript(t, f, man, model.Script{})
			for i := range js {
				if js[i] != native[i] {
					t.Fatalf("step %d: the module reached root %s, the native model %s", i+1, js[i], native[i])
				}
			}
		})
	}
}

func keyOf(name string) *nodekey.Key {
	k, _ := crypto.ToECDSA(crypto.Keccak256([]byte("token-script-test/" + name)))
	return nodekey.FromECDSA(k)
}

var domain = attest.NetworkDomain(31337, common.Address{})

// runScript runs one script with one Script and returns the state root
// after each line that stepped the instance.
func runScript(t *testing.T, path string, man *tokenscript.Manifest, script token.Script) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anchor, airline := keyOf("anchor"), keyOf("airline")
	env := &token.Env{Script: script, Subscriptions: man.Service.Subscriptions, Triggers: man.Service.Triggers,
		Issuers:  func(string) []common.Address { return []common.Address{airline.Address()} },
		IsAnchor: func(a common.Address) bool { return a == anchor.Address() || a == keyOf("anchor2").Address() },
		CheckRecord: func(r *placement.Record) error {
			return r.Verify(func(a common.Address) bool { return a == anchor.Address() })
		},
		CheckChainLog: func(_ *tokenscript.Subscription, _ attest.ChainPos, l *attest.ChainLog) error {
			switch l.TxHash {
			case forgedTx:
				return errors.New("no such log on the chain")
			case downTx:
				return fmt.Errorf("%w: the chain endpoint is down", token.ErrUnavailable)
			}
			return nil
		}}
	id := wire.InstanceID(crypto.Keccak256Hash([]byte(path)))
	var (
		in      *token.Instance
		rd      token.Ready
		records = map[uint64]*placement.Record{}
		last    *placement.Record
		roots   []string
	)
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		cmd, args, body := parseLine(text)
		fail := func(format string, a ...any) {
			t.Helper()
			t.Fatalf("%s:%d: %s: %s", path, line, text, fmt.Sprintf(format, a...))
		}
		var ev token.Event
		switch cmd {
		case "record":
			rec := &placement.Record{Instance: id, Bundle: "0x00", Fencing: u64(args["fencing"]), Executor: keyOf(args["executor"]).PeerID().String(),
				IssuedMs: int64(u64(args["issued"]))}
			rec.Replicas = []string{rec.Executor}
			rec.AnchorPeer = anchor.PeerID().String()
			if by := args["signer"]; by != "" {
				// A record of someone's own making, for a result to
				// carry: never stepped.
				rec.AnchorPeer = keyOf(by).PeerID().String()
				if err := rec.Sign(keyOf(by).ECDSA); err != nil {
					t.Fatal(err)
				}
				records[rec.Fencing] = rec
				continue
			}
			if err := rec.Sign(anchor.ECDSA); err != nil {
				t.Fatal(err)
			}
			records[rec.Fencing], last = rec, rec
			if in == nil {
				continue
			}
			ev.Record = rec
		case "register":
			ev.Register = &token.Register{Record: last, Registration: &wire.Registration{Instance: id, Bundle: last.Bundle},
				Owner: keyOf(args["owner"]).Address(), Ticket: json.RawMessage(body)}
		case "status", "result", "failure":
			ev.Entry = entry(t, in, env, cmd, args, body, records, fail)
		case "transfer", "chainstatus":
			ev.Entry = chainEntry(in, man, cmd, args, body, fail)
		case "expect":
			check(in, rd, args, fail)
			continue
		default:
			fail("unknown command")
		}
		var err error
		rd, err = token.Step(context.Background(), in, ev, env)
		if args["chain"] == "down" {
			if !errors.Is(err, token.ErrUnavailable) || rd.Instance != nil {
				fail("a step whose chain check could not be made: %v, instance %v", err, rd.Instance != nil)
			}
			continue
		}
		if err != nil {
			fail("step: %v", err)
		}
		if rd.Instance != nil {
			in = rd.Instance
		}
		roots = append(roots, fmt.Sprintf("%x", in.Root()))
	}
	return roots
}

func entry(t *testing.T, in *token.Instance, env *token.Env, cmd string, args map[string]string, body string, records map[uint64]*placement.Record, fail func(string, ...any)) *token.Entry {
	if in == nil {
		fail("no instance yet")
	}
	signer := keyOf(args["by"])
	var schema attest.NetworkSchema
	var topic string
	var data []byte
	var err error
	switch cmd {
	case "status":
		schema = attest.FlightStatusSchema
		topics, _ := token.Topics(in, env.Subscriptions)
		for tp, s := range topics {
			if s.Schema == schema.UID {
				topic = tp
			}
		}
		data, err = schema.Schema.EncodeJSON([]byte(body))
	case "result":
		schema, topic = attest.ActionResultSchema, wire.ResultTopic(in.ID())
		rec := records[u64(args["fencing"])]
		if rec == nil {
			fail("no record of fencing %s", args["fencing"])
		}
		key := args["key"]
		if key == "pending" {
			if len(in.Pending) == 0 {
				fail("nothing pending")
			}
			key = in.Pending[0].Key
		}
		rj, _ := json.Marshal(rec)
		js, _ := json.Marshal(map[string]any{"instance": in.ID().String(), "action": args["action"], "idempotencyKey": key,
			"fencing": u64(args["fencing"]), "transcriptRoot": zeroHash, "patch": body, "result": "{}", "record": string(rj)})
		data, err = schema.Schema.EncodeJSON(js)
	case "failure":
		schema, topic = attest.FailureSchema, wire.FailureTopic(in.ID())
		js, _ := json.Marshal(map[string]any{"instance": in.ID().String(), "action": args["action"], "request": "POST http://hotel/bookings",
			"requestHash": zeroHash, "errorClass": "5xx", "attempts": 3})
		data, err = schema.Schema.EncodeJSON(js)
	}
	if err != nil {
		fail("encode: %v", err)
	}
	s, err := attest.Sign(signer.ECDSA, domain, attest.Message{Version: attest.Version2, Schema: schema.UID, Time: u64(args["time"]), Data: data, Revocable: true})
	if err != nil {
		fail("sign: %v", err)
	}
	return &token.Entry{Topic: topic, Publisher: signer.Address(), Seq: u64(args["seq"]), Att: s}
}

var zeroHash = "0x" + strings.Repeat("00", 32)

var (
	forgedTx = common.Hash{0xf0}
	downTx   = common.Hash{0xd0}
)

// chainEntry is an anchor's chain-log attestation of a Transfer of the
// ticket or of a FlightStatus event, on the topic the instance follows.
func chainEntry(in *token.Instance, man *tokenscript.Manifest, cmd string, args map[string]string, body string, fail func(string, ...any)) *token.Entry {
	if in == nil {
		fail("no instance yet")
	}
	var sub *tokenscript.Subscription
	for i := range man.Service.Subscriptions {
		if s := &man.Service.Subscriptions[i]; s.Contract != nil && s.Transfers == (cmd == "transfer") {
			sub = s
		}
	}
	l := &attest.ChainLog{ChainID: sub.Contract.ChainID, Contract: sub.Contract.Address, BlockNumber: u64(args["block"]),
		BlockHash: crypto.Keccak256Hash([]byte(args["block"])), BlockTime: u64(args["time"]), Index: uint32(u64(args["index"])),
		Topics: []common.Hash{sub.EventTopic}}
	switch args["chain"] {
	case "forged":
		l.TxHash = forgedTx
	case "down":
		l.TxHash = downTx
	}
	if args["contract"] == "other" {
		l.Contract = common.Address{0x07}
	}
	var topic string
	if cmd == "transfer" {
		addr := func(name string) common.Hash {
			if name == "zero" {
				return common.Hash{}
			}
			return common.BytesToHash(keyOf(name).Address().Bytes())
		}
		tok := common.Hash(in.ID())
		if args["token"] == "other" {
			tok = common.Hash{0x01}
		}
		l.Topics = append(l.Topics, addr(args["from"]), addr(args["to"]), tok)
		topic = wire.TransferTopic(sub.Contract.Address, in.ID())
	} else {
		data, err := sub.EventFields.EncodeJSON([]byte(body))
		if err != nil {
			fail("encode: %v", err)
		}
		l.Data = data
		var fields map[string]any
		_ = json.Unmarshal([]byte(body), &fields)
		key, err := sub.KeyOf(fields)
		if err != nil {
			fail("key: %v", err)
		}
		topic = wire.ChainTopic(sub.Contract.Address, key)
	}
	s, err := attest.SignChainLog(keyOf(args["by"]).ECDSA, domain, l, time.Unix(1700000000, 0))
	if err != nil {
		fail("sign: %v", err)
	}
	return &token.Entry{Topic: topic, Publisher: keyOf(args["by"]).Address(), Seq: u64(args["seq"]), Att: s}
}

// check tests the last Ready against expectations:
//
//	changed=false        the step changed nothing
//	applied=BOOL         the history item's Applied
//	note=TEXT            its note contains TEXT ('_' for a space)
//	refused=TEXT         refused as a stranger's, saying TEXT ('_' for a space)
//	pending=N done=N newpending=N history=N
//	owner=NAME holder=NAME  the instance's owner, the state's holder
//	state.FIELD=JSON     a field of the state (absent: "-")
func check(in *token.Instance, rd token.Ready, args map[string]string, fail func(string, ...any)) {
	for k, want := range args {
		var got string
		switch {
		case k == "changed":
			got = strconv.FormatBool(rd.Instance != nil)
		case k == "applied":
			if rd.History == nil {
				fail("no history item")
			}
			got = strconv.FormatBool(rd.History.Applied)
		case k == "note":
			if rd.History == nil || !strings.Contains(rd.History.Note, strings.ReplaceAll(want, "_", " ")) {
				fail("note %+v does not contain %q", rd.History, want)
			}
			continue
		case k == "refused":
			if !strings.Contains(rd.Refused, strings.ReplaceAll(want, "_", " ")) {
				fail("refused %q does not contain %q", rd.Refused, want)
			}
			continue
		case k == "pending":
			got = strconv.Itoa(len(in.Pending))
		case k == "done":
			got = strconv.Itoa(len(in.Done))
		case k == "newpending":
			got = strconv.Itoa(len(rd.NewPending))
		case k == "history":
			got = strconv.FormatUint(in.HistoryN, 10)
		case k == "owner":
			got = in.Owner.Hex()
			want = keyOf(want).Address().Hex()
		case k == "holder":
			var st struct{ Holder string }
			_ = json.Unmarshal(in.State, &st)
			got, want = st.Holder, keyOf(want).Address().Hex()
		case strings.HasPrefix(k, "state."):
			var st map[string]json.RawMessage
			_ = json.Unmarshal(in.State, &st)
			got = "-"
			if v, ok := st[strings.TrimPrefix(k, "state.")]; ok {
				got = string(v)
			}
		default:
			fail("unknown expectation %q", k)
		}
		if got != want {
			fail("%s = %s, want %s (state %s)", k, got, want, in.State)
		}
	}
	if c, _ := wire.Canonical(in.State); !bytes.Equal(c, in.State) {
		fail("stored state is not canonical: %s", in.State)
	}
}

// parseLine splits "cmd k=v k=v JSON": the JSON body starts at the first
// '{' or '[' outside a value.
func parseLine(s string) (cmd string, args map[string]string, body string) {
	args = map[string]string{}
	if i := strings.IndexAny(s, "{["); i >= 0 && (i == 0 || s[i-1] == ' ') {
		s, body = strings.TrimSpace(s[:i]), s[i:]
	}
	fs := strings.Fields(s)
	cmd = fs[0]
	for _, f := range fs[1:] {
		k, v, _ := strings.Cut(f, "=")
		args[k] = v
	}
	return cmd, args, body
}

func u64(s string) uint64 { v, _ := strconv.ParseUint(s, 10, 64); return v }

// TestChainRelayDeterministic: one contract event relayed by two anchors,
// each reaching a replica first, leaves both replicas with the same state
// root and the same pending action under the same idempotency key (the
// key comes from the log, not from the anchor's attestation).
func TestChainRelayDeterministic(t *testing.T) {
	bundle := &tokenscript.Bundle{Files: flightticket.Files()}
	man, err := bundle.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	anchor := keyOf("anchor")
	rec := &placement.Record{Instance: wire.InstanceID{9}, Bundle: "0x00", Fencing: 1, Executor: keyOf("svc1").PeerID().String(),
		IssuedMs: 1700000000000, AnchorPeer: anchor.PeerID().String()}
	rec.Replicas = []string{rec.Executor}
	if err := rec.Sign(anchor.ECDSA); err != nil {
		t.Fatal(err)
	}
	env := &token.Env{Script: model.Script{}, Subscriptions: man.Service.Subscriptions, Triggers: man.Service.Triggers,
		IsAnchor:      func(a common.Address) bool { return a == anchor.Address() || a == keyOf("anchor2").Address() },
		CheckChainLog: func(*tokenscript.Subscription, attest.ChainPos, *attest.ChainLog) error { return nil }}
	rd, err := token.Step(context.Background(), nil, token.Event{Register: &token.Register{Record: rec,
		Registration: &wire.Registration{Instance: rec.Instance, Bundle: "0x00"}, Owner: keyOf("alice").Address(),
		Ticket: json.RawMessage(`{"uid":"0x09","recipient":"0x00000000000000000000000000000000000a11ce","time":1700000000,"data":{"flight":"SL2","date":"2026-12-04","passenger":"P","seat":"2B"}}`)}}, env)
	if err != nil {
		t.Fatal(err)
	}
	fail := func(format string, a ...any) { t.Helper(); t.Fatalf(format, a...) }
	body := `{"flight":"SL2","date":"2026-12-04","delayMinutes":240,"status":"delayed"}`
	var roots, keys []string
	for _, by := range []string{"anchor", "anchor2"} {
		e := chainEntry(rd.Instance, man, "chainstatus", map[string]string{"by": by, "seq": "1", "block": "20", "index": "1", "time": "1700000020"}, body, fail)
		got, err := token.Step(context.Background(), rd.Instance, token.Event{Entry: e}, env)
		if err != nil || got.Instance == nil || len(got.NewPending) != 1 {
			t.Fatalf("relayed by %s: %v %+v", by, err, got)
		}
		roots = append(roots, fmt.Sprintf("%x", got.Instance.Root()))
		keys = append(keys, got.NewPending[0].Key)
	}
	if roots[0] != roots[1] || keys[0] != keys[1] {
		t.Fatalf("the relay decides: roots %v, pending keys %v", roots, keys)
	}
}
