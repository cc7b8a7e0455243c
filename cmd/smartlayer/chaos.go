package main

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/devnet"
)

func newChaosCmd() *cobra.Command {
	o := devnet.ChaosOptions{Net: devnet.DefaultOptions()}
	o.Net.Procs, o.Net.Chain, o.Net.Tickets = true, false, 20
	var asJSON bool
	var seedSet uint64
	c := &cobra.Command{
		Use:   "chaos",
		Short: "Kill -9, restart and pause nodes of a process devnet under load, then check nothing was lost",
		Long: `Start a devnet with every node its own OS process, and for --duration keep the
airline publishing flight statuses (a third of them long delays, which start the
tickets' hotel rebooking), an integration querying tickets and running rebook
actions, while one anchor and one service node at a time are killed with
SIGKILL and restarted on the same data and addresses, or paused with SIGSTOP
(a node cut off with its connections open) and resumed.

Then it heals (every node running) and checks, waiting up to --heal for the
evidence: every node healthy and its metrics scrape-able; every ticket on its
target number of replicas, all up; every status an anchor acknowledged on every
anchor and applied exactly once on every replica; every replica of a ticket on
the same state root; no hotel booking under a key of no action (a failover that
made a new key would book an action twice), and every confirmed action booked
under its own key.

With --partitions (root and iproute2 needed) each node runs in a Linux network
namespace of its own, linked by veth pairs to one bridge, and instead of kills and
pauses it cuts one anchor off the network, heals it, then cuts off the executor of
a ticket whose hotel rebooking is in flight (the hotel holding its answer), and
heals it; the same checks follow, and one more: that action finished, once.

It prints each fault as it happens, each check, and the seed; --seed replays the
same schedule of faults and workload choices (their timing against the nodes is
the machine's). A failed check exits 1.

  smartlayer chaos --duration 2m
  smartlayer chaos --seed 7 --json
  sudo smartlayer chaos --partitions`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Duration <= 0 || o.Heal <= 0 {
				return &exitError{2, fmt.Errorf("--duration and --heal must be above zero")}
			}
			if !cmd.Flags().Changed("seed") {
				var b [8]byte
				_, _ = crand.Read(b[:])
				seedSet = binary.LittleEndian.Uint64(b[:]) % 1_000_000
			}
			o.Seed = seedSet
			return runProcsReport(cmd, asJSON, &o.Net, &o.Out, func(ctx context.Context) (runReport, error) {
				r, err := devnet.Chaos(ctx, o)
				if err != nil {
					return nil, err
				}
				return chaosReport{r}, nil
			})
		},
	}
	f := c.Flags()
	f.Uint64Var(&seedSet, "seed", 0, "seed of the fault schedule and the workload (default: random, printed)")
	f.DurationVar(&o.Duration, "duration", time.Minute, "how long to inject faults under load")
	f.DurationVar(&o.Heal, "heal", 90*time.Second, "how long the network may take to settle afterwards")
	f.IntVar(&o.Net.Anchors, "anchors", o.Net.Anchors, "anchors (at least 3)")
	f.IntVar(&o.Net.Services, "services", o.Net.Services, "service nodes (at least 4)")
	f.IntVar(&o.Net.Tickets, "tickets", o.Net.Tickets, "flight tickets")
	f.StringVar(&o.Net.DataDir, "data", "", "keep the network's data and node logs in DIR (default: a temporary directory removed at the end)")
	f.BoolVar(&o.Net.Chain, "chain", false, "run the devnet with its local chain")
	f.BoolVar(&o.Partitions, "partitions", false, "instead of kills and pauses: each node in a Linux network namespace of its own (root and iproute2 needed), one anchor cut off, then the executor of a ticket with its rebooking in flight (--duration unused)")
	f.BoolVar(&asJSON, "json", false, "print only the report, as JSON")
	return c
}

func printChaos(w io.Writer, r *devnet.ChaosReport) {
	kills, pauses, cuts, failed := 0, 0, 0, 0
	for _, f := range r.Faults {
		switch f.Kind {
		case "pause":
			pauses++
		case "partition":
			cuts++
		default:
			kills++
		}
		if f.Err != "" {
			failed++
		}
	}
	fmt.Fprintf(w, "\nseed         %d\n", r.Seed)
	fmt.Fprintf(w, "faults       %d in %.0fs: %d kill -9 and restart, %d pause and resume, %d partition and heal (%d could not be made)\n", len(r.Faults), float64(r.DurationMs)/1000, kills, pauses, cuts, failed)
	fmt.Fprintf(w, "workload     %d statuses published (%d acknowledged), %d queries (%d answered), %d actions (%d answered)\n",
		r.Published, r.Acked, r.Queries, r.QueriesOK, r.Actions, r.ActionsOK)
	fmt.Fprintf(w, "hotel        %d bookings, %d repeated requests answered from the first booking\n", r.Bookings, r.Repeats)
	fmt.Fprintf(w, "healed       checks done %.1fs after the faults\n", float64(r.HealMs)/1000)
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s         %s: %s\n", mark, c.Name, c.Detail)
	}
}

type chaosReport struct{ *devnet.ChaosReport }

func (r chaosReport) print(w io.Writer) { printChaos(w, r.ChaosReport) }
func (r chaosReport) failure() error {
	if r.OK() {
		return nil
	}
	return fmt.Errorf("a check failed; replay the schedule with --seed %d", r.Seed)
}

// runReport is what `chaos` and `soak` print: as text, or as JSON.
type runReport interface {
	print(w io.Writer)
	failure() error // nil when every check passed
}

// runProcsReport runs a report over a devnet of this binary's processes,
// until Ctrl-C: its progress to stdout unless JSON is asked for, then the
// report; a failed check exits 1.
func runProcsReport(cmd *cobra.Command, asJSON bool, net *devnet.Options, progress *io.Writer, run func(context.Context) (runReport, error)) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	net.Binary = exe
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := cmd.OutOrStdout()
	if !asJSON {
		*progress = out
	}
	r, err := run(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintln(out, string(b))
	} else {
		r.print(out)
	}
	if err := r.failure(); err != nil {
		return &exitError{1, err}
	}
	return nil
}
