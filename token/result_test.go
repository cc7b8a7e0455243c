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
	if st, why := ApplyResult(in, d, a, isAnchor); st != nil || !strings.Contains(why, "after fencing 2 named executor") {
		t.Fatalf("stale executor's result: state %s, %q", st, why)
	}
	// Signed while fencing 1 was in force, seen late: it counts, as it did
	// on the replicas that applied it on time.
	d, a = result(old, rec1, time.UnixMilli(rec2.IssuedMs).Add(-5*time.Second))
	if st, why := ApplyResult(in, d, a, isAnchor); st == nil {
		t.Fatalf("a result signed in its executor's time refused: %q", why)
	}
	in.Done = nil
	d, a = result(cur, rec2, time.Now())
	if st, why := ApplyResult(in, d, a, isAnchor); st == nil {
		t.Fatalf("current executor's result refused: %q", why)
	}
}
