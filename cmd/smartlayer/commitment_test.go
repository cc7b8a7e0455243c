package main

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// TestReportsExecution: a proof found by a receipt counts only for the
// action result its executor signed for that execution: signed by the
// receipt's node, which the anchor-signed record the result carries made
// the executor under the receipt's fencing; the receipt's instance,
// transcript root and action; the UID proved.
func TestReportsExecution(t *testing.T) {
	exec, _ := nodekey.Generate()
	other, _ := nodekey.Generate()
	anchorKey, _ := crypto.GenerateKey()
	stranger, _ := crypto.GenerateKey()
	anchor := crypto.PubkeyToAddress(anchorKey.PublicKey)
	admitted := func(a common.Address) error {
		if a != anchor {
			return errors.New("not an anchor")
		}
		return nil
	}
	d := attest.NetworkDomain(1337, common.Address{})
	instance := crypto.Keccak256Hash([]byte("instance"))
	root := crypto.Keccak256Hash([]byte("transcript"))
	else1 := crypto.Keccak256Hash([]byte("else"))
	type result struct {
		signer   *ecdsa.PrivateKey
		executor *nodekey.Key
		by       *ecdsa.PrivateKey // the record's signer
		inst     common.Hash
		tr       common.Hash
		action   string
		fencing  uint64
	}
	proof := func(r result) *wire.CommitmentProof {
		t.Helper()
		rec := &placement.Record{Instance: wire.InstanceID(r.inst), Fencing: r.fencing, Executor: r.executor.PeerID().String(),
			Replicas: []string{r.executor.PeerID().String()}, Anchor: crypto.PubkeyToAddress(r.by.PublicKey)}
		if err := rec.Sign(r.by); err != nil {
			t.Fatal(err)
		}
		recJSON, _ := json.Marshal(rec)
		att, err := attest.SignNetwork(r.signer, d, attest.ActionResultSchema, map[string]any{
			"instance": r.inst.Hex(), "action": r.action, "idempotencyKey": "k1", "fencing": fmt.Sprint(r.fencing),
			"transcriptRoot": r.tr.Hex(), "patch": "{}", "result": "{}", "record": string(recJSON)}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(att)
		if err != nil {
			t.Fatal(err)
		}
		return &wire.CommitmentProof{UID: common.Hash(att.UID), Attestation: b}
	}
	rc := &receipt.Receipt{Instance: wire.InstanceID(instance).String(), Function: "action:rebook", TranscriptRoot: root, Fencing: 3}
	if err := receipt.NewBatcher(receipt.Software{Key: exec.ECDSA}, true).Seal(rc); err != nil {
		t.Fatal(err)
	}
	honest := result{exec.ECDSA, exec, anchorKey, instance, root, "rebook", 3}
	ok := proof(honest)
	if err := reportsExecution(ok, rc, admitted); err != nil {
		t.Fatalf("the executor's result for the receipt's execution: %v", err)
	}
	with := func(f func(*result)) *wire.CommitmentProof {
		r := honest
		f(&r)
		return proof(r)
	}
	for name, pr := range map[string]*wire.CommitmentProof{
		"another signer":            with(func(r *result) { r.signer, r.executor = other.ECDSA, other }),
		"a record naming another":   with(func(r *result) { r.executor = other }),
		"a record no anchor signed": with(func(r *result) { r.by = stranger }),
		"another instance":          with(func(r *result) { r.inst = else1 }),
		"another execution":         with(func(r *result) { r.tr = else1 }),
		"another action":            with(func(r *result) { r.action = "cancel" }),
		"another fencing":           with(func(r *result) { r.fencing = 4 }),
		"another UID claimed":       {UID: else1, Attestation: ok.Attestation},
		"no attestation":            {UID: ok.UID},
		"not JSON":                  {UID: ok.UID, Attestation: json.RawMessage(`{"sig":`)},
	} {
		if err := reportsExecution(pr, rc, admitted); err == nil {
			t.Errorf("%s: counted", name)
		}
	}
	// Only an action's receipt names a result.
	q := *rc
	q.Function = "query:status"
	raw, _ := json.Marshal(&q)
	if _, err := receiptOfAction(raw); err == nil {
		t.Error("a query's receipt taken for an action's")
	}
	raw, _ = json.Marshal(map[string]any{"outcome": map[string]any{}, "receipt": rc})
	if got, err := receiptOfAction(raw); err != nil || got.TranscriptRoot != root {
		t.Errorf("an action's answer: %+v %v", got, err)
	}
}
