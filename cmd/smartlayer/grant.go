package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
)

func newGrantCmd() *cobra.Command {
	c := &cobra.Command{Use: "grant", Short: "Sign and revoke a token owner's grants to integrations"}
	var (
		keyPath, instance, integration, scopes, contract, nodeURL string
		validFor                                                  time.Duration
		chainID                                                   int64
	)
	def := node.DefaultConfig(node.RoleService)
	domainFlags := func(cmd *cobra.Command) {
		f := cmd.Flags()
		f.StringVar(&keyPath, "key", "", "the token owner's key FILE (hex secp256k1, mode 0600)")
		f.Int64Var(&chainID, "chain-id", def.Network.ChainID, "the network's chain ID (EIP-712 domain)")
		f.StringVar(&contract, "eas", def.Network.EAS, "the network's EAS contract address (EIP-712 domain)")
	}
	sign := &cobra.Command{
		Use:   "sign --key OWNER_KEY --instance ID --integration ADDRESS --scopes S[,S...] [--for 336h]",
		Short: "Sign a grant letting an integration use scopes of one of your tokens",
		Long: `Sign a grant attestation: the token's owner lets one integration (its address: a
website's server key, or a browser session key) use scopes of one instance until a
time. Scopes: query:<name>, action:<name>, read:state, read:history, query:*, *.

It prints the grant's URL value, for the X-Smartlayer-Grant header. Every call under
the grant must also be signed by the integration's key (X-Smartlayer-Signature; the
Go client's Key, or smartlayer token query --integration-key).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyPath == "" || instance == "" || integration == "" || scopes == "" {
				return errors.New("--key, --instance, --integration and --scopes are required")
			}
			key, err := nodekey.Load(keyPath)
			if err != nil {
				return err
			}
			id, err := attest.ParseUID(instance)
			if err != nil {
				return fmt.Errorf("--instance: %w", err)
			}
			if !common.IsHexAddress(integration) {
				return fmt.Errorf("--integration %q: want a 0x address", integration)
			}
			if validFor <= 0 {
				return errors.New("--for must be positive")
			}
			var sc []string
			for _, s := range strings.Split(scopes, ",") {
				if s = strings.TrimSpace(s); s != "" {
					sc = append(sc, s)
				}
			}
			now := time.Now()
			g, err := attest.SignGrant(key.ECDSA, attest.NetworkDomain(chainID, common.HexToAddress(contract)), id,
				common.HexToAddress(integration), sc, now.Add(validFor), now)
			if err != nil {
				return err
			}
			v, err := g.EncodeURLValue()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), v)
			return err
		},
	}
	domainFlags(sign)
	sign.Flags().StringVar(&instance, "instance", "", "the token instance (0x and 64 hex digits)")
	sign.Flags().StringVar(&integration, "integration", "", "the integration's address")
	sign.Flags().StringVar(&scopes, "scopes", "", "comma-separated scopes")
	sign.Flags().DurationVar(&validFor, "for", 14*24*time.Hour, "how long the grant is valid")

	revoke := &cobra.Command{
		Use:   "revoke GRANT --key OWNER_KEY --node URL",
		Short: "Revoke one of your grants on every replica (posted to one service node, gossiped to the rest)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyPath == "" || nodeURL == "" {
				return errors.New("--key and --node are required")
			}
			key, err := nodekey.Load(keyPath)
			if err != nil {
				return err
			}
			g, err := attest.Parse([]byte(args[0]))
			if err != nil {
				return fmt.Errorf("grant: %w", err)
			}
			rev, err := attest.SignRevocation(key.ECDSA, attest.NetworkDomain(chainID, common.HexToAddress(contract)), g.UID, time.Now())
			if err != nil {
				return err
			}
			body, _ := json.Marshal(rev)
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(nodeURL, "/")+"/v1/revocations", bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			if resp.StatusCode != http.StatusCreated {
				return fmt.Errorf("revocation refused: %s: %s", resp.Status, bytes.TrimSpace(out))
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", bytes.TrimSpace(out))
			return err
		},
	}
	domainFlags(revoke)
	revoke.Flags().StringVar(&nodeURL, "node", "", "a service node's HTTP URL (one holding the token)")
	c.AddCommand(sign, revoke)
	return c
}
