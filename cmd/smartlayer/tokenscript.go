package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/ticket"
	"github.com/smartlayer/smartlayer/tokenscript"
)

func newTokenScriptCmd() *cobra.Command {
	c := &cobra.Command{Use: "tokenscript", Short: "Inspect TokenScript files and run Service TokenScript modules locally"}
	c.AddCommand(newInspectCmd(), newRunCmd())
	return c
}

type inspectResult struct {
	*tokenscript.Summary
	Signature *tokenscript.SignatureInfo `json:"signature"`
}

func newInspectCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Summarise a TokenScript and verify its XML signature",
		Long: `Parse a TokenScript of any version (2019/05 to 2024/01) leniently, print its
version, name, contracts, attestations, attributes, cards and actions, whether it
has a Smart Layer service module, and its XML signature: present, valid, signer.
External entities of source-form files are listed, never resolved. Exit 0 when
the file parsed, 1 when it is unsafe or malformed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			ts, err := tokenscript.ParseTokenScript(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			res := inspectResult{Summary: ts.Summarise()}
			if len(ts.Entities) == 0 {
				res.Signature = tokenscript.VerifySignature(data)
			} else {
				res.Signature = &tokenscript.SignatureInfo{Present: ts.Signed, Error: "source form: entities are not resolved, so no signature is checked"}
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			printSummary(cmd, res)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

func printSummary(cmd *cobra.Command, r inspectResult) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%s (TokenScript %s)\n", r.Name, r.Version)
	for _, c := range r.Contracts {
		var nets []string
		for n, a := range c.Addresses {
			nets = append(nets, n+":"+a)
		}
		sort.Strings(nets)
		fmt.Fprintf(w, "  contract     %s %s %s\n", c.Name, c.Interface, strings.Join(nets, " "))
	}
	for _, a := range r.Attestations {
		fmt.Fprintf(w, "  attestation  %s (%s) schema %s issuers %v\n", a.Name, a.Type, a.SchemaUID, a.Issuers)
	}
	list := func(label string, v []string) {
		if len(v) > 0 {
			fmt.Fprintf(w, "  %-12s %s\n", label, strings.Join(v, ", "))
		}
	}
	list("attributes", r.Attributes)
	list("cards", r.Cards)
	list("actions", r.Actions)
	list("selections", r.Selections)
	list("entities", r.Entities)
	if r.Service != nil {
		fmt.Fprintf(w, "  service      module %s, queries %v, actions %v\n", r.Service.Module, r.Service.Queries, r.Service.Actions)
	} else {
		fmt.Fprintf(w, "  service      none (no Smart Layer module)\n")
	}
	s := r.Signature
	switch {
	case !s.Present:
		fmt.Fprintf(w, "  signature    none\n")
	case s.Valid:
		fmt.Fprintf(w, "  signature    valid, signed by %s\n", s.Signer)
	default:
		fmt.Fprintf(w, "  signature    INVALID: %s\n", s.Error)
	}
}

func newRunCmd() *cobra.Command {
	var (
		query, action, stateFile, args, initFile, applyFile, transcriptOut, replayFile, instance, now string
	)
	cmd := &cobra.Command{
		Use:   "run BUNDLE (--query NAME | --action NAME | --init TICKET)",
		Short: "Run a token's module locally: the developer loop for token authors",
		Long: `Run one function of a bundle's Service TokenScript module on this machine, in
the same sandbox a service node uses, and print the result, the new state and
the transcript root.

  --init TICKET.json       verify the instance attestation and run init
  --query NAME             run a query on --state (a JSON file)
  --action NAME            run an action on --state; its fetches go to the live
                           hosts the token declares in <sl:egress>
  --apply ATTESTATION      apply a subscribed attestation (e.g. a flight status)
  --replay TRANSCRIPT.json re-run a recorded transcript (fetches answered from it)
                           and report where it diverges
  --transcript FILE        write the transcript of this run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			b, err := tokenscript.LoadBundle(a[0])
			if err != nil {
				return err
			}
			man, mod, err := sandbox.CompileBundle(b)
			if err != nil {
				return err
			}
			svc := man.Service
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			state := json.RawMessage("{}")
			if stateFile != "" {
				if state, err = os.ReadFile(stateFile); err != nil {
					return err
				}
				if !json.Valid(state) {
					return fmt.Errorf("--state %s is not JSON", stateFile)
				}
			}
			if replayFile != "" {
				return replayTranscript(cmd, mod, replayFile, state)
			}
			t := time.Now()
			if now != "" {
				if t, err = time.Parse(time.RFC3339, now); err != nil {
					return fmt.Errorf("--now: %w", err)
				}
			}
			env := sandbox.Env{Instance: instance, Now: t, Egress: svc.Egress, Fetcher: sandbox.HTTPFetcher{AllowPrivate: true, AnyPort: true}, EgressAnyPort: true, // a local run: loopback services on any port
				Log: func(l string) { fmt.Fprintln(cmd.ErrOrStderr(), "log:", l) }}
			call := sandbox.Call{State: state, Args: json.RawMessage(args), Env: env}
			switch {
			case initFile != "":
				ticket, id, err := ticketFor(man, initFile)
				if err != nil {
					return err
				}
				call.Kind, call.Args, call.State = sandbox.KindInit, ticket, nil
				if instance == "" {
					call.Env.Instance = id
				}
			case applyFile != "":
				if call.Args, err = attestationInput(applyFile); err != nil {
					return err
				}
				call.Kind = sandbox.KindApply
			case query != "":
				call.Kind, call.Name = sandbox.KindQuery, query
			case action != "":
				call.Kind, call.Name = sandbox.KindAction, action
			default:
				return errors.New("say what to run: --init, --query or --action")
			}
			res, err := mod.Run(ctx, call)
			if err != nil {
				return err
			}
			if transcriptOut != "" {
				tj, _ := json.MarshalIndent(res.Transcript, "", "  ")
				if err := os.WriteFile(transcriptOut, tj, 0o644); err != nil {
					return err
				}
			}
			root := res.Transcript.Root()
			return printJSON(cmd, map[string]any{
				"result": res.Output, "state": res.State, "logs": res.Logs,
				"calls": len(res.Transcript.Calls), "transcriptRoot": hexutil.Encode(root[:]),
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&query, "query", "", "query to run")
	f.StringVar(&action, "action", "", "action to run")
	f.StringVar(&initFile, "init", "", "instance attestation (eas-sdk JSON or link) to create the state from")
	f.StringVar(&applyFile, "apply", "", "attestation to apply to --state")
	f.StringVar(&stateFile, "state", "", "state JSON file (default {})")
	f.StringVar(&args, "args", "{}", "arguments as JSON")
	f.StringVar(&instance, "instance", "", "instance ID the module sees as ctx.instance")
	f.StringVar(&now, "now", "", "time the module sees, RFC 3339 (default now)")
	f.StringVar(&transcriptOut, "transcript", "", "write the transcript to FILE")
	f.StringVar(&replayFile, "replay", "", "replay the transcript in FILE against --state")
	return cmd
}

// ticketFor verifies an instance attestation against the bundle and returns
// what init receives.
func ticketFor(man *tokenscript.Manifest, file string) (json.RawMessage, string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, "", err
	}
	s, err := attest.Parse(raw)
	if err != nil {
		return nil, "", err
	}
	if err := s.Verify(); err != nil {
		return nil, "", err
	}
	var sch *attest.Schema
	if man.Service.Schema != "" {
		if sch, err = attest.ParseSchema(man.Service.Schema); err != nil {
			return nil, "", err
		}
	}
	t, err := ticket.Of(s, sch)
	if err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(t)
	return b, s.UID.String(), err
}

// attestationInput verifies an attestation and makes what apply receives,
// with the data decoded when the schema is one of the network's.
func attestationInput(file string) (json.RawMessage, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	s, err := attest.Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := s.Verify(); err != nil {
		return nil, err
	}
	in := map[string]any{"uid": s.UID.String(), "attester": s.Signer.Hex(), "time": s.Message.Time, "schema": s.Message.Schema.String()}
	ns, ok := attest.NetworkSchemaOf(s.Message.Schema)
	if !ok {
		return nil, fmt.Errorf("%s: schema %s is not one of the network's; cannot decode its data", file, s.Message.Schema)
	}
	if in["data"], err = ns.Schema.Decode(s.Message.Data); err != nil {
		return nil, err
	}
	return json.Marshal(in)
}

func replayTranscript(cmd *cobra.Command, mod *sandbox.Module, file string, state json.RawMessage) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var t sandbox.Transcript
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	res, err := sandbox.Replay(cmd.Context(), mod, &t, state)
	if err != nil {
		return err
	}
	root := res.Transcript.Root()
	return printJSON(cmd, map[string]any{"replayed": true, "result": res.Output, "state": res.State, "transcriptRoot": hexutil.Encode(root[:])})
}
