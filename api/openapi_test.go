package api_test

import (
	"encoding"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/api/openapitest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/dashboard"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// TestOpenAPIDocument: the document served at /openapi.json is OpenAPI
// 3.1 whose every $ref resolves and every schema compiles (as JSON Schema
// 2020-12, also closed as the devnet's live check closes them); every
// operation has an operationId, declares a JSON (or text) body with a
// schema for each success but a 204, and answers every error with a
// problem; its operations are the endpoints api.Register serves.
func TestOpenAPIDocument(t *testing.T) {
	d, err := openapitest.Load(api.OpenAPI, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openapitest.Load(api.OpenAPI, true); err != nil {
		t.Fatalf("strict: %v", err)
	}
	if _, err := d.Components(); err != nil {
		t.Fatal(err)
	}
	var refs func(v any, at string)
	refs = func(v any, at string) {
		switch c := v.(type) {
		case map[string]any:
			if r, ok := c["$ref"].(string); ok {
				if _, err := d.Pointer(r); err != nil {
					t.Errorf("%s: %v", at, err)
				}
			}
			for k, e := range c {
				refs(e, at+"/"+k)
			}
		case []any:
			for _, e := range c {
				refs(e, at+"/[]")
			}
		}
	}
	refs(d.Raw, "#")

	ids := map[string]bool{}
	documented := map[string]bool{}
	for _, op := range d.Operations() {
		name := op.Method + " " + op.Path
		documented[name] = true
		raw, _ := d.Pointer("#/paths/" + strings.ReplaceAll(op.Path, "/", "~1") + "/" + strings.ToLower(op.Method))
		id, _ := raw.(map[string]any)["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: operationId %q missing or repeated", name, id)
		}
		ids[id] = true
		success := 0
		for status, mts := range op.Responses {
			switch {
			case status == "204":
				if len(mts) > 0 {
					t.Errorf("%s 204 declares a body", name)
				}
			case status[0] == '2':
				success++
				if len(mts) == 0 {
					t.Errorf("%s %s declares no body", name, status)
				}
				for mt, ptr := range mts {
					if ptr == "" {
						t.Errorf("%s %s %s declares no schema", name, status, mt)
					}
				}
			default:
				if ptr, ok := mts["application/problem+json"]; !ok || ptr == "" {
					t.Errorf("%s %s: an error answer is application/problem+json with a schema, not %v", name, status, mts)
				}
			}
		}
		if success == 0 {
			t.Errorf("%s declares no success", name)
		}
	}

	// The endpoints api.Register serves, and the anchors' dashboard stream
	// (package dashboard; its page, /ui, is HTML for people), from their
	// source.
	served := map[string]bool{}
	for _, f := range []string{"api.go", "../dashboard/handler.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("([A-Z]+) ([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
			if !strings.HasPrefix(m[2], "/ui") {
				served[m[1]+" "+m[2]] = true
			}
		}
	}
	if len(served) < 20 {
		t.Fatalf("read %d endpoints from api.go", len(served))
	}
	for e := range served {
		if !documented[e] {
			t.Errorf("%s is served but not in the document", e)
		}
	}
	for e := range documented {
		if !served[e] {
			t.Errorf("%s is in the document but not served", e)
		}
	}
}

// TestOpenAPITypes: the document's schemas say what the Go types that
// nodes answer with (package wire and the packages whose values the
// answers carry) write: every JSON member of a type is declared, every
// declared member is the type's, members written always are required and
// the others are not, and each has the JSON type the Go type writes.
func TestOpenAPITypes(t *testing.T) {
	d, err := openapitest.Load(api.OpenAPI, false)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]any{
		"Problem": wire.Problem{}, "Route": wire.Route{}, "Replica": wire.Replica{},
		"Record": placement.Record{}, "DownVote": placement.DownVote{},
		"Health": wire.Health{}, "Member": node.Member{}, "NodeLevel": node.NodeLevel{},
		"SamplingLevel": placement.Level{}, "Nondeterministic": node.Nondeterministic{}, "SlashCase": chain.SlashCase{},
		"PendingAction": wire.PendingAction{}, "StateView": wire.StateView{}, "Root": wire.Root{},
		"HistoryItem": wire.HistoryItem{}, "History": wire.History{},
		"Receipt": receipt.Receipt{}, "ActionOutcome": wire.ActionOutcome{},
		"External": sandbox.External{}, "Transcript": sandbox.Transcript{}, "Execution": sampling.Kept{},
		"Consistency": wire.Consistency{}, "ReplicaState": wire.ReplicaState{},
		"StreamHead": wire.StreamHead{}, "TopicHeads": wire.TopicHeads{}, "Entry": attlog.Entry{},
		"Bundle": tokenscript.Bundle{}, "Published": wire.Published{}, "Registered": wire.Registered{},
		"VoteResult": wire.VoteResult{}, "Revoked": wire.Revoked{}, "ReceiptQueued": wire.ReceiptQueued{},
		"ChannelState": wire.ChannelState{}, "PaymentDue": wire.PaymentDue{}, "ChannelStatus": wire.ChannelStatus{},
		"Settlement": wire.Settlement{}, "ChannelClose": wire.ChannelClose{}, "ChannelPromise": wire.ChannelPromise{}, "CommitmentProof": wire.CommitmentProof{},
		"Activity": dashboard.Activity{}, "Placement": dashboard.Placement{}, "NetworkEvent": dashboard.NetworkEvent{},
		// attlog's head is the same stream head as wire's.
		"StreamHead ": attlog.StreamHead{},
	}
	// Schemas of no Go type of an answer: request bodies read into a
	// handler's own struct, the network view (a map the node fills; the
	// devnet's live check reads it) and the shared string forms.
	untyped := map[string]bool{"SequenceRequest": true, "RegisterRequest": true, "Network": true, "Attestation": true,
		"InstanceID": true, "Hash": true, "Address": true, "HexBytes": true, "Amount": true, "Mode": true, "Bytes32Array": true}
	names, err := d.Components()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if _, ok := types[n]; !ok && !untyped[n] {
			t.Errorf("schema %s: no Go type is checked against it", n)
		}
	}
	for name, v := range types {
		name = strings.TrimSpace(name)
		sch := resolve(t, d, map[string]any{"$ref": "#/components/schemas/" + name})
		props, _ := sch["properties"].(map[string]any)
		required := map[string]bool{}
		for _, r := range asList(sch["required"]) {
			required[r.(string)] = true
		}
		fields := jsonFields(reflect.TypeOf(v))
		for _, f := range fields {
			p, ok := props[f.name]
			if !ok {
				t.Errorf("%s (%T): member %q is not declared", name, v, f.name)
				continue
			}
			if required[f.name] == f.omitempty {
				t.Errorf("%s (%T): member %q: required %v, but omitempty %v", name, v, f.name, required[f.name], f.omitempty)
			}
			want := jsonType(f.typ)
			if got := schemaTypes(resolve(t, d, p)); want != "" && len(got) > 0 && !got[want] && !(want == "integer" && got["number"]) {
				t.Errorf("%s (%T): member %q is a JSON %s, declared %v", name, v, f.name, want, keysOf(got))
			}
		}
		have := map[string]bool{}
		for _, f := range fields {
			have[f.name] = true
		}
		for p := range props {
			if !have[p] {
				t.Errorf("%s (%T): declares %q, which the type does not write", name, v, p)
			}
		}
		for r := range required {
			if !have[r] {
				t.Errorf("%s (%T): requires %q, which the type does not write", name, v, r)
			}
		}
	}
}

type field struct {
	name      string
	omitempty bool
	typ       reflect.Type
}

// jsonFields are the members encoding/json writes of a struct type, with
// embedded structs' promoted.
func jsonFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, jsonFields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name: name, omitempty: strings.Contains(","+opts+",", ",omitempty,"), typ: f.Type})
	}
	return out
}

var (
	marshaler     = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	rawMessage    = reflect.TypeFor[json.RawMessage]()
)

// jsonType is the JSON type encoding/json writes for t ("" when it may
// be any).
func jsonType(t reflect.Type) string {
	if t == rawMessage || t.Kind() == reflect.Interface {
		return ""
	}
	if t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) {
		return ""
	}
	if t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		return "string"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonType(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string" // base64
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return ""
}

// resolve follows a schema's $ref.
func resolve(t *testing.T, d *openapitest.Doc, v any) map[string]any {
	t.Helper()
	for range 8 {
		m, _ := v.(map[string]any)
		r, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var err error
		if v, err = d.Pointer(r); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("$ref loop at %v", v)
	return nil
}

// schemaTypes are the JSON types a schema allows by its "type" (none: any).
func schemaTypes(s map[string]any) map[string]bool {
	out := map[string]bool{}
	switch v := s["type"].(type) {
	case string:
		out[v] = true
	case []any:
		for _, e := range v {
			out[e.(string)] = true
		}
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPICheck: the check the devnet runs on live answers refuses an
// undeclared status, content type or member, a body off its schema and a
// problem whose instance is no URI reference; it takes a declared one.
func TestOpenAPICheck(t *testing.T) {
	d, err := openapitest.Load(api.OpenAPI, true)
	if err != nil {
		t.Fatal(err)
	}
	id := "0x" + strings.Repeat("ab", 32)
	route := `{"instance":"` + id + `","record":{"instance":"` + id + `","bundle":"0x1","epoch":1,"fencing":2,"replicas":["p"],"executor":"p",` +
		`"anchor":"0x` + strings.Repeat("00", 20) + `","anchorPeer":"a","issuedMs":1},"executor":"p","replicas":[{"peer":"p","state":"up","http":"http://127.0.0.1:1"}],"mode":"normal","via":[]}`
	problem := func(instance string) string {
		return `{"type":"urn:smartlayer:problem:unknown-instance","title":"Not Found","status":404,"instance":"` + instance + `"}`
	}
	for _, c := range []struct {
		name, method, path string
		status             int
		ctype, body        string
		ok                 bool
	}{
		{"a route", "GET", "/v1/tokens/" + id + "/route", 200, "application/json", route, true},
		{"a route without mode", "GET", "/v1/tokens/" + id + "/route", 200, "application/json", strings.Replace(route, `,"mode":"normal"`, "", 1), false},
		{"a route with an undeclared member", "GET", "/v1/tokens/" + id + "/route", 200, "application/json", strings.Replace(route, `"via":[]`, `"via":[],"extra":1`, 1), false},
		{"a route with via null", "GET", "/v1/tokens/" + id + "/route", 200, "application/json", strings.Replace(route, `"via":[]`, `"via":null`, 1), false},
		{"a route as text", "GET", "/v1/tokens/" + id + "/route", 200, "text/plain", route, false},
		{"an undeclared status", "GET", "/v1/tokens/" + id + "/route", 418, "application/problem+json", problem("/x"), false},
		{"a problem", "GET", "/v1/tokens/" + id + "/route", 404, "application/problem+json", problem("/v1/tokens/" + id + "/route"), true},
		{"a problem whose instance is no URI reference", "GET", "/v1/topics/100%25/heads", 400, "application/problem+json", problem("/v1/topics/100%/heads"), false},
		{"a problem whose instance is escaped", "GET", "/v1/topics/100%25/heads", 400, "application/problem+json", problem("/v1/topics/100%25/heads"), true},
		{"an escaped topic", "GET", "/v1/topics/a%2Fb/heads", 200, "application/json; charset=utf-8", `{"topic":"a/b","heads":[]}`, true},
		{"metrics", "GET", "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8", "# HELP x\n", true},
		{"no such operation", "DELETE", "/v1/health", 200, "application/json", `{}`, false},
	} {
		err := d.Check(c.method, c.path, c.status, c.ctype, []byte(c.body))
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
