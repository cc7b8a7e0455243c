package executor

import (
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/wire"
)

// PrefixOutcome starts the keys of kept outcomes:
// ao/ id(32) action 0 key -> an action's Outcome JSON by idempotency key.
const PrefixOutcome = "ao/"

// OutcomeKey is the key of an action's outcome under its scoped
// idempotency key (ScopedKey).
func OutcomeKey(id wire.InstanceID, scoped string) []byte {
	return store.Key(PrefixOutcome, id[:], []byte(scoped))
}

// OutcomePrefix starts the keys of all of an instance's outcomes.
func OutcomePrefix(id wire.InstanceID) []byte { return store.Key(PrefixOutcome, id[:]) }
