package layering

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
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
	cores := []string{"attest", "attlog", "channel", "commitment", "governance", "grant", "placement", "receipt", "slo", "ticket", "token", "tokenscript", "wire"}
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

// The state-machine cores take time, randomness and I/O as inputs: their
// own code reads no clock, draws no random numbers, starts no goroutines
// and opens no files or sockets. (attest, a codec, verifies batches in
// parallel and salts what it signs; tokenscript reads bundle directories.)
func TestStateCoresHaveNoClockRandOrGoroutines(t *testing.T) {
	cores := []string{"attlog", "channel", "commitment", "governance", "grant", "placement", "slo", "ticket", "token", "wire"}
	bannedImports := map[string]bool{"math/rand": true, "math/rand/v2": true, "crypto/rand": true, "os": true, "net": true, "net/http": true}
	bannedTime := map[string]bool{"Now": true, "Since": true, "Until": true, "After": true, "AfterFunc": true, "Sleep": true, "Tick": true, "NewTimer": true, "NewTicker": true}
	for _, c := range cores {
		files, _ := filepath.Glob(filepath.Join("..", "..", c, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			fs := token.NewFileSet()
			af, err := parser.ParseFile(fs, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range af.Imports {
				if p, _ := strconv.Unquote(im.Path.Value); bannedImports[p] {
					t.Errorf("%s imports %s", fs.Position(im.Pos()), p)
				}
			}
			ast.Inspect(af, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.GoStmt:
					t.Errorf("%s starts a goroutine", fs.Position(x.Pos()))
				case *ast.SelectorExpr:
					if id, ok := x.X.(*ast.Ident); ok && id.Name == "time" && bannedTime[x.Sel.Name] {
						t.Errorf("%s reads the clock (time.%s)", fs.Position(x.Pos()), x.Sel.Name)
					}
				}
				return true
			})
		}
	}
}

// Pebble stays inside package store: no other package imports it.
func TestOnlyStoreImportsPebble(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "github.com/smartlayer/smartlayer/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == "github.com/smartlayer/smartlayer/store" {
			continue
		}
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, "github.com/cockroachdb/pebble") {
				t.Errorf("%s imports %s; only store may", f[0], imp)
			}
		}
	}
}

// The libp2p engine (host, streams, GossipSub, the DHT) stays inside
// package p2p, behind transport.Transport; other packages may use only its
// identity and record types (peer IDs, keys, record validators). Devnet and
// command wiring choose the engine; tests may use it directly.
func TestOnlyP2PUsesTheLibp2pEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "github.com/smartlayer/smartlayer/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{"github.com/libp2p/go-libp2p/core/peer", "github.com/libp2p/go-libp2p/core/crypto",
		"github.com/libp2p/go-libp2p/core/protocol", "github.com/libp2p/go-libp2p-record"}
	wiring := map[string]bool{"github.com/smartlayer/smartlayer/p2p": true}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || wiring[f[0]] {
			continue
		}
		for _, imp := range f[1:] {
			if !strings.HasPrefix(imp, "github.com/libp2p/") {
				continue
			}
			ok := false
			for _, a := range allowed {
				ok = ok || imp == a
			}
			if !ok {
				t.Errorf("%s imports %s; only p2p may use the libp2p engine", f[0], imp)
			}
		}
	}
}
