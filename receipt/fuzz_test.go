package receipt

import (
	"encoding/json"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// FuzzReceipt: any bytes offered as a receipt (an answer's header, a
// forwarded receipt) decode and verify without a panic; one that verifies
// for a node stops verifying when a bound field changes.
func FuzzReceipt(f *testing.F) {
	f.Add([]byte(`{"instance":"0x01","function":"status","fencing":1,"node":"0x0000000000000000000000000000000000000001","root":"0x00","signature":"0x00"}`))
	f.Add([]byte(`{"index":18446744073709551615,"proof":["0x01","0x02"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Receipt
		if json.Unmarshal(b, &r) != nil {
			return
		}
		_ = r.Leaf()
		if r.Verify(r.Node) != nil {
			return
		}
		r.Output = common.Hash{0xff}
		if r.Verify(r.Node) == nil {
			t.Fatal("a receipt with another output still verifies")
		}
	})
}
