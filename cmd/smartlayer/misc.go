package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "smartlayer %s %s %s/%s\n", node.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}

func newKeysCmd() *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Manage secp256k1 keys (node identities, issuer keys)"}
	var out string
	keys.AddCommand(&cobra.Command{
		Use:   "new --out FILE",
		Short: "Create a key file (mode 0600) and print its address and peer ID",
		Long: `Create a new secp256k1 key. The same key is a node's libp2p peer ID, its
Ethereum address and its signing key. The file holds the private key in hex,
readable by its owner only; an existing file is never overwritten.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out FILE is required")
			}
			k, err := nodekey.Generate()
			if err != nil {
				return err
			}
			if err := k.Save(out); err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]string{
				"file": out, "address": k.Address().Hex(), "peer": k.PeerID().String(),
			})
		},
	})
	keys.Commands()[0].Flags().StringVar(&out, "out", "", "file to write")
	return keys
}

func newTokenCmd() *cobra.Command {
	tok := &cobra.Command{Use: "token", Short: "Publish token bundles, register token instances, run queries and actions"}
	var anchor, issuerKey, contract string
	var chainID int64
	def := node.DefaultConfig(node.RoleService)
	publish := &cobra.Command{
		Use:   "publish BUNDLE --issuer-key FILE --anchor URL",
		Short: "Publish a token bundle (a directory or a single TokenScript file), signed by its issuer",
		Long: `Publish a token bundle to an anchor, which checks it (TokenScript, Service
TokenScript element, module compiles) and shares it with every other anchor.
Bundles are content-addressed: the answer carries the bundle hash.

The issuer signs the bundle (a "bundle-issuer" attestation over its hash, with
--issuer-key): anchors take a bundle only from a key it names as the issuer of
its instance attestation (<ts:key>), and register an instance only against the
bundle its attestation's signer vouched for.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := tokenscript.LoadBundle(args[0])
			if err != nil {
				return err
			}
			if _, err := b.Manifest(); err != nil {
				return err
			}
			if issuerKey == "" {
				return errors.New("--issuer-key is required: anchors take a bundle only signed by its issuer")
			}
			k, err := nodekey.Load(issuerKey)
			if err != nil {
				return fmt.Errorf("--issuer-key: %w", err)
			}
			if err := b.SignIssuer(k.ECDSA, attest.NetworkDomain(chainID, common.HexToAddress(contract)), time.Now()); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			res, err := client.New([]string{anchor}, nil).PublishBundle(ctx, b.Files, b.Issuer)
			if err != nil {
				return err
			}
			return printJSON(cmd, res)
		},
	}
	publish.Flags().StringVar(&anchor, "anchor", "http://127.0.0.1:8080", "anchor HTTP URL")
	publish.Flags().StringVar(&issuerKey, "issuer-key", "", "the issuer's key FILE (a key the bundle names in <ts:key>)")
	publish.Flags().Int64Var(&chainID, "chain-id", def.Network.ChainID, "the network's chain ID (EIP-712 domain)")
	publish.Flags().StringVar(&contract, "eas", def.Network.EAS, "the network's EAS contract address (EIP-712 domain)")
	var bundle string
	register := &cobra.Command{
		Use:   "register ATTESTATION_FILE --bundle HASH --anchor URL",
		Short: "Create a token instance from its signed attestation (eas-sdk JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			att, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			res, err := client.New([]string{anchor}, nil).Register(ctx, bundle, att)
			if err != nil {
				return err
			}
			return printJSON(cmd, res)
		},
	}
	register.Flags().StringVar(&anchor, "anchor", "http://127.0.0.1:8080", "anchor HTTP URL")
	register.Flags().StringVar(&bundle, "bundle", "", "bundle hash from token publish")
	_ = register.MarkFlagRequired("bundle")
	tok.AddCommand(publish, register, newQueryCmd(), newActionCmd())
	return tok
}

// callFlags are the flags of token query and token action.
type callFlags struct {
	anchor, args, grant, signKey string
	verify                       bool
	// Paying for priced calls: a channel on a Channels contract, or the
	// devnet's demo channel.
	payDevnet, channels string
	payChannel          uint64
	chainID             int64
}

func (f *callFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.anchor, "anchor", "http://127.0.0.1:8080", "anchor HTTP URL to route through")
	fl.StringVar(&f.args, "args", "{}", "arguments as JSON")
	fl.StringVar(&f.grant, "grant", "", "the owner's grant attestation (any form; the URL value from devnet.json \"headers\")")
	fl.StringVar(&f.signKey, "integration-key", "", "key FILE that signs the call: the integration's the grant names (devnet.json \"integration\".key), or the owner's own with no grant")
	fl.BoolVar(&f.verify, "verify", true, "verify the answer's execution receipt")
	fl.StringVar(&f.payDevnet, "devnet", "", "pay for priced calls from the devnet's demo channel (devnet.json chain.payment), signed by --integration-key")
	fl.Uint64Var(&f.payChannel, "pay-channel", 0, "pay for priced calls from this payment channel, signed by --integration-key (with --channels and --chain-id)")
	fl.StringVar(&f.channels, "channels", "", "the Channels contract's address, for --pay-channel")
	fl.Int64Var(&f.chainID, "chain-id", 0, "the chain's ID, for --pay-channel")
}

// prepare checks the arguments and makes the client and headers.
func (f *callFlags) prepare() (*client.Client, json.RawMessage, http.Header, error) {
	if !json.Valid([]byte(f.args)) {
		return nil, nil, nil, fmt.Errorf("--args: not JSON: %s", f.args)
	}
	c := client.New([]string{f.anchor}, nil)
	c.VerifyReceipts = f.verify
	h := http.Header{}
	if f.grant != "" {
		h.Set(wire.GrantHeader, f.grant)
		if f.signKey == "" {
			return nil, nil, nil, errors.New("--grant needs --integration-key: a call under a grant is signed by the integration it names")
		}
	}
	if f.signKey != "" {
		k, err := nodekey.Load(f.signKey)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("--integration-key: %w", err)
		}
		c.Key = k.ECDSA
	}
	if err := f.payer(c); err != nil {
		return nil, nil, nil, err
	}
	return c, json.RawMessage(f.args), h, nil
}

// payer sets the client to pay for priced calls, when asked, starting
// from the channel's state at its anchor.
func (f *callFlags) payer(c *client.Client) error {
	if f.payDevnet == "" && f.payChannel == 0 {
		return nil
	}
	if c.Key == nil {
		return errors.New("paying needs --integration-key: the payer signs its promises")
	}
	p := &client.Payer{Key: c.Key, Channel: f.payChannel}
	if f.payDevnet != "" {
		b, err := readBounded(f.payDevnet, 16<<20) // a devnet.json is some tens of KiB
		if err != nil {
			return fmt.Errorf("--devnet: %w", err)
		}
		var info struct {
			Chain *struct {
				ChainID int64 `json:"chainId"`
				Payment *struct {
					Channel  uint64         `json:"channel"`
					Contract common.Address `json:"contract"`
				} `json:"payment"`
			} `json:"chain"`
		}
		if err := json.Unmarshal(b, &info); err != nil || info.Chain == nil || info.Chain.Payment == nil {
			return fmt.Errorf("--devnet %s: no chain.payment in it (a devnet started with --chain=false)", f.payDevnet)
		}
		p.Channel, p.Domain = info.Chain.Payment.Channel, channel.Domain(info.Chain.ChainID, info.Chain.Payment.Contract)
	} else {
		if !common.IsHexAddress(f.channels) || f.chainID <= 0 {
			return errors.New("--pay-channel needs --channels (the contract's address) and --chain-id")
		}
		p.Domain = channel.Domain(f.chainID, common.HexToAddress(f.channels))
	}
	c.Payer = p
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if st, err := c.Channel(ctx, p.Channel); err == nil {
		p.Resume(&st.ChannelState)
	}
	return nil
}

func newQueryCmd() *cobra.Command {
	var f callFlags
	cmd := &cobra.Command{
		Use:   "query INSTANCE NAME [--args JSON] [--grant G --integration-key FILE] --anchor URL",
		Short: "Run a token query on one of the instance's replicas (routed through the anchor)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			c, args, h, err := f.prepare()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			out, rc, err := c.QueryReceipt(ctx, a[0], a[1], args, h)
			if err != nil {
				return err
			}
			return printJSON(cmd, map[string]any{"result": out, "receipt": rc})
		},
	}
	f.bind(cmd)
	return cmd
}

func newActionCmd() *cobra.Command {
	var f callFlags
	var key string
	cmd := &cobra.Command{
		Use:   "action INSTANCE NAME --key IDEMPOTENCY_KEY [--args JSON] [--grant G --integration-key FILE] --anchor URL",
		Short: "Run a token action on the instance's elected executor, once per key",
		Long: `Run a token action on the executor the instance's placement record names. The
idempotency key names the request: sent again (after a timeout, or while a
new executor is elected) it acts once, and the external calls the action
makes carry it too.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			c, args, h, err := f.prepare()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			out, rc, err := c.Action(ctx, a[0], a[1], key, args, h)
			if err != nil {
				return err
			}
			return printJSON(cmd, map[string]any{"outcome": out, "receipt": rc})
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&key, "key", "", "idempotency key (required)")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// cpuProfile starts a CPU profile into path ("" does nothing); the returned
// function stops it.
func cpuProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, &exitError{2, err}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, &exitError{2, err}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// readBounded reads a file of at most max bytes, refusing a larger one
// before it is all read.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		return nil, fmt.Errorf("%s: more than %d bytes", path, max)
	}
	return b, err
}
