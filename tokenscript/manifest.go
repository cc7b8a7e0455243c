package tokenscript

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
)

// ServiceNS is the namespace of Smart Layer's Service TokenScript elements.
const ServiceNS = "urn:smartlayer:service:2026"

// IsTokenScriptNS matches every TokenScript namespace, 2019/05 to 2024/01:
// http://tokenscript.org/<yyyy>/<mm>/tokenscript.
func IsTokenScriptNS(ns string) bool {
	return strings.HasPrefix(ns, "http://tokenscript.org/") && strings.HasSuffix(ns, "/tokenscript")
}

func isServiceNS(ns string) bool { return ns == ServiceNS }

// Manifest is what a node needs from a TokenScript.
type Manifest struct {
	Name         string
	Namespace    string
	Attestations []AttestationDef
	Service      *Service
}

// AttestationDef is a <ts:attestation> declaration.
type AttestationDef struct {
	Name      string
	Type      string
	Issuers   []common.Address
	SchemaUID attest.SchemaUID
}

// Service is the <sl:service> element: how the network runs the token.
type Service struct {
	Module       string // bundle path of the module, or "" when inline
	ModuleSource []byte
	Replicas     int
	Timeout      time.Duration
	// Instance describes where instances come from.
	InstanceKind   string // "attestation"
	InstanceOrigin string // name of the <ts:attestation> whose UIDs are instance IDs
	Schema         string // EAS schema string of the instance attestation's data
	Queries        []Query
}

// Query is a declared query.
type Query struct {
	Name string
	// GrantRequired: an integration must present the owner's grant
	// attestation covering this query.
	GrantRequired bool
}

// GrantRequired reports whether the named query needs the owner's grant.
func (s *Service) GrantRequired(name string) bool {
	for _, q := range s.Queries {
		if q.Name == name {
			return q.GrantRequired
		}
	}
	return false
}

// ParseManifest reads a TokenScript document.
func ParseManifest(doc []byte) (*Manifest, error) {
	root, err := ParseXML(doc)
	if err != nil {
		return nil, err
	}
	if root.Name.Local != "token" || !IsTokenScriptNS(root.Name.Space) {
		return nil, fmt.Errorf("%w: root is <%s> in %q, want <token> in a TokenScript namespace", ErrMalformed, root.Name.Local, root.Name.Space)
	}
	m := &Manifest{Name: root.Attr("name"), Namespace: root.Name.Space}
	for _, a := range root.Find(IsTokenScriptNS, "attestation") {
		def := AttestationDef{Name: a.Attr("name"), Type: a.Attr("type")}
		for _, k := range a.Find(IsTokenScriptNS, "key") {
			addr, err := keyAddress(k.Text)
			if err != nil {
				return nil, fmt.Errorf("%w: attestation %q: key: %v", ErrMalformed, def.Name, err)
			}
			def.Issuers = append(def.Issuers, addr)
		}
		if eas := a.First(IsTokenScriptNS, "eas"); eas != nil {
			if def.SchemaUID, err = attest.ParseSchemaUID(eas.Attr("schemaUID")); err != nil {
				return nil, fmt.Errorf("%w: attestation %q: %v", ErrMalformed, def.Name, err)
			}
		}
		m.Attestations = append(m.Attestations, def)
	}
	if s := root.First(isServiceNS, "service"); s != nil {
		if m.Service, err = parseService(s); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Attestation returns the named attestation definition.
func (m *Manifest) Attestation(name string) (*AttestationDef, bool) {
	for i := range m.Attestations {
		if m.Attestations[i].Name == name {
			return &m.Attestations[i], true
		}
	}
	return nil, false
}

func parseService(s *Node) (*Service, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: <service>: %s", ErrMalformed, fmt.Sprintf(format, a...))
	}
	svc := &Service{Replicas: 3, Timeout: time.Second}
	if v := s.Attr("replicas"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 16 {
			return nil, bad("replicas=%q: want 1 to 16", v)
		}
		svc.Replicas = n
	}
	if v := s.Attr("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Minute {
			return nil, bad("timeout=%q: want a duration up to 1m", v)
		}
		svc.Timeout = d
	}
	mod := s.First(isServiceNS, "module")
	if mod == nil {
		return nil, bad("no <module>")
	}
	svc.Module = mod.Attr("src")
	if svc.Module == "" {
		if mod.Text == "" {
			return nil, bad("<module> has neither src nor inline source")
		}
		svc.ModuleSource = []byte(mod.Text)
	}
	if in := s.First(isServiceNS, "instances"); in != nil {
		svc.InstanceKind = in.Attr("kind")
		svc.InstanceOrigin = in.Attr("origin")
		svc.Schema = in.Attr("schema")
		if svc.InstanceKind != "attestation" {
			return nil, bad("instances kind=%q: only \"attestation\" is supported", svc.InstanceKind)
		}
		if svc.Schema != "" {
			if _, err := attest.ParseSchema(svc.Schema); err != nil {
				return nil, bad("instances schema: %v", err)
			}
		}
	}
	for _, q := range s.Find(isServiceNS, "query") {
		if q.Attr("name") == "" {
			return nil, bad("<query> without a name")
		}
		g := q.Attr("grant")
		if g != "" && g != "required" && g != "none" {
			return nil, bad("<query name=%q grant=%q>: want \"required\" or \"none\"", q.Attr("name"), g)
		}
		svc.Queries = append(svc.Queries, Query{Name: q.Attr("name"), GrantRequired: g == "required"})
	}
	return svc, nil
}

// keyAddress reads a <ts:key>: an uncompressed or compressed secp256k1 public
// key in hex, or a 0x address.
func keyAddress(s string) (common.Address, error) {
	s = strings.TrimSpace(s)
	if common.IsHexAddress(s) && len(strings.TrimPrefix(s, "0x")) == 40 {
		return common.HexToAddress(s), nil
	}
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return common.Address{}, fmt.Errorf("not hex")
	}
	switch len(b) {
	case 65:
		pub, err := crypto.UnmarshalPubkey(b)
		if err != nil {
			return common.Address{}, err
		}
		return crypto.PubkeyToAddress(*pub), nil
	case 33:
		pub, err := crypto.DecompressPubkey(b)
		if err != nil {
			return common.Address{}, err
		}
		return crypto.PubkeyToAddress(*pub), nil
	}
	return common.Address{}, fmt.Errorf("%d bytes is neither a public key nor an address", len(b))
}
