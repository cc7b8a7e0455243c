package node

import (
	"testing"

	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/wire"
)

// An anchor forwarding a call in full fallback mode must forward what the
// integration presented for that very call: another instance, name,
// arguments or idempotency key is refused (found in review: a signed call
// could be relayed as another).
func TestPresentedMustBeThisCall(t *testing.T) {
	id := wire.InstanceID{1}
	call := func(path, key string, body []byte) *execReq {
		return &execReq{Instance: id, Name: "rebook", Args: []byte(`{"a":1}`), Key: "k1",
			Presented: grant.Presented{Grant: "g", Proof: "p", Request: grant.Request{Method: "POST", Path: path, Body: body, Key: key}}}
	}
	good := "/v1/tokens/" + id.String() + "/actions/rebook"
	if err := presentedFor(call(good, "k1", []byte(`{"a":1}`))); err != nil {
		t.Fatalf("the call itself: %v", err)
	}
	for name, r := range map[string]*execReq{
		"another key":      call(good, "k2", []byte(`{"a":1}`)),
		"other arguments":  call(good, "k1", []byte(`{"a":2}`)),
		"another action":   call("/v1/tokens/"+id.String()+"/actions/other", "k1", []byte(`{"a":1}`)),
		"another instance": call("/v1/tokens/"+wire.InstanceID{2}.String()+"/actions/rebook", "k1", []byte(`{"a":1}`)),
		"a query's proof":  call("/v1/tokens/"+id.String()+"/query/rebook", "k1", []byte(`{"a":1}`)),
	} {
		if err := presentedFor(r); err == nil {
			t.Errorf("%s: taken", name)
		}
	}
	q := &execReq{Instance: id, Name: "status", Args: []byte(`{}`),
		Presented: grant.Presented{Grant: "g", Proof: "p", Request: grant.Request{Method: "POST", Path: "/v1/tokens/" + id.String() + "/query/status"}}}
	if err := presentedFor(q); err != nil {
		t.Fatalf("a query with an empty body: %v", err)
	}
}
