package token

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/smartlayer/smartlayer/wire"
)

// ErrNotObject is StatePatch's error for an action state that is not a JSON
// object.
var ErrNotObject = errors.New("an action's state must be a JSON object")

// StatePatch lists the top-level fields that differ between two states:
// changed or new ones with their value, removed ones as null. Replicas merge
// it, so an action's effect commutes with attestations that change other
// fields, whatever order a replica sees them in.
func StatePatch(before, after json.RawMessage) (json.RawMessage, error) {
	var b, a map[string]json.RawMessage
	if err := json.Unmarshal(before, &b); err != nil || b == nil {
		return nil, errors.New("an action needs an object state")
	}
	if err := json.Unmarshal(after, &a); err != nil || a == nil {
		return nil, ErrNotObject
	}
	p := map[string]json.RawMessage{}
	for k, v := range a {
		if old, ok := b[k]; !ok || !wire.SameJSON(old, v) {
			p[k] = v
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			p[k] = json.RawMessage("null")
		}
	}
	return json.Marshal(p)
}

// MergePatch applies a patch to a state: null removes a field.
func MergePatch(state, patch json.RawMessage) (json.RawMessage, error) {
	var st, p map[string]json.RawMessage
	if err := json.Unmarshal(state, &st); err != nil || st == nil {
		return nil, errors.New("state is not an object")
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, fmt.Errorf("patch: %w", err)
	}
	for k, v := range p {
		if string(v) == "null" {
			delete(st, k)
		} else {
			st[k] = v
		}
	}
	return json.Marshal(st)
}
