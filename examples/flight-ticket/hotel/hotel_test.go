package hotel

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url, key, body string, timeout time.Duration) (int, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestHotel(t *testing.T) {
	h, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if code, _ := post(t, h.URL+"/bookings", "", `{}`, time.Second); code != 400 {
		t.Fatalf("no key: %d", code)
	}
	c1, m1 := post(t, h.URL+"/bookings", "k1", `{"p":"Ada"}`, time.Second)
	c2, m2 := post(t, h.URL+"/bookings", "k1", `{"p":"Ada"}`, time.Second)
	if c1 != 201 || c2 != 200 || m1["id"] != m2["id"] || h.Rebookings() != 1 {
		t.Fatalf("idempotency: %d %d %v %v %d", c1, c2, m1, m2, h.Rebookings())
	}
	if code, _ := post(t, h.URL+"/faults", "", `{"mode":"error"}`, time.Second); code != 200 {
		t.Fatal("faults")
	}
	if code, _ := post(t, h.URL+"/bookings", "k2", `{}`, time.Second); code != 503 {
		t.Fatalf("error mode: %d", code)
	}
	_, _ = post(t, h.URL+"/faults", "", `{"mode":"timeout"}`, time.Second)
	if code, _ := post(t, h.URL+"/bookings", "k3", `{}`, 200*time.Millisecond); code != 0 {
		t.Fatalf("timeout mode answered %d", code)
	}
	_, _ = post(t, h.URL+"/faults", "", `{"mode":"ok"}`, time.Second)
	if code, _ := post(t, h.URL+"/faults", "", `{"mode":"maybe"}`, time.Second); code != 400 {
		t.Fatal("bad mode accepted")
	}
	resp, err := http.Get(h.URL + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st["rebookings"] != float64(1) {
		t.Fatalf("stats %v", st)
	}
	// Errors for the next two requests only, then ok again.
	_, _ = post(t, h.URL+"/faults", "", `{"mode":"error","count":2}`, time.Second)
	for i, want := range []int{503, 503, 201} {
		if code, _ := post(t, h.URL+"/bookings", "k4", `{}`, time.Second); code != want {
			t.Fatalf("count: request %d answered %d, want %d", i, code, want)
		}
	}
	// A slow hotel books at once and holds the answer.
	_, _ = post(t, h.URL+"/faults", "", `{"mode":"ok","delayMs":300}`, time.Second)
	if code, _ := post(t, h.URL+"/bookings", "k5", `{}`, 100*time.Millisecond); code != 0 || h.Rebookings() != 3 {
		t.Fatalf("delay: answered %d, %d bookings", code, h.Rebookings())
	}
	if code, _ := post(t, h.URL+"/faults", "", `{"mode":"ok","delayMs":-1}`, time.Second); code != 400 {
		t.Fatal("negative delay accepted")
	}
}
