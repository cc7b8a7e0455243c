package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
)

func newAttestCmd() *cobra.Command {
	a := &cobra.Command{
		Use:   "attest",
		Short: "Verify, sign and inspect EAS off-chain attestations",
		Long: `EAS off-chain attestations are the network's inputs. These commands read every
form in use (eas-sdk package JSON, bare signed objects, easscan URLs, Smart Layer
pass links, compact arrays), verify versions 0, 1 and 2, and sign version 2 (or 1)
exactly as the eas-sdk does.`,
	}
	a.AddCommand(newAttestVerifyCmd(), newAttestSignCmd(), newAttestSchemaUIDCmd(), newAttestPublishCmd())
	return a
}

type verifyResult struct {
	Valid          bool           `json:"valid"`
	UID            string         `json:"uid,omitempty"`
	Signer         string         `json:"signer,omitempty"`
	Version        *uint16        `json:"version,omitempty"`
	Schema         string         `json:"schema,omitempty"`
	Recipient      string         `json:"recipient,omitempty"`
	Time           *uint64        `json:"time,omitempty"`
	ExpirationTime *uint64        `json:"expirationTime,omitempty"`
	Data           map[string]any `json:"data,omitempty"`
	Error          string         `json:"error,omitempty"`
}

func newAttestVerifyCmd() *cobra.Command {
	var asJSON bool
	var schema string
	cmd := &cobra.Command{
		Use:   "verify [FILE|URL|-]",
		Short: "Verify an attestation: exit 0 valid, 1 invalid, 2 unreadable",
		Long: `Verify an attestation's signature, signer and UID. The argument is a file, a URL
or link (easscan #attestation=, ?ticket=, ?attestation=), a bare encoded value,
or - (the default) for standard input. With --schema, the data is decoded by
field name and must match the schema. Exit status: 0 valid, 1 invalid, 2
unreadable.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := readInput(cmd, args)
			if err != nil {
				return &exitError{2, err}
			}
			res := verifyResult{}
			s, err := attest.Parse(in)
			if err != nil {
				res.Error = err.Error()
				return finishVerify(cmd, asJSON, res, &exitError{2, fmt.Errorf("unreadable attestation: %w", err)})
			}
			v, t, e := s.Message.Version, s.Message.Time, s.Message.ExpirationTime
			res.UID, res.Signer, res.Version, res.Schema = s.UID.String(), s.Signer.Hex(), &v, s.Message.Schema.String()
			res.Recipient, res.Time, res.ExpirationTime = s.Message.Recipient.Hex(), &t, &e
			if err := s.Verify(); err != nil {
				res.Error = err.Error()
				return finishVerify(cmd, asJSON, res, &exitError{1, fmt.Errorf("invalid attestation: %w", err)})
			}
			if schema != "" {
				sch, err := attest.ParseSchema(schema)
				if err != nil {
					return &exitError{2, err}
				}
				if res.Data, err = sch.Decode(s.Message.Data); err != nil {
					res.Error = err.Error()
					return finishVerify(cmd, asJSON, res, &exitError{1, fmt.Errorf("data does not match the schema: %w", err)})
				}
			}
			res.Valid = true
			return finishVerify(cmd, asJSON, res, nil)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.Flags().StringVar(&schema, "schema", "", "schema string to decode the data with")
	return cmd
}

func finishVerify(cmd *cobra.Command, asJSON bool, res verifyResult, err error) error {
	out := cmd.OutOrStdout()
	if asJSON {
		if e := printJSON(cmd, res); e != nil {
			return e
		}
	} else if res.Valid {
		fmt.Fprintf(out, "valid: uid %s, signer %s, version %d, schema %s\n", res.UID, res.Signer, *res.Version, res.Schema)
		if res.Data != nil {
			b, _ := json.Marshal(res.Data)
			fmt.Fprintf(out, "data: %s\n", b)
		}
	}
	return err
}

// maxInput bounds what readInput reads: an attestation, a receipt or an
// action's answer.
const maxInput = 4 << 20

// readInput is the command's input: stdin (no argument, or "-"), a file,
// or the argument itself (a URL or an encoded attestation).
func readInput(cmd *cobra.Command, args []string) ([]byte, error) {
	if len(args) == 0 || args[0] == "-" {
		b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), maxInput+1))
		if err == nil && len(b) > maxInput {
			return nil, fmt.Errorf("stdin: more than %d bytes", maxInput)
		}
		return b, err
	}
	if st, err := os.Stat(args[0]); err == nil && !st.IsDir() {
		return readBounded(args[0], maxInput)
	}
	if strings.ContainsAny(args[0], ":#?=") || len(args[0]) > 64 {
		return []byte(args[0]), nil
	}
	return nil, fmt.Errorf("%s: no such file, and not a URL or encoded attestation", args[0])
}

func newAttestSignCmd() *cobra.Command {
	var (
		keyPath, schema, data, recipient, expires, ref, contract, domainVersion string
		chainID                                                                 int64
		version                                                                 uint16
		revocable, asURL                                                        bool
	)
	def := node.DefaultConfig(node.RoleService)
	cmd := &cobra.Command{
		Use:   "sign --key FILE --schema SCHEMA --data JSON",
		Short: "Sign an off-chain attestation and print the eas-sdk package JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyPath == "" || schema == "" || data == "" {
				return errors.New("--key, --schema and --data are required")
			}
			if version != attest.Version1 && version != attest.Version2 {
				return fmt.Errorf("--version %d: want 1 or 2", version)
			}
			key, sch, enc, err := keyAndData(keyPath, schema, data)
			if err != nil {
				return err
			}
			if !common.IsHexAddress(contract) {
				return fmt.Errorf("--contract %q is not an address", contract)
			}
			m := attest.Message{Version: version, Schema: sch.UID(common.Address{}, revocable), Time: uint64(time.Now().Unix()), Revocable: revocable, Data: enc}
			if recipient != "" {
				if !common.IsHexAddress(recipient) {
					return fmt.Errorf("--recipient %q is not an address", recipient)
				}
				m.Recipient = common.HexToAddress(recipient)
			}
			if expires != "" {
				if m.ExpirationTime, err = parseWhen(expires); err != nil {
					return err
				}
			}
			if ref != "" {
				if m.RefUID, err = attest.ParseUID(ref); err != nil {
					return fmt.Errorf("--ref: %w", err)
				}
			}
			if version == attest.Version2 {
				if m.Salt, err = randomSalt(); err != nil {
					return err
				}
			}
			d := attest.NetworkDomain(chainID, common.HexToAddress(contract))
			d.Version = domainVersion
			s, err := attest.Sign(key.ECDSA, d, m)
			if err != nil {
				return err
			}
			if asURL {
				u, err := s.URL("https://easscan.org")
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), u)
				return nil
			}
			return printJSON(cmd, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", "signing key file (smartlayer keys new)")
	f.StringVar(&schema, "schema", "", `schema string, e.g. "string flight,uint32 delayMinutes"`)
	f.StringVar(&data, "data", "", "data as a JSON object keyed by field name")
	f.StringVar(&recipient, "recipient", "", "recipient address (default none)")
	f.StringVar(&expires, "expires", "", "expiration time: RFC 3339 or unix seconds (default never)")
	f.StringVar(&ref, "ref", "", "UID of a referenced attestation")
	f.Int64Var(&chainID, "chain-id", def.Network.ChainID, "EIP-712 domain chain ID")
	f.StringVar(&contract, "contract", def.Network.EAS, "EAS contract address (EIP-712 verifying contract)")
	f.StringVar(&domainVersion, "domain-version", attest.SignVersion, "EAS contract version (EIP-712 domain version)")
	f.Uint16Var(&version, "version", attest.Version2, "off-chain attestation version: 1 or 2")
	f.BoolVar(&revocable, "revocable", true, "whether the attestation is revocable")
	f.BoolVar(&asURL, "url", false, "print an easscan URL instead of the package JSON")
	return cmd
}

func parseWhen(s string) (uint64, error) {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, fmt.Errorf("--expires %q: want RFC 3339 (2026-12-01T00:00:00Z) or unix seconds", s)
	}
	return uint64(t.Unix()), nil
}

func newAttestSchemaUIDCmd() *cobra.Command {
	var resolver string
	var revocable bool
	cmd := &cobra.Command{
		Use:   `schema-uid "SCHEMA"`,
		Short: "Print the UID of a schema string",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sch, err := attest.ParseSchema(args[0])
			if err != nil {
				return err
			}
			if !common.IsHexAddress(resolver) {
				return fmt.Errorf("--resolver %q is not an address", resolver)
			}
			fmt.Fprintln(cmd.OutOrStdout(), sch.UID(common.HexToAddress(resolver), revocable))
			return nil
		},
	}
	cmd.Flags().StringVar(&resolver, "resolver", "0x0000000000000000000000000000000000000000", "resolver contract address")
	cmd.Flags().BoolVar(&revocable, "revocable", true, "whether attestations of the schema are revocable")
	return cmd
}

// keyAndData loads a signing key and encodes data by a schema string.
func keyAndData(keyPath, schema, data string) (*nodekey.Key, *attest.Schema, []byte, error) {
	key, err := nodekey.Load(keyPath)
	if err != nil {
		return nil, nil, nil, err
	}
	sch, err := attest.ParseSchema(schema)
	if err != nil {
		return nil, nil, nil, err
	}
	enc, err := sch.EncodeJSON([]byte(data))
	if err != nil {
		return nil, nil, nil, err
	}
	return key, sch, enc, nil
}

// randomSalt draws a version 2 attestation's salt.
func randomSalt() (s [32]byte, err error) {
	_, err = rand.Read(s[:])
	return s, err
}

func newAttestPublishCmd() *cobra.Command {
	var keyPath, topic, schema, data, anchor string
	def := node.DefaultConfig(node.RoleService)
	var chainID int64
	var contract string
	cmd := &cobra.Command{
		Use:   "publish --key FILE --topic T --schema S --data JSON --anchor URL",
		Short: "Sign an attestation and publish it, in order, on a topic",
		Long: `Sign an attestation (version 2) with --key and append it to this key's stream on
--topic through an anchor: the entry is numbered after the stream's head, chained
to it and signed with the same key. The anchor answers once the entry is on its
disk; gossip and repair take it to every subscriber. A topic is
"<schema UID>/<key>", e.g. the flight-status schema's UID + "/BA117/2026-12-01".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyPath == "" || topic == "" || schema == "" || data == "" {
				return errors.New("--key, --topic, --schema and --data are required")
			}
			key, sch, enc, err := keyAndData(keyPath, schema, data)
			if err != nil {
				return err
			}
			m := attest.Message{Version: attest.Version2, Schema: sch.UID(common.Address{}, true), Time: uint64(time.Now().Unix()), Revocable: true, Data: enc}
			if m.Salt, err = randomSalt(); err != nil {
				return err
			}
			s, err := attest.Sign(key.ECDSA, attest.NetworkDomain(chainID, common.HexToAddress(contract)), m)
			if err != nil {
				return err
			}
			att, _ := json.Marshal(s)
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			e, err := client.New([]string{anchor}, nil).NewPublisher(key.ECDSA).Publish(ctx, topic, att)
			if err != nil {
				return err
			}
			return printJSON(cmd, map[string]any{"topic": e.Topic, "publisher": e.Publisher, "seq": e.Seq, "hash": e.Hash(), "uid": s.UID.String()})
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", "key that signs the attestation and the entry")
	f.StringVar(&topic, "topic", "", "topic: <schema UID>/<key>")
	f.StringVar(&schema, "schema", "", "schema string")
	f.StringVar(&data, "data", "", "data as a JSON object")
	f.StringVar(&anchor, "anchor", "http://127.0.0.1:8080", "anchor HTTP URL")
	f.Int64Var(&chainID, "chain-id", def.Network.ChainID, "EIP-712 domain chain ID")
	f.StringVar(&contract, "contract", def.Network.EAS, "EAS contract address")
	return cmd
}
