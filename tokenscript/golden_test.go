package tokenscript

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden summaries")

// TestExamplesGolden parses every real TokenScript and compares its summary
// with the golden file (go test ./tokenscript -run Golden -update rewrites).
func TestExamplesGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/examples/*")
	if len(files) != 9 {
		t.Fatalf("want the 9 shared examples, found %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ts, err := ParseTokenScript(data)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(ts.Summarise(), "", "  ")
			got = append(got, '\n')
			golden := filepath.Join("testdata/golden", strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("summary differs from %s:\n%s", golden, got)
			}
		})
	}
}
