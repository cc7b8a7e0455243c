package attest

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestSchemaTuplesAndArrays(t *testing.T) {
	sch, err := ParseSchema("(string name,uint8 age)[] people,tuple(address who,bytes32[2] tags) owner,int64 delta,uint256 big,ipfsHash doc,bool[] flags")
	if err != nil {
		t.Fatal(err)
	}
	in := `{"people":[{"name":"Ada","age":36},{"name":"Alan","age":41}],
	 "owner":{"who":"0x00000000000000000000000000000000000000aA","tags":["0x` + rep("11", 32) + `","0x` + rep("22", 32) + `"]},
	 "delta":-9223372036854775808,"big":"115792089237316195423570985008687907853269984665640564039457584007913129639935",
	 "doc":"0x` + rep("33", 32) + `","flags":[true,false]}`
	data, err := sch.EncodeJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := sch.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	want := `{"big":"115792089237316195423570985008687907853269984665640564039457584007913129639935","delta":"-9223372036854775808","doc":"0x` + rep("33", 32) + `","flags":[true,false],"owner":{"tags":["0x` + rep("11", 32) + `","0x` + rep("22", 32) + `"],"who":"0x00000000000000000000000000000000000000AA"},"people":[{"age":36,"name":"Ada"},{"age":41,"name":"Alan"}]}`
	if string(b) != want {
		t.Fatalf("round trip:\n got %s\nwant %s", b, want)
	}
	// Decoded JSON encodes back to the same bytes.
	again, err := sch.EncodeJSON(b)
	if err != nil || string(again) != string(data) {
		t.Fatalf("re-encode: %v", err)
	}
}

func rep(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

func TestSchemaRejects(t *testing.T) {
	sch, _ := ParseSchema("(string name,uint8 age) p,int8 n")
	for _, in := range []string{
		`{"p":{"name":"x"},"n":1}`,
		`{"p":{"name":"x","age":1,"extra":2},"n":1}`,
		`{"p":{"name":"x","age":256},"n":1}`,
		`{"p":{"name":"x","age":1},"n":-129}`,
		`{"p":{"name":"x","age":1},"n":128}`,
		`{"p":[],"n":1}`,
	} {
		if _, err := sch.EncodeJSON([]byte(in)); !errors.Is(err, ErrSchema) {
			t.Errorf("%s: got %v", in, err)
		}
	}
	if _, err := sch.EncodeJSON([]byte(`{"p":{"name":"x","age":1},"n":-128}`)); err != nil {
		t.Errorf("int8 -128: %v", err)
	}
	for _, bad := range []string{"(string a", "string a)", "(string a) ", "tuple(uint8 x)[] ", "uint7 x"} {
		if _, err := ParseSchema(bad); !errors.Is(err, ErrSchema) {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

func FuzzSchemaDecode(f *testing.F) {
	sch, _ := ParseSchema("(string name,uint8 age)[] people,bytes b,uint256 n")
	good, _ := sch.EncodeJSON([]byte(`{"people":[{"name":"a","age":1}],"b":"0x01","n":5}`))
	f.Add(good)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := sch.Decode(data)
		if err != nil {
			return
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sch.EncodeJSON(b); err != nil {
			t.Fatalf("decoded value does not encode: %v (%s)", err, b)
		}
	})
}
