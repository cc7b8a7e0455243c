package wire

import (
	"go/build"
	"strings"
	"testing"
)

// wire is the leaf: it imports nothing of this module, so every package
// (client, node, the tools) can share its types without pulling in another.
func TestWireImportsNothingOfTheModule(t *testing.T) {
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range p.Imports {
		if strings.HasPrefix(im, "github.com/smartlayer/smartlayer/") {
			t.Errorf("wire imports %s", im)
		}
	}
}
