package layering

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Doc        string
	Deps       []string
	Name       string
}

func list(t *testing.T, args ...string) []pkg {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-json"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestEveryPackageHasDoc(t *testing.T) {
	for _, p := range list(t, "github.com/smartlayer/smartlayer/...") {
		if p.Doc == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

// The pure cores take time and randomness as inputs and do no I/O: they
// must not reach the network, the store or the node shells.
func TestPureCoresImportNoEngines(t *testing.T) {
	cores := []string{"attest", "attlog", "governance", "placement", "receipt", "token", "tokenscript"}
	forbidden := []string{
		"net/http", "github.com/libp2p/go-libp2p/p2p", "github.com/libp2p/go-libp2p-kad-dht",
		"github.com/cockroachdb/pebble", "github.com/smartlayer/smartlayer/node",
		"github.com/smartlayer/smartlayer/p2p", "github.com/smartlayer/smartlayer/store",
		"github.com/smartlayer/smartlayer/devnet",
	}
	for _, c := range cores {
		for _, p := range list(t, "-deps=false", "github.com/smartlayer/smartlayer/"+c) {
			deps := list(t, "-deps", p.ImportPath)
			for _, d := range deps {
				for _, f := range forbidden {
					if d.ImportPath == f || strings.HasPrefix(d.ImportPath, f+"/") {
						t.Errorf("pure core %s depends on %s", c, d.ImportPath)
					}
				}
			}
		}
	}
}
