package sampling

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/wire"
)

// A transcript's recorded inter-token answers are taken only with the
// callee's record and a receipt from a replica it names that binds the
// recorded request and answer; a record this anchor cannot check is no
// proof either way.
func TestCheckCalls(t *testing.T) {
	callee := wire.InstanceID{7}
	replica, _ := nodekey.Generate()
	outsider, _ := nodekey.Generate()
	call := sandbox.TokenCall{Instance: callee.String(), Name: "status", Args: json.RawMessage(`{}`), Grant: "g"}
	answer := func(by *nodekey.Key, result string, signedResult string) sandbox.TokenAnswer {
		rc := &receipt.Receipt{Instance: callee.String(), Function: "query:status", Request: receipt.RequestHash("query:status", callee.String(), "", []byte(`{}`)),
			Output: receipt.OutputHash([]byte(signedResult)), Node: by.Address()}
		if err := receipt.NewBatcher(receipt.Software{Key: by.ECDSA}, true).Seal(rc); err != nil {
			t.Fatal(err)
		}
		rj, _ := json.Marshal(rc)
		rec, _ := json.Marshal(&placement.Record{Instance: callee, Replicas: []string{replica.PeerID().String()}, Executor: replica.PeerID().String()})
		return sandbox.TokenAnswer{Result: json.RawMessage(result), Receipt: rj, Record: rec}
	}
	transcript := func(ans sandbox.TokenAnswer) *sandbox.Transcript {
		rq, _ := json.Marshal(call)
		rs, _ := json.Marshal(ans)
		return &sandbox.Transcript{Calls: []sandbox.External{{Kind: "fetch", Request: []byte(`{}`), Response: []byte(`{}`)}, {Kind: "tokens.query", Request: rq, Response: rs}}}
	}
	if err := CheckCalls(transcript(answer(replica, `{"late":true}`, `{"late":true}`)), nil); err != nil {
		t.Fatalf("a vouched answer: %v", err)
	}
	for name, ans := range map[string]sandbox.TokenAnswer{
		"another answer than the receipt's": answer(replica, `{"late":false}`, `{"late":true}`),
		"signed by no replica":              answer(outsider, `{"late":true}`, `{"late":true}`),
		"no receipt":                        {Result: json.RawMessage(`{"late":true}`), Record: answer(replica, `{}`, `{}`).Record},
		"no record":                         {Result: json.RawMessage(`{"late":true}`), Receipt: answer(replica, `{"late":true}`, `{"late":true}`).Receipt},
	} {
		if err := CheckCalls(transcript(ans), nil); !errors.Is(err, ErrCallUnvouched) {
			t.Errorf("%s: %v", name, err)
		}
	}
	failed := transcript(sandbox.TokenAnswer{Error: "403 grant-not-holder"})
	if err := CheckCalls(failed, nil); err != nil {
		t.Fatalf("a failed call records no answer to check: %v", err)
	}
	refuse := func(*placement.Record) error { return errors.New("unknown epoch") }
	if err := CheckCalls(transcript(answer(replica, `{"late":true}`, `{"late":true}`)), refuse); !errors.Is(err, ErrCallRecord) || errors.Is(err, ErrCallUnvouched) {
		t.Fatalf("a record that does not check: %v", err)
	}
}
