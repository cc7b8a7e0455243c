package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func TestAttestSignVerify(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	if _, err := run("keys", "new", "--out", key); err != nil {
		t.Fatal(err)
	}
	schema := "string flight,string date,uint32 delayMinutes,string status"
	out, err := run("attest", "sign", "--key", key, "--schema", schema,
		"--data", `{"flight":"BA117","date":"2026-12-01","delayMinutes":190,"status":"delayed"}`,
		"--recipient", "0x90F79bf6EB2c4f870365E785982E1f101E93b906", "--expires", "2030-01-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "a.json")
	_ = os.WriteFile(file, []byte(out), 0o644)
	res, err := run("attest", "verify", file, "--json", "--schema", schema)
	if err != nil {
		t.Fatalf("verify: %v %s", err, res)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(res), &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"valid", "uid", "signer", "version", "schema", "recipient", "time", "expirationTime", "data"} {
		if _, ok := v[k]; !ok {
			t.Errorf("--json lacks %q: %s", k, res)
		}
	}
	if v["valid"] != true || v["version"] != float64(2) || v["data"].(map[string]any)["delayMinutes"] != float64(190) || v["expirationTime"] != float64(1893456000) {
		t.Fatalf("verify output: %s", res)
	}
	// The schema UID the CLI prints is the one signed.
	uid, err := run("attest", "schema-uid", schema)
	if err != nil || strings.TrimSpace(uid) != v["schema"] {
		t.Fatalf("schema-uid %q vs %v (%v)", uid, v["schema"], err)
	}
	// The URL form verifies too, and version 1 signs.
	u, err := run("attest", "sign", "--key", key, "--schema", "bool ok", "--data", `{"ok":true}`, "--version", "1", "--url")
	if err != nil || !strings.Contains(u, "#attestation=") {
		t.Fatalf("url: %q %v", u, err)
	}
	if _, err := run("attest", "verify", strings.TrimSpace(u)); err != nil {
		t.Fatalf("verify url: %v", err)
	}
	// Tampered: exit 1, with the error in the JSON.
	tampered := strings.Replace(out, `"revocable": true`, `"revocable": false`, 1)
	_ = os.WriteFile(file, []byte(tampered), 0o644)
	res, err = run("attest", "verify", file, "--json")
	if exitCode(err) != 1 || !strings.Contains(res, `"valid": false`) || !strings.Contains(res, "recovered signer differs") {
		t.Fatalf("tampered: exit %d, %s", exitCode(err), res)
	}
	// Unreadable: exit 2.
	_ = os.WriteFile(file, []byte("{nope"), 0o644)
	if _, err := run("attest", "verify", file); exitCode(err) != 2 {
		t.Fatalf("unreadable: exit %d (%v)", exitCode(err), err)
	}
	if _, err := run("attest", "verify", "missing-file"); exitCode(err) != 2 {
		t.Fatalf("missing file: exit %d", exitCode(err))
	}
	// Data that does not fit the schema: exit 1.
	_ = os.WriteFile(file, []byte(out), 0o644)
	if _, err := run("attest", "verify", file, "--schema", "uint8 x"); exitCode(err) != 1 {
		t.Fatalf("wrong schema: exit %d (%v)", exitCode(err), err)
	}
	for _, args := range [][]string{
		{"attest", "sign", "--key", key, "--schema", "uint8 x", "--data", `{"x":300}`},
		{"attest", "sign", "--key", key, "--schema", "uint8 x", "--data", `{"x":1}`, "--version", "3"},
		{"attest", "schema-uid", "uint7 x"},
	} {
		if _, err := run(args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestAttestVerifySharedVectors runs the CLI over the shared vectors.
func TestAttestVerifySharedVectors(t *testing.T) {
	files, _ := filepath.Glob("../../attest/testdata/*.json")
	if len(files) < 8 {
		t.Fatalf("found %d vectors", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var v struct {
			Package json.RawMessage `json:"package"`
			URL     string          `json:"url_or_value"`
		}
		_ = json.Unmarshal(b, &v)
		p := filepath.Join(t.TempDir(), "p.json")
		_ = os.WriteFile(p, v.Package, 0o644)
		if out, err := run("attest", "verify", p); err != nil || !strings.HasPrefix(out, "valid:") {
			t.Errorf("%s: %v %s", f, err, out)
		}
		if v.URL != "" {
			if _, err := run("attest", "verify", v.URL); err != nil {
				t.Errorf("%s url: %v", f, err)
			}
		}
	}
}
