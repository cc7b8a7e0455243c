package token

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// Kind is the sort of module function a call runs; the values are the
// sandbox's.
type Kind string

// The module functions the core runs.
const (
	KindInit    Kind = "init"    // init(ticket, ctx) -> state
	KindApply   Kind = "apply"   // apply(state, attestation, ctx) -> state
	KindTrigger Kind = "trigger" // triggers[name](before, after, ctx) -> boolean
	KindFailure Kind = "failed"  // failed(state, failure, ctx) -> state
)

// Call is one deterministic run of a module function.
type Call struct {
	Kind     Kind
	Name     string // the trigger's name
	State    json.RawMessage
	Args     json.RawMessage
	Instance wire.InstanceID
	// Now is the time the run sees: an attestation's or a record's, never
	// the wall clock, so every replica computes the same.
	Now time.Time
	// Cause names the entry an apply, failed or trigger run is for (its
	// history item's UID): its ctx.tokens.action keys are made from it.
	Cause string
	// Answers looks up, when a run first calls another token, the
	// executor's answers to the entry's calls (calls.go): answered reports
	// whether any are known. A run answers each such call from them (a call
	// they do not hold fails in the module); with none known it stops with
	// an error wrapping ErrNeedAnswer. Unless the script was given a live
	// caller (the executor answering the entry), which calls out instead.
	// Nil: none are known.
	Answers func() (calls []CallRecord, answered bool)
}

// Result is what a run returned. Transcript is the script engine's record
// of it, opaque to the core and handed back in Ready.Kept.
type Result struct {
	State      json.RawMessage
	Output     json.RawMessage
	Transcript any
}

// Script is the token's module as the core runs it. Package sandbox's
// Module adapts to it; the simulator has a native model of the
// flight-ticket module.
type Script interface {
	Run(ctx context.Context, c Call) (*Result, error)
	HasFailed() bool
	HasTrigger(name string) bool
}

// Env is what a step of an instance may know: its token type and who the
// anchors are.
type Env struct {
	Script        Script
	Subscriptions []tokenscript.Subscription
	Triggers      []tokenscript.Trigger
	// Issuers returns the issuers of a <ts:attestation> of the TokenScript.
	Issuers func(name string) []common.Address
	// IsAnchor reports whether an address is an anchor's: failure
	// attestations must be signed by one.
	IsAnchor func(common.Address) bool
	// CheckRecord checks a placement record an action result carries: its
	// signer must have been entitled to sign it (placement.Authority.Check).
	CheckRecord func(*placement.Record) error
	// CheckChainLog checks a contract event an anchor relayed against the
	// node's own chain reads: the log is in a confirmed block of the
	// canonical chain, as relayed, and for a keyed event subscription no
	// event of the key lies between after (the last one applied; zero for
	// none) and it. An error wrapping ErrUnavailable means the node could
	// not tell (its chain endpoint is down or behind): Step returns it and
	// the entry is stepped again later. Nil when the node reads no chain.
	CheckChainLog func(sub *tokenscript.Subscription, after attest.ChainPos, l *attest.ChainLog) error
	// CheckCalls checks the answers an executor recorded of calls to other
	// tokens: each answer that is not an error carries a receipt by a
	// replica (an action's: the executor) that the other token's
	// anchor-signed record names, binding the call and the answer. Nil:
	// such answers are refused.
	CheckCalls func([]CallRecord) error
	// Answers returns the answers attestations (calls.go) the node holds
	// for the entry whose cause is uid, in any order; each is checked
	// before it counts. Nil: none are held.
	Answers func(uid string) []*attest.Signed
}

// ErrUnavailable wraps a check that could not be made now (CheckChainLog).
var ErrUnavailable = errors.New("token: check unavailable")

// Entry is a log entry of a topic the instance follows, in the log's order.
type Entry struct {
	Topic     string
	Publisher common.Address
	Seq       uint64
	Att       *attest.Signed
}

// Stream names the entry's stream ("topic@publisher"), as Offsets keys it.
func (e *Entry) Stream() string {
	return attlog.StreamID{Topic: e.Topic, Publisher: e.Publisher}.String()
}

// Register creates an instance: its first record, its registration, the
// owner and the ticket (the decoded attestation) init receives.
type Register struct {
	Record       *placement.Record
	Registration *wire.Registration
	Owner        common.Address
	Ticket       json.RawMessage
}

// Event is one input to Step; exactly one field is set.
type Event struct {
	Entry    *Entry
	Record   *placement.Record // a newer, verified placement record
	Register *Register
}

// Ready is what a step decided.
type Ready struct {
	// Instance after the step; nil when the event changed nothing (an entry
	// already applied, a topic the instance does not follow, an older
	// record).
	Instance *Instance
	// History is the item to append at index HistoryIndex (an entry's
	// step only); items at HistoryIndex-MaxHistory and before may go.
	History      *HistoryItem
	HistoryIndex uint64
	// NewPending: actions the step's triggers started.
	NewPending []PendingAction
	// Kept: the runs' transcripts and the states they ran on, for sampling.
	Kept []Kept
	// Answers: the step was an executor's answers attestation for the
	// entry whose cause this is, which the shell indexes for Env.Answers;
	// an entry waiting for them (ErrNeedAnswer) may be stepped again.
	Answers string
	// Refused says why the entry is a stranger's (Stranger): it leaves
	// nothing on the instance, no offset and no history item (Instance is
	// nil), so fresh keys posting to a topic cannot grow the instances
	// that follow it. Stepped again, it is refused again: the shell keeps
	// its own cursor past it.
	Refused string
}

// Kept is one run's transcript with the state it started from.
type Kept struct {
	Transcript  any
	StateBefore json.RawMessage
}

// ErrNoInstance is Step's error for an entry or record event without an
// instance.
var ErrNoInstance = errors.New("token: no instance to step")

// Step applies one event to an instance (nil for a Register event) and
// returns what follows. It does not modify cur.
func Step(ctx context.Context, cur *Instance, ev Event, env *Env) (Ready, error) {
	switch {
	case ev.Register != nil:
		return register(ctx, ev.Register, env)
	case cur == nil:
		return Ready{}, ErrNoInstance
	case ev.Record != nil:
		if !ev.Record.Newer(cur.Record) || ev.Record.Instance != cur.Record.Instance {
			return Ready{}, nil
		}
		in := cur.clone()
		in.Record = ev.Record
		return Ready{Instance: in}, nil
	case ev.Entry != nil:
		return applyEntry(ctx, cur, ev.Entry, env)
	}
	return Ready{}, errors.New("token: empty event")
}

func register(ctx context.Context, r *Register, env *Env) (Ready, error) {
	if r.Record == nil || r.Registration == nil || r.Registration.Instance != r.Record.Instance {
		return Ready{}, errors.New("token: a registration needs its record, for the same instance")
	}
	if r.Registration.Bundle != r.Record.Bundle {
		return Ready{}, fmt.Errorf("registration bundle %s differs from record bundle %s", r.Registration.Bundle, r.Record.Bundle)
	}
	res, err := env.Script.Run(ctx, Call{Kind: KindInit, Args: r.Ticket, Instance: r.Record.Instance, Now: time.UnixMilli(r.Record.IssuedMs)})
	if err != nil {
		return Ready{}, err
	}
	in := &Instance{Record: r.Record, Registration: r.Registration, Owner: r.Owner, State: wire.CanonicalOr(res.State)}
	return Ready{Instance: in}, nil
}

// applyEntry applies one entry, deterministically: the module's apply runs
// with the attestation's time as its clock, so every replica reaches the
// same state. The instance's own topics carry its executor's action results
// (merged) and anchors' failure attestations (given to the module's failed
// handler).
func applyEntry(ctx context.Context, cur *Instance, e *Entry, env *Env) (Ready, error) {
	key := e.Stream()
	if cur.Offsets[key] >= e.Seq {
		return Ready{}, nil
	}
	topics, _ := Topics(cur, env.Subscriptions)
	sub := topics[e.Topic]
	if sub == nil {
		return Ready{}, nil
	}
	att := e.Att
	var data map[string]any
	if ns, ok := attest.NetworkSchemaOf(att.Message.Schema); ok && sub.Contract == nil {
		data, _ = ns.Schema.Decode(att.Message.Data)
	}
	if why := Stranger(cur, sub, att, data, env); why != "" {
		return Ready{Refused: why}, nil
	}
	in := cur.clone()
	in.Offsets[key] = e.Seq
	var chainIn map[string]any
	var chainNote string
	if sub.Contract != nil {
		var dup bool
		var err error
		if chainIn, dup, chainNote, err = chainInput(in, e, sub, env); err != nil {
			return Ready{}, err
		}
		if dup {
			return Ready{Instance: in}, nil // relayed again by another anchor: applied already
		}
	}
	item := &HistoryItem{Topic: e.Topic, Publisher: e.Publisher, Seq: e.Seq, UID: att.UID.String(),
		Attester: att.Signer, Time: att.Message.Time, Data: data}
	attTime := time.Unix(int64(att.Message.Time), 0)
	input := map[string]any{"uid": item.UID, "attester": att.Signer.Hex(), "time": att.Message.Time,
		"schema": att.Message.Schema.String(), "data": item.Data, "publisher": e.Publisher.Hex(), "seq": e.Seq}
	if chainIn != nil {
		// A contract's event: the module sees the contract as its issuer,
		// the block's time and the chain's order, and the history item
		// (whose UID keys the actions triggers start) names the log, the
		// same on every replica whichever anchor's relay arrived first.
		input, item.Data = chainIn, chainIn["data"].(map[string]any)
		item.UID, item.Attester, item.Time = chainIn["uid"].(string), chainIn["contract"].(common.Address), chainIn["time"].(uint64)
		attTime = time.Unix(int64(item.Time), 0)
	}
	var rd Ready
	var needs error
	// Looked up only when a run calls another token: most entries of most
	// modules make no such call.
	answers := sync.OnceValues(func() ([]CallRecord, bool) { return AnswersOf(cur, item.UID, env) })
	run := func(kind Kind) {
		input, _ := json.Marshal(input)
		res, err := env.Script.Run(ctx, Call{Kind: kind, State: cur.State, Args: input, Instance: in.Record.Instance, Now: attTime,
			Cause: item.UID, Answers: answers})
		if errors.Is(err, ErrNeedAnswer) {
			needs = err
			return
		}
		if err != nil {
			item.Note = "not applied: " + err.Error()
			return
		}
		in.State, item.Applied = wire.CanonicalOr(res.State), true
		rd.Kept = append(rd.Kept, Kept{Transcript: res.Transcript, StateBefore: cur.State})
	}
	switch {
	case chainNote != "":
		item.Note = chainNote
	case sub.Own == ownResults && IsAnswers(item.Data):
		rd.Answers, item.Note = noteAnswers(in, item.Data, att, env)
		item.Applied = rd.Answers != ""
	case sub.Own == ownResults:
		st, note := ApplyResult(in, item.Data, att, e.Seq, env.CheckRecord)
		item.Note = note
		if st == nil {
			break
		}
		in.State, item.Applied = wire.CanonicalOr(st), true
	case sub.Own == ownFailures:
		if env.Script.HasFailed() {
			run(KindFailure)
		} else {
			item.Note = "not applied: the module has no failed handler"
		}
	default:
		run(KindApply)
	}
	if needs == nil && item.Applied && string(in.State) != string(cur.State) {
		before := len(in.Pending)
		n, err := EvalTriggers(ctx, in, env, cur.State, in.State, item.UID, attTime, answers)
		if n > 0 {
			item.Note = strings.TrimPrefix(item.Note+"; ", "; ") + fmt.Sprintf("%d triggered actions not started: %d pending already (token.MaxPending)", n, MaxPending)
		}
		rd.NewPending = in.Pending[before:]
		needs = err
	}
	if needs != nil {
		// Nothing of the entry is applied: its stream waits for the
		// executor's answers.
		return Ready{}, &NeedAnswer{UID: item.UID, Why: needs}
	}
	root := in.Root()
	item.StateRoot = hexutil.Encode(root[:])
	rd.HistoryIndex = in.HistoryN
	in.HistoryN++
	rd.Instance, rd.History = in, item
	return rd, nil
}

// chainInput checks a contract event an anchor relayed on one of the
// instance's contract topics and, when it is the next one, moves the
// instance's chain cursor (and, for a Transfer, its owner) and returns the
// module's input. dup: the event (or a later one) was applied already.
// note: why it is refused. An error: the node could not check it now.
func chainInput(in *Instance, e *Entry, sub *Sub, env *Env) (input map[string]any, dup bool, note string, err error) {
	refuse := func(format string, a ...any) (map[string]any, bool, string, error) {
		return nil, false, "refused: " + fmt.Sprintf(format, a...), nil
	}
	if !env.IsAnchor(e.Att.Signer) {
		return refuse("contract events are relayed by anchors, not %s", e.Att.Signer)
	}
	l, err := attest.ChainLogOf(e.Att)
	if err != nil {
		return refuse("%v", err)
	}
	c := sub.Contract
	if l.ChainID != c.ChainID || l.Contract != c.Address {
		return refuse("an event of %s on chain %d, not of %s (%s) on chain %d", l.Contract, l.ChainID, c.Name, c.Address, c.ChainID)
	}
	if l.Topics[0] != sub.EventTopic {
		return refuse("not a %s event of %s", sub.Event, c.Name)
	}
	after := in.Chain[e.Topic]
	if !after.Before(l.Pos()) {
		return nil, true, "", nil
	}
	topic, fields, err := logOf(&sub.Subscription, l.Topics, l.Data)
	if err != nil {
		return refuse("%v", err)
	}
	var to common.Address
	if sub.Transfers {
		if topic != e.Topic {
			return refuse("a Transfer of token %s, not of this instance", l.Topics[3])
		}
		from := common.BytesToAddress(l.Topics[1][12:])
		to = common.BytesToAddress(l.Topics[2][12:])
		// Transfers chain: the first is the mint, each next one is from the
		// last one's receiver. One that is not is ahead of a missing one.
		want := common.Address{}
		if after != (attest.ChainPos{}) {
			want = in.Owner
		}
		if from != want {
			return refuse("a Transfer from %s, but the token's holder is %s: an earlier Transfer has not arrived", from, want)
		}
	} else if topic != e.Topic {
		return refuse("the event belongs on topic %q, not on this one", topic)
	}
	if env.CheckChainLog == nil {
		return refuse("this node reads no chain (network.eth_rpc): contract events cannot be checked")
	}
	if err := env.CheckChainLog(&sub.Subscription, after, l); err != nil {
		if errors.Is(err, ErrUnavailable) {
			return nil, false, "", err
		}
		return refuse("%v", err)
	}
	if in.Chain == nil {
		in.Chain = map[string]attest.ChainPos{}
	}
	in.Chain[e.Topic] = l.Pos()
	if sub.Transfers {
		in.Owner = to
	}
	return map[string]any{"uid": crypto.Keccak256Hash(l.BlockHash[:], binary.BigEndian.AppendUint32(nil, l.Index)).Hex(),
		"attester": c.Address.Hex(), "time": l.BlockTime,
		"schema": attest.ChainLogSchema.UID.String(), "event": sub.Event, "data": fields,
		"publisher": c.Address.Hex(), "seq": l.BlockNumber<<20 + uint64(l.Index),
		"block": l.BlockNumber, "logIndex": l.Index, "tx": l.TxHash.Hex(), "contract": c.Address}, false, "", nil
}

// Stranger says why an entry of one of the instance's topics (sub), with
// its decoded data (nil: its schema is not one the network decodes), is
// nobody's the instance listens to, or "" when it may count: data that
// does not decode; on the instance's result topic, an attestation not
// signed by the executor that the record it carries names, or whose record
// no anchor signed (whether that anchor was responsible for it, and
// fencing, are checked when it is applied); on its failure topic, one not signed by an anchor; on a
// subscription that names its issuers, one signed by someone else.
// Contract events are checked when they are applied (chainInput). Each
// answer depends only on the entry, the instance's record and the
// network's anchors and issuers, the same on every replica.
func Stranger(in *Instance, sub *Sub, att *attest.Signed, data map[string]any, env *Env) string {
	switch {
	case sub.Contract != nil:
		return ""
	case data == nil:
		return "schema not decodable"
	case sub.Own == ownResults:
		rec, err := executorSigned(in.Record.Instance, data, att)
		if err == nil && env.IsAnchor == nil {
			err = errors.New("this node knows no anchors")
		}
		if err == nil {
			err = rec.Verify(env.IsAnchor) // a record of its own making is a stranger's
		}
		if err != nil {
			return err.Error()
		}
	case sub.Own == ownFailures:
		if env.IsAnchor == nil || !env.IsAnchor(att.Signer) {
			return fmt.Sprintf("failure attestations are signed by anchors, not %s", att.Signer)
		}
	case sub.Issuers != "" && !slices.Contains(issuersOf(env, sub.Issuers), att.Signer):
		return fmt.Sprintf("%s is not an issuer of %s", att.Signer, sub.Issuers)
	}
	return ""
}

func issuersOf(env *Env, name string) []common.Address {
	if env.Issuers == nil {
		return nil
	}
	return env.Issuers(name)
}
