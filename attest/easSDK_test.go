package attest

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"math/big"
	"os"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Vectors made by the real eas-sdk (attest/testdata/eas-sdk/gen.mjs).
type sdkVector struct {
	ID        string          `json:"id"`
	Version   uint16          `json:"version"`
	Key       string          `json:"key"`
	Schema    string          `json:"schema"`
	SchemaUID string          `json:"schemaUID"`
	Revocable bool            `json:"revocable"`
	Data      json.RawMessage `json:"data"`
	Package   json.RawMessage `json:"package"`
	Encoded   string          `json:"encoded"`
	URL       string          `json:"url"`
}

func loadSDK(t *testing.T) []sdkVector {
	t.Helper()
	b, err := os.ReadFile("testdata/eas-sdk/eas-sdk-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []sdkVector }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) != 15 {
		t.Fatalf("want 15 vectors, got %d", len(f.Vectors))
	}
	return f.Vectors
}

func inflate(t *testing.T, b64 string) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(zr)
	return js
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	dx, dy := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	dx.UseNumber()
	dy.UseNumber()
	if dx.Decode(&x) != nil || dy.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// TestEASSDKVectors checks ours against theirs: every eas-sdk vector verifies
// in every form, its schema UID and data agree with our codec, and signing
// the same message with the same key gives the same signature, UID and
// compact form as the eas-sdk.
func TestEASSDKVectors(t *testing.T) {
	for _, v := range loadSDK(t) {
		t.Run(v.ID, func(t *testing.T) {
			pkg, err := ParseJSON(v.Package)
			if err != nil {
				t.Fatal(err)
			}
			if err := pkg.Verify(); err != nil {
				t.Fatal(err)
			}
			if pkg.Message.Version != v.Version {
				t.Fatalf("version %d, want %d", pkg.Message.Version, v.Version)
			}
			for name, in := range map[string]string{"url": v.URL, "encoded": v.Encoded} {
				s, err := Parse([]byte(in))
				if err != nil || s.Verify() != nil || !same(s, pkg) {
					t.Fatalf("%s form: %v", name, err)
				}
			}
			sch, err := ParseSchema(v.Schema)
			if err != nil {
				t.Fatal(err)
			}
			if got := sch.UID(common.Address{}, v.Revocable).String(); got != v.SchemaUID || got != pkg.Message.Schema.String() {
				t.Fatalf("schema uid %s, eas-sdk %s", got, v.SchemaUID)
			}
			dec, err := sch.Decode(pkg.Message.Data)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := json.Marshal(dec); !jsonEqual(got, v.Data) {
				t.Fatalf("decoded %s, want %s", got, v.Data)
			}
			enc, err := sch.EncodeJSON(v.Data)
			if err != nil || !bytes.Equal(enc, pkg.Message.Data) {
				t.Fatalf("encoding the data differs from the eas-sdk's: %v", err)
			}
			key, err := crypto.HexToECDSA(v.Key[2:])
			if err != nil {
				t.Fatal(err)
			}
			ours, err := Sign(key, pkg.Domain, pkg.Message)
			if err != nil {
				t.Fatal(err)
			}
			if ours.Sig != pkg.Sig || ours.UID != pkg.UID || ours.Signer != pkg.Signer {
				t.Fatalf("our signature differs from the eas-sdk's:\n ours %x %s\n sdk  %x %s", ours.Sig, ours.UID, pkg.Sig, pkg.UID)
			}
			compact, _ := json.Marshal(ours.Compact())
			if sdk := inflate(t, v.Encoded); !bytes.Equal(compact, sdk) {
				t.Fatalf("compact form differs:\n ours %s\n sdk  %s", compact, sdk)
			}
		})
	}
}

var writeOurs = flag.Bool("write-ours", false, "rewrite testdata/eas-sdk/ours.json")

type ourVector struct {
	ID      string          `json:"id"`
	Package json.RawMessage `json:"package"`
}

// ours signs a fixed set of attestations with our code.
func ours(t *testing.T) []byte {
	t.Helper()
	var out []ourVector
	schemas := []string{
		"string flight,string date,string passenger,string seat",
		"string flight,string date,uint32 delayMinutes,string status",
		"bytes32 instance,address integration,string[] scopes,uint64 notAfter",
		"(string name,uint8 age)[] people,uint256 n",
	}
	datas := []string{
		`{"flight":"BA117","date":"2026-12-01","passenger":"Grace Hopper","seat":"2B"}`,
		`{"flight":"BA117","date":"2026-12-01","delayMinutes":190,"status":"delayed"}`,
		`{"instance":"0x` + rep("34", 32) + `","integration":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","scopes":["query:status"],"notAfter":1800000000}`,
		`{"people":[{"name":"Edsger","age":72}],"n":"123456789012345678901234567890"}`,
	}
	for ver := Version0; ver <= Version2; ver++ {
		for i, text := range schemas {
			// TEST KEY ONLY, derived from a public label.
			key, _ := crypto.ToECDSA(crypto.Keccak256([]byte("smartlayer attest test key"), []byte{byte(i)}))
			sch, err := ParseSchema(text)
			if err != nil {
				t.Fatal(err)
			}
			data, err := sch.EncodeJSON([]byte(datas[i]))
			if err != nil {
				t.Fatal(err)
			}
			m := Message{Version: ver, Schema: sch.UID(common.Address{}, true), Time: 1750000000 + uint64(i),
				Recipient: common.HexToAddress("0x90F79bf6EB2c4f870365E785982E1f101E93b906"), Revocable: true, Data: data}
			if i%2 == 1 {
				m.ExpirationTime = 1900000000
			}
			m.Salt[31] = byte(10 + i)
			d := Domain{Name: DomainName, Version: "1.3.0", ChainID: big.NewInt(int64(1 + i)), VerifyingContract: common.HexToAddress("0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587")}
			s, err := Sign(key, d, m)
			if err != nil {
				t.Fatal(err)
			}
			pkg, _ := json.Marshal(s)
			out = append(out, ourVector{ID: "smartlayer-v" + string(rune('0'+ver)) + "-" + string(rune('0'+i)), Package: pkg})
		}
	}
	b, _ := json.MarshalIndent(out, "", " ")
	return append(b, '\n')
}

// TestOursVerifiedByEASSDK checks theirs against ours: the eas-sdk verified
// every attestation our code signs (ours-verified.json, written by gen.mjs),
// and our code still signs exactly those bytes.
func TestOursVerifiedByEASSDK(t *testing.T) {
	got := ours(t)
	if *writeOurs {
		if err := os.WriteFile("testdata/eas-sdk/ours.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("wrote ours.json; now run gen.mjs to verify it with the eas-sdk")
	}
	want, err := os.ReadFile("testdata/eas-sdk/ours.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("our signing output changed since the eas-sdk verified it: rerun with -write-ours and gen.mjs")
	}
	var vs []ourVector
	_ = json.Unmarshal(want, &vs)
	b, err := os.ReadFile("testdata/eas-sdk/ours-verified.json")
	if err != nil {
		t.Fatal(err)
	}
	var res []struct {
		ID    string `json:"id"`
		UID   string `json:"uid"`
		Valid bool   `json:"valid"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != len(vs) || len(vs) != 12 {
		t.Fatalf("eas-sdk checked %d of our %d attestations", len(res), len(vs))
	}
	for i, r := range res {
		s, _ := ParseJSON(vs[i].Package)
		if r.ID != vs[i].ID || r.UID != s.UID.String() || !r.Valid {
			t.Errorf("eas-sdk on %s: %+v", vs[i].ID, r)
		}
	}
}
