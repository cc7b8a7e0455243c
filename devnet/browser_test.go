package devnet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// chromiumPath finds the Chromium the browser tests drive: $SMARTLAYER_CHROMIUM,
// or chromium on the PATH (Debian's package; scripts/test-deps installs it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SMARTLAYER_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the browser tests need Chromium: run scripts/test-deps (apt-get install chromium), or set SMARTLAYER_CHROMIUM")
	return ""
}

// TestBrowser runs the demo site and the dashboard in Chromium
// (sdk/js/e2e, Playwright): the Go side publishes statuses and kills a
// service node when the page asks, through a control endpoint.
func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	sdk := jsSDK(t)
	opts := DefaultOptions()
	// With the chain, as `smartlayer devnet` runs: the ticket's status is
	// priced, and the site pays for its visitors' calls (POST /pay).
	opts.Tickets, opts.Services, opts.Chain = 4, 3, true
	d := startDevnet(t, opts)
	tk := d.Info.Tickets[0]
	ctl := http.NewServeMux()
	ctl.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Delay int }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		at := time.Now()
		if _, err := d.PublishStatus(r.Context(), tk.Flight, tk.Date, in.Delay, "delayed"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]int64{"publishedAtMs": at.UnixMilli()})
	})
	ctl.HandleFunc("POST /kill", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Peer string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for i, s := range d.Info.Services {
			if s.Peer == in.Peer {
				if err := d.KillService(i); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				_ = json.NewEncoder(w).Encode(map[string]int{"killed": i})
				return
			}
		}
		http.Error(w, "no such service node", http.StatusNotFound)
	})
	srv := httptest.NewServer(ctl)
	defer srv.Close()

	artifacts, err := filepath.Abs(filepath.Join("..", "test-artifacts", "browser"))
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]any{
		"demo": d.Info.Demo.HTTP, "dashboard": d.Info.Dashboard, "control": srv.URL, "chromium": chromium,
		"holder": tk.Holder, "instance": tk.Instance, "flight": tk.Flight, "nodes": len(d.Info.Services), "paid": d.Info.Chain != nil,
	}
	b, _ := json.Marshal(live)
	path := filepath.Join(t.TempDir(), "live.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec", "--test-concurrency=1", "--test-timeout=240000", "e2e/")
	cmd.Dir = sdk
	cmd.Env = append(os.Environ(), "SMARTLAYER_LIVE="+path, "SMARTLAYER_ARTIFACTS="+artifacts)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test e2e/:\n%s", out)
	if timings, rerr := os.ReadFile(filepath.Join(artifacts, "timings.json")); rerr == nil {
		t.Logf("timings (ms): %s", timings)
	}
	if err != nil {
		t.Fatal(fmt.Errorf("the browser tests failed (screenshots in %s): %w", artifacts, err))
	}
}
