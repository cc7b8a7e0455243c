package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/wire"
)

// Stamp orders the action results that write one top-level state field:
// by the fencing number a result was signed under, then its executor's
// address, then its place (seq) in the executor's result stream. Results
// of one executor arrive in their stream's order; results of different
// executors do not, and the stamps make their merge independent of it.
type Stamp struct {
	Fencing  uint64         `json:"fencing"`
	Executor common.Address `json:"executor"`
	Seq      uint64         `json:"seq"`
}

// Before reports whether a orders before b.
func (a Stamp) Before(b Stamp) bool {
	if a.Fencing != b.Fencing {
		return a.Fencing < b.Fencing
	}
	if c := bytes.Compare(a.Executor[:], b.Executor[:]); c != 0 {
		return c < 0
	}
	return a.Seq < b.Seq
}

// ApplyResult checks an action-result attestation (entry seq of its
// executor's stream) and merges its patch into in (whose Pending, Done and
// Written it updates), returning the new state, or a note saying why it was
// not applied. The signer must be the executor named in the anchor-signed
// record the result carries, and a result for a key already applied at the
// same or a higher fencing number is skipped.
//
// Each top-level field of the patch is taken unless a result with a later
// stamp wrote that field already (in.Written): a result that arrives late,
// from an executor that has since been replaced, does not undo what a
// later action did, and every replica comes to the same state whichever
// executor's stream it heard first.
func ApplyResult(in *Instance, data map[string]any, att *attest.Signed, seq uint64, checkRecord func(*placement.Record) error) (json.RawMessage, string) {
	str := func(k string) string { v, _ := data[k].(string); return v }
	rec, note := checkExecutorResult(in, data, att, checkRecord)
	if note != "" {
		return nil, note
	}
	key, action := str("idempotencyKey"), str("action")
	for _, d := range in.Done {
		if d.Key == key && (d.Action == "" || d.Action == action) && d.Fencing >= rec.Fencing {
			return nil, "skipped: a result for this key is applied"
		}
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal([]byte(str("patch")), &patch); err != nil {
		return nil, "not applied: patch: " + err.Error()
	}
	stamp := Stamp{Fencing: rec.Fencing, Executor: att.Signer, Seq: seq}
	written := maps.Clone(in.Written)
	if written == nil {
		written = map[string]Stamp{}
	}
	var superseded []string
	for k := range patch {
		if w, ok := written[k]; ok && stamp.Before(w) {
			delete(patch, k)
			superseded = append(superseded, k)
			continue
		}
		written[k] = stamp
	}
	pj, _ := json.Marshal(patch)
	st, err := MergePatch(in.State, pj)
	if err != nil {
		return nil, "not applied: " + err.Error()
	}
	in.Written = written
	in.Pending = slices.DeleteFunc(slices.Clone(in.Pending), func(p PendingAction) bool { return p.Key == key && p.Action == action })
	in.Done = append(slices.Clone(in.Done), DoneAction{Key: key, Action: action, Fencing: rec.Fencing})
	if len(in.Done) > MaxDone {
		in.Done = in.Done[len(in.Done)-MaxDone:]
	}
	if len(superseded) > 0 {
		slices.Sort(superseded)
		return st, "applied; kept from a later result: " + strings.Join(superseded, ", ")
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

// checkExecutorResult checks who signed an action-result attestation (a
// result or an executor's answers): the executor named in the
// anchor-signed record it carries, for this instance, not fenced off by a
// newer record. It returns the record, or a note saying why it is refused.
func checkExecutorResult(in *Instance, data map[string]any, att *attest.Signed, checkRecord func(*placement.Record) error) (*placement.Record, string) {
	rec, err := ResultRecord(in.Record.Instance, data, att, checkRecord)
	if err != nil {
		return nil, "refused: " + err.Error()
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
	return rec, ""
}

// ResultRecord checks that an action-result attestation (data, its
// decoded fields) is signed by the executor that the anchor-signed record
// it carries names, for instance, and returns the record. Whether a newer
// record fenced that executor off is the holder of the instance's to say.
func ResultRecord(instance wire.InstanceID, data map[string]any, att *attest.Signed, checkRecord func(*placement.Record) error) (*placement.Record, error) {
	rec, err := executorSigned(instance, data, att)
	if err != nil {
		return nil, err
	}
	if checkRecord == nil {
		return nil, errors.New("this node cannot check placement records")
	}
	if err := checkRecord(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// executorSigned decodes the record an action-result attestation carries
// and checks that it is instance's and that the executor it names signed
// the attestation; whether an anchor signed the record is not checked.
func executorSigned(instance wire.InstanceID, data map[string]any, att *attest.Signed) (*placement.Record, error) {
	str, _ := data["record"].(string)
	rec, err := placement.DecodeRecord([]byte(str))
	if err != nil {
		return nil, err
	}
	if rec.Instance != instance {
		return nil, errors.New("the record is another instance's")
	}
	id, _ := peer.Decode(rec.Executor)
	execAddr, err := nodekey.AddressOfPeer(id)
	if err != nil || execAddr != att.Signer {
		return nil, fmt.Errorf("signed by %s, not the executor the record names", att.Signer)
	}
	return rec, nil
}
