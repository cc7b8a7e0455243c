package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/commitment"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/wire"
)

func newCommitmentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "commitment",
		Short: "The anchors' periodic commitments of key token operations on chain (docs/payments.md)",
	}
	cmd.AddCommand(newCommitmentStatusCmd(), newCommitmentProveCmd())
	return cmd
}

// commitmentsSession opens the chain with the Commitments contract bound.
func commitmentsSession(ctx context.Context, f *chainFlags) (*chainSession, *contracts.Commitments, error) {
	s, err := f.open(ctx, 0, "")
	if err != nil {
		return nil, nil, err
	}
	if s.r.Commitments == nil {
		s.close()
		return nil, nil, errors.New("no Commitments contract: give --commitments (or a devnet.json whose chain has one)")
	}
	return s, s.r.Commitments, nil
}

func newCommitmentStatusCmd() *cobra.Command {
	var f chainFlags
	var last uint64
	cmd := &cobra.Command{
		Use:   "status [--last N]",
		Short: "Print the current period and the last periods' commitments: root, operations, the anchor that wrote it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			s, c, err := commitmentsSession(ctx, &f)
			if err != nil {
				return err
			}
			defer s.close()
			opts := &bind.CallOpts{Context: ctx}
			cur, err := c.CurrentPeriod(opts)
			if err != nil {
				return err
			}
			period, err := c.Period(opts)
			if err != nil {
				return err
			}
			var periods []map[string]any
			for p := cur - min(cur, last); p < cur; p++ {
				cm, err := c.CommitmentOf(opts, p)
				if err != nil {
					return err
				}
				row := map[string]any{"period": p, "written": cm.Written}
				if cm.Written {
					row["root"], row["operations"], row["anchor"], row["epoch"] = fmt.Sprintf("0x%x", cm.Root), cm.Count, cm.Anchor, cm.Epoch
				} else if rot, err := c.Rotation(opts, p); err == nil && len(rot.Order) > 0 {
					row["onDuty"] = rot.Order[0]
				}
				periods = append(periods, row)
			}
			return printJSON(cmd, map[string]any{"currentPeriod": cur, "periodSeconds": period, "periods": periods})
		},
	}
	f.add(cmd)
	cmd.Flags().Uint64Var(&last, "last", 5, "how many ended periods to show")
	return cmd
}

func newCommitmentProveCmd() *cobra.Command {
	var f chainFlags
	var anchors []string
	cmd := &cobra.Command{
		Use:   "prove UID --anchor URL... (chain flags)",
		Short: "Prove an operation's inclusion in its period's commitment, checked against the chain",
		Long: `Ask the anchors for an operation's inclusion proof (an action result's or a
failure attestation's UID, or a registered instance's ID) and check it against
the root the chain holds for its period: locally and with the contract's
verify. Prints the proof; fails when no anchor has one that the chain accepts
(the period not written yet, or the operation not in it).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			uid, err := attest.ParseUID(a[0])
			if err != nil {
				return fmt.Errorf("UID %q: %w", a[0], err)
			}
			if len(anchors) == 0 {
				return errors.New("--anchor is required (an anchor's HTTP URL; repeat it for more)")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			s, c, err := commitmentsSession(ctx, &f)
			if err != nil {
				return err
			}
			defer s.close()
			var last error = errors.New("no anchor answered")
			for _, base := range anchors {
				pr, err := fetchProof(ctx, base, uid.String())
				if err != nil {
					last = err
					continue
				}
				if pr.UID != common.Hash(uid) {
					last = fmt.Errorf("%s answered for another operation (%s)", base, pr.UID)
					continue
				}
				cm, err := c.CommitmentOf(&bind.CallOpts{Context: ctx}, pr.Period)
				if err != nil {
					return err
				}
				if !cm.Written {
					last = fmt.Errorf("period %d is not written on chain yet", pr.Period)
					continue
				}
				words := make([][32]byte, len(pr.Proof))
				for i, h := range pr.Proof {
					words[i] = h
				}
				// The leaf is made from the UID asked for, not from the
				// anchor's answer.
				onChain, err := c.Verify(&bind.CallOpts{Context: ctx}, pr.Period, common.Hash(uid), words)
				if err != nil {
					return err
				}
				local := commitment.Verify(cm.Root, commitment.Leaf(common.Hash(uid)), pr.Proof)
				if !onChain || !local {
					last = fmt.Errorf("%s's proof does not verify against period %d's root on chain", base, pr.Period)
					continue
				}
				return printJSON(cmd, map[string]any{"uid": common.Hash(uid), "period": pr.Period, "leaf": commitment.Leaf(common.Hash(uid)), "proof": pr.Proof,
					"root": fmt.Sprintf("0x%x", cm.Root), "writtenBy": cm.Anchor, "verified": true})
			}
			return last
		},
	}
	f.add(cmd)
	cmd.Flags().StringArrayVar(&anchors, "anchor", nil, "an anchor's HTTP URL (repeat for more: the first with a proof the chain accepts answers)")
	return cmd
}

// fetchProof asks an anchor for an operation's proof.
func fetchProof(ctx context.Context, base, uid string) (*wire.CommitmentProof, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/commitments/proof/"+uid, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var p wire.Problem
		_ = dec.Decode(&p)
		return nil, fmt.Errorf("%s: %d %s", base, resp.StatusCode, p.Detail)
	}
	var pr wire.CommitmentProof
	return &pr, dec.Decode(&pr)
}
