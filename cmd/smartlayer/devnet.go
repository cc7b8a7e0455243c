package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/wire"
)

func newDevnetCmd() *cobra.Command {
	o := devnet.DefaultOptions()
	var level, funderKey string
	cmd := &cobra.Command{
		Use:   "devnet [flags]",
		Short: "Run a whole local network: anchors, service nodes and the flight-ticket token",
		Long: `Start a Smart Layer network on this machine with no set-up: 3 anchors and 5
service nodes on loopback, an airline key, the flight-ticket token published,
and 100 tickets over 5 flights issued and placed on service nodes. It prints
the endpoints and what to try, writes <data>/devnet.json, and runs until
Ctrl-C, when every node shuts down cleanly.

Without --data the network lives in a temporary directory removed on exit;
with --data DIR it keeps its keys, tokens and tickets there across runs.

With --chain (the default) it runs an embedded chain; --chain-rpc URL and
--chain-funder FILE use another one instead, such as geth --dev.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			o.Progress = out
			o.Log = newLogger(level)
			if o.DataDir != "" {
				abs, err := filepath.Abs(o.DataDir)
				if err != nil {
					return err
				}
				o.DataDir = abs
			}
			if funderKey != "" {
				k, err := nodekey.Load(funderKey)
				if err != nil {
					return fmt.Errorf("--chain-funder: %w", err)
				}
				o.ChainFunder = k.ECDSA
			}
			start := time.Now()
			d, err := devnet.Start(ctx, o)
			if err != nil {
				return err
			}
			printDevnet(out, d, time.Since(start))
			<-ctx.Done()
			fmt.Fprintln(out, "\nshutting down...")
			if err := d.Close(); err != nil {
				return err
			}
			fmt.Fprintln(out, "stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Anchors, "anchors", o.Anchors, "number of anchors")
	f.IntVar(&o.Services, "services", o.Services, "number of service nodes")
	f.IntVar(&o.Tickets, "tickets", o.Tickets, "number of flight tickets to issue")
	f.IntVar(&o.Flights, "flights", o.Flights, "number of flights the tickets are spread over")
	f.IntVar(&o.LoungePasses, "lounge-passes", 3, "lounge passes to issue to the first tickets' passengers (a token whose query reads the ticket: examples/lounge-pass)")
	f.StringVar(&o.DataDir, "data", "", "keep the network's state in DIR (default: a temporary directory removed on exit)")
	f.BoolVar(&o.Procs, "procs", false, "run every node as its own OS process")
	f.BoolVar(&o.DemoAirline, "demo-airline", false, "keep publishing flight updates (one every 5 s)")
	f.BoolVar(&o.Chain, "chain", true, "run a local chain with the network's contracts, every node staked and registered (devnet.json \"chain\"); anchors admit only staked service nodes and bundles their issuer registered")
	f.BoolVar(&o.AdvanceEpochs, "advance-epochs", false, "with --chain: the anchors start each epoch (every 240 blocks) on chain, and every node follows it: a new placement seed moves most instances")
	f.StringVar(&o.ChainRPC, "chain-rpc", "", "with --chain: deploy on this EVM JSON-RPC endpoint (geth --dev, say) instead of the embedded chain")
	f.StringVar(&funderKey, "chain-funder", "", "with --chain-rpc: key FILE (hex) of an account there with ether, which pays the devnet's accounts their gas")
	f.DurationVar(&o.HeartbeatInterval, "heartbeat", o.HeartbeatInterval, "heartbeat interval; a node is down after 6 missed")
	f.StringVar(&level, "log-level", "warn", "node log level: debug, info, warn or error")
	return cmd
}

func printDevnet(w io.Writer, d *devnet.Devnet, took time.Duration) {
	in := d.Info
	fmt.Fprintf(w, "\nSmart Layer devnet is up in %s: %d anchors, %d service nodes, %d flight tickets.\n\n",
		took.Round(100*time.Millisecond), len(in.Anchors), len(in.Services), len(in.Tickets))
	fmt.Fprintf(w, "  Open in a browser:\n    dashboard  %s   (the network live: nodes, tokens, attestations, sampling)\n    demo site  %s   (car rental: connect a passenger's wallet, grant a ticket, watch the flight live)\n\n",
		in.Dashboard, in.Demo.HTTP)
	for i, a := range in.Anchors {
		fmt.Fprintf(w, "  anchor %d   %s   peer %s\n", i, a.HTTP, a.Peer)
	}
	for i, s := range in.Services {
		fmt.Fprintf(w, "  service %d  %s   peer %s\n", i, s.HTTP, s.Peer)
	}
	fmt.Fprintf(w, "\n  airline    %s (key %s)\n  bundle     %s\n  hotel      %s (demo API: GET /stats, POST /faults)\n  state      %s\n",
		in.Airline.Address, in.Airline.Key, in.Bundle, in.Hotel.HTTP, filepath.Join(d.Dir(), "devnet.json"))
	if in.Chain != nil {
		fmt.Fprintf(w, "  chain      %s (chain ID %d; registry %s)\n", in.Chain.RPC, in.Chain.ChainID, in.Chain.Contracts.Registry.Hex())
	}
	if len(in.Tickets) > 0 && len(in.Anchors) > 0 {
		t, a := in.Tickets[0], in.Anchors[0].HTTP
		replica := "<replica http>"
		if rt, err := d.Client.Route(context.Background(), t.Instance); err == nil && len(rt.Replicas) > 0 {
			replica = rt.Replicas[0].HTTP
		}
		fmt.Fprintf(w, "\nTry (ticket %s %s, %s):\n", t.Flight, t.Date, t.Passenger)
		fmt.Fprintf(w, "  curl -s %s/v1/network\n", a)
		fmt.Fprintf(w, "  curl -s %s/v1/tokens/%s/route\n", a, t.Instance)
		fmt.Fprintf(w, "  curl -s -X POST -d '{}' %s/v1/tokens/%s/query/status          # 401: the passenger's grant is needed\n", replica, t.Instance)
		g := t.Headers[wire.GrantHeader]
		pay := ""
		if in.Chain != nil && in.Chain.Payment != nil {
			pay = " --devnet " + filepath.Join(d.Dir(), "devnet.json")
		}
		fmt.Fprintf(w, "  smartlayer token query %s status --anchor %s \\\n      --grant '%s' \\\n      --integration-key %s%s\n", t.Instance, a, g, in.Integration.Key, pay)
		fmt.Fprintf(w, "  smartlayer token action %s rebook --key try-1 --args '{\"hotel\":\"%s\"}' --anchor %s \\\n      --grant '%s' --integration-key %s%s   # once per key, on the executor\n",
			t.Instance, in.Hotel.HTTP, a, g, in.Integration.Key, pay)
		if pay != "" {
			pi := in.Chain.Payment
			fmt.Fprintf(w, "  # status costs 1, rebook 20 (the service token's smallest unit): the integration pays from channel %d\n", pi.Channel)
			fmt.Fprintf(w, "  smartlayer channel status %d%s --anchor %s   # chain and anchor's count\n", pi.Channel, pay, a)
			fmt.Fprintf(w, "  smartlayer channel settle %d --anchor %s                # cash and pay the nodes out now (a fifth burnt)\n", pi.Channel, a)
			fmt.Fprintf(w, "  smartlayer commitment prove %s%s --anchor %s   # its registration in a period's Merkle root on chain\n", t.Instance, pay, a)
		}
		fmt.Fprintf(w, "  curl -s %s/v1/tokens/%s/root                        # public; state and history need the grant\n", replica, t.Instance)
		fmt.Fprintf(w, "  curl -s %s/stats                                     # the hotel's rebookings\n", in.Hotel.HTTP)
		fmt.Fprintf(w, "  curl -s %s/metrics\n", a)
		if in.Chain != nil {
			fmt.Fprintf(w, "  smartlayer chain status --devnet %s\n", filepath.Join(d.Dir(), "devnet.json"))
			fmt.Fprintf(w, "  smartlayer ticket status --devnet %s --key %s --flight %s --date %s --delay 200 --status delayed   # on chain, relayed to the flight's tickets\n",
				filepath.Join(d.Dir(), "devnet.json"), in.Airline.Key, t.Flight, t.Date)
		}
		if len(in.LoungePasses) > 0 {
			p := in.LoungePasses[0]
			fmt.Fprintf(w, "  smartlayer token query %s entry --anchor %s \\\n      --args '{\"grant\":\"%s\"}'   # a lounge pass reads its ticket, under the passenger's grant to the pass\n", p.Instance, a, p.Grant)
			fmt.Fprintf(w, "  smartlayer token action %s watch --key watch-1 --anchor %s \\\n      --args '{\"grant\":\"%s\"}' \\\n      --grant '%s' --integration-key %s   # then each status update of its flight makes the pass's apply read the ticket\n",
				p.Instance, a, p.Grant, p.DeskGrant, in.Integration.Key)
		}
		fmt.Fprintf(w, "\nEvery ticket's grant is in devnet.json (\"headers\"); a call under it is signed by the integration's key (\"integration\").\n")
	}
	fmt.Fprintf(w, "\nCtrl-C stops the network.\n")
}
