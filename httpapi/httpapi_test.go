package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/smartlayer/smartlayer/wire"
)

// TestProblemInstanceIsAURIReference: a problem's instance is the
// request's path as sent, escaped (a topic's %2F stays one, a space is
// %20), cut to the cap without splitting an escape.
func TestProblemInstanceIsAURIReference(t *testing.T) {
	for _, c := range []struct{ target, want string }{
		{"/v1/topics/0xab%2Fkey/heads", "/v1/topics/0xab%2Fkey/heads"},
		{"/v1/tokens/a%20b/route?x=1", "/v1/tokens/a%20b/route"},
		{"/v1/tokens/%C3%A9/route", "/v1/tokens/%C3%A9/route"},
	} {
		w := httptest.NewRecorder()
		Error(w, httptest.NewRequest(http.MethodGet, c.target, nil), http.StatusBadRequest, "bad-topic", "x")
		var p wire.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Instance != c.want {
			t.Errorf("%s: instance %q, want %q", c.target, p.Instance, c.want)
		}
		if _, err := url.Parse(p.Instance); err != nil {
			t.Errorf("%s: instance %q is not a URI reference: %v", c.target, p.Instance, err)
		}
	}
	long := "/v1/tokens/" + strings.Repeat("%2F", 600) + "/route"
	got := ProblemInstance(httptest.NewRequest(http.MethodGet, long, nil))
	if len(got) > maxDetail || !strings.HasSuffix(got, "%2F") {
		t.Errorf("a long path cut to %d bytes ending %q", len(got), got[len(got)-6:])
	}
}
