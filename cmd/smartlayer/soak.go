package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/devnet"
)

func newSoakCmd() *cobra.Command {
	o := devnet.SoakOptions{Net: devnet.DefaultOptions(), Seed: 1}
	o.Net.Procs, o.Net.Chain, o.Net.Tickets = true, false, 20
	var asJSON bool
	c := &cobra.Command{
		Use:   "soak",
		Short: "Run the flight scenario on a process devnet for a long time and watch for growth",
		Long: `Start a devnet with every node its own OS process and keep the chaos run's workload
going (the airline publishing statuses, an integration querying tickets and running
rebook actions) for --duration, without faults. Every --interval it reads each node's
resident memory, goroutines and open files from its /metrics and the integration's
query latency, and prints a line. At the end it compares the last third of the samples
with the middle third (the first is warm-up) and gives each series' drift per hour;
a run of at least 10 minutes and 10 samples fails (exit 1) when goroutines or open
files grew by more than a quarter, memory by more than half, or the p99 latency doubled.

  smartlayer soak --duration 1h --interval 1m
  smartlayer soak --duration 15m --interval 30s --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Duration <= 0 || o.Interval <= 0 || o.Interval > o.Duration {
				return &exitError{2, fmt.Errorf("--duration and --interval must be above zero, the interval no longer than the duration")}
			}
			return runProcsReport(cmd, asJSON, &o.Net, &o.Out, func(ctx context.Context) (runReport, error) {
				r, err := devnet.Soak(ctx, o)
				if err != nil {
					return nil, err
				}
				return soakReport{r}, nil
			})
		},
	}
	f := c.Flags()
	f.DurationVar(&o.Duration, "duration", time.Hour, "how long to run")
	f.DurationVar(&o.Interval, "interval", time.Minute, "how often to sample")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of the workload's choices")
	f.IntVar(&o.Net.Anchors, "anchors", o.Net.Anchors, "anchors")
	f.IntVar(&o.Net.Services, "services", o.Net.Services, "service nodes")
	f.IntVar(&o.Net.Tickets, "tickets", o.Net.Tickets, "flight tickets")
	f.StringVar(&o.Net.DataDir, "data", "", "keep the network's data and node logs in DIR (default: a temporary directory removed at the end)")
	f.BoolVar(&asJSON, "json", false, "print only the report, as JSON")
	return c
}

type soakReport struct{ *devnet.SoakReport }

func (r soakReport) print(w io.Writer) {
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s %s: %s\n", mark, c.Name, c.Detail)
	}
}

func (r soakReport) failure() error {
	if r.OK() {
		return nil
	}
	return fmt.Errorf("a series grew beyond its bound")
}
