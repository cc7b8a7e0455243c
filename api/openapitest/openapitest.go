// Package openapitest checks live HTTP answers against the API's OpenAPI
// document (api/openapi.json): the operation a request names, the status
// it was answered with, the content type and the body, validated with a
// JSON Schema 2020-12 validator (the dialect of OpenAPI 3.1's schemas). It
// is for tests: api's own and the devnet's.
package openapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL is where the compiler keeps the document (no file is read).
const docURL = "file:///smartlayer/openapi.json"

// Doc is a compiled OpenAPI document.
type Doc struct {
	// Raw is the document as JSON values (json.Number for numbers).
	Raw map[string]any
	ops []*Operation
	c   *jsonschema.Compiler

	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema // by JSON pointer
	seen    map[string]bool               // "METHOD path status" checked
}

// Operation is one method of one path.
type Operation struct {
	Method, Path string   // "GET", "/v1/tokens/{instance}/route"
	segs         []string // Path split at '/'
	// Responses: status -> media type -> the schema's JSON pointer in the
	// document ("" for a media type declared without a schema).
	Responses map[string]map[string]string
}

// Load compiles doc. Strict, for tests of a live node, adds
// "unevaluatedProperties": false to every object schema that declares
// properties and says nothing of others, so an answer carrying a member
// the document does not declare fails; the document served stays open
// (clients ignore members they do not know).
func Load(doc []byte, strict bool) (*Doc, error) {
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("openapi document: not an object")
	}
	if v, _ := root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		return nil, fmt.Errorf("openapi document: version %q, want 3.1.x", v)
	}
	d := &Doc{Raw: root, schemas: map[string]*jsonschema.Schema{}, seen: map[string]bool{}}
	res := raw
	if strict {
		res = closeObjects(deepCopy(raw))
	}
	d.c = jsonschema.NewCompiler()
	d.c.DefaultDraft(jsonschema.Draft2020)
	d.c.AssertFormat()
	if err := d.c.AddResource(docURL, res); err != nil {
		return nil, err
	}
	paths, _ := root["paths"].(map[string]any)
	for path, item := range paths {
		methods, _ := item.(map[string]any)
		for method, o := range methods {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
			default:
				continue
			}
			op := &Operation{Method: strings.ToUpper(method), Path: path, segs: strings.Split(path, "/"), Responses: map[string]map[string]string{}}
			resps, _ := o.(map[string]any)["responses"].(map[string]any)
			for status, r := range resps {
				rm, ptr, err := d.resolve(r, "/paths/"+escape(path)+"/"+method+"/responses/"+escape(status))
				if err != nil {
					return nil, fmt.Errorf("%s %s %s: %w", op.Method, path, status, err)
				}
				op.Responses[status] = map[string]string{}
				content, _ := rm["content"].(map[string]any)
				for mt, m := range content {
					if _, ok := m.(map[string]any)["schema"]; ok {
						op.Responses[status][mt] = ptr + "/content/" + escape(mt) + "/schema"
					} else {
						op.Responses[status][mt] = ""
					}
				}
			}
			d.ops = append(d.ops, op)
		}
	}
	sort.Slice(d.ops, func(i, j int) bool { return d.ops[i].Path+d.ops[i].Method < d.ops[j].Path+d.ops[j].Method })
	// Every schema compiles (and every $ref in them resolves).
	for _, op := range d.ops {
		for status, mts := range op.Responses {
			for mt, ptr := range mts {
				if ptr == "" {
					continue
				}
				if _, err := d.schema(ptr); err != nil {
					return nil, fmt.Errorf("%s %s %s %s: %w", op.Method, op.Path, status, mt, err)
				}
			}
		}
	}
	return d, nil
}

// Operations are the document's operations, by path and method.
func (d *Doc) Operations() []*Operation { return d.ops }

// resolve follows a $ref (to the document's components) to the object it
// names, with that object's JSON pointer.
func (d *Doc) resolve(v any, ptr string) (map[string]any, string, error) {
	for range 8 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("%s: not an object", ptr)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, ptr, nil
		}
		var err error
		if v, err = d.Pointer(ref); err != nil {
			return nil, "", err
		}
		ptr = strings.TrimPrefix(ref, "#")
	}
	return nil, "", fmt.Errorf("%s: $ref loop", ptr)
}

// Pointer is the document's value at a local reference ("#/components/...").
func (d *Doc) Pointer(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q: only local references are used", ref)
	}
	var v any = d.Raw
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[tok]; !ok {
				return nil, fmt.Errorf("$ref %q does not resolve: no %q", ref, tok)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("$ref %q does not resolve: no index %q", ref, tok)
			}
			v = c[i]
		default:
			return nil, fmt.Errorf("$ref %q does not resolve at %q", ref, tok)
		}
	}
	return v, nil
}

// schema compiles the schema at a JSON pointer of the document, once.
func (d *Doc) schema(ptr string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.schemas[ptr]; ok {
		return s, nil
	}
	// The fragment is a JSON pointer in a URL: percent-escape what a
	// fragment cannot hold ('{', '}', ...).
	frag := (&url.URL{Fragment: ptr}).EscapedFragment()
	s, err := d.c.Compile(docURL + "#" + frag)
	if err != nil {
		return nil, err
	}
	d.schemas[ptr] = s
	return s, nil
}

// ValidateSchema validates a JSON value against a component schema
// ("Entry").
func (d *Doc) ValidateSchema(name string, body []byte) error {
	s, err := d.schema("/components/schemas/" + escape(name))
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(v)
}

// Find is the operation a request's method and escaped path name (a
// literal segment beats a parameter), or nil.
func (d *Doc) Find(method, escapedPath string) *Operation {
	segs := strings.Split(escapedPath, "/")
	var best *Operation
	bestLit := -1
	for _, op := range d.ops {
		if op.Method != method && !(method == http.MethodHead && op.Method == http.MethodGet) || len(op.segs) != len(segs) {
			continue
		}
		lit, ok := 0, true
		for i, s := range op.segs {
			switch {
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
				ok = ok && segs[i] != ""
			case s == segs[i]:
				lit++
			default:
				ok = false
			}
		}
		if ok && lit > bestLit {
			best, bestLit = op, lit
		}
	}
	return best
}

// Check validates one answer: the request's operation is in the document,
// declares the status, and the content type; the body validates against
// the schema declared for them. It records the operation and status as
// seen.
func (d *Doc) Check(method, escapedPath string, status int, contentType string, body []byte) error {
	op := d.Find(method, escapedPath)
	if op == nil {
		return fmt.Errorf("%s %s: no such operation in the document", method, escapedPath)
	}
	where := fmt.Sprintf("%s %s (%s) %d", method, escapedPath, op.Path, status)
	mts, ok := op.Responses[strconv.Itoa(status)]
	if !ok {
		mts, ok = op.Responses[strconv.Itoa(status/100)+"XX"]
	}
	if !ok {
		return fmt.Errorf("%s: status not declared: %s", where, clip(body))
	}
	d.mu.Lock()
	d.seen[op.Method+" "+op.Path+" "+strconv.Itoa(status)] = true
	d.mu.Unlock()
	if len(mts) == 0 {
		if len(body) > 0 {
			return fmt.Errorf("%s: a body where none is declared: %s", where, clip(body))
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("%s: content type %q: %v", where, contentType, err)
	}
	ptr, ok := mts[mt]
	if !ok {
		return fmt.Errorf("%s: content type %s not declared (declared: %v)", where, mt, keys(mts))
	}
	if ptr == "" {
		return nil
	}
	s, err := d.schema(ptr)
	if err != nil {
		return err
	}
	var v any
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		if v, err = jsonschema.UnmarshalJSON(bytes.NewReader(body)); err != nil {
			return fmt.Errorf("%s: body is not JSON: %v: %s", where, err, clip(body))
		}
	} else {
		v = string(body)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("%s: the body does not validate: %v\nbody: %s", where, err, clip(body))
	}
	return nil
}

// Seen lists the operations and statuses Check was given ("GET
// /v1/health 200"), sorted.
func (d *Doc) Seen() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return keys(d.seen)
}

// Transport checks every answer of the requests sent through it whose
// host is one of Hosts (host:port; all when empty) against Doc, and
// records what does not check. A text/event-stream answer is checked
// without its body (it does not end): read its events yourself.
type Transport struct {
	Doc   *Doc
	Base  http.RoundTripper // http.DefaultTransport when nil
	Hosts map[string]bool

	mu   sync.Mutex
	errs []error
}

// RoundTrip sends the request and checks the answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || len(t.Hosts) > 0 && !t.Hosts[req.URL.Host] || req.Method == http.MethodOptions {
		return resp, err
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt == "text/event-stream" {
		t.record(t.Doc.Check(req.Method, req.URL.EscapedPath(), resp.StatusCode, ct, nil))
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if req.Method != http.MethodHead {
		t.record(t.Doc.Check(req.Method, req.URL.EscapedPath(), resp.StatusCode, ct, body))
	}
	return resp, nil
}

func (t *Transport) record(err error) {
	if err == nil {
		return
	}
	t.mu.Lock()
	t.errs = append(t.errs, err)
	t.mu.Unlock()
}

// Errors are the answers that did not check, so far.
func (t *Transport) Errors() []error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]error(nil), t.errs...)
}

// escape makes a JSON pointer token of s.
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func deepCopy(v any) any {
	b, _ := json.Marshal(v)
	out, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	return out
}

// closeObjects adds "unevaluatedProperties": false to every schema object
// of v that declares properties and says nothing of others (the walk is
// over every object of the document, so a schema anywhere is reached).
func closeObjects(v any) any {
	switch c := v.(type) {
	case map[string]any:
		for k, e := range c {
			c[k] = closeObjects(e)
		}
		if props, ok := c["properties"].(map[string]any); ok {
			_, add := c["additionalProperties"]
			_, uneval := c["unevaluatedProperties"]
			// "properties" as a keyword (its value holds schemas), not a
			// property named "properties" of some object.
			if !add && !uneval && isSchemaMap(props) {
				c["unevaluatedProperties"] = false
			}
		}
	case []any:
		for i, e := range c {
			c[i] = closeObjects(e)
		}
	}
	return v
}

// isSchemaMap: every value is a schema (an object or a boolean).
func isSchemaMap(m map[string]any) bool {
	for _, v := range m {
		switch v.(type) {
		case map[string]any, bool:
		default:
			return false
		}
	}
	return true
}

// Components compiles every schema of components/schemas and lists their
// names.
func (d *Doc) Components() ([]string, error) {
	comps, _ := d.Raw["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	names := keys(schemas)
	for _, n := range names {
		if _, err := d.schema("/components/schemas/" + escape(n)); err != nil {
			return nil, fmt.Errorf("schema %s: %w", n, err)
		}
	}
	return names, nil
}
