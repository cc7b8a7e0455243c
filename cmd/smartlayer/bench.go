package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/smartlayer/smartlayer/bench"
	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/node"
)

func newBenchCmd() *cobra.Command {
	b := &cobra.Command{Use: "bench", Short: "Measure the network against a baseline measured in the same run"}
	b.PersistentFlags().StringVar(&benchProfile, "cpuprofile", "", "write a CPU profile of the measurement (not the devnet's start) to this file")
	o := bench.QueryOptions{Duration: 5 * time.Second, Warmup: time.Second, Concurrency: 16}
	dn := devnet.DefaultOptions()
	var asJSON bool
	q := &cobra.Command{
		Use:   "query",
		Short: "Route+query throughput and latency of a devnet versus a plain net/http+goja server",
		Long: `Start an in-process devnet (3 anchors, 5 service nodes, 100 tickets by default),
then run three measurements of the flight ticket's status query, each for
--duration with --concurrency clients:

  baseline   a plain net/http server in this process running the same goja
             status function on the same ticket states (a centralised server)
  cached     the Go SDK: route from an anchor (cached), query a replica
  uncached   a route lookup before every query

It prints ops/s, p50 and p99 with their ratios to the baseline. With
--slow 20ms every service node runs behind a delay proxy and two more runs
follow: none slowed, then service node 0 (a replica of most tickets)
slowed by 20 ms; the SDK should leave it alone, keeping the p99 within
1.5x of the first.`,
		Args: cobra.NoArgs,
		RunE: benchRun(&dn, &o, &asJSON, func(ctx context.Context, d *devnet.Devnet) (report, error) {
			return bench.Query(ctx, d, o)
		}),
		PreRunE: func(*cobra.Command, []string) error {
			if o.Slow < 0 || o.Slow > time.Minute {
				return fmt.Errorf("--slow %s: want 0 to 1m", o.Slow)
			}
			dn.Delayable = o.Slow > 0
			if o.InterToken {
				dn.LoungePasses = min(dn.Tickets, 20)
			}
			return nil
		},
	}
	f := q.Flags()
	timingFlags(f, &o)
	f.IntVar(&dn.Services, "services", dn.Services, "service nodes of the devnet")
	f.IntVar(&dn.Tickets, "tickets", dn.Tickets, "tickets of the devnet")
	f.StringVar(&dn.Receipts, "receipts", "", "service nodes' receipts: batched (default), single or off")
	f.BoolVar(&dn.Chain, "chain", false, "run the devnet with its local chain (anchors admit staked service nodes, service nodes watch rent): chain reads stay off the query path")
	f.BoolVar(&o.InterToken, "inter-token", false, "also issue lounge passes (up to 20) and compare their entry query, which reads the ticket through ctx.tokens.query, with the ticket's own status query, the two in turn in one run")
	f.DurationVar(&o.Slow, "slow", 0, "also run with every service node behind a delay proxy, none slowed and then service node 0 slowed by this (e.g. 20ms): the client should leave the slow replica alone")
	var window time.Duration
	f.DurationVar(&window, "receipt-window", 0, "service nodes' service.receipt_window (batched receipts)")
	retention := node.DefaultConfig(node.RoleService).Network.TranscriptRetention.Duration
	f.DurationVar(&retention, "transcript-retention", retention, "the network's network.transcript_retention: how long service nodes archive the execution behind every receipt (0: no archive)")
	memo := node.DefaultConfig(node.RoleService).Service.QueryMemoBytes
	f.Int64Var(&memo, "query-memo-bytes", memo, "service nodes' service.query_memo_bytes: the answers of queries that read nothing of the world they remember (0: off)")
	reuse := node.DefaultConfig(node.RoleService).Service.ReceiptReuse.Duration
	f.DurationVar(&reuse, "receipt-reuse", reuse, "service nodes' service.receipt_reuse: how long a pure query's answer and receipt are served again on the same state (0: a receipt per answer)")
	dn.Configure = func(_ node.Role, _ int, cfg *node.Config) {
		cfg.Service.ReceiptWindow = node.Duration{Duration: window}
		cfg.Network.TranscriptRetention = node.Duration{Duration: retention}
		cfg.Service.QueryMemoBytes = memo
		cfg.Service.ReceiptReuse = node.Duration{Duration: reuse}
	}
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	var updates int
	g := &cobra.Command{
		Use:   "gossip",
		Short: "Flight-status propagation p50/p99 and ingest rate against raw verification",
		Long: `Start an in-process devnet (3 anchors and 5 service nodes: 8 nodes), publish
--updates flight statuses one after another and time each from publish to
applied on every replica of every ticket of its flight; then feed one service
node gossip messages as fast as it takes them and compare with the raw rate of
verifying the same messages (entry and attestation signatures).`,
		Args: cobra.NoArgs,
		RunE: benchRun(&dn, nil, &asJSON, func(ctx context.Context, d *devnet.Devnet) (report, error) {
			return bench.Gossip(ctx, d, updates, d.Info.Airline.Key)
		}),
	}
	g.Flags().IntVar(&updates, "updates", 300, "flight updates to time")
	g.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	ao := bench.QueryOptions{Duration: 5 * time.Second, Warmup: time.Second, Concurrency: 8}
	adn := devnet.DefaultOptions()
	adn.Tickets = 40
	a := &cobra.Command{
		Use:   "action",
		Short: "Action latency p50/p99 against the external call alone, and receipt cost single versus batched",
		Long: `Start an in-process devnet (3 anchors, 5 service nodes, 40 tickets by default)
with its demo hotel, then for --duration with --concurrency clients:

  baseline   POST a booking to the demo hotel directly, a fresh idempotency
             key each time (the external call a centralised server makes)
  action     the Go SDK's Action: the ticket's rebook action on its elected
             executor (sandbox run with the same hotel call, executor-signed
             result published and applied, receipt sealed and verified)

and the cost of one receipt signed alone or in a Merkle batch at that
concurrency. It prints ops/s, p50 and p99 with their ratios to the baseline.`,
		Args: cobra.NoArgs,
		RunE: benchRun(&adn, &ao, &asJSON, func(ctx context.Context, d *devnet.Devnet) (report, error) {
			return bench.Action(ctx, d, ao)
		}),
	}
	af := a.Flags()
	timingFlags(af, &ao)
	af.IntVar(&adn.Tickets, "tickets", adn.Tickets, "tickets of the devnet")
	af.StringVar(&adn.Receipts, "receipts", "", "service nodes' receipts: batched (default) or single")
	af.BoolVar(&asJSON, "json", false, "print the result as JSON")
	b.AddCommand(q, g, a, newBenchPaymentsCmd())
	return b
}

func newBenchPaymentsCmd() *cobra.Command {
	o := bench.QueryOptions{Duration: 10 * time.Second, Warmup: 2 * time.Second, Concurrency: 16}
	dn := devnet.DefaultOptions()
	dn.Chain = true
	var asJSON bool
	var presign, every int
	cmd := &cobra.Command{
		Use:   "payments",
		Short: "Throughput of paid calls against the same calls free, and the gas of settling them",
		Long: `Start two in-process devnets with their chains: one whose nodes take no
payments (network.channels unset), one whose ticket status query costs 1,
paid from the demo integration's channel: a signed promise to a node every
--every calls (checked, charged and forwarded to the anchor), the queries
between on credit (the payer's session proof checked, charged, forwarded with
the MAC the anchor checks). Then measure the status query through the Go SDK
on both in one run, in ten slices of --duration: every client on the unpaid
devnet, then every client on the paid one, and again, so that both meet the
same background work and the same load of the machine. It
prints both with the throughput overhead (target: at most 10%), then settles
the paid calls on chain twice (after the run, and after a few more calls) and
prints the gas of each settlement's two transactions: they do not grow with
the number of calls. With --cpuprofile FILE, the measured run's profile goes
to FILE.both.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res := &bench.PaymentsResult{Tickets: dn.Tickets, Concurrency: o.Concurrency}
			free := dn
			free.Configure = func(_ node.Role, _ int, cfg *node.Config) { cfg.Network.Channels = "" }
			fmt.Fprintf(cmd.OutOrStdout(), "measuring: %s warm-up and %s, %d clients\n", o.Warmup, o.Duration, o.Concurrency)
			err := withDevnet(cmd, free, func(ctx context.Context, unpaid *devnet.Devnet) error {
				return withDevnet(cmd, dn, func(ctx context.Context, d *devnet.Devnet) (err error) {
					if d.Client.Payer == nil {
						return fmt.Errorf("the devnet opened no payment channel")
					}
					stop, err := cpuProfile(profileOf("both"))
					if err != nil {
						return err
					}
					d.Client.Payer.Every = every
					name := fmt.Sprintf("paid: a promise every %d calls to a node, on credit between", cmp.Or(every, client.DefaultEvery))
					if every == 1 {
						name = "paid: a promise per call"
					}
					res.Unpaid, res.Paid, err = bench.PaymentsRun(ctx, unpaid, d, o, name, d.Client.Payer, presign)
					stop()
					if err != nil {
						return err
					}
					s1, err := bench.Settle(ctx, d)
					if err != nil {
						return err
					}
					few := o
					few.Duration, few.Warmup, few.Concurrency = time.Second, 0, 1
					if _, err := bench.StatusRun(ctx, d, few, "a few more", d.Client.Payer, 0); err != nil {
						return err
					}
					s2, err := bench.Settle(ctx, d)
					if err != nil {
						return err
					}
					res.Settlements = []bench.SettlementGas{*s1, *s2}
					res.Commitments, err = bench.Commitments(ctx, d)
					return err
				})
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			fmt.Fprint(cmd.OutOrStdout(), "\n"+res.Report())
			return nil
		},
	}
	f := cmd.Flags()
	timingFlags(f, &o)
	f.IntVar(&dn.Tickets, "tickets", dn.Tickets, "tickets of each devnet")
	f.IntVar(&every, "every", 0, fmt.Sprintf("a promise to a node every this many calls, the queries between on credit (0: the client's default, %d; 1: a promise per call)", client.DefaultEvery))
	f.IntVar(&presign, "presign", 0, "promises the integration signs before the paid run, sent with the first calls (with --every 1: the run then measures the network's work on a promise, not the client's signing on the same two cores)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// report is a benchmark result that prints itself.
type report interface{ Report() string }

// benchRun runs measure on a fresh devnet and prints its report (or JSON).
// o, when set, is announced first.
func benchRun(dn *devnet.Options, o *bench.QueryOptions, asJSON *bool, measure func(context.Context, *devnet.Devnet) (report, error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		return withDevnet(cmd, *dn, func(ctx context.Context, d *devnet.Devnet) error {
			out := cmd.OutOrStdout()
			if o != nil {
				fmt.Fprintf(out, "measuring: %s warm-up and %s per run, %d clients\n", o.Warmup, o.Duration, o.Concurrency)
			}
			stop, err := cpuProfile(benchProfile)
			if err != nil {
				return err
			}
			defer stop()
			res, err := measure(ctx, d)
			if err != nil {
				return err
			}
			if *asJSON {
				return printJSON(cmd, res)
			}
			fmt.Fprint(out, "\n"+res.Report())
			return nil
		})
	}
}

// benchProfile is the --cpuprofile file of bench commands.
var benchProfile string

// profileOf is the --cpuprofile file of one run of a bench command that
// makes several: FILE.run ("" without --cpuprofile).
func profileOf(run string) string {
	if benchProfile == "" {
		return ""
	}
	return benchProfile + "." + run
}

// timingFlags binds --duration, --warmup and --concurrency.
func timingFlags(f *pflag.FlagSet, o *bench.QueryOptions) {
	f.DurationVar(&o.Duration, "duration", o.Duration, "length of each measured run")
	f.DurationVar(&o.Warmup, "warmup", o.Warmup, "warm-up before each run")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "concurrent clients")
}

// withDevnet starts an in-process devnet for a benchmark, runs f, and stops it.
func withDevnet(cmd *cobra.Command, o devnet.Options, f func(context.Context, *devnet.Devnet) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o.Progress = cmd.OutOrStdout()
	d, err := devnet.Start(ctx, o)
	if err != nil {
		return err
	}
	defer d.Close()
	return f(ctx, d)
}
