package tokenscript

import (
	"errors"
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
