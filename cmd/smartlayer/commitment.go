package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/commitment"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/token"
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
	var voteTTL time.Duration
	cmd := &cobra.Command{
		Use:   "prove UID|RECEIPT --anchor URL... (chain flags)",
		Short: "Prove an operation's inclusion in its period's commitment, checked against the chain",
		Long: `Ask the anchors for an operation's inclusion proof and check it against the root
the chain holds for its period: locally and with the contract's verify. Prints the
proof; fails when no anchor has one that the chain accepts (the period not written
yet, or the operation not in it).

The operation is named by its UID (an action result's or failure attestation's
UID, or a registered instance's ID), or by an action's receipt: a FILE or - (stdin)
holding the receipt (its JSON or the X-Smartlayer-Receipt header's base64url) or
the action's whole answer as 'smartlayer token action' prints it. For a receipt,
its signature is checked, the anchors are asked for the action result that
reports the execution it names (GET /v1/commitments/execution/...), and that
result's attestation must be signed by the receipt's node, carry the record that
made that node the executor under the receipt's fencing, and name the receipt's
instance, action and transcript root before its proof counts. The record must be
signed by the anchor responsible for the instance in the record's epoch, as the
registry started that epoch (its anchor set, seed and stakes), or by the next
one with takeover votes that certify those ranked before it down (--vote-ttl).
On a network whose epoch is not one the registry started (nodes with
network.epoch_from_chain = false), the record's signer need only be an anchor the
registry admits. Only an action's receipt names a result.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if len(anchors) == 0 {
				return errors.New("--anchor is required (an anchor's HTTP URL; repeat it for more)")
			}
			var (
				uid common.Hash
				rc  *receipt.Receipt
			)
			if u, err := attest.ParseUID(a[0]); err == nil {
				uid = common.Hash(u)
			} else {
				raw, err := readInput(cmd, a)
				if err != nil {
					return fmt.Errorf("%q is neither a UID (0x and 64 hex digits) nor a receipt: %w", a[0], err)
				}
				if rc, err = receiptOfAction(raw); err != nil {
					return err
				}
				if err := rc.Verify(rc.Node); err != nil {
					return fmt.Errorf("receipt: %w", err)
				}
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
				var pr *wire.CommitmentProof
				if rc != nil {
					pr, err = fetchProof(ctx, base+"/v1/commitments/execution/"+rc.Instance+"/"+rc.TranscriptRoot.Hex())
					if err == nil {
						err = reportsExecution(pr, rc, recordChecker(ctx, s.r, voteTTL))
					}
				} else {
					pr, err = fetchProof(ctx, base+"/v1/commitments/proof/"+uid.Hex())
					if err == nil && pr.UID != uid {
						err = fmt.Errorf("%s answered for another operation (%s)", base, pr.UID)
					}
				}
				if err != nil {
					last = err
					continue
				}
				// Each anchor's answer is checked on its own: one that fails
				// (or that the chain will not take) leaves the next anchor
				// to be asked.
				if len(pr.Proof) > commitment.MaxProof {
					last = fmt.Errorf("%s's proof has %d hashes, more than any tree's %d", base, len(pr.Proof), commitment.MaxProof)
					continue
				}
				cm, err := c.CommitmentOf(&bind.CallOpts{Context: ctx}, pr.Period)
				if err != nil {
					last = fmt.Errorf("reading period %d's commitment from the chain: %w", pr.Period, err)
					continue
				}
				if !cm.Written {
					last = fmt.Errorf("period %d is not written on chain yet", pr.Period)
					continue
				}
				// The leaf is made from the operation asked for (the UID
				// given, or the result the receipt's execution checked to
				// be), not from the anchor's answer.
				notOnChain := fmt.Errorf("%s's proof does not verify against period %d's root on chain", base, pr.Period)
				if !commitment.Verify(cm.Root, commitment.Leaf(pr.UID), pr.Proof) {
					last = notOnChain
					continue
				}
				words := make([][32]byte, len(pr.Proof))
				for i, h := range pr.Proof {
					words[i] = h
				}
				onChain, err := c.Verify(&bind.CallOpts{Context: ctx}, pr.Period, pr.UID, words)
				if err != nil {
					last = fmt.Errorf("checking period %d's proof on chain: %w", pr.Period, err)
					continue
				}
				if !onChain {
					last = notOnChain
					continue
				}
				out := map[string]any{"uid": pr.UID, "period": pr.Period, "leaf": commitment.Leaf(pr.UID), "proof": pr.Proof,
					"root": fmt.Sprintf("0x%x", cm.Root), "writtenBy": cm.Anchor, "verified": true}
				if rc != nil {
					out["receipt"] = rc.Leaf()
				}
				return printJSON(cmd, out)
			}
			return last
		},
	}
	f.add(cmd)
	cmd.Flags().StringArrayVar(&anchors, "anchor", nil, "an anchor's HTTP URL (repeat for more: the first with a proof the chain accepts answers)")
	cmd.Flags().DurationVar(&voteTTL, "vote-ttl", 30*time.Second, "how far from a takeover record's time its down votes count: the network's 10 x network.down_after x network.heartbeat_interval")
	return cmd
}

// recordChecker checks a placement record as the network's nodes did in
// its epoch: against the epoch's anchor set, seed and stakes as the
// registry started it (placement.Authority.Check).
func recordChecker(ctx context.Context, r *chain.Reader, voteTTL time.Duration) func(*placement.Record) error {
	return func(rec *placement.Record) error {
		v, err := r.Epoch(ctx, nil, rec.Epoch)
		if errors.Is(err, chain.ErrEpochNotStarted) {
			// A network that runs an epoch of its configuration
			// (network.epoch_from_chain = false): the registry knows no
			// seed to rank the anchors by, only who is an anchor.
			if err := rec.Verify(nil); err != nil {
				return err
			}
			ok, err := r.Registry.Admitted(&bind.CallOpts{Context: ctx}, rec.Anchor, chain.RoleAnchor)
			if err == nil && !ok {
				err = fmt.Errorf("the record's signer %s is not an anchor on chain", rec.Anchor)
			}
			return err
		}
		if err != nil {
			return fmt.Errorf("the record's epoch: %w", err)
		}
		return epochAuthority(v, voteTTL).Check(rec)
	}
}

// epochAuthority is who could sign a record of the epoch v.
func epochAuthority(v *chain.EpochView, voteTTL time.Duration) *placement.Authority {
	anchors, stakes, _ := v.Set()
	au := &placement.Authority{Anchors: map[string]common.Address{}, Stake: stakes, VoteTTLMs: voteTTL.Milliseconds(),
		Seed: func(epoch uint64) ([32]byte, bool) { return v.Seed, epoch == v.Epoch }}
	for id, a := range anchors {
		au.Anchors[id.String()] = a
	}
	return au
}

// receiptOfAction reads an action's receipt: the action's answer JSON
// (its receipt field), or the receipt itself.
func receiptOfAction(raw []byte) (*receipt.Receipt, error) {
	var answer struct {
		Receipt json.RawMessage `json:"receipt"`
	}
	if err := json.Unmarshal(raw, &answer); err == nil && len(answer.Receipt) > 0 && string(answer.Receipt) != "null" {
		raw = answer.Receipt
	}
	rc, err := decodeReceipt(raw)
	if err != nil {
		return nil, err
	}
	if rc.TranscriptRoot == (common.Hash{}) || !strings.HasPrefix(rc.Function, "action:") {
		return nil, fmt.Errorf("receipt: of %q: only an action's execution has a result on record", rc.Function)
	}
	if _, err := wire.ParseInstanceID(rc.Instance); err != nil {
		return nil, fmt.Errorf("receipt: instance %q: %w", rc.Instance, err)
	}
	return rc, nil
}

// reportsExecution checks that the operation an anchor proves is the action
// result that reports the receipt's execution: its attestation is signed by
// the receipt's node, has the UID proved, names the receipt's instance,
// transcript root, action and fencing, and carries the record that made the
// receipt's node the executor, signed by an anchor entitled to (checkRecord).
func reportsExecution(pr *wire.CommitmentProof, rc *receipt.Receipt, checkRecord func(*placement.Record) error) error {
	if len(pr.Attestation) == 0 {
		return errors.New("the anchor's proof carries no attestation to check against the receipt")
	}
	att, err := attest.Parse(pr.Attestation)
	if err != nil {
		return fmt.Errorf("the proof's attestation: %w", err)
	}
	if err := att.Verify(); err != nil {
		return fmt.Errorf("the proof's attestation: %w", err)
	}
	if common.Hash(att.UID) != pr.UID || att.Message.Schema != attest.ActionResultSchema.UID {
		return fmt.Errorf("the proof's attestation is not the action result %s", pr.UID)
	}
	if att.Signer != rc.Node {
		return fmt.Errorf("the action result is signed by %s, the receipt by %s", att.Signer, rc.Node)
	}
	data, err := attest.ActionResultSchema.Schema.Decode(att.Message.Data)
	if err != nil {
		return fmt.Errorf("the action result: %w", err)
	}
	inst, _ := data["instance"].(string)
	root, _ := data["transcriptRoot"].(string)
	action, _ := data["action"].(string)
	fencing := fmt.Sprint(data["fencing"])
	want, err := wire.ParseInstanceID(rc.Instance)
	if err != nil {
		return fmt.Errorf("receipt: instance: %w", err)
	}
	if got, err := wire.ParseInstanceID(inst); err != nil || got != want || !strings.EqualFold(root, rc.TranscriptRoot.Hex()) {
		return fmt.Errorf("the action result %s reports instance %s transcript %s, not the receipt's %s %s", pr.UID, inst, root, rc.Instance, rc.TranscriptRoot)
	}
	if rc.Function != "action:"+action || fencing != fmt.Sprint(rc.Fencing) {
		return fmt.Errorf("the action result %s reports %q under fencing %s, the receipt %q under %d", pr.UID, "action:"+action, fencing, rc.Function, rc.Fencing)
	}
	// The executor: the result carries the anchor-signed record that
	// elected it; checkRecord says whether its signer could sign it.
	if _, err := token.ResultRecord(want, data, att, func(r *placement.Record) error {
		if r.Fencing != rc.Fencing {
			return fmt.Errorf("the record is fencing %d, the receipt %d", r.Fencing, rc.Fencing)
		}
		return checkRecord(r)
	}); err != nil {
		return fmt.Errorf("the action result %s: %w", pr.UID, err)
	}
	return nil
}

// fetchProof asks an anchor for an operation's proof at url.
func fetchProof(ctx context.Context, url string) (*wire.CommitmentProof, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 8<<20)) // an action result's attestation with its state patch
	if resp.StatusCode != http.StatusOK {
		var p wire.Problem
		_ = dec.Decode(&p)
		return nil, fmt.Errorf("%s: %d %s", url, resp.StatusCode, p.Detail)
	}
	var pr wire.CommitmentProof
	return &pr, dec.Decode(&pr)
}
