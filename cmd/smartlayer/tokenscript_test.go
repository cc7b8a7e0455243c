package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestTokenScriptInspect(t *testing.T) {
	out, err := run("tokenscript", "inspect", "../../tokenscript/testdata/examples/09-devcon6-eas-attestation-signed-2022-09.tsml", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	sig := r["signature"].(map[string]any)
	if r["version"] != "2022/09" || r["name"] != "Devcon6" || sig["present"] != true || sig["valid"] != true || sig["signer"] != "0xe761Eb6e829DE49deaB008120733c1E35Acf77DB" {
		t.Fatalf("inspect: %s", out)
	}
	for _, k := range []string{"contracts", "attestations", "attributes", "cards", "actions", "service"} {
		if _, ok := r[k]; !ok {
			t.Errorf("inspect lacks %q", k)
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "xxe.xml")
	_ = os.WriteFile(bad, []byte(`<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><t>&x;</t>`), 0o644)
	if _, err := run("tokenscript", "inspect", bad); err == nil || !strings.Contains(err.Error(), `entity "x"`) {
		t.Fatalf("xxe: %v", err)
	}
	broken := filepath.Join(dir, "broken.xml")
	_ = os.WriteFile(broken, []byte(`<ts:token xmlns:ts="http://tokenscript.org/2024/01/tokenscript"><a></ts:token>`), 0o644)
	if _, err := run("tokenscript", "inspect", broken); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("malformed: %v", err)
	}
}

// TestTokenScriptRunFlightTicket walks the developer loop on the example:
// init from a ticket, apply a delay, run the rebook action against a live
// hotel, and replay its transcript.
func TestTokenScriptRunFlightTicket(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "airline.key")
	if _, err := run("keys", "new", "--out", key); err != nil {
		t.Fatal(err)
	}
	ticket, err := run("attest", "sign", "--key", key, "--schema", "string flight,string date,string passenger,string seat",
		"--data", `{"flight":"BA117","date":"2026-12-01","passenger":"Ada Lovelace","seat":"1A"}`)
	if err != nil {
		t.Fatal(err)
	}
	tf := filepath.Join(dir, "ticket.json")
	_ = os.WriteFile(tf, []byte(ticket), 0o644)
	bundle := "../../examples/flight-ticket"
	out, err := run("tokenscript", "run", bundle, "--init", tf)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Result, State  json.RawMessage
		TranscriptRoot string
	}
	_ = json.Unmarshal([]byte(out), &res)
	sf := filepath.Join(dir, "state.json")
	_ = os.WriteFile(sf, res.State, 0o644)

	status, err := run("attest", "sign", "--key", key, "--schema", "string flight,string date,uint32 delayMinutes,string status",
		"--data", `{"flight":"BA117","date":"2026-12-01","delayMinutes":190,"status":"delayed"}`)
	if err != nil {
		t.Fatal(err)
	}
	af := filepath.Join(dir, "status.json")
	_ = os.WriteFile(af, []byte(status), 0o644)
	out, err = run("tokenscript", "run", bundle, "--state", sf, "--apply", af)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(out), &res)
	var st map[string]any
	_ = json.Unmarshal(res.State, &st)
	if st["lounge"] != true || st["delayMinutes"] != float64(190) {
		t.Fatalf("apply: %s", res.State)
	}
	_ = os.WriteFile(sf, res.State, 0o644)

	var hits atomic.Int64
	hotel := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"id":"bk-1"}`))
	}))
	defer hotel.Close()
	tr := filepath.Join(dir, "transcript.json")
	out, err = run("tokenscript", "run", bundle, "--state", sf, "--action", "rebook", "--args", `{"hotel":"`+hotel.URL+`"}`, "--transcript", tr)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(out), &res)
	st = nil
	_ = json.Unmarshal(res.State, &st)
	if hits.Load() != 1 || st["rebooking"] != "confirmed" {
		t.Fatalf("rebook: hits %d, %s", hits.Load(), out)
	}
	root := res.TranscriptRoot
	out, err = run("tokenscript", "run", bundle, "--state", sf, "--replay", tr)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(out), &res)
	if res.TranscriptRoot != root || hits.Load() != 1 {
		t.Fatalf("replay: root %s vs %s, hits %d", res.TranscriptRoot, root, hits.Load())
	}
	// A tampered transcript says where it diverges.
	raw, _ := os.ReadFile(tr)
	_ = os.WriteFile(tr, []byte(strings.Replace(string(raw), "bk-1", "bk-2", 1)), 0o644)
	if _, err := run("tokenscript", "run", bundle, "--state", sf, "--replay", tr); err == nil || !strings.Contains(err.Error(), "diverges at output") {
		t.Fatalf("tampered replay: %v", err)
	}
}
