package sandbox

import (
	"encoding/json"
	"testing"
)

// The log offsets a transcript names are part of its root: a node cannot
// vouch for an execution and later name other offsets for it. None leave
// the root as it was; the order of a map's keys does not matter.
func TestTranscriptRootCoversOffsets(t *testing.T) {
	base := Transcript{Function: "query:status", Instance: "0x01", Args: json.RawMessage(`{}`), Output: json.RawMessage(`1`)}
	none := base.Root()
	empty := base
	empty.Offsets = map[string]uint64{}
	if empty.Root() != none {
		t.Fatal("empty offsets changed the root")
	}
	a, b := base, base
	a.Offsets = map[string]uint64{"flight@0x01": 3, "results@0x02": 1}
	b.Offsets = map[string]uint64{"results@0x02": 1, "flight@0x01": 3}
	if a.Root() == none || a.Root() != b.Root() {
		t.Fatal("offsets not covered, or covered in map order")
	}
	for _, o := range []map[string]uint64{
		{"flight@0x01": 4, "results@0x02": 1},
		{"flight@0x01": 3},
		{"flight@0x01": 3, "results@0x02": 1, "x@0x03": 1},
		{"flight@0x0": 3, "1results@0x02": 1}, // the same bytes, split elsewhere
	} {
		c := base
		c.Offsets = o
		if c.Root() == a.Root() {
			t.Fatalf("offsets %v share a root with %v", o, a.Offsets)
		}
	}
}

// BenchmarkTranscriptRoot: a query's transcript root, computed for every
// answer's receipt.
func BenchmarkTranscriptRoot(b *testing.B) {
	tr := Transcript{Function: "query:status", Instance: "0x0102030405060708091011121314151617181920212223242526272829303132",
		Args: json.RawMessage(`{}`), NowMs: 1_800_000_000_000, Seed: []byte{1, 2, 3, 4, 5, 6, 7, 8},
		Offsets: map[string]uint64{"flight@0x01": 3, "results@0x02": 1},
		Output:  json.RawMessage(`{"delayMinutes":190,"status":"delayed","lounge":true,"rebooking":"done"}`)}
	b.ReportAllocs()
	for b.Loop() {
		_ = tr.Root()
	}
}
