package token

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/wire"
)

// EvalTriggers runs the module's trigger predicates over a state change and
// adds the actions they start to in.Pending. An action whose key is pending
// or done already is not added again, and none is added past MaxPending:
// it returns how many fired and were dropped for that (every replica drops
// the same ones, as every replica holds the same pending list). A
// predicate's calls to other tokens are answered from answers (see Call);
// one that calls out while no answers are known stops the evaluation with
// an error wrapping ErrNeedAnswer.
func EvalTriggers(ctx context.Context, in *Instance, env *Env, before, after json.RawMessage, cause string, now time.Time,
	answers func() ([]CallRecord, bool)) (dropped int, err error) {
	for _, tg := range env.Triggers {
		if !env.Script.HasTrigger(tg.When) {
			continue
		}
		res, err := env.Script.Run(ctx, Call{Kind: KindTrigger, Name: tg.When, State: before, Args: after, Instance: in.Record.Instance, Now: now,
			Cause: cause, Answers: answers})
		if errors.Is(err, ErrNeedAnswer) {
			return dropped, err
		}
		if err != nil || string(res.Output) != "true" {
			continue
		}
		key := TriggerKey(in.Record.Instance, tg.When, tg.Action, cause)
		if slices.ContainsFunc(in.Pending, func(p PendingAction) bool { return p.Key == key }) ||
			slices.ContainsFunc(in.Done, func(d DoneAction) bool { return d.Key == key }) {
			continue
		}
		if len(in.Pending) >= MaxPending {
			dropped++
			continue
		}
		in.Pending = append(slices.Clone(in.Pending), PendingAction{Action: tg.Action, Key: key, Trigger: tg.When, Cause: cause})
	}
	return dropped, nil
}

// TriggerKey is the idempotency key of a triggered action: derived from the
// instance, the trigger, its action and the attestation whose application
// fired it, so it is the same on every replica.
func TriggerKey(id wire.InstanceID, when, action, cause string) string {
	return hexutil.Encode(crypto.Keccak256([]byte(id.String()), []byte(when), []byte{0}, []byte(action), []byte{0}, []byte(cause)))
}
