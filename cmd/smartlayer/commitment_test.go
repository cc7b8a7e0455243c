package main

import (
	"crypto/ecdsa"
	"encoding/json"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// TestReportsExecution: a proof found by a receipt counts only for the
// action result its executor signed for that execution: the same signer as
// the receipt, the receipt's instance and transcript root, the UID proved.
func TestReportsExecution(t *testing.T) {
	exec, _ := crypto.GenerateKey()
	other, _ := crypto.GenerateKey()
	d := attest.NetworkDomain(1337, common.Address{})
	instance := crypto.Keccak256Hash([]byte("instance"))
	root := crypto.Keccak256Hash([]byte("transcript"))
	proof := func(k *ecdsa.PrivateKey, inst, tr common.Hash) *wire.CommitmentProof {
		t.Helper()
		att, err := attest.SignNetwork(k, d, attest.ActionResultSchema, map[string]any{
			"instance": inst.Hex(), "action": "rebook", "idempotencyKey": "k1", "fencing": "3",
			"transcriptRoot": tr.Hex(), "patch": "{}", "result": "{}", "record": "{}"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(att)
		if err != nil {
			t.Fatal(err)
		}
		return &wire.CommitmentProof{UID: common.Hash(att.UID), Attestation: b}
	}
	rc := &receipt.Receipt{Instance: wire.InstanceID(instance).String(), Function: "action:rebook", TranscriptRoot: root}
	if err := receipt.NewBatcher(receipt.Software{Key: exec}, true).Seal(rc); err != nil {
		t.Fatal(err)
	}
	ok := proof(exec, instance, root)
	if err := reportsExecution(ok, rc); err != nil {
		t.Fatalf("the executor's result for the receipt's execution: %v", err)
	}
	else1 := crypto.Keccak256Hash([]byte("else"))
	for name, pr := range map[string]*wire.CommitmentProof{
		"another signer":      proof(other, instance, root),
		"another instance":    proof(exec, else1, root),
		"another execution":   proof(exec, instance, else1),
		"another UID claimed": {UID: else1, Attestation: ok.Attestation},
		"no attestation":      {UID: ok.UID},
		"not JSON":            {UID: ok.UID, Attestation: json.RawMessage(`{"sig":`)},
	} {
		if err := reportsExecution(pr, rc); err == nil {
			t.Errorf("%s: counted", name)
		}
	}
}
