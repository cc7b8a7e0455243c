package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// TestProblemOf: an error answer that is not a problem becomes one, and the
// route of a problem is not read.
func TestProblemOf(t *testing.T) {
	p := ProblemOf(502, []byte("bad gateway"))
	if p.Status != 502 || p.Type != "about:blank" || p.Detail != "bad gateway" {
		t.Fatalf("%+v", p)
	}
	p = ProblemOf(421, []byte(`{"type":"urn:smartlayer:problem:not-a-replica","status":421,"route":{"instance":"not an id"}}`))
	if p.Type != "urn:smartlayer:problem:not-a-replica" || p.Route != nil {
		t.Fatalf("%+v", p)
	}
}

// The answers keep the JSON they had when nodes wrote them as maps and
// package-local structs: field names, order and omissions (clients and
// stored outcomes depend on them).
func TestAnswersKeepTheirJSON(t *testing.T) {
	id := InstanceID{0xab}
	hexID := id.String()
	for _, c := range []struct {
		v    any
		want string
	}{
		// mode and via are written always (via empty outside full mode).
		{&Route{Instance: id, Record: json.RawMessage(`{"fencing":2}`), Executor: "e", Replicas: []Replica{{Peer: "p", State: StateUnknown}}, Mode: "normal", Via: []string{}},
			`{"instance":"` + hexID + `","record":{"fencing":2},"executor":"e","replicas":[{"peer":"p","state":"unknown"}],"mode":"normal","via":[]}`},
		{&Problem{Type: "t", Title: "T", Status: 421, Route: &Route{Instance: id, Record: json.RawMessage(`{}`), Mode: "full", Via: []string{"a"}}},
			`{"type":"t","title":"T","status":421,"route":{"instance":"` + hexID + `","record":{},"executor":"","replicas":null,"mode":"full","via":["a"]}}`},
		{&StateView{Instance: id, State: json.RawMessage(`{}`), Offsets: map[string]uint64{}, Pending: []PendingAction{{Action: "a", Key: "k", Trigger: "t", Cause: "c"}}},
			`{"instance":"` + hexID + `","state":{},"stateRoot":"","offsets":{},"fencing":0,"executor":"","node":"","owner":"0x0000000000000000000000000000000000000000","pending":[{"action":"a","idempotencyKey":"k","trigger":"t","cause":"c"}]}`},
		{&ActionOutcome{Instance: id, Action: "a", Key: "k", Result: json.RawMessage(`1`), Patch: json.RawMessage(`{}`), Receipt: json.RawMessage(`{"r":1}`), DoneMs: 5},
			`{"instance":"` + hexID + `","action":"a","idempotencyKey":"k","result":1,"patch":{},"attestation":"","fencing":0,"executor":"","receipt":{"r":1},"doneMs":5}`},
		{&Consistency{Instance: id, Agree: true, Differ: []string{}, StateRoot: "0x1", Replicas: []ReplicaState{{Peer: "p", HTTP: "h"}}},
			`{"agree":true,"differ":[],"instance":"` + hexID + `","replicas":[{"peer":"p","http":"h"}],"stateRoot":"0x1"}`},
		{&Published{Bundle: "b", Name: "n", Queries: []string{}}, `{"bundle":"b","name":"n","queries":[]}`},
		{&Registered{Instance: id, Route: "/r"}, `{"instance":"` + hexID + `","route":"/r"}`},
	} {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("%T:\n got %s %v\nwant %s", c.v, b, err, c.want)
		}
	}
}

func TestCallChain(t *testing.T) {
	a, b := InstanceID{1}, InstanceID{2}
	got, err := ParseCallChain(FormatCallChain([]InstanceID{a, b}))
	if err != nil || len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("%v, %v", got, err)
	}
	if got, err := ParseCallChain(""); err != nil || got != nil {
		t.Fatalf("empty: %v, %v", got, err)
	}
	for _, bad := range []string{"0x12", a.String() + ",", strings.Repeat(a.String()+",", MaxCallDepth) + a.String()} {
		if _, err := ParseCallChain(bad); err == nil {
			t.Errorf("%.80q taken", bad)
		}
	}
	if TokenAddress(a) == TokenAddress(b) || TokenAddress(a) == (common.Address{}) {
		t.Fatal("token addresses")
	}
}
