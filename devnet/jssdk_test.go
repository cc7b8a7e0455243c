package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The JavaScript SDK (sdk/js) is tested against a live devnet: its Node
// tests verify receipts and attestations the Go nodes made, and the nodes
// verify the grants and request signatures the SDK made.

var (
	jsOnce sync.Once
	jsErr  error
)

// jsSDK installs the SDK's npm packages (npm ci, from package-lock.json)
// when they are missing and builds it; it returns the SDK's folder.
func jsSDK(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "sdk", "js"))
	if err != nil {
		t.Fatal(err)
	}
	jsOnce.Do(func() {
		if _, err := exec.LookPath("npm"); err != nil {
			jsErr = fmt.Errorf("the JavaScript SDK's tests need Node.js 20+ and npm on the PATH: %w", err)
			return
		}
		run := func(args ...string) error {
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("%v: %w\n%s", args, err, out)
			}
			return nil
		}
		if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err != nil {
			if jsErr = run("npm", "ci", "--no-audit", "--no-fund"); jsErr != nil {
				return
			}
		}
		// The demo site serves the bundle as committed: it must be this
		// build's (the build copies it there).
		bundle := filepath.Join(dir, "..", "..", "examples", "flight-ticket", "car-rental", "smartlayer.js")
		before, _ := os.ReadFile(bundle)
		if jsErr = run("npm", "run", "build"); jsErr != nil {
			return
		}
		if after, _ := os.ReadFile(bundle); !bytes.Equal(before, after) {
			jsErr = fmt.Errorf("examples/flight-ticket/car-rental/smartlayer.js was not the SDK's current build (now rebuilt): commit it")
		}
	})
	if jsErr != nil {
		t.Fatal(jsErr)
	}
	return dir
}

// liveConfig is what the SDK's live tests read (SMARTLAYER_LIVE).
type liveConfig struct {
	Anchors      []string `json:"anchors"`
	ChainID      int64    `json:"chainId"`
	EASContract  string   `json:"easContract"`
	Instance     string   `json:"instance"`
	FlightTopic  string   `json:"flightTopic"`
	PassengerKey string   `json:"passengerKey"`
	Airline      string   `json:"airline"`
	Hotel        string   `json:"hotel"`
}

func TestJSSDK(t *testing.T) {
	sdk := jsSDK(t)
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 2, 3
	d := startDevnet(t, opts)
	tickets := readTickets(t, d)
	tk := tickets[0]
	cfg := liveConfig{ChainID: d.Info.ChainID, EASContract: d.Info.EASContract, Instance: tk.Instance,
		FlightTopic: FlightTopic(tk.Flight, tk.Date), PassengerKey: tk.PassengerKey, Airline: d.Info.Airline.Address, Hotel: d.Info.Hotel.HTTP}
	for _, a := range d.Info.Anchors {
		cfg.Anchors = append(cfg.Anchors, a.HTTP)
	}
	b, _ := json.Marshal(cfg)
	path := filepath.Join(t.TempDir(), "live.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The airline goes on publishing while the SDK follows the flight.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for i := 0; ctx.Err() == nil; i++ {
			_, _ = d.PublishStatus(ctx, tk.Flight, tk.Date, 200+i, "delayed")
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	// The SDK's types are the current OpenAPI document's.
	gen := filepath.Join(t.TempDir(), "openapi.ts")
	if out, err := exec.Command(filepath.Join(sdk, "node_modules", ".bin", "openapi-typescript"), filepath.Join(sdk, "..", "..", "api", "openapi.json"), "-o", gen).CombinedOutput(); err != nil {
		t.Fatalf("openapi-typescript: %v\n%s", err, out)
	}
	want, _ := os.ReadFile(gen)
	if got, _ := os.ReadFile(filepath.Join(sdk, "src", "openapi.ts")); !bytes.Equal(got, want) {
		t.Errorf("sdk/js/src/openapi.ts is not generated from the current api/openapi.json: run npm run types in sdk/js")
	}
	runCtx, stop := context.WithTimeout(ctx, 5*time.Minute)
	defer stop()
	cmd := exec.CommandContext(runCtx, "node", "--test", "--test-reporter=spec", "--test-timeout=180000", "test/")
	cmd.Dir = sdk
	cmd.Env = append(os.Environ(), "SMARTLAYER_LIVE="+path)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	if err != nil {
		t.Fatalf("the SDK's tests failed: %v", err)
	}
}

// readTickets reads tickets.json, which has the passengers' (test) keys.
func readTickets(t *testing.T, d *Devnet) []Ticket {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(d.Dir(), "tickets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ts []Ticket
	if err := json.Unmarshal(b, &ts); err != nil {
		t.Fatal(err)
	}
	return ts
}
