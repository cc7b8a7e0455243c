package attest

import (
	"encoding/json"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

type formVector struct {
	ID       string          `json:"id"`
	Package  json.RawMessage `json:"package"`
	Compact  json.RawMessage `json:"compact"`
	URLValue string          `json:"url_or_value"`
	URL      string          `json:"url"`
	Encoded  string          `json:"encoded"`
}

func loadForms(t testing.TB) []formVector {
	files, _ := filepath.Glob("testdata/*.json")
	var out []formVector
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v formVector
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, v)
	}
	if len(out) < 8 {
		t.Fatalf("want the 8 shared vectors, found %d", len(out))
	}
	return out
}

func same(a, b *Signed) bool {
	return a.UID == b.UID && a.Signer == b.Signer && a.Sig == b.Sig &&
		a.Domain.Version == b.Domain.Version && a.Domain.ChainID.Cmp(b.Domain.ChainID) == 0 &&
		a.Domain.VerifyingContract == b.Domain.VerifyingContract &&
		string(mustJSONT(a.Message)) == string(mustJSONT(b.Message))
}

func mustJSONT(v any) []byte { b, _ := json.Marshal(v); return b }

// TestEveryFormOfEveryVector reads each shared vector in every form it
// carries; each verifies and all forms are the same attestation.
func TestEveryFormOfEveryVector(t *testing.T) {
	for _, v := range loadForms(t) {
		t.Run(v.ID, func(t *testing.T) {
			pkg, err := ParseJSON(v.Package)
			if err != nil {
				t.Fatal(err)
			}
			forms := map[string][]byte{"compact": v.Compact}
			if v.URLValue != "" {
				forms["url_or_value"] = []byte(v.URLValue)
			}
			if v.URL != "" {
				forms["url"] = []byte(v.URL)
			}
			if v.Encoded != "" {
				forms["encoded"] = []byte(v.Encoded)
			}
			for name, in := range forms {
				s, err := Parse(in)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if err := s.Verify(); err != nil {
					t.Fatalf("%s: verify: %v", name, err)
				}
				if !same(s, pkg) {
					t.Fatalf("%s differs from the package form", name)
				}
			}
			// Our URL form reads back as the same attestation.
			enc, err := pkg.EncodeURLValue()
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeURLValue(enc)
			if err != nil || !same(back, pkg) {
				t.Fatalf("own URL form: %v", err)
			}
			link, _ := pkg.URL("https://easscan.org")
			if back, err = ParseURL(link); err != nil || !same(back, pkg) {
				t.Fatalf("own link: %v", err)
			}
		})
	}
}

func TestURLFormLimits(t *testing.T) {
	for _, in := range []string{"", "!!!", "eNo=", "aGVsbG8=", "https://x.example/?a=b"} {
		if _, err := ParseURL(in); err == nil {
			t.Errorf("%q: accepted", in)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range loadForms(f) {
		f.Add([]byte(v.Package))
		f.Add([]byte(v.Compact))
		f.Add([]byte(v.URLValue + v.URL))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		_ = s.Verify()
		if _, err := s.EncodeURLValue(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestURLValueRoundTrip signs many attestations and reads each back from its
// URL value, bare and as a link: every base64 alphabet character, at any
// place (a trailing '+' once was lost), must survive.
func TestURLValueRoundTrip(t *testing.T) {
	d := Domain{Name: DomainName, Version: "1.3.0", ChainID: big.NewInt(1337), VerifyingContract: common.Address{1}}
	for i := 0; i < 500; i++ {
		k, _ := crypto.GenerateKey()
		g, err := SignGrant(k, d, [32]byte{byte(i)}, common.Address{2}, []string{"query:status"}, time.Unix(1900000000, 0), time.Unix(1700000000, 0))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := g.EncodeURLValue()
		link, _ := g.URL("https://easscan.org")
		for _, in := range []string{v, link, "https://pass.example/?ticket=" + url.QueryEscape(v)} {
			s, err := Parse([]byte(in))
			if err != nil || !same(s, g) {
				t.Fatalf("%d: %v\n%s", i, err, in)
			}
		}
	}
}

func FuzzParseCompact(f *testing.F) {
	for _, v := range loadForms(f) {
		f.Add([]byte(v.Compact))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseCompact(b)
		if err != nil {
			return
		}
		back, err := json.Marshal(s.Compact())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseCompact(back); err != nil {
			t.Fatalf("our compact form does not read back: %v", err)
		}
	})
}

func FuzzParseURL(f *testing.F) {
	for _, v := range loadForms(f) {
		f.Add(v.URLValue + v.URL)
		f.Add(v.Encoded)
	}
	f.Fuzz(func(t *testing.T, link string) {
		if s, err := ParseURL(link); err == nil {
			_ = s.Verify()
		}
	})
}
