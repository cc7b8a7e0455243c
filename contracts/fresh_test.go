package contracts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
)

// sourcesHash is compile.js's sourcesHash.
func sourcesHash(t *testing.T) string {
	t.Helper()
	srcs, err := filepath.Glob("src/*.sol")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(srcs)
	h := sha256.New()
	for _, n := range append([]string{"compile.js", "package.json"}, srcs...) {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\n%d\n", filepath.ToSlash(n), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

// TestBindingsFresh fails when the sources changed since build/ was made,
// or when a binding does not carry build/'s ABI and bytecode: run
// `go generate ./contracts/...`.
func TestBindingsFresh(t *testing.T) {
	want, err := os.ReadFile("build/sources.sha256")
	if err != nil {
		t.Fatal(err)
	}
	if got := sourcesHash(t); got != strings.TrimSpace(string(want)) {
		t.Fatalf("contracts/src, compile.js or package.json changed since the bindings were generated (%s, built from %s): run go generate ./contracts/...", got, strings.TrimSpace(string(want)))
	}
	for name, md := range map[string]*bind.MetaData{
		"StakeToken": StakeTokenMetaData, "ServiceToken": ServiceTokenMetaData, "Epochs": EpochsMetaData,
		"Registry": RegistryMetaData, "TokenTypes": TokenTypesMetaData, "FlightTickets": FlightTicketsMetaData,
	} {
		bin, err := os.ReadFile("build/" + name + ".bin")
		if err != nil {
			t.Fatal(err)
		}
		if md.Bin != "0x"+strings.TrimSpace(string(bin)) {
			t.Errorf("%s: the binding's bytecode is not build/%s.bin: run go generate ./contracts/...", name, name)
		}
		abiJSON, err := os.ReadFile("build/" + name + ".abi")
		if err != nil {
			t.Fatal(err)
		}
		// abigen keeps the ABI with every space taken out, in strings too.
		if squeeze(string(abiJSON)) != squeeze(md.ABI) {
			t.Errorf("%s: the binding's ABI is not build/%s.abi: run go generate ./contracts/...", name, name)
		}
	}
}
