package tokenscript

import (
	"encoding/hex"
	"fmt"
	"slices"
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
	Title     string // <ts:meta><ts:name>
	Issuers   []common.Address
	SchemaUID attest.SchemaUID
	IDFields  string
}

// Service is the <sl:service> element: how the network runs the token.
type Service struct {
	Module       string // bundle path of the module, or "" when inline
	ModuleSource []byte
	// SLA needs.
	Replicas int
	Timeout  time.Duration
	Memory   int64 // bytes the heap may grow during one call
	// Instance describes where instances come from.
	InstanceKind   string // "attestation"
	InstanceOrigin string // name of the <ts:attestation> whose UIDs are instance IDs
	Schema         string // EAS schema string of the instance attestation's data
	Queries        []Query
	Actions        []Action
	Subscriptions  []Subscription
	Triggers       []Trigger
	Egress         []string // hosts ctx.fetch may reach
	// Public lists what anyone may read of an instance without the
	// owner's grant: "state", "history" (<sl:public reads="state history"/>).
	// Nothing is public unless declared.
	Public []string
	// Prices per call in the service token's smallest unit.
	QueryPrice, ActionPrice uint64
}

// Query is a declared query.
type Query struct {
	Name string
	// GrantRequired: an integration must present the owner's grant
	// attestation covering this query.
	GrantRequired bool
	Price         uint64
}

// Action is a declared action: run once, by the elected executor.
type Action struct {
	Name string
	// GrantRequired: an integration must present the owner's grant
	// covering "action:<name>".
	GrantRequired bool
	Price         uint64
}

// Subscription asks for the attestations of a topic: a schema and a key made
// from the instance's state, such as "{flight}/{date}".
type Subscription struct {
	Schema  attest.SchemaUID
	Key     string // template over state fields
	Issuers string // name of a <ts:attestation> whose issuers may publish, "" for any
	Apply   string // module function applying them, default "apply"
}

// Trigger starts an action when a state change satisfies a module predicate
// triggers[When](before, after).
type Trigger struct {
	When   string
	Action string
}

// ActionGrantRequired reports whether the named action needs the owner's grant.
func (s *Service) ActionGrantRequired(name string) bool {
	for _, a := range s.Actions {
		if a.Name == name {
			return a.GrantRequired
		}
	}
	return false
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

// Topic fills a subscription's key template from the instance state.
func (sub *Subscription) Topic(state map[string]any) (string, error) {
	key := sub.Key
	for {
		i := strings.Index(key, "{")
		if i < 0 {
			break
		}
		j := strings.Index(key[i:], "}")
		if j < 0 {
			return "", fmt.Errorf("key template %q: unclosed {", sub.Key)
		}
		field := key[i+1 : i+j]
		v, ok := state[field]
		if !ok {
			return "", fmt.Errorf("key template %q: state has no field %q", sub.Key, field)
		}
		key = key[:i] + fmt.Sprint(v) + key[i+j+1:]
	}
	return sub.Schema.String() + "/" + key, nil
}

// ParseManifest reads a TokenScript document strictly, as a node does for
// the bundles it runs: a document that declares entities is refused.
func ParseManifest(doc []byte) (*Manifest, error) {
	root, err := ParseXML(doc)
	if err != nil {
		return nil, err
	}
	ts, err := modelOf(root)
	if err != nil {
		return nil, err
	}
	return &Manifest{Name: ts.Name, Namespace: ts.Namespace, Attestations: ts.Attestations, Service: ts.Service}, nil
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
	sla := s
	if n := s.First(isServiceNS, "sla"); n != nil {
		sla = n
	}
	for _, n := range []*Node{s, sla} {
		if v := n.Attr("replicas"); v != "" {
			r, err := strconv.Atoi(v)
			if err != nil || r < 1 || r > 16 {
				return nil, bad("replicas=%q: want 1 to 16", v)
			}
			svc.Replicas = r
		}
		for _, attr := range []string{"timeout", "time"} {
			if v := n.Attr(attr); v != "" {
				d, err := time.ParseDuration(v)
				if err != nil || d <= 0 || d > time.Minute {
					return nil, bad("%s=%q: want a duration up to 1m", attr, v)
				}
				svc.Timeout = d
			}
		}
		if v := n.Attr("memory"); v != "" {
			b, err := parseBytes(v)
			if err != nil || b < 1<<20 || b > 4<<30 {
				return nil, bad("memory=%q: want 1MiB to 4GiB", v)
			}
			svc.Memory = b
		}
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
	price := func(n *Node, attr string) (uint64, error) {
		v := n.Attr(attr)
		if v == "" {
			return 0, nil
		}
		p, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, bad("<%s %s=%q>: want a whole number of the service token's smallest unit", n.Name.Local, attr, v)
		}
		return p, nil
	}
	if p := s.First(isServiceNS, "price"); p != nil {
		var err error
		if svc.QueryPrice, err = price(p, "query"); err != nil {
			return nil, err
		}
		if svc.ActionPrice, err = price(p, "action"); err != nil {
			return nil, err
		}
	}
	names := map[string]bool{}
	for _, q := range s.Find(isServiceNS, "query") {
		name := q.Attr("name")
		if name == "" || names["q:"+name] {
			return nil, bad("<query> without a name, or twice: %q", name)
		}
		names["q:"+name] = true
		g := q.Attr("grant")
		if g != "" && g != "required" && g != "none" {
			return nil, bad("<query name=%q grant=%q>: want \"required\" or \"none\"", name, g)
		}
		p, err := price(q, "price")
		if err != nil {
			return nil, err
		}
		if q.Attr("price") == "" {
			p = svc.QueryPrice
		}
		svc.Queries = append(svc.Queries, Query{Name: name, GrantRequired: g == "required", Price: p})
	}
	for _, a := range s.Find(isServiceNS, "action") {
		name := a.Attr("name")
		if name == "" || names["a:"+name] {
			return nil, bad("<action> without a name, or twice: %q", name)
		}
		names["a:"+name] = true
		g := a.Attr("grant")
		if g != "" && g != "required" && g != "none" {
			return nil, bad("<action name=%q grant=%q>: want \"required\" or \"none\"", name, g)
		}
		p, err := price(a, "price")
		if err != nil {
			return nil, err
		}
		if a.Attr("price") == "" {
			p = svc.ActionPrice
		}
		svc.Actions = append(svc.Actions, Action{Name: name, GrantRequired: g == "required", Price: p})
	}
	for _, sub := range s.Find(isServiceNS, "subscribe") {
		uid, err := schemaRef(sub.Attr("schema"))
		if err != nil {
			return nil, bad("<subscribe schema=%q>: %v", sub.Attr("schema"), err)
		}
		sb := Subscription{Schema: uid, Key: sub.Attr("key"), Issuers: sub.Attr("issuers"), Apply: sub.Attr("apply")}
		if sb.Key == "" {
			return nil, bad("<subscribe> needs a key template, such as \"{flight}/{date}\"")
		}
		if _, err := sb.Topic(map[string]any{}); err != nil && strings.Contains(err.Error(), "unclosed") {
			return nil, bad("<subscribe key=%q>: %v", sb.Key, err)
		}
		if sb.Apply == "" {
			sb.Apply = "apply"
		}
		svc.Subscriptions = append(svc.Subscriptions, sb)
	}
	for _, t := range s.Find(isServiceNS, "trigger") {
		tr := Trigger{When: t.Attr("when"), Action: t.Attr("action")}
		if tr.When == "" || !names["a:"+tr.Action] {
			return nil, bad("<trigger when=%q action=%q>: needs a predicate and a declared action", tr.When, tr.Action)
		}
		svc.Triggers = append(svc.Triggers, tr)
	}
	for _, e := range s.Find(isServiceNS, "egress") {
		h := strings.ToLower(strings.TrimSpace(e.Attr("host")))
		if h == "" || strings.ContainsAny(h, "/: ") {
			return nil, bad("<egress host=%q>: want a host name, such as api.hotel.example or *.hotel.example", e.Attr("host"))
		}
		svc.Egress = append(svc.Egress, h)
	}
	for _, e := range s.Find(isServiceNS, "public") {
		for _, r := range strings.Fields(e.Attr("reads")) {
			if r != "state" && r != "history" {
				return nil, bad("<public reads=%q>: want state and/or history", e.Attr("reads"))
			}
			svc.Public = append(svc.Public, r)
		}
	}
	return svc, nil
}

// IsPublic reports whether anyone may read an instance's state or history
// ("state", "history") without a grant.
func (s *Service) IsPublic(what string) bool { return slices.Contains(s.Public, what) }

// schemaRef reads a schema UID or the name of one of the network's schemas.
func schemaRef(v string) (attest.SchemaUID, error) {
	for _, ns := range attest.NetworkSchemas() {
		if ns.Name == v {
			return ns.UID, nil
		}
	}
	return attest.ParseSchemaUID(v)
}

// parseBytes reads "64MiB", "512KiB", "1GiB" or a number of bytes.
func parseBytes(v string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(v, suf) {
			v, mult = strings.TrimSuffix(v, suf), m
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a size")
	}
	return n * mult, nil
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
