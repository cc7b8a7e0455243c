package token

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/wire"
)

func signedRecord(t *testing.T, anchor *nodekey.Key, id wire.InstanceID, fencing uint64, executor string) *placement.Record {
	t.Helper()
	rec := &placement.Record{Instance: id, Fencing: fencing, Replicas: []string{executor}, Executor: executor,
		Anchor: anchor.Address(), AnchorPeer: anchor.PeerID().String(), IssuedMs: time.Now().UnixMilli()}
	if err := rec.Sign(anchor.ECDSA); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestStaleExecutorResultRefused: a result signed under fencing 1 by an
// executor that fencing 2 replaced is not applied; the executor fencing 2
// names is (hostile-input item 6).
func TestStaleExecutorResultRefused(t *testing.T) {
	anchor, _ := nodekey.Generate()
	old, _ := nodekey.Generate()
	cur, _ := nodekey.Generate()
	isAnchor := func(r *placement.Record) error {
		return r.Verify(func(a common.Address) bool { return a == anchor.Address() })
	}
	var id wire.InstanceID
	id[0] = 7
	rec1 := signedRecord(t, anchor, id, 1, old.PeerID().String())
	rec2 := signedRecord(t, anchor, id, 2, cur.PeerID().String())
	in := &Instance{Record: rec2, State: json.RawMessage(`{"rebooking":"none"}`)}
	result := func(k *nodekey.Key, rec *placement.Record, signed time.Time) (map[string]any, *attest.Signed) {
		enc, _ := json.Marshal(rec)
		data := map[string]any{"instance": id.String(), "action": "rebook", "idempotencyKey": "k1", "fencing": "1",
			"patch": `{"rebooking":"confirmed"}`, "result": `{}`, "record": string(enc)}
		return data, &attest.Signed{Signer: k.Address(), Message: attest.Message{Time: uint64(signed.Unix())}}
	}
	// Signed by the replaced executor after fencing 2 was issued: refused.
	d, a := result(old, rec1, time.UnixMilli(rec2.IssuedMs).Add(5*time.Second))
	if st, why := ApplyResult(in, d, a, 1, isAnchor); st != nil || !strings.Contains(why, "after fencing 2 named executor") {
		t.Fatalf("stale executor's result: state %s, %q", st, why)
	}
	// Signed while fencing 1 was in force, seen late: it counts, as it did
	// on the replicas that applied it on time.
	d, a = result(old, rec1, time.UnixMilli(rec2.IssuedMs).Add(-5*time.Second))
	if st, why := ApplyResult(in, d, a, 1, isAnchor); st == nil {
		t.Fatalf("a result signed in its executor's time refused: %q", why)
	}
	in.Done = nil
	d, a = result(cur, rec2, time.Now())
	if st, why := ApplyResult(in, d, a, 1, isAnchor); st == nil {
		t.Fatalf("current executor's result refused: %q", why)
	}
}

// TestResultsMergeInAnyOrder: results of two executors (the first replaced
// by the second) that write one field give every replica the same state,
// whichever executor's stream it hears first. Found by `smartlayer chaos`:
// a replica that heard the first executor's result last kept its booking,
// against the later action's on the other replicas, on the same log.
func TestResultsMergeInAnyOrder(t *testing.T) {
	anchor, _ := nodekey.Generate()
	first, _ := nodekey.Generate()
	second, _ := nodekey.Generate()
	isAnchor := func(r *placement.Record) error {
		return r.Verify(func(a common.Address) bool { return a == anchor.Address() })
	}
	var id wire.InstanceID
	id[0] = 9
	rec1 := signedRecord(t, anchor, id, 1, first.PeerID().String())
	rec2 := signedRecord(t, anchor, id, 2, second.PeerID().String())
	result := func(k *nodekey.Key, rec *placement.Record, key, patch string) (map[string]any, *attest.Signed) {
		enc, _ := json.Marshal(rec)
		data := map[string]any{"instance": id.String(), "action": "rebook", "idempotencyKey": key,
			"patch": patch, "result": `{}`, "record": string(enc)}
		// Signed before rec2 was issued: the first executor's time.
		return data, &attest.Signed{Signer: k.Address(), Message: attest.Message{Time: uint64(rec1.IssuedMs/1000 - 1)}}
	}
	type res struct {
		d   map[string]any
		a   *attest.Signed
		seq uint64
	}
	d1, a1 := result(first, rec1, "k1", `{"booking":"bk-7","rebooking":"confirmed","first":true}`)
	d2, a2 := result(second, rec2, "k2", `{"booking":"bk-56","rebooking":"confirmed"}`)
	d3, a3 := result(second, rec2, "k3", `{"note":"later"}`)
	orders := [][]res{
		{{d1, a1, 4}, {d2, a2, 1}, {d3, a3, 2}},
		{{d2, a2, 1}, {d3, a3, 2}, {d1, a1, 4}},
		{{d2, a2, 1}, {d1, a1, 4}, {d3, a3, 2}},
	}
	var want string
	for i, order := range orders {
		in := &Instance{Record: rec2, State: json.RawMessage(`{"rebooking":"none","booking":""}`)}
		for _, r := range order {
			st, why := ApplyResult(in, r.d, r.a, r.seq, isAnchor)
			if st == nil {
				t.Fatalf("order %d: refused: %q", i, why)
			}
			in.State = st
		}
		if got := string(wire.CanonicalOr(in.State)); i == 0 {
			want = got
			if !strings.Contains(got, `"booking":"bk-56"`) || !strings.Contains(got, `"first":true`) || !strings.Contains(got, `"note":"later"`) {
				t.Fatalf("merged state %s: want the later booking, and the fields only the first result wrote", got)
			}
		} else if got != want {
			t.Fatalf("order %d gave %s, order 0 gave %s", i, got, want)
		}
		if len(in.Done) != 3 {
			t.Fatalf("order %d: %d results done, want 3", i, len(in.Done))
		}
	}
}
