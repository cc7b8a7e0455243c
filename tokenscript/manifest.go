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
	"github.com/smartlayer/smartlayer/wire"
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
	// Latency: the answer time (95th percentile, as anchors measure it) a
	// service node must keep to hold the token's instances (0: none).
	Latency time.Duration
	// Availability: the share of anchors' probes a service node must
	// answer to hold the token's instances (0: none).
	Availability float64
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
// from the instance's state, such as "{flight}/{date}". A subscription with
// a Contract asks for that contract's events instead, which anchors relay
// as chain-log attestations on wire.ChainTopic(contract, key): the events
// named Event whose fields fill the key template as the state does
// (<sl:subscribe contract="FlightTickets" event="FlightStatus(string
// flight,...)" key="{flight}/{date}"/>), or, with Transfers, the ERC-721
// Transfers of the token whose ID is the instance ID (<sl:erc721>).
type Subscription struct {
	Schema  attest.SchemaUID
	Key     string // template over state fields
	Issuers string // name of a <ts:attestation> whose issuers may publish, "" for any
	Apply   string // module function applying them, default "apply"

	Contract    *ChainContract
	Event       string         // the event's name ("FlightStatus"); "Transfer" with Transfers
	EventTopic  common.Hash    // keccak256 of its signature: the log's first topic
	EventFields *attest.Schema // its parameters, none indexed: how its data decodes
	Transfers   bool
}

// ChainContract is a <ts:contract> a service reads events of, on the one
// chain its bundle names an address for.
type ChainContract struct {
	Name    string
	ChainID uint64
	Address common.Address
}

// TransferEventTopic is the first topic of ERC-721 (and ERC-20) Transfer
// logs: keccak256("Transfer(address,address,uint256)").
var TransferEventTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

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

// QueryPriceOf is the named query's price: its own, or the token's.
func (s *Service) QueryPriceOf(name string) uint64 {
	for _, q := range s.Queries {
		if q.Name == name {
			return q.Price
		}
	}
	return s.QueryPrice
}

// CheckPrices says whether queries cost less than modifications (the
// whitepaper's service token): of the calls that are priced, every query
// less than every action. A bundle must pass it to be published; one kept
// from before the rule still loads.
func (s *Service) CheckPrices() error {
	for _, q := range s.Queries {
		for _, a := range s.Actions {
			if q.Price > 0 && a.Price > 0 && q.Price >= a.Price {
				return fmt.Errorf("%w: query %q is priced %d and action %q %d: a query must cost less than an action", ErrMalformed, q.Name, q.Price, a.Name, a.Price)
			}
		}
	}
	return nil
}

// ActionPriceOf is the named action's price: its own, or the token's.
func (s *Service) ActionPriceOf(name string) uint64 {
	for _, a := range s.Actions {
		if a.Name == name {
			return a.Price
		}
	}
	return s.ActionPrice
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
	if sub.Contract != nil {
		return wire.ChainTopic(sub.Contract.Address, key), nil
	}
	return sub.Schema.String() + "/" + key, nil
}

// KeyOf fills a contract subscription's key template from an event's
// decoded fields: the key anchors relay the event on.
func (sub *Subscription) KeyOf(fields map[string]any) (string, error) {
	t, err := (&Subscription{Key: sub.Key}).Topic(fields)
	if err != nil {
		return "", err
	}
	_, key, _ := strings.Cut(t, "/")
	return key, nil
}

// MaxContractSubscriptions bounds the contract subscriptions (<sl:erc721>
// and <sl:subscribe contract>) of one bundle: each is a log filter every
// anchor runs.
const MaxContractSubscriptions = 4

// chainContract resolves a service's contract reference: a <ts:contract>
// with exactly one address (the chain the bundle runs on).
func chainContract(name string, contracts []Contract) (*ChainContract, error) {
	for _, c := range contracts {
		if c.Name != name {
			continue
		}
		if len(c.Addresses) != 1 {
			return nil, fmt.Errorf("<ts:contract name=%q> has %d addresses: a bundle the network runs names its contract on one chain", name, len(c.Addresses))
		}
		for network, a := range c.Addresses {
			id, err := strconv.ParseUint(network, 10, 64)
			if err != nil || id == 0 {
				return nil, fmt.Errorf("<ts:contract name=%q>: <ts:address network=%q>: want a chain ID", name, network)
			}
			a = strings.TrimSpace(a)
			if !common.IsHexAddress(a) {
				return nil, fmt.Errorf("<ts:contract name=%q>: address %q is not a 0x address", name, a)
			}
			return &ChainContract{Name: name, ChainID: id, Address: common.HexToAddress(a)}, nil
		}
	}
	return nil, fmt.Errorf("no <ts:contract name=%q>", name)
}

// parseEvent reads an event declaration "Name(type field,...)": its name,
// first topic and fields. Its parameters are all unindexed (the log's
// data), and the key template names only them.
func parseEvent(decl, key string) (name string, topic common.Hash, fields *attest.Schema, err error) {
	i := strings.IndexByte(decl, '(')
	if i <= 0 || !strings.HasSuffix(decl, ")") {
		return "", topic, nil, fmt.Errorf("event=%q: want Name(type field,...), such as FlightStatus(string flight,string date)", decl)
	}
	name = decl[:i]
	for _, c := range name {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return "", topic, nil, fmt.Errorf("event=%q: bad event name", decl)
		}
	}
	params := decl[i+1 : len(decl)-1]
	if strings.Contains(params, " indexed ") {
		return "", topic, nil, fmt.Errorf("event=%q: indexed parameters are not supported: declare an event whose fields are all in its data", decl)
	}
	if fields, err = attest.ParseSchema(params); err != nil {
		return "", topic, nil, fmt.Errorf("event=%q: %v", decl, err)
	}
	for _, f := range templateFields(key) {
		if !slices.Contains(fields.Fields(), f) {
			return "", topic, nil, fmt.Errorf("key=%q names %q, which is not a field of event %s", key, f, name)
		}
	}
	return name, crypto.Keccak256Hash([]byte(name + "(" + fields.Types() + ")")), fields, nil
}

// templateFields lists the {field}s of a key template.
func templateFields(key string) []string {
	var out []string
	for {
		i := strings.Index(key, "{")
		if i < 0 {
			return out
		}
		j := strings.Index(key[i:], "}")
		if j < 0 {
			return out
		}
		out = append(out, key[i+1:i+j])
		key = key[i+j+1:]
	}
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

func parseService(s *Node, contracts []Contract) (*Service, error) {
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
	if v := sla.Attr("latency"); v != "" && sla != s {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Millisecond || d > time.Minute {
			return nil, bad("<sla latency=%q>: want a duration from 1ms to 1m", v)
		}
		svc.Latency = d
	}
	if v := sla.Attr("availability"); v != "" && sla != s {
		a, err := parsePercent(v)
		if err != nil || !(a > 0 && a <= 1) { // NaN too
			return nil, bad("<sla availability=%q>: want a share above 0%% and up to 100%%, as \"99.5%%\" or \"0.995\"", v)
		}
		svc.Availability = a
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
	onChain := 0
	var err error
	for _, e := range s.Find(isServiceNS, "erc721") {
		c, err := chainContract(e.Attr("contract"), contracts)
		if err != nil {
			return nil, bad("<erc721 contract=%q>: %v", e.Attr("contract"), err)
		}
		onChain++
		svc.Subscriptions = append(svc.Subscriptions, Subscription{Schema: attest.ChainLogSchema.UID, Apply: "apply",
			Contract: c, Event: "Transfer", EventTopic: TransferEventTopic, Transfers: true})
	}
	for _, sub := range s.Find(isServiceNS, "subscribe") {
		sb := Subscription{Key: sub.Attr("key"), Issuers: sub.Attr("issuers"), Apply: sub.Attr("apply")}
		if name := sub.Attr("contract"); name != "" {
			if sub.Attr("schema") != "" || sb.Issuers != "" {
				return nil, bad("<subscribe contract=%q>: a contract's events have no schema or issuers (the contract is their issuer)", name)
			}
			if sb.Contract, err = chainContract(name, contracts); err != nil {
				return nil, bad("<subscribe contract=%q>: %v", name, err)
			}
			if sb.Event, sb.EventTopic, sb.EventFields, err = parseEvent(sub.Attr("event"), sb.Key); err != nil {
				return nil, bad("<subscribe contract=%q>: %v", name, err)
			}
			sb.Schema = attest.ChainLogSchema.UID
			onChain++
		} else if sb.Schema, err = schemaRef(sub.Attr("schema")); err != nil {
			return nil, bad("<subscribe schema=%q>: %v", sub.Attr("schema"), err)
		}
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
	if onChain > MaxContractSubscriptions {
		return nil, bad("%d contract subscriptions (<erc721>, <subscribe contract>): at most %d", onChain, MaxContractSubscriptions)
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
// parsePercent reads "99.5%" or "0.995".
func parsePercent(v string) (float64, error) {
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		return f / 100, err
	}
	return strconv.ParseFloat(v, 64)
}

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
