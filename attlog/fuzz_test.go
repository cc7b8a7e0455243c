package attlog

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

// FuzzEntry: any bytes a peer gossips decode and verify without a panic;
// an entry that verifies keeps verifying after a round trip, and a change
// to any signed field breaks it.
func FuzzEntry(f *testing.F) {
	k, _ := crypto.GenerateKey()
	e := &Entry{Topic: "0x00000000000000000000000000000000000000000000000000000000000000ab/BA117", Seq: 1,
		Attestation: json.RawMessage(`{"sig":{"uid":"0x01"}}`)}
	if err := e.Sign(k); err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(e)
	f.Add(good)
	f.Add([]byte(`{"topic":"x","seq":0}`))
	f.Add([]byte(`{"attestation":null,"signature":"0x"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e Entry
		if json.Unmarshal(b, &e) != nil {
			return
		}
		if err := e.Verify(); err != nil {
			if !errors.Is(err, ErrBadEntry) && !errors.Is(err, ErrSignature) && !errors.Is(err, ErrTopic) {
				t.Fatalf("an unclassified error: %v", err)
			}
			return
		}
		again, _ := json.Marshal(&e)
		var e2 Entry
		if err := json.Unmarshal(again, &e2); err != nil || e2.Verify() != nil {
			t.Fatalf("a verified entry does not verify after a round trip: %v", err)
		}
		e2.Seq++
		if e2.Verify() == nil {
			t.Fatal("an entry with another seq still verifies")
		}
	})
}
