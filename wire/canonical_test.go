package wire

import (
	"encoding/json"
	"testing"
)

func TestCanonical(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"b":1,"a":{"d":[1, 2.50],"c":"x"}}`, `{"a":{"c":"x","d":[1,2.50]},"b":1}`},
		{` "<a&b>" `, `"<a&b>"`},
		{`{"n":1e400}`, `{"n":1e400}`},
		{`[{"z":null,"y":true}]`, `[{"y":true,"z":null}]`},
	} {
		got, err := Canonical(json.RawMessage(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("Canonical(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1} {}`, `1 2`} {
		if _, err := Canonical(json.RawMessage(bad)); err == nil {
			t.Errorf("Canonical(%q) accepted", bad)
		}
	}
	// Two orders of one state have one root.
	if StateRoot(json.RawMessage(`{"a":1,"b":2}`)) != StateRoot(json.RawMessage(`{ "b":2, "a":1 }`)) {
		t.Error("key order changes the root")
	}
}
