package token

import (
	"encoding/json"
	"testing"

	"github.com/smartlayer/smartlayer/wire"
)

// Two replicas see an action's patch and a status change in opposite
// orders; merging the patch commutes with the other fields' change, and
// normalised states are the same bytes.
func TestPatchCommutesAndNormalises(t *testing.T) {
	before := json.RawMessage(`{"flight":"BA117","delayMinutes":200,"rebooking":"none","n":12345678901234567890}`)
	after := json.RawMessage(`{"flight":"BA117","delayMinutes":200,"rebooking":"confirmed","booking":"bk-1","n":12345678901234567890}`)
	patch, err := StatePatch(before, after)
	if err != nil {
		t.Fatal(err)
	}
	if string(patch) != `{"booking":"bk-1","rebooking":"confirmed"}` {
		t.Fatalf("patch %s", patch)
	}
	status := func(st json.RawMessage) json.RawMessage { // another topic's change
		var m map[string]json.RawMessage
		_ = json.Unmarshal(st, &m)
		m["delayMinutes"], m["status"] = json.RawMessage(`240`), json.RawMessage(`"delayed"`)
		out, _ := json.Marshal(m)
		return out
	}
	a, err := MergePatch(status(before), patch)
	if err != nil {
		t.Fatal(err)
	}
	b0, _ := MergePatch(before, patch)
	b := status(b0)
	if string(wire.CanonicalOr(a)) != string(wire.CanonicalOr(b)) {
		t.Fatalf("orders differ:\n%s\n%s", wire.CanonicalOr(a), wire.CanonicalOr(b))
	}
	// Large numbers keep their text; removed fields are nulls that delete.
	if got := string(wire.CanonicalOr(json.RawMessage(`{"z":1,"a":12345678901234567890}`))); got != `{"a":12345678901234567890,"z":1}` {
		t.Fatalf("normalise %s", got)
	}
	rm, _ := StatePatch(json.RawMessage(`{"a":1,"b":2}`), json.RawMessage(`{"a":1}`))
	if m, _ := MergePatch(json.RawMessage(`{"a":1,"b":2}`), rm); string(m) != `{"a":1}` {
		t.Fatalf("removal: patch %s gives %s", rm, m)
	}
	if _, err := StatePatch(before, json.RawMessage(`[1]`)); err == nil {
		t.Fatal("a non-object state was patched")
	}
}
