package tokenscript

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/wire"
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

// The SLA's measured targets: the flight ticket's, and bad ones refused.
func TestSLATargets(t *testing.T) {
	b, err := LoadBundle("../examples/flight-ticket")
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Service; s.Latency != time.Second || s.Availability != 0 {
		t.Fatalf("flight ticket SLA: latency %s, availability %v", s.Latency, s.Availability)
	}
	doc := func(sla string) []byte {
		return []byte(`<ts:token xmlns:ts="http://tokenscript.org/2024/01/tokenscript" xmlns:sl="urn:smartlayer:service:2026" name="T">` +
			`<sl:service><sl:module>module.exports = {}</sl:module>` + sla + `</sl:service></ts:token>`)
	}
	m, err = ParseManifest(doc(`<sl:sla latency="250ms" availability="0.995"/>`))
	if err != nil || m.Service.Latency != 250*time.Millisecond || m.Service.Availability != 0.995 {
		t.Fatalf("%+v, %v", m, err)
	}
	if m, err = ParseManifest(doc(``)); err != nil || m.Service.Latency != 0 || m.Service.Availability != 0 {
		t.Fatalf("no SLA: %+v, %v", m, err)
	}
	for _, sla := range []string{`latency="0s"`, `latency="2m"`, `latency="fast"`, `availability="0"`, `availability="101%"`,
		`availability="NaN"`, `availability="-1"`, `availability="high"`} {
		if _, err := ParseManifest(doc(`<sl:sla ` + sla + `/>`)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", sla, err)
		}
	}
}

// TestPrices: <sl:price> sets every call's price, a call's own price
// overrides it, and of the calls that are priced a query must cost less
// than every action (queries are cheaper than modifications).
func TestPrices(t *testing.T) {
	doc := func(body string) []byte {
		return []byte(`<ts:token xmlns:ts="http://tokenscript.org/2024/01/tokenscript" xmlns:sl="urn:smartlayer:service:2026" name="T">` +
			`<sl:service><sl:module>module.exports = {}</sl:module>` + body + `</sl:service></ts:token>`)
	}
	m, err := ParseManifest(doc(`<sl:price query="2" action="30"/><sl:query name="a"/><sl:query name="b" price="5"/><sl:query name="free" price="0"/>` +
		`<sl:action name="x"/><sl:action name="y" price="0"/>`))
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Service; s.QueryPriceOf("a") != 2 || s.QueryPriceOf("b") != 5 || s.QueryPriceOf("free") != 0 || s.ActionPriceOf("x") != 30 || s.ActionPriceOf("y") != 0 {
		t.Fatalf("prices: %+v", s)
	}
	for _, body := range []string{
		`<sl:price query="-1"/><sl:query name="a"/>`,
		`<sl:query name="a" price="one"/>`,
	} {
		if _, err := ParseManifest(doc(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", body, err)
		}
	}
	if err := m.Service.CheckPrices(); err != nil {
		t.Fatalf("queries cheaper than actions: %v", err)
	}
	for _, body := range []string{
		`<sl:price query="20" action="20"/><sl:query name="a"/><sl:action name="x"/>`,
		`<sl:price query="1" action="20"/><sl:query name="a" price="25"/><sl:action name="x"/>`,
		`<sl:price query="1" action="20"/><sl:query name="a"/><sl:action name="x" price="1"/>`,
	} {
		m, err := ParseManifest(doc(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if err := m.Service.CheckPrices(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", body, err)
		}
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

// TestContractSubscriptions: the flight ticket's ERC-721 twin and its
// FlightStatus event resolve to its one contract address, the event's
// first topic is its signature's hash, and malformed declarations are
// refused with the reason.
func TestContractSubscriptions(t *testing.T) {
	b, err := LoadBundle("../examples/flight-ticket")
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var transfers, status *Subscription
	for i := range m.Service.Subscriptions {
		switch s := &m.Service.Subscriptions[i]; {
		case s.Transfers:
			transfers = s
		case s.Contract != nil:
			status = s
		}
	}
	contract := common.HexToAddress("0x000000000000000000000000000000000000bEEF")
	if transfers == nil || transfers.Contract.Address != contract || transfers.Contract.ChainID != 1337 || transfers.EventTopic != TransferEventTopic {
		t.Fatalf("erc721 subscription %+v", transfers)
	}
	if status == nil || status.Event != "FlightStatus" || status.Schema != attest.ChainLogSchema.UID ||
		status.EventTopic != crypto.Keccak256Hash([]byte("FlightStatus(string,string,uint32,string)")) {
		t.Fatalf("event subscription %+v", status)
	}
	topic, err := status.Topic(map[string]any{"flight": "SL1", "date": "2026-12-03"})
	if err != nil || topic != wire.ChainTopic(contract, "SL1/2026-12-03") {
		t.Fatalf("topic %q, %v", topic, err)
	}
	if key, err := status.KeyOf(map[string]any{"flight": "SL1", "date": "2026-12-03", "status": "x"}); err != nil || key != "SL1/2026-12-03" {
		t.Fatalf("key %q, %v", key, err)
	}

	doc := func(contract, service string) []byte {
		return []byte(`<ts:token xmlns:ts="http://tokenscript.org/2024/01/tokenscript" xmlns:sl="urn:smartlayer:service:2026" name="T">` +
			contract + `<sl:service><sl:module>module.exports = {}</sl:module>` + service + `</sl:service></ts:token>`)
	}
	one := `<ts:contract name="C"><ts:address network="1337">0x000000000000000000000000000000000000bEEF</ts:address></ts:contract>`
	two := `<ts:contract name="C"><ts:address network="1">0x000000000000000000000000000000000000bEEF</ts:address><ts:address network="5">0x000000000000000000000000000000000000bEEF</ts:address></ts:contract>`
	for name, c := range map[string]struct{ contract, service, want string }{
		"unknown contract": {one, `<sl:erc721 contract="D"/>`, `no <ts:contract name="D">`},
		"two chains":       {two, `<sl:erc721 contract="C"/>`, "has 2 addresses"},
		"bad address":      {`<ts:contract name="C"><ts:address network="1">0x12</ts:address></ts:contract>`, `<sl:erc721 contract="C"/>`, "is not a 0x address"},
		"bad event":        {one, `<sl:subscribe contract="C" event="S" key="{a}"/>`, "want Name(type field,...)"},
		"indexed":          {one, `<sl:subscribe contract="C" event="S(string indexed a)" key="{a}"/>`, "indexed parameters"},
		"key not a field":  {one, `<sl:subscribe contract="C" event="S(string a)" key="{b}"/>`, `names "b"`},
		"schema too":       {one, `<sl:subscribe contract="C" schema="flight-status" event="S(string a)" key="{a}"/>`, "no schema or issuers"},
		"too many": {one, strings.Repeat(`<sl:subscribe contract="C" event="S(string a)" key="{a}"/>`, MaxContractSubscriptions) +
			`<sl:erc721 contract="C"/>`, "contract subscriptions"},
	} {
		_, err := ParseManifest(doc(c.contract, c.service))
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
