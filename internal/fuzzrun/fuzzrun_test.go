package fuzzrun

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

var fuzzFunc = regexp.MustCompile(`^func (Fuzz\w+)\(f \*testing\.F\)`)

// target is one fuzz function and its package directory.
type target struct{ dir, name string }

// targets finds every fuzz target under root.
func targets(t *testing.T, root string) []target {
	t.Helper()
	var out []target
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if m := fuzzFunc.FindStringSubmatch(sc.Text()); m != nil {
				out = append(out, target{dir: filepath.Dir(p), name: m[1]})
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].dir != out[j].dir {
			return out[i].dir < out[j].dir
		}
		return out[i].name < out[j].name
	})
	return out
}

// fuzzCount is a -fuzztime given as a number of executions ("500x").
var fuzzCount = regexp.MustCompile(`^[1-9][0-9]*x$`)

// TestFuzzShort fuzzes each target for SMARTLAYER_FUZZTIME (default 300
// executions, "300x"; a duration such as 30s; "off" skips), one after
// another, each with one worker. A count, not a time, by default: with a
// time, Go's fuzzing coordinator (before go1.27, golang/go#75804) may fail
// a target with "context deadline exceeded" when the time runs out on a
// busy machine, with no input to blame. A failure prints the fuzzer's
// output: the input it found is written under the target's testdata/fuzz,
// where it stays as a regression case once committed.
func TestFuzzShort(t *testing.T) {
	d := os.Getenv("SMARTLAYER_FUZZTIME")
	if d == "off" {
		t.Skip("SMARTLAYER_FUZZTIME=off")
	}
	if d == "" {
		d = "300x"
	}
	if _, err := time.ParseDuration(d); err != nil && !fuzzCount.MatchString(d) {
		t.Fatalf("SMARTLAYER_FUZZTIME=%q: want a count of executions such as 300x, a duration such as 30s, or off", d)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to run the fuzzers with")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ts := targets(t, root)
	if len(ts) < 21 {
		t.Fatalf("found %d fuzz targets; the module has at least 21", len(ts))
	}
	for _, tg := range ts {
		rel, _ := filepath.Rel(root, tg.dir)
		t.Run(strings.ReplaceAll(rel, string(filepath.Separator), "/")+"/"+tg.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, goBin, "test", "-run=^$", "-fuzz=^"+tg.name+"$", "-fuzztime="+d, "-parallel=1", ".")
			cmd.Dir = tg.dir
			cmd.Env = append(os.Environ(), "GOFLAGS=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go test -fuzz=%s in %s: %v\n%s", tg.name, rel, err, out)
			}
		})
	}
}
