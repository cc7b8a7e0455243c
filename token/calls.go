package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
)

// Calls to other tokens from apply, failed and trigger predicates.
//
// Every replica runs those functions, each at its own time, and must come to
// the same state: an answer that each replica fetched for itself would
// differ between them. So only the instance's executor calls. A replica
// whose run reaches a call that the entry's answers do not hold stops the
// step with ErrNeedAnswer and applies nothing; its shell leaves the entry
// (and the rest of its stream) for later. The executor steps the entry once
// more with live calls (its shell passes the script a live caller), and
// publishes what they answered on the instance's result topic as an
// action-result attestation for the reserved action AnswersAction. Every
// replica checks that attestation like a result (the executor the
// anchor-signed record names signed it) and every answer's receipt
// (Env.CheckCalls: a replica of the other token vouched for it), keeps the
// answers on the instance, and steps the entry again: its runs now answer
// from the recorded answers, the same on every replica.

// AnswersAction is the action name of an executor's answers attestation. A
// module's action cannot have it (names are identifiers).
const AnswersAction = "@answers"

// ErrNeedAnswer is a step's error when a run called another token and the
// entry's recorded answers do not hold that call: the entry waits for the
// executor's answers.
var ErrNeedAnswer = errors.New("token: waiting for the executor's answers to calls to other tokens")

// CallRecord is one call to another token and its answer, as the script
// engine records it (the sandbox's External: kind "tokens.query" or
// "tokens.action", its request and its response, both JSON).
type CallRecord struct {
	Kind     string          `json:"kind"`
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

// Answers are an executor's answers to the calls that one entry's runs
// make: the entry is stream Stream's Seq-th, whose attestation is UID.
type Answers struct {
	Stream string       `json:"stream"`
	Seq    uint64       `json:"seq"`
	UID    string       `json:"uid"`
	Calls  []CallRecord `json:"calls"`
}

// Key is the entry the answers are for: "<stream>#<seq>".
func (a *Answers) Key() string { return AnswersKey(a.Stream, a.Seq) }

// AnswersKey names one entry of a stream.
func AnswersKey(stream string, seq uint64) string { return fmt.Sprintf("%s#%d", stream, seq) }

// Bounds on answers, part of the protocol (every replica keeps the same).
const (
	// MaxAnswerCalls bounds the calls one answers attestation holds.
	MaxAnswerCalls = 64
	// MaxAnswers bounds the entries whose answers an instance keeps while
	// the entries have not been applied: the oldest go first.
	MaxAnswers = 64
)

// NeedAnswer is the error a Step returns (wrapping ErrNeedAnswer) for the
// entry whose runs need the executor's answers.
type NeedAnswer struct {
	Key string // AnswersKey of the entry
	Why error  // the run's error
}

func (e *NeedAnswer) Error() string { return fmt.Sprintf("entry %s: %v", e.Key, e.Why) }

// Unwrap makes errors.Is(err, ErrNeedAnswer) hold.
func (e *NeedAnswer) Unwrap() []error { return []error{ErrNeedAnswer, e.Why} }

// AnswersFor returns the recorded answers of the entry key (nil: none).
func (in *Instance) AnswersFor(key string) []CallRecord {
	for _, a := range in.Answers {
		if a.Key() == key {
			return a.Calls
		}
	}
	return nil
}

// dropAnswers forgets the answers of an applied entry.
func (in *Instance) dropAnswers(key string) {
	if i := slices.IndexFunc(in.Answers, func(a Answers) bool { return a.Key() == key }); i >= 0 {
		in.Answers = slices.Delete(slices.Clone(in.Answers), i, i+1)
	}
}

// applyAnswers checks an executor's answers attestation (the result topic's
// entry seq, its data decoded) and keeps its answers on in. It returns a
// note for the history item; applied reports whether they were kept.
// An error (wrapping ErrUnavailable) means they cannot be checked now.
func applyAnswers(in *Instance, data map[string]any, att *attest.Signed, env *Env) (note string, applied bool, err error) {
	if _, note := checkExecutorResult(in, data, att, env.CheckRecord); note != "" {
		return note, false, nil
	}
	res, _ := data["result"].(string)
	var a Answers
	if err := json.Unmarshal([]byte(res), &a); err != nil {
		return "refused: answers: " + err.Error(), false, nil
	}
	if key, _ := data["idempotencyKey"].(string); key != a.Key() {
		return fmt.Sprintf("refused: answers for %s under the key %s", a.Key(), key), false, nil
	}
	if i := strings.LastIndex(a.Stream, "@"); i < 0 || attlog.CheckTopic(a.Stream[:i]) != nil || !common.IsHexAddress(a.Stream[i+1:]) {
		return fmt.Sprintf("refused: answers for %q, not a stream", a.Stream), false, nil
	}
	if len(a.Calls) == 0 || len(a.Calls) > MaxAnswerCalls {
		return fmt.Sprintf("refused: answers hold %d calls (1 to %d)", len(a.Calls), MaxAnswerCalls), false, nil
	}
	for i, c := range a.Calls {
		if c.Kind != "tokens.query" && c.Kind != "tokens.action" || !json.Valid(c.Request) || !json.Valid(c.Response) {
			return fmt.Sprintf("refused: answer %d is not a call to another token", i+1), false, nil
		}
	}
	if in.Offsets[a.Stream] >= a.Seq {
		return fmt.Sprintf("skipped: entry %s is applied already", a.Key()), false, nil
	}
	if env.CheckCalls == nil {
		return "refused: this node cannot check answers of other tokens", false, nil
	}
	if err := env.CheckCalls(a.Calls); errors.Is(err, ErrUnavailable) {
		return "", false, err
	} else if err != nil {
		return "refused: answers: " + err.Error(), false, nil
	}
	kept := slices.Clone(in.Answers)
	if i := slices.IndexFunc(kept, func(k Answers) bool { return k.Key() == a.Key() }); i >= 0 {
		// Answers for the same entry again (the executor's step met a call
		// its first answers lacked, or a new executor answered too): the
		// calls answered first keep their answers, new ones are added.
		merged := kept[i]
		merged.Calls = slices.Clone(merged.Calls)
		for _, c := range a.Calls {
			if !slices.ContainsFunc(merged.Calls, func(o CallRecord) bool { return SameCall(o, c) }) && len(merged.Calls) < MaxAnswerCalls {
				merged.Calls = append(merged.Calls, c)
			}
		}
		kept[i] = merged
	} else {
		kept = append(kept, a)
		if len(kept) > MaxAnswers {
			kept = kept[len(kept)-MaxAnswers:]
		}
	}
	in.Answers = kept
	return fmt.Sprintf("answers to %d calls for entry %s", len(a.Calls), a.Key()), true, nil
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
