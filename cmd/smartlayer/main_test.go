package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(args ...string) (string, error) {
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// runSplit is run with the command's standard output and its standard
// error (progress, warnings) apart.
func runSplit(args ...string) (stdout, stderr string, err error) {
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.xml")
	_ = os.WriteFile(bad, []byte("<ts:token xmlns:ts='http://tokenscript.org/2024/01/tokenscript'><unclosed></ts:token>"), 0o644)
	cfg := filepath.Join(dir, "c.toml")
	_ = os.WriteFile(cfg, []byte("role = \"anchor\"\n"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"service", "--epoch-seed", "0x12", "--data", dir}, "network.epoch_seed: want 32 bytes of hex"},
		{[]string{"service", "--data", dir}, "network.anchors: needs the peer IDs"},
		{[]string{"service", "--config", cfg}, `says role "anchor" but the command is "service"`},
		{[]string{"service", "--config", filepath.Join(dir, "none.toml")}, "no such file"},
		{[]string{"devnet", "--anchors", "0"}, "--anchors 0: want 1 to 32"},
		{[]string{"token", "publish", bad, "--anchor", "http://127.0.0.1:1"}, "malformed TokenScript"},
		{[]string{"token", "publish", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"keys", "new"}, "--out FILE is required"},
		{[]string{"sim", "--anchors", "0"}, "--anchors, --services and --instances must be at least 1"},
		{[]string{"sim", "--kill", "1.5"}, "shares in [0, 1)"},
	}
	for _, c := range cases {
		_, err := run(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
}

func TestKeysNewAndVersion(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k.key")
	out, err := run("keys", "new", "--out", p)
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]string
	if err := json.Unmarshal([]byte(out), &res); err != nil || !strings.HasPrefix(res["address"], "0x") || !strings.HasPrefix(res["peer"], "16Uiu2") {
		t.Fatalf("keys new: %q %v", out, err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", st.Mode().Perm())
	}
	if _, err := run("keys", "new", "--out", p); err == nil {
		t.Fatal("overwrote an existing key")
	}
	out, err = run("version")
	if err != nil || !strings.HasPrefix(out, "smartlayer ") {
		t.Fatalf("version: %q %v", out, err)
	}
}
