package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

func newReceiptCmd() *cobra.Command {
	c := &cobra.Command{Use: "receipt", Short: "Check the execution receipts nodes attach to their answers"}
	var (
		nodeURL, anchorURL, node, grantValue, signKey string
		replay                                        bool
	)
	verify := &cobra.Command{
		Use:   "verify RECEIPT|FILE|- [--node-address ADDR] [--replay --node URL --anchor URL --grant G --integration-key F]",
		Short: "Verify a receipt's signature, and with --replay re-run the execution it vouches for",
		Long: `Verify an execution receipt: the X-Smartlayer-Receipt header's value (base64url), or its
JSON, given as an argument, a file or on stdin.

Without flags the receipt's signature is checked against the node it names; with
--node-address, that node must be the one you expect (the answering replica's address).

--replay fetches the execution the receipt vouches for from the node that answered
(GET /v1/receipts/{leaf}/transcript on --node), checks that the transcript is the one
the receipt names (its root, the request, the answer, the states before and after),
fetches the token's bundle from --anchor and re-runs the module on this machine with
the recorded external calls answered from the transcript. The exit status is 0 only
when everything matches.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readInput(cmd, args)
			if err != nil {
				return err
			}
			rc, err := decodeReceipt(raw)
			if err != nil {
				return err
			}
			want := rc.Node
			if node != "" {
				if !common.IsHexAddress(node) {
					return fmt.Errorf("--node-address %q: want a 0x address", node)
				}
				want = common.HexToAddress(node)
			}
			if err := rc.Verify(want); err != nil {
				return fmt.Errorf("receipt: %w", err)
			}
			out := map[string]any{"signature": "ok", "node": rc.Node, "instance": rc.Instance, "function": rc.Function, "leaf": rc.Leaf()}
			if !replay {
				return printJSON(cmd, out)
			}
			if nodeURL == "" || anchorURL == "" {
				return errors.New("--replay needs --node (the node that answered) and --anchor (for the bundle)")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			// The execution holds the instance's state: it is served to a
			// call that may read it (the owner's grant with read:state,
			// signed by the integration; or the owner's own signature).
			hdr := http.Header{}
			if grantValue != "" {
				hdr.Set(wire.GrantHeader, grantValue)
			}
			tURL := strings.TrimRight(nodeURL, "/") + "/v1/receipts/" + rc.Leaf().Hex() + "/transcript"
			if signKey != "" {
				k, err := nodekey.Load(signKey)
				if err != nil {
					return fmt.Errorf("--integration-key: %w", err)
				}
				u, _ := url.Parse(tURL)
				var nonce [16]byte
				if _, err := rand.Read(nonce[:]); err != nil {
					return err
				}
				sig, err := grant.Sign(k.ECDSA, grant.Request{Method: http.MethodGet, Path: u.RequestURI()}, time.Now(), nonce)
				if err != nil {
					return err
				}
				hdr.Set(wire.SignatureHeader, sig)
			}
			var k sampling.Kept
			if err := getJSONURLWith(ctx, tURL, hdr, &k); err != nil {
				return fmt.Errorf("transcript: %w", err)
			}
			tr := k.Transcript
			if tr == nil {
				return errors.New("the node served no transcript")
			}
			if err := rc.Names(tr.Execution(tr.Root())); err != nil {
				return fmt.Errorf("the transcript served is not the one the receipt names: %w", err)
			}
			h, err := tokenscript.ParseBundleHash(k.Bundle)
			if err != nil {
				return fmt.Errorf("the node names no bundle for the execution: %w", err)
			}
			var b tokenscript.Bundle
			if err := getJSONURL(ctx, strings.TrimRight(anchorURL, "/")+"/v1/bundles/"+h.String(), &b); err != nil {
				return fmt.Errorf("bundle: %w", err)
			}
			if b.Hash() != h {
				return errors.New("the anchor served another bundle than the one asked for")
			}
			_, mod, err := sandbox.CompileBundle(&b)
			if err != nil {
				return err
			}
			// Other tokens' answers are replayed from the transcript: each
			// must be vouched for by a replica of that token (the records'
			// anchor signatures are not checked here: no anchor set).
			if err := sampling.CheckCalls(tr, nil); err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			res, err := sandbox.Replay(ctx, mod, tr, k.State)
			if err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			out["replay"] = "ok"
			out["output"] = json.RawMessage(res.Output)
			return printJSON(cmd, out)
		},
	}
	f := verify.Flags()
	f.StringVar(&node, "node-address", "", "the address the receipt must be signed by (the answering node)")
	f.BoolVar(&replay, "replay", false, "fetch the execution and re-run it locally")
	f.StringVar(&nodeURL, "node", "", "the answering node's HTTP URL (with --replay)")
	f.StringVar(&anchorURL, "anchor", "", "an anchor's HTTP URL, for the bundle (with --replay)")
	f.StringVar(&grantValue, "grant", "", "the owner's grant covering read:state (with --replay: the execution holds the state)")
	f.StringVar(&signKey, "integration-key", "", "key FILE signing the fetch: the integration's the grant names, or the owner's")
	c.AddCommand(verify)
	return c
}

// decodeReceipt reads a receipt as JSON or as the header's base64url.
func decodeReceipt(raw []byte) (*receipt.Receipt, error) {
	raw = bytes.TrimSpace(raw)
	var rc receipt.Receipt
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &rc); err != nil {
			return nil, fmt.Errorf("receipt JSON: %w", err)
		}
		return &rc, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(string(raw))
	if err != nil {
		return nil, fmt.Errorf("receipt: neither JSON nor the header's base64url: %w", err)
	}
	if err := json.Unmarshal(b, &rc); err != nil {
		return nil, fmt.Errorf("receipt JSON: %w", err)
	}
	return &rc, nil
}

// getJSONURL GETs a URL and decodes its JSON answer (at most 16 MiB).
func getJSONURL(ctx context.Context, url string, out any) error {
	return getJSONURLWith(ctx, url, nil, out)
}

// getJSONURLWith is getJSONURL with request headers.
func getJSONURLWith(ctx context.Context, url string, hdr http.Header, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, out)
}
