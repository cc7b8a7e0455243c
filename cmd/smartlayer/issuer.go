package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/tokenscript"
)

func newIssuerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "issuer",
		Short: "Register a token type on chain, pay its rent, look it up",
		Long: `An issuer registers a token type in the TokenTypes contract: its name, the
hash of its bundle (smartlayer token publish prints it) and rent in service
tokens, which buys whole epochs; a type whose rent runs out is dormant until
rent is paid (by anyone). The type's ID is keccak256(abi.encode(issuer, name)).`,
	}
	cmd.AddCommand(newIssuerRegisterCmd(), newIssuerRentCmd(), newIssuerStatusCmd())
	return cmd
}

func newIssuerRegisterCmd() *cobra.Command {
	var f chainFlags
	var key, name, bundle, rent string
	var chainID int64
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register a token type with its bundle hash and rent",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := tokenscript.ParseBundleHash(bundle)
			if err != nil {
				return fmt.Errorf("--bundle: %w", err)
			}
			amt, err := parseUnits(rent)
			if err != nil {
				return fmt.Errorf("--rent: %w", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, err := f.open(ctx, chainID, key)
			if err != nil {
				return err
			}
			defer s.close()
			if err := s.payable(amt); err != nil {
				return err
			}
			if err := s.send("register the type", func(o *bind.TransactOpts) (*types.Transaction, error) {
				return s.r.Types.Register(o, name, common.Hash(h), amt)
			}); err != nil {
				return err
			}
			id, err := s.r.Types.TypeId(&bind.CallOpts{Context: ctx}, s.sender.Address(), name)
			if err != nil {
				return err
			}
			return printType(cmd.OutOrStdout(), s, id)
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&key, "key", "", "the issuer's key")
	fl.StringVar(&name, "name", "", "the type's name (1 to 64 bytes)")
	fl.StringVar(&bundle, "bundle", "", "the bundle hash (0x + 64 hex digits)")
	fl.StringVar(&rent, "rent", "", "service tokens of rent (whole epochs are bought)")
	fl.Int64Var(&chainID, "chain-id", 0, "refuse a chain with another ID")
	for _, n := range []string{"key", "name", "bundle", "rent"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newIssuerRentCmd() *cobra.Command {
	var f chainFlags
	var key, typeID, amount string
	var chainID int64
	cmd := &cobra.Command{
		Use:   "rent",
		Short: "Pay rent for a token type (anyone may); a dormant type pays from now",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := parseTypeID(typeID)
			if err != nil {
				return err
			}
			amt, err := parseUnits(amount)
			if err != nil {
				return fmt.Errorf("--amount: %w", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, err := f.open(ctx, chainID, key)
			if err != nil {
				return err
			}
			defer s.close()
			if err := s.payable(amt); err != nil {
				return err
			}
			if err := s.send("pay rent", func(o *bind.TransactOpts) (*types.Transaction, error) { return s.r.Types.PayRent(o, id, amt) }); err != nil {
				return err
			}
			return printType(cmd.OutOrStdout(), s, id)
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&key, "key", "", "the paying account's key")
	fl.StringVar(&typeID, "type", "", "the type's ID (0x + 64 hex digits)")
	fl.StringVar(&amount, "amount", "", "service tokens of rent")
	fl.Int64Var(&chainID, "chain-id", 0, "refuse a chain with another ID")
	for _, n := range []string{"key", "type", "amount"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newIssuerStatusCmd() *cobra.Command {
	var f chainFlags
	var typeID string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print a token type: issuer, bundle, paid-until epoch, active or dormant",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := parseTypeID(typeID)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			s, err := f.open(ctx, 0, "")
			if err != nil {
				return err
			}
			defer s.close()
			return printType(cmd.OutOrStdout(), s, id)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&typeID, "type", "", "the type's ID (0x + 64 hex digits)")
	_ = cmd.MarkFlagRequired("type")
	return cmd
}

func parseTypeID(s string) (common.Hash, error) {
	h, err := tokenscript.ParseBundleHash(s) // the same 32-byte hex form
	if err != nil {
		return common.Hash{}, fmt.Errorf("--type %q: want 0x and 64 hex digits", s)
	}
	return common.Hash(h), nil
}

// payable checks the key's service tokens and approves the token types
// contract for amount.
func (s *chainSession) payable(amount *big.Int) error {
	ta, err := s.r.Types.ServiceToken(&bind.CallOpts{Context: s.ctx})
	if err != nil {
		return err
	}
	tok, err := s.erc20(ta)
	if err != nil {
		return err
	}
	return s.ensureAllowance(tok, "service tokens", s.cs.TokenTypes, amount)
}

// printType prints a token type as JSON.
func printType(w io.Writer, s *chainSession, id common.Hash) error {
	opts := &bind.CallOpts{Context: s.ctx}
	t, err := s.r.Types.TypeOf(opts, id)
	if err != nil {
		return err
	}
	if t.Issuer == (common.Address{}) {
		return fmt.Errorf("no token type %s on chain %v", id, s.id)
	}
	active, err := s.r.Types.Active(opts, id)
	if err != nil {
		return err
	}
	epoch, err := s.r.Epochs.Current(opts)
	if err != nil {
		return err
	}
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(map[string]any{"type": id, "name": t.Name, "issuer": t.Issuer, "bundle": common.Hash(t.Bundle),
		"paidUntilEpoch": t.PaidUntil, "epoch": epoch, "active": active})
}
