package sim

import (
	"encoding/json"
	"testing"
)

// Small networks over several seeds: every invariant holds after churn,
// and the same seed gives the same report.
func TestSimSeeds(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		cfg := Config{Anchors: 4, Services: 40, Instances: 400, Seed: seed, Loss: 0.02, Crash: 0.1, Restart: 0.5, Partition: 0.1}
		r, err := Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Violations) > 0 {
			t.Fatalf("seed %d: %d violations, first: %v", seed, len(r.Violations), r.Violations)
		}
		if r.Actions.Effects == 0 || r.Actions.Effects > r.Actions.Started || r.Actions.Executions < r.Actions.Effects || r.Repair.Ms < 0 || r.Placement.Moved == 0 || r.Gossip.N == 0 {
			t.Fatalf("seed %d: nothing happened? %+v", seed, r)
		}
		t.Logf("seed %d: %d events, repair %d ms, actions %+v, gossip %+v", seed, r.Events, r.Repair.Ms, r.Actions, r.Gossip)
	}
}

func TestSimDeterministic(t *testing.T) {
	cfg := Config{Anchors: 3, Services: 20, Instances: 150, Seed: 7, Loss: 0.05, Crash: 0.1, Restart: 1, Partition: 0.1}
	a, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(cfg)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("same seed, different reports:\n%s\n%s", ja, jb)
	}
	cfg.Seed = 8
	c, _ := Run(cfg)
	if jc, _ := json.Marshal(c); string(jc) == string(ja) {
		t.Fatal("another seed gave the same report")
	}
}
