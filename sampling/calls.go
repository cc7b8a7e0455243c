package sampling

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ethereum/go-ethereum/common"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
)

// ErrCallUnvouched marks an execution whose transcript records another
// token's answer that no replica of that token vouched for: a replay
// answers from the record, so the record itself must hold.
var ErrCallUnvouched = errors.New("a recorded inter-token answer is not vouched for")

// ErrCallRecord marks a recorded inter-token answer whose callee record
// this anchor cannot check (an epoch or anchor set it no longer knows, or
// a forged one): not proof either way.
var ErrCallRecord = errors.New("a recorded inter-token answer's record does not check here")

// CheckCalls checks every ctx.tokens.query answer a transcript recorded
// (the calls that failed record no answer): it carries the callee's
// placement record (passing checkRecord, when set) and a receipt, signed by
// a replica that record names, binding the recorded request and answer.
// An error wrapping ErrCallUnvouched is proof against whoever signed the
// transcript's receipt; one wrapping ErrCallRecord is not.
func CheckCalls(tr *sandbox.Transcript, checkRecord func(*placement.Record) error) error {
	for i, c := range tr.Calls {
		if c.Kind != "tokens.query" && c.Kind != "tokens.action" {
			continue
		}
		var call sandbox.TokenCall
		var ans sandbox.TokenAnswer
		if json.Unmarshal(c.Request, &call) != nil || json.Unmarshal(c.Response, &ans) != nil {
			return fmt.Errorf("%w: call %d is not a token query's record", ErrCallUnvouched, i+1)
		}
		if ans.Error != "" {
			continue
		}
		rec, err := placement.DecodeRecord(ans.Record)
		if err != nil {
			return fmt.Errorf("%w: call %d: the callee's record: %v", ErrCallUnvouched, i+1, err)
		}
		if rec.Instance.String() != call.Instance {
			return fmt.Errorf("%w: call %d: the record is %s's, the call %s's", ErrCallUnvouched, i+1, rec.Instance, call.Instance)
		}
		var rc receipt.Receipt
		if err := json.Unmarshal(ans.Receipt, &rc); err != nil {
			return fmt.Errorf("%w: call %d: no receipt", ErrCallUnvouched, i+1)
		}
		replica := false
		for _, r := range rec.Replicas {
			if id, err := peer.Decode(r); err == nil {
				if a, err := nodekey.AddressOfPeer(id); err == nil && a == rc.Node {
					replica = true
				}
			}
		}
		if !replica {
			return fmt.Errorf("%w: call %d: the receipt's node %s is no replica the record names", ErrCallUnvouched, i+1, rc.Node)
		}
		if c.Kind == "tokens.action" {
			// Only the callee's executor runs its actions.
			ex, err := peer.Decode(rec.Executor)
			var a common.Address
			if err == nil {
				a, err = nodekey.AddressOfPeer(ex)
			}
			if err != nil || a != rc.Node {
				return fmt.Errorf("%w: call %d: the action's receipt is by %s, not the record's executor", ErrCallUnvouched, i+1, rc.Node)
			}
		}
		args, _ := json.Marshal(call.Args)
		fn := "query:" + call.Name
		if c.Kind == "tokens.action" {
			fn = "action:" + call.Name
		}
		if err := rc.Binds(fn, call.Instance, call.Key, args, ans.Result); err != nil {
			return fmt.Errorf("%w: call %d: %v", ErrCallUnvouched, i+1, err)
		}
		if err := rc.Verify(rc.Node); err != nil {
			return fmt.Errorf("%w: call %d: %v", ErrCallUnvouched, i+1, err)
		}
		if checkRecord != nil {
			if err := checkRecord(rec); err != nil {
				return fmt.Errorf("%w: call %d: %v", ErrCallRecord, i+1, err)
			}
		}
	}
	return nil
}
