package attest

import (
	"os"
	"strings"
	"testing"
)

// TestNetworkSchemasDocumented keeps docs/attestations.md true: every network
// schema appears there with its exact string and UID.
func TestNetworkSchemasDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/attestations.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[SchemaUID]string{}
	for _, s := range NetworkSchemas() {
		if other, ok := seen[s.UID]; ok {
			t.Errorf("%s and %s share a UID", s.Name, other)
		}
		seen[s.UID] = s.Name
		for _, want := range []string{"`" + s.Text + "`", s.UID.String()} {
			if !strings.Contains(string(doc), want) {
				t.Errorf("docs/attestations.md lacks %s of %s", want, s.Name)
			}
		}
	}
}
