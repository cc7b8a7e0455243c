package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
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

// TestSimLarge runs a network of the size SMARTLAYER_SIM names
// ("anchors,services,instances[,seed]"), e.g. the 100,10000,100000;
// skipped without it.
func TestSimLarge(t *testing.T) {
	spec := os.Getenv("SMARTLAYER_SIM")
	if spec == "" {
		t.Skip("set SMARTLAYER_SIM=anchors,services,instances[,seed] to run")
	}
	var cfg Config
	cfg.Seed = 1
	if _, err := fmt.Sscanf(strings.ReplaceAll(spec, ",", " "), "%d %d %d %d", &cfg.Anchors, &cfg.Services, &cfg.Instances, &cfg.Seed); err != nil && cfg.Instances == 0 {
		t.Fatalf("SMARTLAYER_SIM=%q: %v", spec, err)
	}
	cfg.Loss, cfg.Crash, cfg.Restart, cfg.Partition = 0.01, 0.05, 0.5, 0.05
	start := time.Now()
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	t.Logf("%s\nwall %s", b, time.Since(start))
	if len(r.Violations) > 0 {
		t.Fatalf("%d violations: %v", len(r.Violations), r.Violations)
	}
}
