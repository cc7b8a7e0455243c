package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/governance"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
)

func newVoteCmd() *cobra.Command {
	var keyPath, mode, anchor, contract string
	var round uint64
	var chainID int64
	def := node.DefaultConfig(node.RoleAnchor)
	cmd := &cobra.Command{
		Use:   "vote --key ANCHOR_KEY --mode normal|partial|full --round N --anchor URL",
		Short: "Cast an anchor's vote on the network's verification mode",
		Long: `Sign an anchor's fallback vote (an EAS attestation of the network's
"fallback-vote" schema) with the anchor's key and send it to an anchor, which
shares it with the others. Once anchors with two thirds of the stake vote for
one mode in a round, the network switches: "partial" places every token's
replicas on different platforms, "normal" goes back. Later rounds supersede
earlier ones. The answer is the mode now in force.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyPath == "" {
				return errors.New("--key is required: the anchor's node key")
			}
			if err := governance.CheckMode(mode); err != nil {
				return err
			}
			key, err := nodekey.Load(keyPath)
			if err != nil {
				return err
			}
			data, err := attest.FallbackVoteSchema.Schema.Encode(map[string]any{"mode": mode, "round": fmt.Sprint(round)})
			if err != nil {
				return err
			}
			m := attest.Message{Version: attest.Version2, Schema: attest.FallbackVoteSchema.UID, Time: uint64(time.Now().Unix()), Data: data}
			if m.Salt, err = randomSalt(); err != nil {
				return err
			}
			s, err := attest.Sign(key.ECDSA, attest.NetworkDomain(chainID, common.HexToAddress(contract)), m)
			if err != nil {
				return err
			}
			body, _ := json.Marshal(s)
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(anchor, "/")+"/v1/votes", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != http.StatusCreated {
				return fmt.Errorf("vote refused: %d %v", resp.StatusCode, out["detail"])
			}
			return printJSON(cmd, out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", "the anchor's node key (its data dir's node.key)")
	f.StringVar(&mode, "mode", "", "normal, partial or full")
	f.Uint64Var(&round, "round", 1, "voting round; a later round supersedes earlier ones")
	f.StringVar(&anchor, "anchor", "http://127.0.0.1:8080", "anchor HTTP URL")
	f.Int64Var(&chainID, "chain-id", def.Network.ChainID, "EIP-712 domain chain ID")
	f.StringVar(&contract, "contract", def.Network.EAS, "EAS contract address")
	return cmd
}
