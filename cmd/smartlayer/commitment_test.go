package main

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// TestReportsExecution: a proof found by a receipt counts only for the
// action result its executor signed for that execution: signed by the
// receipt's node, which the anchor-signed record the result carries made
// the executor under the receipt's fencing; the receipt's instance,
// transcript root and action; the UID proved. The record must be signed by
// the anchor responsible for the instance in the record's epoch, as the
// registry started it.
func TestReportsExecution(t *testing.T) {
	exec, _ := nodekey.Generate()
	other, _ := nodekey.Generate()
	a1, _ := nodekey.Generate()
	a2, _ := nodekey.Generate()
	stranger, _ := nodekey.Generate()
	const epoch = 7
	view := &chain.EpochView{Epoch: epoch, Seed: crypto.Keccak256Hash([]byte("seed"))}
	for _, k := range []*nodekey.Key{a1, a2} {
		view.Anchors = append(view.Anchors, chain.Node{Address: k.Address(), PeerID: k.PeerID().String(), Stake: big.NewInt(1e18)})
	}
	check := func(r *placement.Record) error { return epochAuthority(view, 30*time.Second).Check(r) }
	d := attest.NetworkDomain(1337, common.Address{})
	instance := crypto.Keccak256Hash([]byte("instance"))
	// The anchor responsible for the instance in the epoch, and the other.
	responsible, notResponsible := a1, a2
	if len(epochAuthority(view, time.Minute).Ahead(placement.DHTKey(view.Seed, wire.InstanceID(instance)), a1.PeerID().String())) > 0 {
		responsible, notResponsible = a2, a1
	}
	root := crypto.Keccak256Hash([]byte("transcript"))
	else1 := crypto.Keccak256Hash([]byte("else"))
	type result struct {
		signer   *ecdsa.PrivateKey
		executor *nodekey.Key
		by       *nodekey.Key // the record's signer
		inst     common.Hash
		tr       common.Hash
		action   string
		fencing  uint64
		epoch    uint64
	}
	proof := func(r result) *wire.CommitmentProof {
		t.Helper()
		rec := &placement.Record{Instance: wire.InstanceID(r.inst), Fencing: r.fencing, Executor: r.executor.PeerID().String(),
			Replicas: []string{r.executor.PeerID().String()}, Epoch: r.epoch, AnchorPeer: r.by.PeerID().String(), IssuedMs: time.Now().UnixMilli()}
		if err := rec.Sign(r.by.ECDSA); err != nil {
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
	honest := result{exec.ECDSA, exec, responsible, instance, root, "rebook", 3, epoch}
	ok := proof(honest)
	if err := reportsExecution(ok, rc, check); err != nil {
		t.Fatalf("the executor's result for the receipt's execution: %v", err)
	}
	with := func(f func(*result)) *wire.CommitmentProof {
		r := honest
		f(&r)
		return proof(r)
	}
	for name, pr := range map[string]*wire.CommitmentProof{
		"another signer":                               with(func(r *result) { r.signer, r.executor = other.ECDSA, other }),
		"a record naming another":                      with(func(r *result) { r.executor = other }),
		"a record no anchor signed":                    with(func(r *result) { r.by = stranger }),
		"a record signed by an anchor not responsible": with(func(r *result) { r.by = notResponsible }),
		"a record of another epoch":                    with(func(r *result) { r.epoch = epoch + 1 }),
		"another instance":                             with(func(r *result) { r.inst = else1 }),
		"another execution":                            with(func(r *result) { r.tr = else1 }),
		"another action":                               with(func(r *result) { r.action = "cancel" }),
		"another fencing":                              with(func(r *result) { r.fencing = 4 }),
		"another UID claimed":                          {UID: else1, Attestation: ok.Attestation},
		"no attestation":                               {UID: ok.UID},
		"not JSON":                                     {UID: ok.UID, Attestation: json.RawMessage(`{"sig":`)},
	} {
		if err := reportsExecution(pr, rc, check); err == nil {
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
