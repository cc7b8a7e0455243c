package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/wire"
)

func newChannelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "channel",
		Short: "Payment channels: open, top up, pay, settle and close (docs/payments.md)",
		Long: `An integration pays for priced calls (<sl:price> in a TokenScript) through a
payment channel to an anchor: a deposit of service tokens in the Channels
contract, and a signed promise per call. Amounts are in the service token's
smallest unit unless a flag says otherwise.`,
	}
	cmd.AddCommand(newChannelOpenCmd(), newChannelStatusCmd(), newChannelTopUpCmd(), newChannelWithdrawCmd(),
		newChannelPromiseCmd(), newChannelSettleCmd(), newChannelCloseCmd())
	return cmd
}

// channelSession opens the chain with the Channels contract bound.
func channelSession(ctx context.Context, f *chainFlags, key string) (*chainSession, *contracts.Channels, error) {
	s, err := f.open(ctx, 0, key)
	if err != nil {
		return nil, nil, err
	}
	if s.r.Channels == nil {
		s.close()
		return nil, nil, errors.New("no Channels contract: give --channels (or a devnet.json whose chain has one)")
	}
	return s, s.r.Channels, nil
}

// deposit parses --amount, opens the chain with the payer's key, has the
// Channels contract allowed to take the amount, and sends tx (open or
// topUp) with it.
func deposit(ctx context.Context, f *chainFlags, key, amount, what string,
	tx func(*contracts.Channels, *bind.TransactOpts, *big.Int) (*types.Transaction, error)) (*chainSession, *contracts.Channels, *big.Int, error) {
	amt, err := parseUnits(amount)
	if err != nil || amt.Sign() == 0 {
		return nil, nil, nil, fmt.Errorf("--amount %q: want a positive number of tokens", amount)
	}
	s, ch, err := channelSession(ctx, f, key)
	if err != nil {
		return nil, nil, nil, err
	}
	token, err := s.erc20(s.cs.ServiceToken)
	if err == nil {
		err = s.ensureAllowance(token, "SLT", s.cs.Channels, amt)
	}
	if err == nil {
		err = s.send(what, func(o *bind.TransactOpts) (*types.Transaction, error) { return tx(ch, o, amt) })
	}
	if err != nil {
		s.close()
		return nil, nil, nil, err
	}
	return s, ch, amt, nil
}

func channelID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("channel %q: want a number from 1 up", s)
	}
	return id, nil
}

func newChannelOpenCmd() *cobra.Command {
	var f chainFlags
	var key, anchor, amount string
	cmd := &cobra.Command{
		Use:   "open --anchor-address 0x.. --amount TOKENS --key FILE",
		Short: "Open a payment channel to an anchor with a deposit (whole service tokens)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !common.IsHexAddress(anchor) {
				return fmt.Errorf("--anchor-address %q: want a 0x address (an anchor's node address)", anchor)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, ch, amt, err := deposit(ctx, &f, key, amount, "open", func(ch *contracts.Channels, o *bind.TransactOpts, amt *big.Int) (*types.Transaction, error) {
				return ch.Open(o, common.HexToAddress(anchor), amt)
			})
			if err != nil {
				return err
			}
			defer s.close()
			// The newest channel this payer opened to that anchor.
			it, err := ch.FilterOpened(&bind.FilterOpts{Context: ctx}, nil, []common.Address{s.sender.Address()}, []common.Address{common.HexToAddress(anchor)})
			if err != nil {
				return err
			}
			var id *big.Int
			for it.Next() {
				id = it.Event.Channel
			}
			if id == nil {
				return errors.New("the channel was opened, but its Opened event was not found")
			}
			return printJSON(cmd, map[string]any{"channel": id, "payer": s.sender.Address(), "anchor": common.HexToAddress(anchor), "deposit": amt.String()})
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&key, "key", "", "the payer's key FILE (the integration's), with ether for gas")
	cmd.Flags().StringVar(&anchor, "anchor-address", "", "the anchor's node address (devnet.json chain.accounts role anchor-N)")
	cmd.Flags().StringVar(&amount, "amount", "", "deposit in whole service tokens (up to 18 decimals)")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

func newChannelStatusCmd() *cobra.Command {
	var f chainFlags
	var anchor string
	cmd := &cobra.Command{
		Use:   "status CHANNEL [--anchor URL]",
		Short: "Print a channel as the chain has it and, with --anchor, as its anchor counts it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			id, err := channelID(a[0])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			s, ch, err := channelSession(ctx, &f, "")
			if err != nil {
				return err
			}
			defer s.close()
			c, err := ch.ChannelOf(&bind.CallOpts{Context: ctx}, new(big.Int).SetUint64(id))
			if err != nil {
				return err
			}
			if c.Payer == (common.Address{}) {
				return fmt.Errorf("there is no channel %d", id)
			}
			out := map[string]any{"channel": id, "chain": channelJSON(c)}
			if anchor != "" {
				st, err := client.New([]string{anchor}, nil).Channel(ctx, id)
				if err != nil {
					return fmt.Errorf("the anchor: %w", err)
				}
				out["anchor"] = st
			}
			return printJSON(cmd, out)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&anchor, "anchor", "", "an anchor HTTP URL (the channel's own anchor answers)")
	return cmd
}

func newChannelTopUpCmd() *cobra.Command {
	var f chainFlags
	var key, amount string
	cmd := &cobra.Command{
		Use:   "topup CHANNEL --amount TOKENS --key FILE",
		Short: "Add to a channel's deposit (whole service tokens)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			id, err := channelID(a[0])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, ch, _, err := deposit(ctx, &f, key, amount, "topUp", func(ch *contracts.Channels, o *bind.TransactOpts, amt *big.Int) (*types.Transaction, error) {
				return ch.TopUp(o, new(big.Int).SetUint64(id), amt)
			})
			if err != nil {
				return err
			}
			defer s.close()
			return printChannel(cmd, ctx, ch, id)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&key, "key", "", "the payer's key FILE")
	cmd.Flags().StringVar(&amount, "amount", "", "whole service tokens to add")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

func printChannel(cmd *cobra.Command, ctx context.Context, ch *contracts.Channels, id uint64) error {
	c, err := ch.ChannelOf(&bind.CallOpts{Context: ctx}, new(big.Int).SetUint64(id))
	if err != nil {
		return err
	}
	return printJSON(cmd, map[string]any{"channel": id, "chain": channelJSON(c)})
}

// channelJSON is a channel on chain with its amounts as decimal strings
// (the smallest unit; JSON numbers would lose digits).
func channelJSON(c contracts.ChannelsChannel) map[string]any {
	return map[string]any{
		"payer": c.Payer, "anchor": c.Anchor, "deposit": c.Deposit.String(), "cashed": c.Cashed.String(),
		"distributed": c.Distributed.String(), "withdrawn": c.Withdrawn.String(), "withdrawing": c.Withdrawing.String(),
		"withdrawAt": c.WithdrawAt, "nonce": c.Nonce, "closesAt": c.ClosesAt, "closed": c.Closed,
	}
}

func newChannelWithdrawCmd() *cobra.Command {
	var f chainFlags
	var key, amount string
	var finish bool
	cmd := &cobra.Command{
		Use:   "withdraw CHANNEL (--amount TOKENS | --finish) --key FILE",
		Short: "Take unspent deposit back: announce it, then --finish after the challenge window",
		Long: `A withdrawal goes in two steps: --amount announces it (nodes stop counting on
that part of the deposit at once); after the contract's challenge window, in
which the anchor may still cash promises, --finish pays what of it is still
not cashed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			id, err := channelID(a[0])
			if err != nil {
				return err
			}
			if finish == (amount != "") {
				return errors.New("give --amount (announce) or --finish (after the window), not both")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, ch, err := channelSession(ctx, &f, key)
			if err != nil {
				return err
			}
			defer s.close()
			bid := new(big.Int).SetUint64(id)
			if finish {
				err = s.send("withdraw", func(o *bind.TransactOpts) (*types.Transaction, error) { return ch.Withdraw(o, bid) })
			} else {
				amt, perr := parseUnits(amount)
				if perr != nil || amt.Sign() == 0 {
					return fmt.Errorf("--amount %q: want a positive number of tokens", amount)
				}
				err = s.send("startWithdrawal", func(o *bind.TransactOpts) (*types.Transaction, error) { return ch.StartWithdrawal(o, bid, amt) })
			}
			if err != nil {
				return err
			}
			return printChannel(cmd, ctx, ch, id)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&key, "key", "", "the payer's key FILE")
	cmd.Flags().StringVar(&amount, "amount", "", "whole service tokens to announce")
	cmd.Flags().BoolVar(&finish, "finish", false, "pay the announced withdrawal (after the window)")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

// channelDomain is the EIP-712 domain of the session's Channels contract.
func channelDomain(s *chainSession) attest.Domain {
	return channel.Domain(s.id.Int64(), s.cs.Channels)
}

func newChannelPromiseCmd() *cobra.Command {
	var f chainFlags
	var key, cumulative string
	var nonce uint64
	cmd := &cobra.Command{
		Use:   "promise CHANNEL --cumulative AMOUNT --nonce N --key FILE",
		Short: "Print a signed promise for the X-Smartlayer-Payment header (curl)",
		Long: `Sign a promise on a channel: the payer owes AMOUNT in total (the service
token's smallest unit) as of its N-th call. A call is paid when the promise
raises the total by at least its price and N was not used before. The Go
client does this by itself (client.Payer).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			id, err := channelID(a[0])
			if err != nil {
				return err
			}
			cum, err := channel.ParseAmount(cumulative)
			if err != nil {
				return fmt.Errorf("--cumulative: %w", err)
			}
			k, err := nodekey.Load(key)
			if err != nil {
				return fmt.Errorf("--key: %w", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			s, _, err := channelSession(ctx, &f, "")
			if err != nil {
				return err
			}
			defer s.close()
			p, err := channel.Sign(k.ECDSA, channelDomain(s), id, cum, nonce)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), p.Header())
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&key, "key", "", "the payer's key FILE")
	cmd.Flags().StringVar(&cumulative, "cumulative", "", "the total owed on the channel, in the smallest unit")
	cmd.Flags().Uint64Var(&nonce, "nonce", 0, "the call's number on the channel (each used once)")
	_ = cmd.MarkFlagRequired("key")
	_ = cmd.MarkFlagRequired("cumulative")
	_ = cmd.MarkFlagRequired("nonce")
	return cmd
}

func newChannelSettleCmd() *cobra.Command {
	var anchor string
	cmd := &cobra.Command{
		Use:   "settle CHANNEL --anchor URL",
		Short: "Have the channel's anchor cash its highest promise and pay the nodes out now",
		Long: `Have the channel's anchor cash its highest promise and pay the nodes out now.
An anchor settles an open channel on demand at most every 10 s (each settlement
costs it gas); the command asks again each second until it does (2 minutes at most).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			id, err := channelID(a[0])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, err := client.New([]string{anchor}, nil).Settle(ctx, id)
			if err != nil {
				return err
			}
			return printJSON(cmd, s)
		},
	}
	cmd.Flags().StringVar(&anchor, "anchor", "http://127.0.0.1:8080", "an anchor HTTP URL")
	return cmd
}

func newChannelCloseCmd() *cobra.Command {
	var f chainFlags
	var key, anchor string
	var unilateral, finish bool
	cmd := &cobra.Command{
		Use:   "close CHANNEL --key FILE (--anchor URL | --unilateral | --finish)",
		Short: "Close a channel: at once with the anchor's signature, or unilaterally after the challenge window",
		Long: `With --anchor, a cooperative close: the payer signs the close at what the
anchor counts owed (every call charged and its highest promise), the anchor
signs it too, and the contract refunds the rest of the deposit at once.
With --unilateral, the payer starts a close on its own; after the challenge
window (in which the anchor may cash a higher promise), --finish refunds
what was not cashed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			id, err := channelID(a[0])
			if err != nil {
				return err
			}
			modes := 0
			for _, on := range []bool{anchor != "", unilateral, finish} {
				if on {
					modes++
				}
			}
			if modes != 1 {
				return errors.New("give one of --anchor (cooperative), --unilateral or --finish")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, ch, err := channelSession(ctx, &f, key)
			if err != nil {
				return err
			}
			defer s.close()
			bid := new(big.Int).SetUint64(id)
			switch {
			case unilateral:
				err = s.send("startClose", func(o *bind.TransactOpts) (*types.Transaction, error) { return ch.StartClose(o, bid) })
			case finish:
				err = s.send("finishClose", func(o *bind.TransactOpts) (*types.Transaction, error) { return ch.FinishClose(o, bid) })
			default:
				err = closeCooperative(ctx, s, ch, id, anchor, cmd.ErrOrStderr())
			}
			if err != nil {
				return err
			}
			return printChannel(cmd, ctx, ch, id)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&key, "key", "", "the payer's key FILE")
	cmd.Flags().StringVar(&anchor, "anchor", "", "an anchor HTTP URL: close cooperatively")
	cmd.Flags().BoolVar(&unilateral, "unilateral", false, "start a close without the anchor")
	cmd.Flags().BoolVar(&finish, "finish", false, "finish a unilateral close after its window")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

// closeCooperative signs the close at what the anchor counts owed, gets the
// anchor's signature and sends both to the contract. While calls on the
// channel are still reaching the anchor (429 close-too-soon) it waits,
// saying so on progress, and signs again at what the anchor counts then.
func closeCooperative(ctx context.Context, s *chainSession, ch *contracts.Channels, id uint64, anchor string, progress io.Writer) error {
	c := client.New([]string{anchor}, nil)
	var final *big.Int
	var sig []byte
	var ans *wire.ChannelClose
	for {
		st, err := c.Channel(ctx, id)
		if err != nil {
			return fmt.Errorf("the anchor: %w", err)
		}
		final = new(big.Int)
		for _, v := range []string{st.Charged, st.Promised} {
			if x, ok := new(big.Int).SetString(v, 10); ok && x.Cmp(final) > 0 {
				final = x
			}
		}
		if sig, err = channel.SignDigest(s.key, channel.CloseDigest(channelDomain(s), id, final)); err != nil {
			return err
		}
		ans, err = c.CloseChannel(ctx, id, final, sig)
		var p *wire.Problem
		if !errors.As(err, &p) || !strings.HasSuffix(p.Type, ":close-too-soon") {
			if err != nil {
				return fmt.Errorf("the anchor's signature: %w", err)
			}
			break
		}
		fmt.Fprintln(progress, "waiting for the channel's last calls to reach the anchor:", p.Detail)
		select {
		case <-ctx.Done():
			return fmt.Errorf("the anchor's signature: %w", err)
		case <-time.After(time.Second):
		}
	}
	anchorSig := common.FromHex(ans.AnchorSignature)
	return s.send("closeCooperative", func(o *bind.TransactOpts) (*types.Transaction, error) {
		return ch.CloseCooperative(o, new(big.Int).SetUint64(id), final, sig, anchorSig)
	})
}
