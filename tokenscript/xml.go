package tokenscript

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors for unsafe or malformed XML.
var (
	ErrMalformed = errors.New("malformed TokenScript")
	ErrUnsafe    = errors.New("unsafe TokenScript")
)

// Limits on a TokenScript document.
const (
	MaxDocumentBytes = 8 << 20
	MaxDepth         = 64
	MaxElements      = 200_000
)

// Node is one element of a parsed document.
type Node struct {
	Name     xml.Name
	Attrs    []xml.Attr
	Children []*Node
	Text     string // character data directly inside the element, trimmed
}

// Attr returns the value of the un-namespaced attribute name.
func (n *Node) Attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name && (a.Name.Space == "" || a.Name.Space == n.Name.Space) {
			return a.Value
		}
	}
	return ""
}

// Find returns the direct children matching the namespace test and local name.
func (n *Node) Find(ns func(string) bool, local string) []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Name.Local == local && ns(c.Name.Space) {
			out = append(out, c)
		}
	}
	return out
}

// First returns the first matching direct child or nil.
func (n *Node) First(ns func(string) bool, local string) *Node {
	if f := n.Find(ns, local); len(f) > 0 {
		return f[0]
	}
	return nil
}

// Entity is a DTD entity declaration, recorded and never resolved.
type Entity struct {
	Name   string `json:"name"`
	System string `json:"system,omitempty"`
}

// Document is a parsed XML document.
type Document struct {
	Root *Node
	// Entities declared by the DTD; references to them stay in the text as
	// "&name;". Source-form TokenScripts pull files in this way.
	Entities []Entity
}

// ParseXML reads a document that declares no entities: any declaration is
// refused, naming the entity. This is how nodes read the bundles they run.
func ParseXML(data []byte) (*Node, error) {
	doc, err := parseXML(data, false)
	if err != nil {
		return nil, err
	}
	return doc.Root, nil
}

// ParseDocument reads a document leniently: external entities pointing at
// relative files (the source form of a TokenScript) are recorded and left
// unresolved. Entities that expand into other entities (billion laughs),
// parameter entities and external entities with an absolute URI (XXE) are
// refused, naming the entity.
func ParseDocument(data []byte) (*Document, error) { return parseXML(data, true) }

func parseXML(data []byte, lenient bool) (*Document, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: document is %d bytes, limit %d", ErrUnsafe, len(data), MaxDocumentBytes)
	}
	doc := &Document{}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = map[string]string{}
	var stack []*Node
	var text []*strings.Builder
	count := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			if strings.Contains(err.Error(), "invalid character entity") {
				return nil, fmt.Errorf("%w: line %d: %v (entities are never resolved)", ErrUnsafe, line, err)
			}
			return nil, fmt.Errorf("%w: line %d: %v", ErrMalformed, line, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			ents, err := entities(t)
			if err == nil && len(ents) > 0 && !lenient {
				err = fmt.Errorf("DTD declares entity %q; entities are never resolved", ents[0].Name)
			}
			if err != nil {
				line, _ := d.InputPos()
				return nil, fmt.Errorf("%w: line %d: %v", ErrUnsafe, line, err)
			}
			for _, e := range ents {
				d.Entity[e.Name] = "&" + e.Name + ";"
				doc.Entities = append(doc.Entities, e)
			}
		case xml.StartElement:
			count++
			if count > MaxElements {
				return nil, fmt.Errorf("%w: more than %d elements", ErrUnsafe, MaxElements)
			}
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("%w: nesting deeper than %d", ErrUnsafe, MaxDepth)
			}
			n := &Node{Name: t.Name, Attrs: append([]xml.Attr(nil), t.Attr...)}
			if len(stack) == 0 {
				if doc.Root != nil {
					return nil, fmt.Errorf("%w: more than one root element", ErrMalformed)
				}
				doc.Root = n
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			}
			stack = append(stack, n)
			text = append(text, new(strings.Builder))
		case xml.CharData:
			if len(text) > 0 {
				text[len(text)-1].Write(t)
			}
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.Text = strings.TrimSpace(text[len(text)-1].String())
			stack = stack[:len(stack)-1]
			text = text[:len(text)-1]
		}
	}
	if doc.Root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrMalformed)
	}
	return doc, nil
}

// entities reads the entity declarations of a DOCTYPE, refusing the kinds
// that are attacks rather than file inclusion.
func entities(d xml.Directive) ([]Entity, error) {
	s := string(d)
	var out []Entity
	for {
		i := strings.Index(s, "<!ENTITY")
		if i < 0 {
			return out, nil
		}
		s = s[i+len("<!ENTITY"):]
		end := strings.Index(s, ">")
		if end < 0 {
			return nil, fmt.Errorf("unterminated entity declaration")
		}
		decl := strings.TrimSpace(s[:end])
		s = s[end+1:]
		f := strings.Fields(decl)
		if len(f) == 0 {
			return nil, fmt.Errorf("empty entity declaration")
		}
		if f[0] == "%" {
			name := "?"
			if len(f) > 1 {
				name = f[1]
			}
			return nil, fmt.Errorf("DTD declares parameter entity %q; parameter entities are refused", "%"+name)
		}
		e := Entity{Name: f[0]}
		rest := strings.TrimSpace(strings.TrimPrefix(decl, f[0]))
		switch {
		case strings.HasPrefix(rest, "SYSTEM") || strings.HasPrefix(rest, "PUBLIC"):
			q := quoted(rest)
			if len(q) == 0 {
				return nil, fmt.Errorf("entity %q has no system identifier", e.Name)
			}
			e.System = q[len(q)-1]
			if strings.Contains(e.System, ":") || strings.HasPrefix(e.System, "/") {
				return nil, fmt.Errorf("entity %q points at %q: external entities are never resolved (XXE)", e.Name, e.System)
			}
		default:
			q := quoted(rest)
			if len(q) == 1 && (strings.Contains(q[0], "&") || strings.Contains(q[0], "%")) {
				return nil, fmt.Errorf("entity %q expands into other entities: refused (billion laughs)", e.Name)
			}
		}
		out = append(out, e)
	}
}

// quoted returns the quoted strings of s, in order.
func quoted(s string) []string {
	var out []string
	for {
		i := strings.IndexAny(s, `"'`)
		if i < 0 {
			return out
		}
		q := s[i]
		j := strings.IndexByte(s[i+1:], q)
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+1+j])
		s = s[i+2+j:]
	}
}
