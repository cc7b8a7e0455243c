package sampling

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
)

// The archive's encoding gives back the execution it was given: the same
// transcript root and receipt leaf, the same JSON; whatever is cut from it
// or added to it is refused, without a panic.
func TestArchiveCodec(t *testing.T) {
	tr := &sandbox.Transcript{ScriptHash: sandbox.Hash{1}, Function: "action:rebook", Instance: "0x01", StateBefore: sandbox.Hash{2},
		Args: json.RawMessage(`{"a":1}`), NowMs: 1_800_000_000_123, Seed: hexutil.Bytes{9, 8}, IdempotencyKey: "k-1",
		Offsets: map[string]uint64{"flight@0x01": 3, "results@0x02": 7},
		Calls:   []sandbox.External{{Kind: "fetch", Request: json.RawMessage(`{"url":"x"}`), Response: json.RawMessage(`{"status":200}`)}},
		Output:  json.RawMessage(`{"ok":true}`), StateAfter: sandbox.Hash{3}}
	rc := receipt.For(tr.Execution(tr.Root()), 4)
	rc.Node, rc.Index, rc.Proof, rc.Root = common.Address{5}, 2, []common.Hash{{6}, {7}}, common.Hash{8}
	rc.Sig, rc.Quote, rc.Kind = hexutil.Bytes{1, 2, 3}, hexutil.Bytes{4}, "software"
	for _, k := range []Kept{
		{Transcript: tr, Receipt: rc, Bundle: "0xabc"},
		{Transcript: &sandbox.Transcript{Function: "query:q", Calls: []sandbox.External{}}, Receipt: &receipt.Receipt{}},
	} {
		b := encodeArchived(&k)
		got, err := decodeArchived(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Transcript.Root() != k.Transcript.Root() || got.Receipt.Leaf() != k.Receipt.Leaf() {
			t.Fatal("another root or leaf after a round trip")
		}
		want, _ := json.Marshal(k)
		have, _ := json.Marshal(got)
		if string(want) != string(have) {
			t.Fatalf("round trip:\n%s\n%s", want, have)
		}
		if !reflect.DeepEqual(got.Receipt, k.Receipt) {
			t.Fatalf("receipt: %+v\nwant %+v", got.Receipt, k.Receipt)
		}
		for i := range b {
			if _, err := decodeArchived(b[:i]); err == nil {
				t.Fatalf("cut at %d of %d: decoded", i, len(b))
			}
		}
		if _, err := decodeArchived(append(b, 0)); err == nil {
			t.Fatal("trailing bytes decoded")
		}
	}
	// A huge count is refused before anything is allocated for it.
	if _, err := decodeArchived([]byte{archiveCodec, 0xff, 0xff, 0xff, 0xff, 0x0f}); err == nil {
		t.Fatal("a huge length decoded")
	}
}
