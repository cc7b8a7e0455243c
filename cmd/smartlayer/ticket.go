package main

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/wire"
)

func newTicketCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ticket",
		Short: "Move the example flight ticket's ERC-721 twin and publish flight statuses on chain",
		Long: `The example flight ticket exists on chain too: a FlightTickets ERC-721 token
whose token ID is the ticket attestation's UID (the instance ID), which the
devnet's airline deploys and mints to each passenger. Anchors relay its
Transfers and FlightStatus events to the ticket's instance; every replica
checks them against its own chain reads. After a transfer the new holder is
the instance's owner, who signs its grants; a status set on chain reaches
every ticket of the flight like the airline's flight-status attestations.

  smartlayer ticket owner    --devnet DATA/devnet.json --instance 0x..
  smartlayer ticket transfer --devnet DATA/devnet.json --key passenger.key --instance 0x.. --to 0x..
  smartlayer ticket status   --devnet DATA/devnet.json --key DATA/airline.key --flight SL100 --date 2026-12-01 --delay 200 --status delayed

A passenger's key is its ticket's "ownerKey" in devnet.json, in a file of
mode 0600.`,
	}
	cmd.AddCommand(newTicketOwnerCmd(), newTicketTransferCmd(), newTicketStatusCmd())
	return cmd
}

// ticketFlags name the chain and the FlightTickets contract.
type ticketFlags struct {
	rpc, devnet, contract string
	chainID               int64
}

func (f *ticketFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.rpc, "eth-rpc", "", "the chain's JSON-RPC URL")
	fl.StringVar(&f.contract, "contract", "", "address of the FlightTickets contract")
	fl.StringVar(&f.devnet, "devnet", "", "a devnet's devnet.json: its chain's RPC URL and FlightTickets (instead of the flags above)")
	fl.Int64Var(&f.chainID, "chain-id", 0, "refuse a chain with another ID")
}

// ticketSession is a dialled chain with the FlightTickets contract bound,
// and a sender when a key was given.
type ticketSession struct {
	c      *ethclient.Client
	id     *big.Int
	ft     *contracts.FlightTickets
	sender *chain.Sender
}

func (f *ticketFlags) open(ctx context.Context, keyPath string) (*ticketSession, error) {
	rpcURL, contract := f.rpc, f.contract
	if f.devnet != "" {
		u, cs, err := chain.ReadDevnetChain(f.devnet)
		if err != nil {
			return nil, err
		}
		if cs.FlightTickets == (common.Address{}) {
			return nil, fmt.Errorf("%s has no FlightTickets contract (a devnet from before tickets were ERC-721 tokens)", f.devnet)
		}
		rpcURL, contract = u, cs.FlightTickets.Hex()
	}
	if rpcURL == "" {
		return nil, errors.New("--eth-rpc (or --devnet) is required")
	}
	if !common.IsHexAddress(contract) {
		return nil, fmt.Errorf("--contract %q: want a 0x-prefixed 20-byte address", contract)
	}
	c, err := chain.Dial(ctx, rpcURL)
	if err != nil {
		return nil, fmt.Errorf("--eth-rpc %s: %w", chain.Redact(rpcURL), err)
	}
	s := &ticketSession{c: c}
	if s.id, err = c.ChainID(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("--eth-rpc %s: %w", chain.Redact(rpcURL), err)
	}
	if f.chainID != 0 && s.id.Int64() != f.chainID {
		c.Close()
		return nil, fmt.Errorf("--eth-rpc %s is chain %v, not --chain-id %d", chain.Redact(rpcURL), s.id, f.chainID)
	}
	addr := common.HexToAddress(contract)
	if code, err := c.CodeAt(ctx, addr, nil); err != nil || len(code) == 0 {
		c.Close()
		return nil, fmt.Errorf("no contract at %s on chain %v (%v)", addr, s.id, err)
	}
	if s.ft, err = contracts.NewFlightTickets(addr, c); err != nil {
		c.Close()
		return nil, err
	}
	if keyPath != "" {
		if _, s.sender, err = keySender(ctx, c, s.id, keyPath); err != nil {
			c.Close()
			return nil, err
		}
	}
	return s, nil
}

// owner is who holds the ticket's token (ownerOf).
func (s *ticketSession) owner(ctx context.Context, tid *big.Int, instance string) (common.Address, error) {
	owner, err := s.ft.OwnerOf(&bind.CallOpts{Context: ctx}, tid)
	if err != nil {
		return owner, fmt.Errorf("ticket %s has no token on chain (not minted?): %w", instance, chain.Explain(err))
	}
	return owner, nil
}

// tokenID is an instance ID as the ticket's ERC-721 token ID.
func tokenID(instance string) (*big.Int, error) {
	id, err := wire.ParseInstanceID(instance)
	if err != nil {
		return nil, fmt.Errorf("--instance: %w", err)
	}
	return new(big.Int).SetBytes(id[:]), nil
}

func newTicketOwnerCmd() *cobra.Command {
	var f ticketFlags
	var instance string
	cmd := &cobra.Command{
		Use:   "owner",
		Short: "Print who holds a ticket's ERC-721 token (ownerOf)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tid, err := tokenID(instance)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			s, err := f.open(ctx, "")
			if err != nil {
				return err
			}
			defer s.c.Close()
			owner, err := s.owner(ctx, tid, instance)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), owner.Hex())
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&instance, "instance", "", "the ticket's instance ID (its attestation UID)")
	_ = cmd.MarkFlagRequired("instance")
	return cmd
}

func newTicketTransferCmd() *cobra.Command {
	var f ticketFlags
	var key, instance, to string
	cmd := &cobra.Command{
		Use:   "transfer",
		Short: "Transfer a ticket's ERC-721 token to another holder, who then owns its instance",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tid, err := tokenID(instance)
			if err != nil {
				return err
			}
			if !common.IsHexAddress(to) {
				return fmt.Errorf("--to %q: want a 0x-prefixed 20-byte address", to)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, err := f.open(ctx, key)
			if err != nil {
				return err
			}
			defer s.c.Close()
			owner, err := s.owner(ctx, tid, instance)
			if err != nil {
				return err
			}
			if owner != s.sender.Address() {
				return fmt.Errorf("ticket %s is held by %s, not by --key's %s", instance, owner, s.sender.Address())
			}
			if err := s.sender.Send(ctx, s.c, func(o *bind.TransactOpts) (*types.Transaction, error) {
				return s.ft.TransferFrom(o, owner, common.HexToAddress(to), tid)
			}); err != nil {
				return fmt.Errorf("transfer: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ticket %s transferred from %s to %s; its instance's owner changes once the anchors relay the Transfer\n",
				instance, owner, common.HexToAddress(to))
			return nil
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&key, "key", "", "the holder's key file")
	fl.StringVar(&instance, "instance", "", "the ticket's instance ID (its attestation UID)")
	fl.StringVar(&to, "to", "", "the new holder's address")
	for _, n := range []string{"key", "instance", "to"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newTicketStatusCmd() *cobra.Command {
	var f ticketFlags
	var key, flight, date, status string
	var delay uint32
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Publish a flight's status on chain (the airline's FlightStatus event)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, err := f.open(ctx, key)
			if err != nil {
				return err
			}
			defer s.c.Close()
			if err := s.sender.Send(ctx, s.c, func(o *bind.TransactOpts) (*types.Transaction, error) {
				return s.ft.SetStatus(o, flight, date, delay, status)
			}); err != nil {
				return fmt.Errorf("set status: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "flight %s on %s: %s, %d minutes late, on chain; the anchors relay it to the flight's tickets\n", flight, date, status, delay)
			return nil
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&key, "key", "", "the airline's key file (the contract's owner)")
	fl.StringVar(&flight, "flight", "", "the flight, as on its tickets")
	fl.StringVar(&date, "date", "", "the flight's date, as on its tickets")
	fl.Uint32Var(&delay, "delay", 0, "minutes late")
	fl.StringVar(&status, "status", "", "the status (scheduled, delayed, cancelled, ...)")
	for _, n := range []string{"key", "flight", "date", "status"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}
