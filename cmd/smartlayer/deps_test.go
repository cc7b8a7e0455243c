package main

import (
	"go/parser"
	"go/token"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestScriptRunnerNeedsNoNode: `smartlayer tokenscript` (inspect and run)
// is the token author's loop on one machine: its code reaches no node, no
// network stack and no store, only the packages that parse, verify and run
// a token. (The binary links them for its other commands.)
func TestScriptRunnerNeedsNoNode(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "tokenscript.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); strings.HasPrefix(p, "github.com/smartlayer/smartlayer/") {
			ours = append(ours, p)
		}
	}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, ours...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{
		"github.com/smartlayer/smartlayer/node", "github.com/smartlayer/smartlayer/p2p", "github.com/smartlayer/smartlayer/store",
		"github.com/smartlayer/smartlayer/client", "github.com/smartlayer/smartlayer/devnet",
		"github.com/libp2p/go-libp2p/p2p", "github.com/libp2p/go-libp2p-kad-dht", "github.com/libp2p/go-libp2p-pubsub",
		"github.com/cockroachdb/pebble",
	}
	for _, d := range strings.Fields(string(out)) {
		for _, bad := range forbidden {
			if d == bad || strings.HasPrefix(d, bad+"/") {
				t.Errorf("tokenscript.go depends on %s (through %v)", d, ours)
			}
		}
	}
}
