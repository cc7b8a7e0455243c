package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/chain"
)

func newChainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chain",
		Short: "Read the network's contracts on its EVM chain",
	}
	cmd.AddCommand(newChainStatusCmd(), newChainAdvanceCmd())
	return cmd
}

// chainFlags name a chain and the network's contracts on it, or a devnet
// whose devnet.json has both.
type chainFlags struct {
	rpc, devnet              string
	registry, epochs, ttypes string
	channels, commitments    string
}

func (f *chainFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.rpc, "eth-rpc", "", "the chain's JSON-RPC URL (http, https, ws or an IPC path)")
	fl.StringVar(&f.registry, "registry", "", "address of the Registry contract")
	fl.StringVar(&f.epochs, "epochs", "", "address of the Epochs contract")
	fl.StringVar(&f.ttypes, "token-types", "", "address of the TokenTypes contract")
	fl.StringVar(&f.channels, "channels", "", "address of the Channels contract (payment channels; optional)")
	fl.StringVar(&f.commitments, "commitments", "", "address of the Commitments contract (key operations' roots; optional)")
	fl.StringVar(&f.devnet, "devnet", "", "a devnet's devnet.json: its chain's RPC URL and contracts (instead of the flags above)")
}

func (f *chainFlags) resolve() (string, chain.Contracts, error) {
	var c chain.Contracts
	if f.devnet != "" {
		return chain.ReadDevnetChain(f.devnet)
	}
	if f.rpc == "" {
		return "", c, errors.New("--eth-rpc (or --devnet) is required")
	}
	for name, s := range map[string]string{"--registry": f.registry, "--epochs": f.epochs, "--token-types": f.ttypes} {
		if !common.IsHexAddress(s) {
			return "", c, fmt.Errorf("%s %q: want a 0x-prefixed 20-byte address", name, s)
		}
	}
	c.Registry, c.Epochs, c.TokenTypes = common.HexToAddress(f.registry), common.HexToAddress(f.epochs), common.HexToAddress(f.ttypes)
	if f.channels != "" {
		if !common.IsHexAddress(f.channels) {
			return "", c, fmt.Errorf("--channels %q: want a 0x-prefixed 20-byte address", f.channels)
		}
		c.Channels = common.HexToAddress(f.channels)
	}
	if f.commitments != "" {
		if !common.IsHexAddress(f.commitments) {
			return "", c, fmt.Errorf("--commitments %q: want a 0x-prefixed 20-byte address", f.commitments)
		}
		c.Commitments = common.HexToAddress(f.commitments)
	}
	return f.rpc, c, nil
}

func newChainStatusCmd() *cobra.Command {
	var f chainFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print the chain's block, epoch and seed, the anchor set with stakes, and the service nodes",
		Long: `Read the network's contracts: the latest block, the current epoch and the
newest epoch seed, the last epoch the registry started (its seed and anchor
set, what nodes run on), the anchor set now (the admitted anchors with the
most stake) with their stakes, peer IDs and URLs, and every registered
service node.

  smartlayer chain status --devnet DATA/devnet.json
  smartlayer chain status --eth-rpc URL --registry 0x.. --epochs 0x.. --token-types 0x..`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			s, err := f.open(ctx, 0, "")
			if err != nil {
				return err
			}
			defer s.close()
			id, cs, r := s.id, s.cs, s.r
			st, err := r.Status(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				e := json.NewEncoder(out)
				e.SetIndent("", "  ")
				return e.Encode(struct {
					ChainID *big.Int `json:"chainId"`
					*chain.Status
				}{id, st})
			}
			fmt.Fprintf(out, "chain %v, block %d, epoch %d (seed of epoch %d: %s)\n", id, st.Block, st.Epoch, st.SeedEpoch, st.Seed.Hex())
			if st.Started == nil {
				fmt.Fprintln(out, "no epoch started yet (smartlayer chain advance starts the current one)")
			} else {
				fmt.Fprintf(out, "epoch %d started with seed %s and %d anchors:", st.Started.Epoch, st.Started.Seed.Hex(), len(st.Started.Anchors))
				for _, a := range st.Started.Anchors {
					fmt.Fprintf(out, " %s (%s)", a.PeerID, units(a.Stake))
				}
				fmt.Fprintln(out)
			}
			fmt.Fprintf(out, "registry %s: anchor set of at most %d, minimum stake %s (anchor) and %s (service)\n\n",
				cs.Registry.Hex(), st.MaxAnchors, units(st.MinStake["anchor"]), units(st.MinStake["service"]))
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ROLE\tADDRESS\tSTAKE\tADMITTED\tPEER\tHTTP")
			for _, n := range st.Anchors {
				fmt.Fprintf(tw, "anchor\t%s\t%s\t%v\t%s\t%s\n", n.Address.Hex(), units(n.Stake), n.Admitted, n.PeerID, n.HTTP)
			}
			for _, n := range st.Services {
				fmt.Fprintf(tw, "service\t%s\t%s\t%v\t%s\t%s\n", n.Address.Hex(), units(n.Stake), n.Admitted, n.PeerID, n.HTTP)
			}
			return tw.Flush()
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

func newChainAdvanceCmd() *cobra.Command {
	var f chainFlags
	var keyPath string
	cmd := &cobra.Command{
		Use:   "advance --key FILE",
		Short: "Start the current epoch: its seed and anchor set, fixed for the epoch",
		Long: `Call the registry's advance until the current epoch has started: the first
call fixes the epoch's anchor set with stakes, and one a few blocks later
(SEED_DELAY) seeds it from the hash of a block that did not exist when the
set was fixed. Nodes run on that seed and set for the whole epoch. Anyone
may call it (the key only pays for gas); it prints the epoch started.

  smartlayer chain advance --devnet DATA/devnet.json --key DATA/treasury.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyPath == "" {
				return errors.New("--key is required (it pays for gas)")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, err := f.open(ctx, 0, keyPath)
			if err != nil {
				return err
			}
			defer s.close()
			v, err := chain.StartEpoch(ctx, s.sender, s.c, s.r, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "epoch %d started: seed %s, %d anchors\n", v.Epoch, v.Seed.Hex(), len(v.Anchors))
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&keyPath, "key", "", "key FILE (hex) of the account that pays for gas")
	return cmd
}

// units prints a token amount (18 decimals) in whole tokens when it is one.
func units(v any) string {
	b, ok := v.(*big.Int)
	if !ok || b == nil {
		return "?"
	}
	q, r := new(big.Int).QuoRem(b, big.NewInt(1e18), new(big.Int))
	if r.Sign() == 0 {
		return q.String()
	}
	return b.String() + " wei"
}
