package token

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
)

// ApplyResult checks an action-result attestation and merges its patch
// into in (whose Pending and Done it updates), returning the new state, or
// a note saying why it was not applied. The signer must be the executor
// named in the anchor-signed record the result carries, and a result for a
// key already applied at the same or a higher fencing number is skipped.
func ApplyResult(in *Instance, data map[string]any, att *attest.Signed, checkRecord func(*placement.Record) error) (json.RawMessage, string) {
	str := func(k string) string { v, _ := data[k].(string); return v }
	rec, err := placement.DecodeRecord([]byte(str("record")))
	if err != nil {
		return nil, "refused: " + err.Error()
	}
	if err := checkRecord(rec); err != nil {
		return nil, "refused: " + err.Error()
	}
	if rec.Instance != in.Record.Instance {
		return nil, "refused: the record is another instance's"
	}
	// Fencing: a result signed under an older record than the newest this
	// replica knows, by an executor that record replaced, after that record
	// was issued, comes from a stale executor and is refused. A result it
	// signed while its record was in force still counts, so a replica that
	// catches up later agrees with those that applied it on time; an
	// executor that the newer record keeps is not fenced off.
	if rec.Fencing < in.Record.Fencing && rec.Executor != in.Record.Executor && int64(att.Message.Time) > in.Record.IssuedMs/1000 {
		return nil, fmt.Sprintf("refused: signed under fencing %d by %s after fencing %d named executor %s", rec.Fencing, ShortPeer(rec.Executor), in.Record.Fencing, ShortPeer(in.Record.Executor))
	}
	id, _ := peer.Decode(rec.Executor)
	execAddr, err := nodekey.AddressOfPeer(id)
	if err != nil || execAddr != att.Signer {
		return nil, fmt.Sprintf("refused: signed by %s, not the executor the record names", att.Signer)
	}
	key, action := str("idempotencyKey"), str("action")
	for _, d := range in.Done {
		if d.Key == key && (d.Action == "" || d.Action == action) && d.Fencing >= rec.Fencing {
			return nil, "skipped: a result for this key is applied"
		}
	}
	st, err := MergePatch(in.State, json.RawMessage(str("patch")))
	if err != nil {
		return nil, "not applied: " + err.Error()
	}
	in.Pending = slices.DeleteFunc(slices.Clone(in.Pending), func(p PendingAction) bool { return p.Key == key && p.Action == action })
	in.Done = append(slices.Clone(in.Done), DoneAction{Key: key, Action: action, Fencing: rec.Fencing})
	if len(in.Done) > MaxDone {
		in.Done = in.Done[len(in.Done)-MaxDone:]
	}
	return st, ""
}

// ShortPeer is the tail of a peer ID, for notes and logs.
func ShortPeer(s string) string {
	if len(s) > 12 {
		return s[len(s)-8:]
	}
	return s
}
