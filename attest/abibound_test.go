package attest

import (
	"bytes"
	"errors"
	"math/big"
	"runtime"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
)

func abiWord(n int) []byte {
	b := make([]byte, 32)
	new(big.Int).SetInt64(int64(n)).FillBytes(b)
	return b
}

// allocated reports the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestDecodeAmplification: data whose array entries all point at one large
// string decoded, before the layout check, to entries x string bytes (a
// 330 KB grant header made a node allocate 2.2 GB). It is refused now, and
// what the refusal costs is bounded by the input.
func TestDecodeAmplification(t *testing.T) {
	sch, err := ParseSchema("string[] scopes")
	if err != nil {
		t.Fatal(err)
	}
	const n, strLen = 8000, 64 << 10
	var data []byte
	data = append(data, abiWord(32)...) // offset of the array
	data = append(data, abiWord(n)...)  // its length
	for i := 0; i < n; i++ {            // every entry points at the same string
		data = append(data, abiWord(n*32)...)
	}
	data = append(data, abiWord(strLen)...)
	data = append(data, make([]byte, strLen)...)
	var derr error
	got := allocated(func() { _, derr = sch.Decode(data) })
	if !errors.Is(derr, ErrSchema) || !strings.Contains(derr.Error(), "canonical") {
		t.Fatalf("shared-string array: got %v, want a layout refusal", derr)
	}
	if got > 4*uint64(len(data))+1<<20 {
		t.Fatalf("refusing %d bytes allocated %d bytes", len(data), got)
	}
	t.Logf("%d bytes of shared-offset data (would decode to %d MB): refused after allocating %d bytes", len(data), n*strLen>>20, got)

	// The same trick one level down: string[][] whose inner arrays all
	// point at one array.
	sch2, err := ParseSchema("string[][][] deep")
	if err != nil {
		t.Fatal(err)
	}
	var d2 []byte
	d2 = append(d2, abiWord(32)...)
	d2 = append(d2, abiWord(200)...)
	for i := 0; i < 200; i++ {
		d2 = append(d2, abiWord(200*32)...)
	}
	d2 = append(d2, abiWord(0)...)
	if _, err := sch2.Decode(d2); !errors.Is(err, ErrSchema) {
		t.Fatalf("shared inner arrays: got %v", err)
	}

	// Lengths past the data, offsets past the end or backwards, trailing
	// bytes: each refused before decoding.
	bad := map[string][]byte{
		"huge length":       append(abiWord(32), append(abiWord(1<<40), make([]byte, 64)...)...),
		"offset past end":   abiWord(1 << 20),
		"offset backwards":  append(abiWord(0), abiWord(0)...),
		"high offset bytes": append(append([]byte{1}, make([]byte, 31)...), abiWord(0)...),
		"trailing bytes":    append(append(abiWord(32), abiWord(0)...), make([]byte, 32)...),
	}
	for name, d := range bad {
		if _, err := sch.Decode(d); !errors.Is(err, ErrSchema) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// A canonical encoding still decodes.
	good, err := sch.EncodeJSON([]byte(`{"scopes":["query:status","action:rebook",""]}`))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := sch.Decode(good); err != nil || len(out["scopes"].([]any)) != 3 {
		t.Fatalf("canonical data: %v %v", out, err)
	}
}

func TestSchemaShapeBounds(t *testing.T) {
	for _, s := range []string{
		"string[][][][][] tooDeep",
		"((((string a) b) c) d)[] e",
		"uint256[0] empty",
		"uint256[100000000] huge",
		"bytes32[40000][40000] square",
		"string " + strings.Repeat("x", MaxSchemaText),
	} {
		if _, err := ParseSchema(s); !errors.Is(err, ErrSchema) {
			t.Errorf("%.60q: got %v, want refused", s, err)
		}
	}
	for _, s := range []string{"string[][][] ok", "(string a,uint8 b)[2][] pairs", "bytes32[64] roots"} {
		if _, err := ParseSchema(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// FuzzSchemaLayout: the layout check refuses no canonical encoding (one
// that go-ethereum decodes and re-encodes to the same bytes).
func FuzzSchemaLayout(f *testing.F) {
	sch, err := ParseSchema("(string name,uint8 age)[] people,string[][] s,bytes b,uint64 n,(bytes32 h,string[] t)[2] two")
	if err != nil {
		f.Fatal(err)
	}
	good, err := sch.EncodeJSON([]byte(`{"people":[{"name":"a","age":1}],"s":[["x"],[]],"b":"0x0102","n":7,` +
		`"two":[{"h":"0x` + rep("11", 32) + `","t":["p"]},{"h":"0x` + rep("22", 32) + `","t":[]}]}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(abiWord(32))
	types := make([]abi.Type, len(sch.args))
	for i, a := range sch.args {
		types[i] = a.Type
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		lerr := checkLayout(types, data)
		vals, err := sch.args.Unpack(data)
		if err != nil {
			return
		}
		if again, err := sch.args.Pack(vals...); err == nil && bytes.Equal(again, data) && lerr != nil {
			t.Fatalf("canonical encoding refused: %v", lerr)
		}
	})
}

// TestDomainInputBounds: numbers longer than a uint256 are refused before
// they are parsed, and made-up domains do not grow the separator cache.
func TestDomainInputBounds(t *testing.T) {
	long := `{"domain":{"name":"EAS Attestation","version":"1.2.0","chainId":` + strings.Repeat("9", 800000) +
		`,"verifyingContract":"0x0000000000000000000000000000000000000000"},"primaryType":"Attest","types":{},"message":{},"signature":{"v":27,"r":"0x00","s":"0x00"},"uid":"0x00"}`
	if _, err := ParseJSON([]byte(long)); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("800,000-digit chainId: got %v", err)
	}
	var n flexNum
	for _, bad := range []string{`-1`, `"0x1` + strings.Repeat("0", 64) + `"`, strings.Repeat("1", 79)} {
		if err := n.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%.20s: accepted", bad)
		}
	}
	before := separatorCount.Load()
	for i := 0; i < 100; i++ {
		d := Domain{Name: strings.Repeat("n", 1<<20) + string(rune('a'+i%26)), Version: "1", ChainID: big.NewInt(int64(i))}
		_ = d.Separator()
	}
	if grown := separatorCount.Load() - before; grown != 0 {
		t.Fatalf("100 domains with 1 MiB names added %d cache entries", grown)
	}
}
