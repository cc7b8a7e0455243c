package nodekey

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreateKeepsIdentity(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "node.key")
	k1, created, err := LoadOrCreate(p)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", st.Mode().Perm())
	}
	k2, created, err := LoadOrCreate(p)
	if err != nil || created {
		t.Fatalf("load: %v %v", created, err)
	}
	if k1.PeerID() != k2.PeerID() || k1.Address() != k2.Address() {
		t.Fatal("identity changed")
	}
	addr, err := AddressOfPeer(k1.PeerID())
	if err != nil || addr != k1.Address() {
		t.Fatalf("address of peer: %v %v", addr, err)
	}
	_ = os.Chmod(p, 0o644)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "must be 0600") {
		t.Fatalf("loose mode accepted: %v", err)
	}
	if err := k1.Save(p); err == nil {
		t.Fatal("overwrote a key")
	}
}
