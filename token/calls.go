package token

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/smartlayer/smartlayer/attest"
)

// Calls to other tokens from apply, failed and trigger predicates.
//
// Every replica runs those functions, each at its own time, and must come to
// the same state: an answer that each replica fetched for itself would
// differ between them. So only the instance's executor calls. A replica
// whose run reaches a call while no answers to the entry are known stops
// the step with ErrNeedAnswer and applies nothing; its shell leaves the
// entry (and the rest of its stream) for later. The executor steps the
// entry once more with live calls (its shell passes the script a live
// caller), and publishes what they answered on the instance's result topic
// as an action-result attestation for the reserved action AnswersAction,
// keyed by the entry's cause (the history item's UID: the attestation's, or
// the contract event's, the same on every replica whichever stream or relay
// brought it). Replicas index those attestations (Env.Answers) and step the
// entry again: its runs now answer from them, the same on every replica.
//
// The answers are final: once an entry has answers, a call they do not hold
// (a replica whose state before the entry differs from the executor's, or
// an executor that answers it makes no call at all) fails in the module
// with an error saying so, on every replica alike, instead of waiting.

// AnswersAction is the action name of an executor's answers attestation. A
// module's action cannot have it (names are identifiers).
const AnswersAction = "@answers"

// ErrNeedAnswer is a step's error when a run called another token and no
// answers to the entry are known: the entry waits for the executor's.
var ErrNeedAnswer = errors.New("token: waiting for the executor's answers to calls to other tokens")

// CallRecord is one call to another token and its answer, as the script
// engine records it (the sandbox's External: kind "tokens.query" or
// "tokens.action", its request and its response, both JSON).
type CallRecord struct {
	Kind     string          `json:"kind"`
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

// Answers are an executor's answers to the calls that the runs of the
// entry whose cause is UID make. No calls: the executor says the entry
// makes none.
type Answers struct {
	UID   string       `json:"uid"`
	Calls []CallRecord `json:"calls"`
}

// Bounds on answers, part of the protocol (every replica takes the same).
const (
	// MaxAnswerCalls bounds the calls one answers attestation holds.
	MaxAnswerCalls = 64
	// MaxAnswersBytes bounds the answers one attestation carries (its
	// result's JSON); an executor replaces answers past it by errors saying
	// so, and past it still publishes answers that hold no call.
	MaxAnswersBytes = 256 << 10
)

// NeedAnswer is the error a Step returns (wrapping ErrNeedAnswer) for the
// entry whose runs need the executor's answers.
type NeedAnswer struct {
	UID string // the entry's cause: the key of its answers
	Why error  // the run's error
}

func (e *NeedAnswer) Error() string { return fmt.Sprintf("entry %s: %v", e.UID, e.Why) }

// Unwrap makes errors.Is(err, ErrNeedAnswer) hold.
func (e *NeedAnswer) Unwrap() []error { return []error{ErrNeedAnswer, e.Why} }

// IsAnswers reports whether an attestation's decoded data is an executor's
// answers (an action-result for AnswersAction).
func IsAnswers(data map[string]any) bool { return data["action"] == AnswersAction }

// checkAnswers checks one answers attestation for the entry uid of in: the
// executor named by the anchor-signed record it carries signed it, not
// fenced off, for this entry, within the bounds, each answer vouched for.
func checkAnswers(in *Instance, att *attest.Signed, uid string, env *Env) (*Answers, uint64, error) {
	if att.Message.Schema != attest.ActionResultSchema.UID {
		return nil, 0, errors.New("not an action result")
	}
	data, err := attest.ActionResultSchema.Schema.Decode(att.Message.Data)
	if err != nil {
		return nil, 0, err
	}
	if !IsAnswers(data) {
		return nil, 0, errors.New("not answers")
	}
	rec, note := checkExecutorResult(in, data, att, env.CheckRecord)
	if note != "" {
		return nil, 0, errors.New(note)
	}
	res, _ := data["result"].(string)
	if len(res) > MaxAnswersBytes {
		return nil, 0, fmt.Errorf("answers of %d bytes (at most %d)", len(res), MaxAnswersBytes)
	}
	var a Answers
	if err := json.Unmarshal([]byte(res), &a); err != nil {
		return nil, 0, err
	}
	if key, _ := data["idempotencyKey"].(string); a.UID != uid || key != uid {
		return nil, 0, fmt.Errorf("answers for %s, not %s", a.UID, uid)
	}
	if len(a.Calls) > MaxAnswerCalls {
		return nil, 0, fmt.Errorf("answers hold %d calls (at most %d)", len(a.Calls), MaxAnswerCalls)
	}
	for i, c := range a.Calls {
		if c.Kind != "tokens.query" && c.Kind != "tokens.action" || !json.Valid(c.Request) || !json.Valid(c.Response) {
			return nil, 0, fmt.Errorf("answer %d is not a call to another token", i+1)
		}
	}
	if len(a.Calls) > 0 {
		if env.CheckCalls == nil {
			return nil, 0, errors.New("this node cannot check answers of other tokens")
		}
		if err := env.CheckCalls(a.Calls); err != nil {
			return nil, 0, err
		}
	}
	return &a, rec.Fencing, nil
}

// AnswersOf returns the executor's answers to the calls of the entry of in
// whose cause is uid: of the answers attestations the node holds
// (Env.Answers) that check, the first in the order of the records they were
// signed under (fencing), then signer, then time, then UID. One attestation
// is taken whole, not a merge, so that what a replica applies does not
// depend on how many it had heard of. ok is false when none checks: the
// entry waits.
func AnswersOf(in *Instance, uid string, env *Env) (calls []CallRecord, ok bool) {
	if env.Answers == nil {
		return nil, false
	}
	type checked struct {
		a       *Answers
		fencing uint64
		att     *attest.Signed
	}
	var best *checked
	for _, att := range env.Answers(uid) {
		a, f, err := checkAnswers(in, att, uid, env)
		if err != nil {
			continue
		}
		c := &checked{a, f, att}
		if best == nil || cmp.Or(cmp.Compare(c.fencing, best.fencing), bytes.Compare(c.att.Signer[:], best.att.Signer[:]),
			cmp.Compare(c.att.Message.Time, best.att.Message.Time), bytes.Compare(c.att.UID[:], best.att.UID[:])) < 0 {
			best = c
		}
	}
	if best == nil {
		return nil, false
	}
	if best.a.Calls == nil {
		return []CallRecord{}, true
	}
	return best.a.Calls, true
}

// AnswersIn reports whether att is an executor's answers attestation for
// instance in (its signer is the executor the record it carries names, not
// fenced off, within the size bound), and for which entry's cause: the
// shell indexes it (Env.Answers). Its answers are checked when that entry
// is stepped.
func AnswersIn(in *Instance, att *attest.Signed, env *Env) (uid string, ok bool) {
	if att.Message.Schema != attest.ActionResultSchema.UID {
		return "", false
	}
	data, err := attest.ActionResultSchema.Schema.Decode(att.Message.Data)
	if err != nil || !IsAnswers(data) {
		return "", false
	}
	uid, note := noteAnswers(in, data, att, env)
	return uid, note != "" && uid != ""
}

// noteAnswers checks who signed an answers attestation arriving on the
// instance's result topic, for the shell to index (Ready.Answers); the
// answers themselves are checked when the entry they are for is stepped.
func noteAnswers(in *Instance, data map[string]any, att *attest.Signed, env *Env) (uid, note string) {
	if _, note := checkExecutorResult(in, data, att, env.CheckRecord); note != "" {
		return "", note
	}
	uid, _ = data["idempotencyKey"].(string)
	if uid == "" || len(uid) > 256 {
		return "", "refused: answers for no entry"
	}
	if res, _ := data["result"].(string); len(res) > MaxAnswersBytes {
		return "", fmt.Sprintf("refused: answers of %d bytes (at most %d)", len(res), MaxAnswersBytes)
	}
	return uid, "answers for entry " + uid
}

// SameCall reports whether two records are of the same call (kind and
// request; the request's JSON as the script engine writes it).
func SameCall(a, b CallRecord) bool {
	return a.Kind == b.Kind && bytes.Equal(compactJSON(a.Request), compactJSON(b.Request))
}

func compactJSON(b json.RawMessage) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}
