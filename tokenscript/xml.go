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

// ParseXML reads a document into a tree. It never resolves entities or DTDs:
// a document declaring entities is refused, naming the entity.
func ParseXML(data []byte) (*Node, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: document is %d bytes, limit %d", ErrUnsafe, len(data), MaxDocumentBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var root *Node
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
			if name, ok := entityName(t); ok {
				line, _ := d.InputPos()
				return nil, fmt.Errorf("%w: line %d: DTD declares entity %q; entities are never resolved", ErrUnsafe, line, name)
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
				if root != nil {
					return nil, fmt.Errorf("%w: more than one root element", ErrMalformed)
				}
				root = n
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
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrMalformed)
	}
	return root, nil
}

// entityName returns the first entity a DOCTYPE declares.
func entityName(d xml.Directive) (string, bool) {
	s := string(d)
	i := strings.Index(s, "<!ENTITY")
	if i < 0 {
		return "", false
	}
	f := strings.Fields(s[i+len("<!ENTITY"):])
	if len(f) > 0 && f[0] == "%" && len(f) > 1 {
		return "%" + f[1], true
	}
	if len(f) > 0 {
		return f[0], true
	}
	return "?", true
}
