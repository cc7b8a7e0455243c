package attlog

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

// An entry's attestation is in the form encoding/json writes (compact,
// HTML-escaped), so storing the entry as JSON keeps the bytes its
// signature covers; any other form is refused at Verify (found in review:
// such an entry was accepted, then stored as bytes that no longer verify,
// and served to repairing peers as a bad entry).
func TestEntryAttestationMustBeCompact(t *testing.T) {
	key, _ := crypto.GenerateKey()
	for _, tc := range []struct {
		att string
		ok  bool
	}{
		{`{"a":"x y","b":[1,2]}`, true},
		{`{"a":"say \"hi\" \\ \u003c"}`, true},
		{`{"a": 1}`, false},
		{"{\"a\":1}\n", false},
		{`{"a":"<b>"}`, false},
		{`{"a":"x&y"}`, false},
		{"{\"a\":\"\u2028\"}", false},
	} {
		e := &Entry{Topic: "0x" + strings.Repeat("ab", 32) + "/k", Seq: 1, Attestation: json.RawMessage(tc.att)}
		if err := e.Sign(key); err != nil {
			t.Fatal(err)
		}
		err := e.Verify()
		if (err == nil) != tc.ok {
			t.Fatalf("%s: %v", tc.att, err)
		}
		if err == nil {
			b, _ := json.Marshal(e)
			var back Entry
			if json.Unmarshal(b, &back) != nil || back.Verify() != nil {
				t.Fatalf("%s: does not verify after a JSON round trip", tc.att)
			}
		}
	}
}

// The hash Verify memoises is not used once a field it covers changes.
func TestEntryHashMemoFollowsChanges(t *testing.T) {
	key, _ := crypto.GenerateKey()
	e := &Entry{Topic: "0x" + strings.Repeat("ab", 32) + "/k", Seq: 1, Attestation: json.RawMessage(`{"a":1}`)}
	_ = e.Sign(key)
	if err := e.Verify(); err != nil {
		t.Fatal(err)
	}
	h := e.Hash()
	e.Seq = 2
	if e.Hash() == h {
		t.Fatal("a changed seq kept the old hash")
	}
	e.Seq = 1
	e.Attestation = json.RawMessage(`{"a":2}`)
	if e.Hash() == h {
		t.Fatal("a changed attestation kept the old hash")
	}
}
