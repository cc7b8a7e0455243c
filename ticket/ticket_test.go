package ticket

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
)

func TestOf(t *testing.T) {
	key, _ := crypto.GenerateKey()
	d := attest.NetworkDomain(31337, common.HexToAddress("0x01"))
	s, err := attest.SignNetwork(key, d, attest.TicketSchema, map[string]any{
		"flight": "SL1", "date": "2025-01-02", "passenger": "Ada", "seat": "1A",
	}, time.Unix(1000, 0))
	if err != nil {
		t.Fatal(err)
	}
	tk, err := Of(s, attest.TicketSchema.Schema)
	if err != nil {
		t.Fatal(err)
	}
	if tk.UID != s.UID.String() || tk.Attester != crypto.PubkeyToAddress(key.PublicKey).Hex() || tk.Time != 1000 ||
		tk.Schema != attest.TicketSchema.UID.String() || tk.Data["seat"] != "1A" {
		t.Fatalf("%+v", tk)
	}
	// No schema: the data stays undecoded (null in what init receives).
	tk, err = Of(s, nil)
	if err != nil || tk.Data != nil {
		t.Fatalf("%+v %v", tk, err)
	}
	b, _ := json.Marshal(tk)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"uid", "attester", "recipient", "time", "expirationTime", "schema", "data"} {
		if _, ok := m[k]; !ok {
			t.Errorf("ticket JSON lacks %q", k)
		}
	}
}
