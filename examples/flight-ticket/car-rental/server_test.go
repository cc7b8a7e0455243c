package carrental

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestPayOnlyForTheSitesCallsAtTheTokenScriptsPrice(t *testing.T) {
	ticket := "0x" + strings.Repeat("ab", 32)
	var paid []string
	cfg := Config{Tickets: []Ticket{{Instance: ticket}},
		Price: func(kind, name string) uint64 {
			if kind == "query" && name == "status" {
				return 1
			}
			if kind == "actions" && name == "rebook" {
				return 20
			}
			return 0
		},
		Pay: func(path string, price uint64) (string, error) {
			paid = append(paid, fmt.Sprintf("%s %d", path, price))
			return "promise", nil
		}}
	s, err := Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pay := func(origin, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/pay", strings.NewReader(body))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	call := func(path string) string { return fmt.Sprintf(`{"url": "http://127.0.0.1:1%s", "price": "99"}`, path) }
	for _, c := range []struct {
		origin, body string
		status       int
	}{
		{s.URL, call("/v1/tokens/" + ticket + "/query/status"), 200},
		{s.URL, call("/v1/tokens/" + ticket + "/actions/rebook"), 200},
		{"", call("/v1/tokens/" + ticket + "/query/status"), 403},
		{"http://evil.example", call("/v1/tokens/" + ticket + "/query/status"), 403},
		{s.URL, call("/v1/tokens/0x" + strings.Repeat("cd", 32) + "/query/status"), 400},
		{s.URL, call("/v1/tokens/" + ticket + "/query/nope"), 400},
		{s.URL, call("/v1/tokens/" + ticket + "/state"), 400},
		{s.URL, `{"url":`, 400},
	} {
		if got, body := pay(c.origin, c.body); got != c.status {
			t.Errorf("origin %q body %s: %d %s, want %d", c.origin, c.body, got, body, c.status)
		}
	}
	// The price is the TokenScript's, whatever the caller says.
	want := []string{"/v1/tokens/" + ticket + "/query/status 1", "/v1/tokens/" + ticket + "/actions/rebook 20"}
	if fmt.Sprint(paid) != fmt.Sprint(want) {
		t.Fatalf("paid %v, want %v", paid, want)
	}
	// One visitor gets at most a burst, then 429.
	limited := false
	for i := 0; i < 2*PayBurst && !limited; i++ {
		st, _ := pay(s.URL, call("/v1/tokens/"+ticket+"/query/status"))
		limited = st == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("no rate limit per visitor")
	}
}

func TestNoPayWithoutPrices(t *testing.T) {
	s, err := Start("127.0.0.1:0", Config{Pay: func(string, uint64) (string, error) { return "x", nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := http.Post(s.URL+"/pay", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		t.Fatal("/pay answered without prices")
	}
	for _, f := range []string{"/", "/app.js", "/smartlayer.js", "/config.json"} {
		r, err := http.Get(s.URL + f)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 200 || r.Header.Get("X-Content-Type-Options") == "" && f != "/config.json" {
			t.Fatalf("%s: %d", f, r.StatusCode)
		}
	}
}
