package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/nodekey"
)

// chainSession is a connection to the chain with the contracts bound and,
// for transactions, a key.
type chainSession struct {
	ctx    context.Context
	c      *ethclient.Client
	id     *big.Int
	r      *chain.Reader
	cs     chain.Contracts
	key    *ecdsa.PrivateKey
	sender *chain.Sender
}

// open dials the chain named by f, checks its chain ID (when wantID is not
// zero) and binds the contracts; keyPath, when set, is the signing key.
func (f *chainFlags) open(ctx context.Context, wantID int64, keyPath string) (*chainSession, error) {
	rpcURL, cs, err := f.resolve()
	if err != nil {
		return nil, err
	}
	c, id, r, err := chain.Open(ctx, rpcURL, wantID, cs)
	if err != nil {
		return nil, fmt.Errorf("--eth-rpc %w", err)
	}
	s := &chainSession{ctx: ctx, c: c, cs: cs, id: id, r: r}
	if keyPath != "" {
		if s.key, s.sender, err = keySender(ctx, c, id, keyPath); err != nil {
			c.Close()
			return nil, err
		}
	}
	return s, nil
}

// keySender loads the signing key at keyPath and makes its sender on
// chain id, after checking the account has ether for gas.
func keySender(ctx context.Context, c *ethclient.Client, id *big.Int, keyPath string) (*ecdsa.PrivateKey, *chain.Sender, error) {
	k, err := nodekey.Load(keyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("--key: %w", err)
	}
	s, err := chain.NewSender(ctx, c, k.ECDSA, id)
	if err != nil {
		return nil, nil, err
	}
	bal, err := c.BalanceAt(ctx, s.Address(), nil)
	if err != nil {
		return nil, nil, err
	}
	if bal.Sign() == 0 {
		return nil, nil, fmt.Errorf("account %s has no ether to pay for gas on chain %v", s.Address(), id)
	}
	return k.ECDSA, s, nil
}

func (s *chainSession) close() { s.c.Close() }

// send sends one transaction from the session's key and waits for it.
func (s *chainSession) send(what string, f func(*bind.TransactOpts) (*types.Transaction, error)) error {
	if err := s.sender.Send(s.ctx, s.c, f); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// ensureAllowance approves spender for amount of token if the key's
// allowance is short, after checking the key holds amount.
func (s *chainSession) ensureAllowance(token *contracts.StakeToken, name string, spender common.Address, amount *big.Int) error {
	me := s.sender.Address()
	bal, err := token.BalanceOf(&bind.CallOpts{Context: s.ctx}, me)
	if err != nil {
		return err
	}
	if bal.Cmp(amount) < 0 {
		return fmt.Errorf("insufficient balance: %s holds %s %s, needs %s", me, units(bal), name, units(amount))
	}
	have, err := token.Allowance(&bind.CallOpts{Context: s.ctx}, me, spender)
	if err != nil {
		return err
	}
	if have.Cmp(amount) >= 0 {
		return nil
	}
	return s.send("approve", func(o *bind.TransactOpts) (*types.Transaction, error) { return token.Approve(o, spender, amount) })
}

// erc20 binds the ERC-20 at a (the stake and service tokens share the
// ERC-20 part of their ABI; StakeToken's binding serves both).
func (s *chainSession) erc20(a common.Address) (*contracts.StakeToken, error) {
	return contracts.NewStakeToken(a, s.c)
}

// parseUnits reads a token amount in whole tokens, with up to 18 decimals.
func parseUnits(s string) (*big.Int, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	digits := func(x string) bool { return strings.Trim(x, "0123456789") == "" }
	if len(frac) > 18 || whole == "" || !digits(whole) || !digits(frac) {
		return nil, fmt.Errorf("amount %q: want a positive number of tokens (digits, at most 18 decimals)", s)
	}
	v, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", 18-len(frac)), 10)
	if !ok || v.Sign() <= 0 || v.BitLen() > 255 {
		return nil, fmt.Errorf("amount %q: want a positive number of tokens below 2^255 wei", s)
	}
	return v, nil
}

func newStakeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stake",
		Short: "Stake, unstake and look up a node in the registry contract",
		Long: `A node joins the network by staking the stake token in the Registry
contract. The node key signs the registration (so no one else can claim the
node's address); the account that pays, --key, is the operator, which may add
stake, unstake and withdraw. With --devnet DATA/devnet.json every address and
the RPC URL come from a devnet.`,
	}
	cmd.AddCommand(newStakeDepositCmd(), newStakeWithdrawCmd(), newStakeStatusCmd())
	return cmd
}

func newStakeDepositCmd() *cobra.Command {
	var f chainFlags
	var key, nodeKey, role, amount, peerID, httpURL string
	var chainID int64
	cmd := &cobra.Command{
		Use:   "deposit",
		Short: "Register a node with stake, or add stake to a registered node",
		Long: `Register the node whose key is --node-key (default: --key) as an anchor or a
service node with --amount stake tokens, paid by --key; if it is registered
already, add --amount to its stake. Approves the registry first when needed.

  smartlayer stake deposit --devnet DATA/devnet.json --key node.key --role service --amount 1000 --http http://host:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			nk := s.key
			if nodeKey != "" {
				k, err := nodekey.Load(nodeKey)
				if err != nil {
					return fmt.Errorf("--node-key: %w", err)
				}
				nk = k.ECDSA
			}
			node := crypto.PubkeyToAddress(nk.PublicKey)
			r := chain.RoleService
			switch role {
			case "anchor":
				r = chain.RoleAnchor
			case "service":
			default:
				return fmt.Errorf("--role %q: want anchor or service", role)
			}
			ta, err := s.r.Registry.StakeToken(&bind.CallOpts{Context: ctx})
			if err != nil {
				return err
			}
			stake, err := s.erc20(ta)
			if err != nil {
				return err
			}
			if err := s.ensureAllowance(stake, "stake tokens", s.cs.Registry, amt); err != nil {
				return err
			}
			n, err := s.r.Registry.NodeOf(&bind.CallOpts{Context: ctx}, node)
			if err != nil {
				return err
			}
			if n.Role != 0 {
				if err := s.send("add stake", func(o *bind.TransactOpts) (*types.Transaction, error) { return s.r.Registry.AddStake(o, node, amt) }); err != nil {
					return err
				}
				return printNode(cmd.OutOrStdout(), s, node)
			}
			if peerID == "" {
				peerID = nodekey.FromECDSA(nk).PeerID().String()
			}
			sig, err := chain.RegisterSignature(ctx, s.r.Registry, nk, s.sender.Address(), r, peerID)
			if err != nil {
				return err
			}
			if err := s.send("register", func(o *bind.TransactOpts) (*types.Transaction, error) {
				return s.r.Registry.Register(o, node, r, peerID, httpURL, amt, sig)
			}); err != nil {
				return err
			}
			return printNode(cmd.OutOrStdout(), s, node)
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&key, "key", "", "key of the paying account (the operator)")
	fl.StringVar(&nodeKey, "node-key", "", "the node's key (default: --key)")
	fl.StringVar(&role, "role", "service", "anchor or service (registration only)")
	fl.StringVar(&amount, "amount", "", "stake tokens to deposit")
	fl.StringVar(&peerID, "peer-id", "", "the node's libp2p peer ID (default: the node key's)")
	fl.StringVar(&httpURL, "http", "", "the node's public HTTP URL")
	fl.Int64Var(&chainID, "chain-id", 0, "refuse a chain with another ID")
	_ = cmd.MarkFlagRequired("key")
	_ = cmd.MarkFlagRequired("amount")
	return cmd
}

func newStakeWithdrawCmd() *cobra.Command {
	var f chainFlags
	var key, node, amount string
	var chainID int64
	cmd := &cobra.Command{
		Use:   "withdraw",
		Short: "Start unbonding stake, or withdraw stake whose unbonding is over",
		Long: `With --amount, start unbonding that much of the node's stake: it stops counting
at once and can be withdrawn after the registry's unbonding period (a later
unbonding restarts the wait for all of it). Without --amount, withdraw the
stake whose unbonding is over; a node left with nothing is removed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			s, err := f.open(ctx, chainID, key)
			if err != nil {
				return err
			}
			defer s.close()
			addr := s.sender.Address()
			if node != "" {
				if !common.IsHexAddress(node) {
					return fmt.Errorf("--node %q: want an address", node)
				}
				addr = common.HexToAddress(node)
			}
			if amount != "" {
				amt, err := parseUnits(amount)
				if err != nil {
					return fmt.Errorf("--amount: %w", err)
				}
				if err := s.send("unstake", func(o *bind.TransactOpts) (*types.Transaction, error) { return s.r.Registry.Unstake(o, addr, amt) }); err != nil {
					return err
				}
			} else if err := s.send("withdraw", func(o *bind.TransactOpts) (*types.Transaction, error) { return s.r.Registry.Withdraw(o, addr) }); err != nil {
				return err
			}
			return printNode(cmd.OutOrStdout(), s, addr)
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&key, "key", "", "key of the node's operator")
	fl.StringVar(&node, "node", "", "the node's address (default: --key's)")
	fl.StringVar(&amount, "amount", "", "stake tokens to start unbonding (none: withdraw what has unbonded)")
	fl.Int64Var(&chainID, "chain-id", 0, "refuse a chain with another ID")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

func newStakeStatusCmd() *cobra.Command {
	var f chainFlags
	var node string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print a node's registration: role, stake, unbonding stake, admission",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !common.IsHexAddress(node) {
				return fmt.Errorf("--node %q: want a 0x-prefixed 20-byte address", node)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			s, err := f.open(ctx, 0, "")
			if err != nil {
				return err
			}
			defer s.close()
			return printNode(cmd.OutOrStdout(), s, common.HexToAddress(node))
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&node, "node", "", "the node's address")
	_ = cmd.MarkFlagRequired("node")
	return cmd
}

// printNode prints a node's registration as JSON.
func printNode(w io.Writer, s *chainSession, addr common.Address) error {
	opts := &bind.CallOpts{Context: s.ctx}
	n, err := s.r.Registry.NodeOf(opts, addr)
	if err != nil {
		return err
	}
	role := map[uint8]string{0: "none", chain.RoleAnchor: "anchor", chain.RoleService: "service"}[n.Role]
	admitted := false
	if n.Role != 0 {
		if admitted, err = s.r.Registry.Admitted(opts, addr, n.Role); err != nil {
			return err
		}
	}
	out := map[string]any{"node": addr, "role": role, "operator": n.Operator, "stake": units(n.Stake), "unbonding": units(n.Unbonding),
		"admitted": admitted, "peerId": n.PeerId, "http": n.HttpUrl}
	if n.Unbonding.Sign() > 0 {
		out["unbondingUntil"] = time.Unix(int64(n.UnbondingUntil), 0).UTC().Format(time.RFC3339)
	}
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(out)
}
