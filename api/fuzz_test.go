package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// refusing is a node that knows no instance, no bundle and no receipt and
// reads every attestation posted to it with attest.Parse, as a node does
// first: the API's own decoding is what is fuzzed; the attestations'
// decoders have their own targets (attest.Fuzz*).
type refusing struct{}

var errNoInstance = &Problem{Status: http.StatusNotFound, Code: "unknown-instance", Detail: "none"}

func parsed(body []byte) error {
	if _, err := attest.Parse(body); err != nil {
		return err
	}
	return errors.New("not a token this node holds")
}

func (refusing) Publish(_ context.Context, data []byte, _ bool) (*attlog.Entry, error) {
	if err := parsed(data); errors.Is(err, attest.ErrMalformed) {
		return nil, err
	}
	return nil, attlog.ErrBadEntry
}
func (refusing) Sequence(string, json.RawMessage) ([]byte, error) { return nil, ErrNotSequencing }
func (refusing) TopicHeadsPage(string, *attlog.StreamID, int) ([]attlog.StreamHead, bool) {
	return nil, false
}
func (refusing) Head(attlog.StreamID) attlog.Head { return attlog.Head{} }
func (refusing) WaitTopic(string) <-chan struct{} { return make(chan struct{}) }
func (refusing) TopicEntries(string, uint64, int) ([]*attlog.Entry, []uint64, error) {
	return nil, nil, nil
}

func (refusing) Self() string { return "16Uiu2HAm9MmAwiJgRxtPFbg52mWD1QUQraMWmQWoZSUKcyokd16F" }
func (refusing) Query(context.Context, wire.InstanceID, string, json.RawMessage, grant.Presented) (*QueryOutcome, error) {
	return nil, executor.ErrNotHere
}
func (refusing) Action(context.Context, wire.InstanceID, string, string, json.RawMessage, grant.Presented) (*executor.Outcome, error) {
	return nil, executor.ErrNotHere
}
func (refusing) Read(wire.InstanceID, string, grant.Presented) (*token.Instance, error) {
	return nil, executor.ErrNotHere
}
func (refusing) Watch(wire.InstanceID, string, grant.Presented) (func() error, error) {
	return nil, executor.ErrNotHere
}
func (refusing) History(wire.InstanceID) ([]token.HistoryItem, error) {
	return nil, executor.ErrNotHere
}
func (refusing) Route(context.Context, wire.InstanceID) *wire.Route { return nil }
func (refusing) Revoke(body []byte) (attest.UID, error)             { return attest.UID{}, parsed(body) }
func (refusing) Counted(string)                                     {}
func (refusing) Transcript(common.Hash, grant.Presented) (*sampling.Kept, error) {
	return nil, ErrUnknownReceipt
}

type refusingAnchor struct{ refusing }

func (refusingAnchor) Route(context.Context, wire.InstanceID) (*wire.Route, error) {
	return nil, ErrUnknownInstance
}
func (refusingAnchor) Consistency(context.Context, wire.InstanceID) (*wire.Consistency, error) {
	return nil, ErrUnknownInstance
}
func (refusingAnchor) PublishBundle(string, *tokenscript.Bundle) (*wire.Published, error) {
	return nil, ErrBundleQuota
}
func (refusingAnchor) Bundle(context.Context, tokenscript.BundleHash) (*tokenscript.Bundle, bool) {
	return nil, false
}
func (refusingAnchor) Register(_ context.Context, _ tokenscript.BundleHash, att json.RawMessage) (*wire.Registered, error) {
	if err := parsed(att); errors.Is(err, attest.ErrMalformed) {
		return nil, err
	}
	return nil, ErrUnknownBundle
}
func (refusingAnchor) Vote(body []byte) (string, uint64, error) {
	if err := parsed(body); errors.Is(err, attest.ErrMalformed) {
		return "", 0, err
	}
	return "", 0, ErrVoteRefused
}
func (refusingAnchor) FullQuery(context.Context, wire.InstanceID, string, json.RawMessage, grant.Presented) (*FullAnswer, error) {
	return nil, ErrUnknownInstance
}
func (refusingAnchor) FullAction(context.Context, wire.InstanceID, string, string, json.RawMessage, grant.Presented) (*FullAnswer, error) {
	return nil, ErrUnknownInstance
}
func (refusingAnchor) ForwardReceipt(*receipt.Receipt) error { return sampling.ErrForwardedStray }

// FuzzRequests: any request to a node's HTTP API, as anyone with curl could
// send (a path with any instance, name, hash, topic or leaf; any body;
// any grant, signature or idempotency header), is answered with a 4xx
// problem JSON whose status matches the answer's, never a 500 or a panic,
// when the node behind the API knows nothing and refuses every
// attestation (anchor and service routes both).
func FuzzRequests(f *testing.F) {
	routes := []struct{ method, path string }{
		{"POST", "/v1/attestations"}, {"POST", "/v1/bundles"}, {"GET", "/v1/bundles/%s"}, {"POST", "/v1/tokens"},
		{"GET", "/v1/tokens/%s/route"}, {"GET", "/v1/tokens/%s/consistency"}, {"POST", "/v1/votes"}, {"POST", "/v1/receipts"},
		{"POST", "/v1/tokens/%s/query/%s"}, {"POST", "/v1/tokens/%s/actions/%s"}, {"GET", "/v1/tokens/%s/state"},
		{"GET", "/v1/tokens/%s/history"}, {"GET", "/v1/tokens/%s/root"}, {"GET", "/v1/receipts/%s/transcript"},
		{"POST", "/v1/revocations"}, {"GET", "/v1/topics/%s/heads"},
	}
	id := "0x" + strings.Repeat("01", 32)
	for i := range routes {
		f.Add(uint8(i), id, []byte(`{}`), "", "")
		f.Add(uint8(i), "status", []byte(`{"attestation":{"sig":{}},"topic":"x","bundle":"0x00"}`), "e30", "t=1;n=00;s=0x")
		f.Add(uint8(i), "0xzz", []byte(`[[[[[[[[[[[[[[[[[[[[`), "\xff", "k")
		f.Add(uint8(i), "", []byte("\xff\xfe"), "", "")
	}
	newServer := func(anchor bool) *httptest.Server {
		mux := http.NewServeMux()
		d := Deps{MaxBody: 64 << 10, ActionTimeout: time.Second, Limit: func(h http.HandlerFunc) http.HandlerFunc { return h },
			Health: func() any { return map[string]any{} }, Network: func() any { return map[string]any{} },
			Metrics: http.NotFoundHandler(), Topics: refusing{}, Done: make(chan struct{})}
		if anchor {
			d.Anchor = refusingAnchor{}
		} else {
			d.Tokens = refusing{}
		}
		Register(mux, d)
		s := httptest.NewServer(mux)
		f.Cleanup(s.Close)
		return s
	}
	servers := []*httptest.Server{newServer(true), newServer(false)}
	client := &http.Client{Timeout: 30 * time.Second}
	f.Fuzz(func(t *testing.T, which uint8, param string, body []byte, grantHdr, sigHdr string) {
		rt := routes[int(which)%len(routes)]
		path := strings.ReplaceAll(rt.path, "%s", escapePath(param))
		for _, s := range servers {
			req, err := http.NewRequest(rt.method, s.URL+path, bytes.NewReader(body))
			if err != nil {
				return // not a request a client can send
			}
			for h, v := range map[string]string{wire.GrantHeader: grantHdr, wire.SignatureHeader: sigHdr, wire.IdempotencyHeader: sigHdr} {
				if v != "" && validHeader(v) {
					req.Header.Set(h, v)
				}
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", rt.method, path, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("%s %s with %q: %d %s", rt.method, path, body, resp.StatusCode, b)
			}
			if resp.StatusCode >= 400 {
				var p struct{ Status int }
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") || json.Unmarshal(b, &p) != nil || p.Status != resp.StatusCode {
					t.Fatalf("%s %s: %d answered %q as %s", rt.method, path, resp.StatusCode, b, ct)
				}
			}
		}
	})
}

// escapePath keeps a fuzzed path segment one segment.
func escapePath(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}

// validHeader: what net/http lets a client send as a header value.
func validHeader(v string) bool {
	for _, c := range []byte(v) {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
