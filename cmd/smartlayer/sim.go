package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/internal/sim"
)

func newSimCmd() *cobra.Command {
	var cfg sim.Config
	var asJSON, timing bool
	var profilePath string
	c := &cobra.Command{
		Use:   "sim",
		Short: "Simulate a whole network deterministically on the real protocol cores",
		Long: `Simulate anchors, service nodes and token instances on a virtual clock: the
real placement plan, attestation log and token core of every node, on an
in-memory network with latencies, loss, a partition, kills and restarts, all
drawn from --seed. At the end it checks the invariants (replicas agree on one
state root; every acknowledged attestation applied once and in order; no action
took effect twice under one key; every instance back on its target number of
live replicas) and prints lookup hops, gossip propagation, re-placement traffic
and the time to repair after the kills. The same seed prints the same report.

A violation exits 1 and names the seed that replays it.

  smartlayer sim --anchors 10 --services 200 --instances 5000 --seed 1
  smartlayer sim --anchors 100 --services 10000 --instances 100000 --timing`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch { // zero means "default" to sim.Config; on the command line it is a mistake
			case cfg.Anchors < 1 || cfg.Services < 1 || cfg.Instances < 1:
				return &exitError{2, fmt.Errorf("--anchors, --services and --instances must be at least 1 (got %d, %d, %d)", cfg.Anchors, cfg.Services, cfg.Instances)}
			case cfg.Statuses < 0 || cfg.Latency < 0:
				return &exitError{2, fmt.Errorf("--statuses and --latency must not be negative")}
			}
			stop, err := cpuProfile(profilePath)
			if err != nil {
				return err
			}
			defer stop()
			start := time.Now()
			r, err := sim.Run(cfg)
			if err != nil {
				return &exitError{2, err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				b, _ := json.MarshalIndent(r, "", "  ")
				fmt.Fprintln(out, string(b))
			} else {
				printSim(out, r)
			}
			if timing {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				wall := time.Since(start)
				fmt.Fprintf(os.Stderr, "wall %.1fs, %.0f simulated events/s, peak heap %.0f MiB, sys %.0f MiB\n",
					wall.Seconds(), float64(r.Events)/wall.Seconds(), float64(ms.HeapSys)/(1<<20), float64(ms.Sys)/(1<<20))
			}
			if len(r.Violations) > 0 {
				return &exitError{1, fmt.Errorf("%d invariant violations; replay with --seed %d", len(r.Violations), r.Config.Seed)}
			}
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&cfg.Anchors, "anchors", 3, "anchors")
	f.IntVar(&cfg.Services, "services", 12, "service nodes")
	f.IntVar(&cfg.Instances, "instances", 100, "token instances (flight tickets)")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of every random choice")
	f.IntVar(&cfg.Statuses, "statuses", 0, "flight statuses published (default: 2 per flight, at most 400)")
	f.Float64Var(&cfg.Loss, "loss", 0.01, "share of gossip forwards lost")
	f.Float64Var(&cfg.Crash, "kill", 0.05, "share of service nodes killed at 10 s")
	f.Float64Var(&cfg.Restart, "restart", 0.5, "share of the killed restarted at 25 s on their data")
	f.Float64Var(&cfg.Partition, "partition", 0.05, "share of service nodes cut off from 5 s to 12 s")
	f.DurationVar(&cfg.Latency, "latency", 50*time.Millisecond, "median one-way link latency")
	f.BoolVar(&cfg.DHTAll, "dht-all", false, "measure lookups with every node a DHT member (default: the anchors)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&timing, "timing", false, "print wall time, events per second and memory to stderr")
	f.StringVar(&profilePath, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	return c
}

func printSim(w interface{ Write([]byte) (int, error) }, r *sim.Report) {
	c := r.Config
	fmt.Fprintf(w, "network      %d anchors, %d service nodes, %d instances on %d flights, seed %d\n", c.Anchors, c.Services, c.Instances, c.Flights, c.Seed)
	fmt.Fprintf(w, "events       %d simulated\n", r.Events)
	fmt.Fprintf(w, "lookup hops  mean %.2f p50 %.0f p99 %.0f max %.0f over %d DHT members (%d lookups)\n", r.LookupHops.Mean, r.LookupHops.P50, r.LookupHops.P99, r.LookupHops.Max, r.DHTMembers, r.LookupHops.N)
	fmt.Fprintf(w, "gossip       p50 %.0f ms p99 %.0f ms max %.0f ms over %d deliveries\n", r.Gossip.P50, r.Gossip.P99, r.Gossip.Max, r.Gossip.N)
	fmt.Fprintf(w, "placement    %d records signed, %d re-placements, %d log entries fetched by new replicas\n", r.Placement.Records, r.Placement.Moved, r.Placement.CatchUpEntries)
	fmt.Fprintf(w, "actions      %d started, %d executions, %d bookings, %d results, %d stale results fenced\n", r.Actions.Started, r.Actions.Executions, r.Actions.Effects, r.Actions.Results, r.Actions.Fenced)
	fmt.Fprintf(w, "churn        %d killed (%d restarted), %d partitioned; repaired in %d ms\n", r.Repair.Killed, r.Repair.Restarted, r.Repair.Partitioned, r.Repair.Ms)
	if r.Findings.PendingDivergence > 0 {
		fmt.Fprintf(w, "finding      %d instances whose replicas disagree on pending actions; e.g. %s\n", r.Findings.PendingDivergence, r.Findings.Example)
	}
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "invariants   all hold")
	}
	for _, v := range r.Violations {
		fmt.Fprintln(w, "VIOLATION    "+v)
	}
}
