package node

import (
	"encoding/binary"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/payments"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/wire"
)

// No prefix starts another: a scan of one key space (store.Each over a
// prefix) never reaches into another's keys, whatever follows the prefix.
func TestKeyspacesDoNotOverlap(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range keyspaces {
		if a == "" || seen[a] {
			t.Errorf("prefix %q is empty or listed twice", a)
		}
		seen[a] = true
		for _, b := range keyspaces {
			if a != b && strings.HasPrefix(b, a) {
				t.Errorf("prefix %q starts prefix %q: scanning %q reaches into %q", a, b, a, b)
			}
		}
	}
	// Every prefix constant of keys.go is in keyspaces, with its line of doc.
	f, err := parser.ParseFile(token.NewFileSet(), "keys.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	consts := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "prefix") {
					continue
				}
				consts++
				var v string
				switch x := vs.Values[i].(type) {
				case *ast.BasicLit:
					v, _ = strconv.Unquote(x.Value)
				case *ast.SelectorExpr: // attengine's, registry's and executor's, by name
					v = map[string]string{"PrefixEntry": attengine.PrefixEntry, "PrefixHead": attengine.PrefixHead,
						"PrefixTopicIndex": attengine.PrefixTopicIndex, "PrefixReplay": attengine.PrefixReplay, "PrefixMeta": attengine.PrefixMeta,
						"PrefixBundle": registry.PrefixBundle, "PrefixOutcome": executor.PrefixOutcome, "PrefixLevel": sampling.PrefixLevel, "PrefixEvidence": sampling.PrefixEvidence,
						"PrefixArchive": sampling.PrefixArchive, "PrefixArchiveState": sampling.PrefixArchiveState,
						"PrefixAccount": payments.PrefixAccount, "PrefixPending": payments.PrefixPending}[x.Sel.Name]
				}
				if !seen[v] {
					t.Errorf("%s (%q) is not in keyspaces", name.Name, v)
				}
				if vs.Comment == nil || strings.TrimSpace(vs.Comment.Text()) == "" {
					t.Errorf("%s has no line of doc", name.Name)
				}
			}
		}
	}
	if consts != len(keyspaces) {
		t.Errorf("keys.go has %d prefix constants, keyspaces lists %d", consts, len(keyspaces))
	}
}

// Keys are the bytes stores were written with: a store from before keys.go
// still reads (each key spelled here the way its file used to build it).
func TestKeysKeepTheirBytes(t *testing.T) {
	id := wire.InstanceID{1, 2, 3}
	addr := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	uid := attest.UID{7}
	u64 := func(v uint64) string { return string(binary.BigEndian.AppendUint64(nil, v)) }
	var rev [52]byte
	copy(rev[:20], addr[:])
	copy(rev[20:], uid[:])
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"instance", instKey(id), "i/" + string(id[:])},
		{"history", histKey(id, 258), "h/" + string(id[:]) + u64(258)},
		{"history prefix", histPrefix(id), "h/" + string(id[:])},
		{"outcome", executor.OutcomeKey(id, executor.ScopedKey("rebook", "k1")), "ao/" + string(id[:]) + "rebook\x00k1"},
		{"outcome prefix", executor.OutcomePrefix(id), "ao/" + string(id[:])},
		{"registration", regKey(id), "r/" + string(id[:])},
		{"record", recordKey(id), "p/" + string(id[:])},
		{"service level", sampling.LevelKey("12D3KooW"), "slo/12D3KooW"},
		{"vote", voteKey(0x0102030405060708, addr), "g/\x01\x02\x03\x04\x05\x06\x07\x08" + string(addr[:])},
		{"revocation", revocationKey(revKey(addr, uid)), "v/" + string(rev[:])},
	} {
		if string(c.got) != c.want {
			t.Errorf("%s key %q, want %q", c.name, c.got, c.want)
		}
	}
	// What is read back out of keys is what went in.
	if revocationOf(revocationKey(rev)) != rev {
		t.Error("service level or revocation key does not read back")
	}
	// Builders hand out fresh slices: appending to one never writes into another.
	a := histPrefix(id)
	_ = append(a, 1)
	if b := histPrefix(id); len(b) != 2+32 {
		t.Error("histPrefix shares its array")
	}
}

// storeMethods are the methods of store.Store and pebble.Batch that take a
// key first.
var storeMethods = map[string]bool{"Each": true, "Get": true, "Put": true, "PutNoSync": true, "Delete": true, "DeletePrefix": true, "Set": true}

// storeNames are the names node gives a *store.Store (n.store, attStore.s,
// a local st) and a *pebble.Batch (b).
var storeNames = map[string]bool{"store": true, "s": true, "st": true, "b": true}

// Every key is built in keys.go: no other file of the package passes a
// literal (or a key spelled from one) to the store, or spells a prefix. It
// reads the syntax only: a key spelled into a string variable in one place
// and converted in another would pass, and is for review to catch.
func TestKeysAreBuiltInKeysGo(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fs := token.NewFileSet()
	multi := []string{}
	single := map[string]bool{}
	for _, p := range keyspaces {
		if len(p) == 1 {
			single[p] = true
		} else {
			multi = append(multi, p)
		}
	}
	for _, name := range files {
		if name == "keys.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fs, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BasicLit:
				v, err := strconv.Unquote(x.Value)
				if err != nil {
					return true
				}
				if x.Kind == token.CHAR && single[v] {
					t.Errorf("%s: the key prefix %s outside keys.go", fs.Position(x.Pos()), x.Value)
				}
				for _, p := range multi {
					if x.Kind == token.STRING && strings.HasPrefix(v, p) {
						t.Errorf("%s: the key prefix %q outside keys.go", fs.Position(x.Pos()), p)
					}
				}
			case *ast.CallExpr:
				// Bytes spelled from a literal outside keys.go are a JSON
				// body ([]byte("{}")), never a key.
				if at, ok := x.Fun.(*ast.ArrayType); ok && isIdent(at.Elt, "byte") && len(x.Args) == 1 && hasStringLit(x.Args[0]) {
					if lit, ok := x.Args[0].(*ast.BasicLit); !ok || !json.Valid([]byte(unquote(lit.Value))) {
						t.Errorf("%s: []byte(%s) outside keys.go (a key? build it there)", fs.Position(x.Pos()), src[fs.Position(x.Args[0].Pos()).Offset:fs.Position(x.Args[0].End()).Offset])
					}
				}
				sel, ok := x.Fun.(*ast.SelectorExpr)
				if !ok || !storeMethods[sel.Sel.Name] || len(x.Args) == 0 || !storeNames[lastName(sel.X)] {
					return true
				}
				ast.Inspect(x.Args[0], func(m ast.Node) bool {
					lit, isLit := m.(*ast.BasicLit)
					_, isComposite := m.(*ast.CompositeLit)
					if isLit && (lit.Kind == token.STRING || lit.Kind == token.CHAR) || isComposite {
						t.Errorf("%s: %s.%s with a key spelled here, not built in keys.go", fs.Position(x.Pos()), lastName(sel.X), sel.Sel.Name)
						return false
					}
					return true
				})
			}
			return true
		})
	}
}

func hasStringLit(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if l, ok := n.(*ast.BasicLit); ok && l.Kind == token.STRING {
			found = true
		}
		return !found
	})
	return found
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// lastName is the last name of a receiver: store of n.store, s of a.s.
func lastName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	}
	return ""
}

func unquote(s string) string {
	v, _ := strconv.Unquote(s)
	return v
}
