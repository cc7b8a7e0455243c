package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/wire"
)

// blocking answers queries once released.
type blocking struct {
	refusing
	started chan struct{}
	release chan struct{}
}

func (b blocking) Query(ctx context.Context, _ wire.InstanceID, _ string, _ json.RawMessage, _ grant.Presented) (*QueryOutcome, error) {
	b.started <- struct{}{}
	<-b.release
	return &QueryOutcome{Output: json.RawMessage(`{"ok":true}`)}, nil
}

// TestQueriesCapped: past service.max_queries queries running at once, a
// query is answered 503 overloaded with Retry-After, so the client asks
// another replica; once one ends, queries run again (issue 17, replicas
// under pressure).
func TestQueriesCapped(t *testing.T) {
	b := blocking{started: make(chan struct{}, 1), release: make(chan struct{})}
	mux := http.NewServeMux()
	Register(mux, Deps{MaxBody: 1 << 10, MaxQueries: 1, Limit: func(h http.HandlerFunc) http.HandlerFunc { return h },
		Health: func() any { return nil }, Network: func() any { return nil }, Metrics: http.NotFoundHandler(),
		Topics: refusing{}, Tokens: b, Done: make(chan struct{})})
	s := httptest.NewServer(mux)
	defer s.Close()
	url := s.URL + "/v1/tokens/0x" + strings.Repeat("01", 32) + "/query/status"
	first := make(chan int, 1)
	go func() {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{}`))
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	select {
	case <-b.started: // the first query runs
	case <-time.After(30 * time.Second):
		t.Fatal("the first query did not start")
	}
	resp, err := http.Post(url, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var p wire.Problem
	_ = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.HasSuffix(p.Type, "overloaded") || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("a second query at once: %d %s Retry-After %q", resp.StatusCode, p.Type, resp.Header.Get("Retry-After"))
	}
	close(b.release)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("the first query answered %d", code)
	}
	go func() { <-b.started }()
	resp, err = http.Post(url, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a query after the first ended: %d", resp.StatusCode)
	}
}

// dormant refuses every action as a service node does for a token type
// whose rent ran out.
type dormant struct{ refusing }

func (dormant) Action(context.Context, wire.InstanceID, string, string, json.RawMessage, grant.Presented) (*executor.Outcome, error) {
	return nil, &Problem{Status: http.StatusPaymentRequired, Code: "token-type-dormant", Detail: "rent unpaid"}
}

// TestActionAnswersItsProblem: a refusal that says its own answer (a
// dormant token type's 402) is answered so, as a query's is, not as an
// action that could not be published.
func TestActionAnswersItsProblem(t *testing.T) {
	mux := http.NewServeMux()
	Register(mux, Deps{MaxBody: 1 << 10, Limit: func(h http.HandlerFunc) http.HandlerFunc { return h },
		Health: func() any { return nil }, Network: func() any { return nil }, Metrics: http.NotFoundHandler(),
		Topics: refusing{}, Tokens: dormant{}, Done: make(chan struct{})})
	req := httptest.NewRequest(http.MethodPost, "/v1/tokens/0x"+strings.Repeat("01", 32)+"/actions/rebook", strings.NewReader(`{}`))
	req.Header.Set(wire.IdempotencyHeader, "k")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	var p wire.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != http.StatusPaymentRequired || p.Type != "urn:smartlayer:problem:token-type-dormant" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}
