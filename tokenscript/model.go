package tokenscript

import (
	"fmt"
	"sort"
	"strings"

	"github.com/smartlayer/smartlayer/attest"
)

// Namespaces of the parts of a TokenScript.
const (
	XMLNS      = "http://www.w3.org/XML/1998/namespace"
	DSigNS     = "http://www.w3.org/2000/09/xmldsig#"
	EthereumNS = "urn:ethereum:constantinople"
)

func isEthNS(ns string) bool  { return ns == EthereumNS || strings.HasPrefix(ns, "urn:ethereum:") }
func isDSigNS(ns string) bool { return ns == DSigNS }
func anyTS(ns string) bool    { return IsTokenScriptNS(ns) }

// Text is human text by language ("" when no language is given).
type Text map[string]string

// TokenScript is the model of a TokenScript document.
type TokenScript struct {
	Namespace    string           `json:"namespace"`
	Version      string           `json:"version"` // "2020/06"
	Name         string           `json:"name,omitempty"`
	Label        Text             `json:"label,omitempty"`
	Meta         map[string]Text  `json:"meta,omitempty"`
	Contracts    []Contract       `json:"contracts,omitempty"`
	Origins      []Origin         `json:"origins,omitempty"`
	Attestations []AttestationDef `json:"attestations,omitempty"`
	Attributes   []Attribute      `json:"attributes,omitempty"`
	Selections   []Selection      `json:"selections,omitempty"`
	Cards        []Card           `json:"cards,omitempty"`
	Service      *Service         `json:"-"`
	Entities     []Entity         `json:"entities,omitempty"`
	Signed       bool             `json:"signed"`
}

// Contract is a <ts:contract>.
type Contract struct {
	Name      string            `json:"name"`
	Interface string            `json:"interface,omitempty"`
	Addresses map[string]string `json:"addresses,omitempty"` // chain ID -> address
	HasABI    bool              `json:"hasAbi,omitempty"`
}

// Origin is where tokens come from: a contract or an attestation.
type Origin struct {
	Kind string `json:"kind"` // "ethereum" or "attestation"
	Name string `json:"name"`
}

// Attribute is a <ts:attribute> (or a 2019/05 <ts:attribute-type>).
type Attribute struct {
	Name    string       `json:"name"`
	Label   Text         `json:"label,omitempty"`
	Syntax  string       `json:"syntax,omitempty"`
	Origins []AttrOrigin `json:"origins,omitempty"`
}

// AttrOrigin is where an attribute's value comes from.
type AttrOrigin struct {
	Kind     string          `json:"kind"` // ethereum:call, ethereum:event, token-id, user-entry, data
	Contract string          `json:"contract,omitempty"`
	Function string          `json:"function,omitempty"`
	Event    string          `json:"event,omitempty"`
	Filter   string          `json:"filter,omitempty"`
	Select   string          `json:"select,omitempty"`
	As       string          `json:"as,omitempty"`
	Bitmask  string          `json:"bitmask,omitempty"`
	Mapping  map[string]Text `json:"mapping,omitempty"` // key -> value by language
	Data     []DataArg       `json:"data,omitempty"`
}

// DataArg is one argument of a call or transaction.
type DataArg struct {
	Type  string `json:"type"`
	Ref   string `json:"ref,omitempty"`
	Value string `json:"value,omitempty"`
}

// Selection is a named filter of tokens.
type Selection struct {
	Name   string `json:"name"`
	Filter string `json:"filter,omitempty"`
	Label  Text   `json:"label,omitempty"`
}

// Card is a view or action of the token.
type Card struct {
	Type        string       `json:"type"` // token, action, activity, onboarding
	Name        string       `json:"name,omitempty"`
	Label       Text         `json:"label,omitempty"`
	Origins     string       `json:"origins,omitempty"`
	Exclude     string       `json:"exclude,omitempty"`
	Attributes  []Attribute  `json:"attributes,omitempty"`
	Transaction *Transaction `json:"transaction,omitempty"`
	Views       []View       `json:"views,omitempty"`
}

// Transaction is a card's ethereum:transaction.
type Transaction struct {
	Contract string    `json:"contract,omitempty"`
	Function string    `json:"function,omitempty"`
	As       string    `json:"as,omitempty"`
	Data     []DataArg `json:"data,omitempty"`
}

// View is one of a card's views.
type View struct {
	Kind      string `json:"kind"` // view, item-view, view-iconified
	Lang      string `json:"lang,omitempty"`
	Script    bool   `json:"script,omitempty"`
	Include   string `json:"include,omitempty"`
	Reference string `json:"reference,omitempty"` // viewContent name or urlFragment
}

// ParseTokenScript reads a TokenScript leniently (see ParseDocument).
func ParseTokenScript(data []byte) (*TokenScript, error) {
	doc, err := ParseDocument(data)
	if err != nil {
		return nil, err
	}
	ts, err := modelOf(doc.Root)
	if err != nil {
		return nil, err
	}
	ts.Entities = doc.Entities
	return ts, nil
}

func modelOf(root *Node) (*TokenScript, error) {
	if root.Name.Local != "token" || !IsTokenScriptNS(root.Name.Space) {
		return nil, fmt.Errorf("%w: root is <%s> in %q, want <token> in a TokenScript namespace", ErrMalformed, root.Name.Local, root.Name.Space)
	}
	ts := &TokenScript{Namespace: root.Name.Space, Name: root.Attr("name")}
	ts.Version = strings.TrimSuffix(strings.TrimPrefix(ts.Namespace, "http://tokenscript.org/"), "/tokenscript")
	if l := root.First(anyTS, "label"); l != nil {
		ts.Label = textOf(l)
	} else if l := root.First(anyTS, "name"); l != nil { // 2019/05
		ts.Label = textOf(l)
	}
	if m := root.First(anyTS, "meta"); m != nil {
		ts.Meta = map[string]Text{}
		for _, c := range m.Children {
			t := ts.Meta[c.Name.Local]
			if t == nil {
				t = Text{}
				ts.Meta[c.Name.Local] = t
			}
			t[lang(c)] = c.Text
		}
	}
	for _, c := range root.Find(anyTS, "contract") {
		ct := Contract{Name: c.Attr("name"), Interface: c.Attr("interface"), Addresses: map[string]string{}}
		for _, a := range c.Find(anyTS, "address") {
			ct.Addresses[a.Attr("network")] = a.Text
		}
		ct.HasABI = c.First(anyTS, "abi") != nil
		ts.Contracts = append(ts.Contracts, ct)
	}
	if o := root.First(anyTS, "origins"); o != nil {
		for _, c := range o.Children {
			switch {
			case c.Name.Local == "ethereum":
				ts.Origins = append(ts.Origins, Origin{Kind: "ethereum", Name: c.Attr("contract")})
			case c.Name.Local == "attestation":
				ts.Origins = append(ts.Origins, Origin{Kind: "attestation", Name: c.Attr("name")})
			}
		}
	}
	for _, a := range root.Find(anyTS, "attestation") {
		def, err := attestationOf(a)
		if err != nil {
			return nil, err
		}
		ts.Attestations = append(ts.Attestations, def)
	}
	ts.Attributes = attributesOf(root)
	for _, s := range root.Find(anyTS, "selection") {
		ts.Selections = append(ts.Selections, Selection{Name: s.Attr("name"), Filter: s.Attr("filter"), Label: labelOf(s)})
	}
	if ss := root.First(anyTS, "selections"); ss != nil { // 2019/05
		for _, s := range ss.Find(anyTS, "selection") {
			sel := Selection{Name: s.Attr("id"), Label: labelOf(s)}
			if f := s.First(anyTS, "filter"); f != nil {
				sel.Filter = f.Text
			}
			ts.Selections = append(ts.Selections, sel)
		}
	}
	if cs := root.First(anyTS, "cards"); cs != nil {
		for _, c := range cs.Children {
			if !IsTokenScriptNS(c.Name.Space) {
				continue
			}
			switch c.Name.Local {
			case "card":
				ts.Cards = append(ts.Cards, cardOf(c, c.Attr("type")))
			case "token-card": // 2019/05
				ts.Cards = append(ts.Cards, cardOf(c, "token"))
			case "action": // 2019/05
				ts.Cards = append(ts.Cards, cardOf(c, "action"))
			}
		}
	}
	if s := root.First(isServiceNS, "service"); s != nil {
		svc, err := parseService(s, ts.Contracts)
		if err != nil {
			return nil, err
		}
		ts.Service = svc
	}
	ts.Signed = root.First(isDSigNS, "Signature") != nil
	return ts, nil
}

func attestationOf(a *Node) (AttestationDef, error) {
	def := AttestationDef{Name: a.Attr("name"), Type: a.Attr("type")}
	for _, k := range a.Find(anyTS, "key") {
		addr, err := keyAddress(k.Text)
		if err != nil {
			return def, fmt.Errorf("%w: attestation %q: key: %v", ErrMalformed, def.Name, err)
		}
		def.Issuers = append(def.Issuers, addr)
	}
	if eas := a.First(anyTS, "eas"); eas != nil {
		uid, err := attest.ParseSchemaUID(eas.Attr("schemaUID"))
		if err != nil {
			return def, fmt.Errorf("%w: attestation %q: %v", ErrMalformed, def.Name, err)
		}
		def.SchemaUID = uid
	}
	if id := a.First(anyTS, "idFields"); id != nil {
		def.IDFields = id.Text
	}
	if m := a.First(anyTS, "meta"); m != nil {
		if n := m.First(anyTS, "name"); n != nil {
			def.Title = n.Text
		}
	}
	return def, nil
}

func attributesOf(n *Node) []Attribute {
	var out []Attribute
	for _, a := range n.Find(anyTS, "attribute") {
		out = append(out, attributeOf(a, a.Attr("name")))
	}
	if at := n.First(anyTS, "attribute-types"); at != nil { // 2019/05
		for _, a := range at.Find(anyTS, "attribute-type") {
			attr := attributeOf(a, a.Attr("id"))
			attr.Syntax = a.Attr("syntax")
			if l := a.First(anyTS, "name"); l != nil {
				attr.Label = textOf(l)
			}
			out = append(out, attr)
		}
	}
	return out
}

func attributeOf(a *Node, name string) Attribute {
	attr := Attribute{Name: name, Label: labelOf(a)}
	if t := a.First(anyTS, "type"); t != nil {
		if s := t.First(anyTS, "syntax"); s != nil {
			attr.Syntax = s.Text
		}
	}
	if o := a.First(anyTS, "origins"); o != nil {
		for _, c := range o.Children {
			attr.Origins = append(attr.Origins, attrOriginOf(c))
		}
	}
	return attr
}

func attrOriginOf(c *Node) AttrOrigin {
	o := AttrOrigin{Kind: c.Name.Local, Contract: c.Attr("contract"), Function: c.Attr("function"), As: c.Attr("as"),
		Bitmask: c.Attr("bitmask"), Filter: c.Attr("filter"), Select: c.Attr("select"), Event: c.Attr("type")}
	switch {
	case isEthNS(c.Name.Space):
		o.Kind = "ethereum:" + c.Name.Local
	case c.Name.Local == "ethereum": // 2019/05 <ts:ethereum function=...>
		o.Kind = "ethereum:call"
	}
	if d := c.First(anyTS, "data"); d != nil {
		o.Data = dataOf(d)
	}
	if m := c.First(anyTS, "mapping"); m != nil {
		o.Mapping = map[string]Text{}
		for _, opt := range m.Find(anyTS, "option") {
			t := Text{}
			for _, v := range opt.Find(anyTS, "value") {
				t[lang(v)] = v.Text
			}
			o.Mapping[opt.Attr("key")] = t
		}
	}
	return o
}

func dataOf(d *Node) []DataArg {
	var out []DataArg
	for _, a := range d.Children {
		out = append(out, DataArg{Type: a.Name.Local, Ref: a.Attr("ref"), Value: a.Text})
	}
	return out
}

func cardOf(c *Node, typ string) Card {
	card := Card{Type: typ, Name: c.Attr("name"), Label: labelOf(c), Origins: c.Attr("origins"), Exclude: c.Attr("exclude")}
	if card.Label == nil {
		if n := c.First(anyTS, "name"); n != nil {
			card.Label = textOf(n)
		}
	}
	if ex := c.First(anyTS, "exclude"); ex != nil && card.Exclude == "" {
		card.Exclude = ex.Attr("selection")
	}
	card.Attributes = attributesOf(c)
	if tx := c.First(anyTS, "transaction"); tx != nil {
		if et := tx.First(isEthNS, "transaction"); et != nil {
			t := &Transaction{Contract: et.Attr("contract"), Function: et.Attr("function"), As: et.Attr("as")}
			if d := et.First(anyTS, "data"); d != nil {
				t.Data = dataOf(d)
			}
			card.Transaction = t
		}
	}
	for _, v := range c.Children {
		if !IsTokenScriptNS(v.Name.Space) {
			continue
		}
		switch v.Name.Local {
		case "view", "item-view", "view-iconified":
			view := View{Kind: v.Name.Local, Lang: lang(v), Reference: v.Attr("urlFragment")}
			if inc := v.First(anyTS, "include"); inc != nil {
				view.Include = inc.Attr("src")
			}
			if vc := v.First(anyTS, "viewContent"); vc != nil {
				view.Reference = vc.Attr("name")
			}
			view.Script = hasScript(v)
			card.Views = append(card.Views, view)
		}
	}
	return card
}

func hasScript(n *Node) bool {
	for _, c := range n.Children {
		if c.Name.Local == "script" || hasScript(c) {
			return true
		}
	}
	return false
}

func lang(n *Node) string {
	for _, a := range n.Attrs {
		if a.Name.Local == "lang" && (a.Name.Space == XMLNS || a.Name.Space == "xml") {
			return a.Value
		}
	}
	return ""
}

func labelOf(n *Node) Text {
	if l := n.First(anyTS, "label"); l != nil {
		return textOf(l)
	}
	return nil
}

// textOf reads <ts:string xml:lang> and <ts:plurals xml:lang> children (the
// "other" plural, else the first), or the element's own text.
func textOf(n *Node) Text {
	t := Text{}
	for _, c := range n.Children {
		switch c.Name.Local {
		case "string":
			t[lang(c)] = c.Text
		case "plurals":
			l := lang(c)
			for _, s := range c.Find(anyTS, "string") {
				if _, ok := t[l]; !ok || s.Attr("quantity") == "other" {
					t[l] = s.Text
				}
			}
		}
	}
	if len(t) == 0 && n.Text != "" {
		t[lang(n)] = n.Text
	}
	if len(t) == 0 {
		return nil
	}
	return t
}

// Attestation returns the named attestation definition.
func (ts *TokenScript) Attestation(name string) (*AttestationDef, bool) {
	for i := range ts.Attestations {
		if ts.Attestations[i].Name == name {
			return &ts.Attestations[i], true
		}
	}
	return nil, false
}

// Summary is the short description `tokenscript inspect` prints.
type Summary struct {
	Version      string              `json:"version"`
	Namespace    string              `json:"namespace"`
	Name         string              `json:"name"`
	Contracts    []Contract          `json:"contracts"`
	Attestations []AttestationSum    `json:"attestations"`
	Attributes   []string            `json:"attributes"`
	Cards        []string            `json:"cards"`
	Actions      []string            `json:"actions"`
	Selections   []string            `json:"selections"`
	Entities     []string            `json:"unresolvedEntities"`
	Service      *ServiceSummary     `json:"service"`
	Labels       map[string][]string `json:"labelLanguages,omitempty"`
}

// AttestationSum summarises an attestation definition.
type AttestationSum struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	SchemaUID string   `json:"schemaUID,omitempty"`
	Issuers   []string `json:"issuers"`
}

// ServiceSummary says whether and how the token runs on Smart Layer.
type ServiceSummary struct {
	Module  string   `json:"module"`
	Queries []string `json:"queries"`
	Actions []string `json:"actions"`
}

// Summarise makes the inspect summary.
func (ts *TokenScript) Summarise() *Summary {
	s := &Summary{Version: ts.Version, Namespace: ts.Namespace, Name: ts.Name, Contracts: ts.Contracts,
		Attestations: []AttestationSum{}, Attributes: []string{}, Cards: []string{}, Actions: []string{}, Selections: []string{}, Entities: []string{}}
	if s.Name == "" {
		s.Name = ts.Label.Best()
	}
	if s.Contracts == nil {
		s.Contracts = []Contract{}
	}
	for _, a := range ts.Attestations {
		as := AttestationSum{Name: a.Name, Type: a.Type, Issuers: []string{}}
		if a.SchemaUID != (attest.SchemaUID{}) {
			as.SchemaUID = a.SchemaUID.String()
		}
		for _, i := range a.Issuers {
			as.Issuers = append(as.Issuers, i.Hex())
		}
		s.Attestations = append(s.Attestations, as)
	}
	for _, a := range ts.Attributes {
		s.Attributes = append(s.Attributes, a.Name)
	}
	for _, c := range ts.Cards {
		name := c.Name
		if name == "" {
			name = c.Label.Best()
		}
		if c.Type == "action" {
			s.Actions = append(s.Actions, name)
		} else {
			s.Cards = append(s.Cards, c.Type+":"+name)
		}
	}
	for _, sel := range ts.Selections {
		s.Selections = append(s.Selections, sel.Name)
	}
	for _, e := range ts.Entities {
		s.Entities = append(s.Entities, e.Name)
	}
	if ts.Service != nil {
		ss := &ServiceSummary{Module: ts.Service.Module, Queries: []string{}, Actions: []string{}}
		if ss.Module == "" {
			ss.Module = "(inline)"
		}
		for _, q := range ts.Service.Queries {
			ss.Queries = append(ss.Queries, q.Name)
		}
		for _, a := range ts.Service.Actions {
			ss.Actions = append(ss.Actions, a.Name)
		}
		s.Service = ss
	}
	if len(ts.Label) > 0 {
		var langs []string
		for l := range ts.Label {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		s.Labels = map[string][]string{"token": langs}
	}
	return s
}

// Best is the English text, else the language-neutral one, else any.
func (t Text) Best() string {
	for _, l := range []string{"en", ""} {
		if v, ok := t[l]; ok {
			return v
		}
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return t[keys[0]]
	}
	return ""
}
