package node

import (
	"math"
	"slices"
	"testing"

	"github.com/smartlayer/smartlayer/wire"
)

// A route answer lists up replicas first, fastest (as the anchor measured
// them) first; unmeasured ones rank with the fastest; ties keep the
// record's order.
func TestOrderReplicas(t *testing.T) {
	reps := []wire.Replica{{Peer: "slow", State: wire.StateUp}, {Peer: "down", State: wire.StateDown},
		{Peer: "fast", State: wire.StateUp}, {Peer: "new", State: wire.StateUp}, {Peer: "mid", State: wire.StateUp},
		{Peer: "failing", State: wire.StateUp}}
	p50 := map[string]float64{"slow": 900, "down": 1, "fast": 3, "mid": 40, "failing": math.Inf(1)}
	orderReplicas(reps, func(p string) float64 { return p50[p] })
	var got []string
	for _, r := range reps {
		got = append(got, r.Peer)
	}
	if want := []string{"new", "fast", "mid", "slow", "failing", "down"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}
