package node

import (
	"encoding/json"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/commitment"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/wire"
)

// testCommitting is an anchor's commitments on a store of its own
// (cm.n.store), with hourly periods from the clock's start; the test moves
// the clock by *now.
func testCommitting(t *testing.T) (*committing, *time.Time) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := new(time.Time)
	*now = time.Unix(1_800_000_000, 0)
	n := &Node{store: st}
	n.deps.Now = func() time.Time { return *now }
	cm := &committing{n: n, addr: common.HexToAddress("0xc0"), genesis: uint64(now.Unix()), period: 3600, grace: 600,
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "t"}, []string{"result"})}
	return cm, now
}

// TestCommitmentsPruned: an anchor keeps a period's operations, with
// their attestations and executions, for commitKeep after the period, then
// forgets all of them (a batch at a time), and keeps the later ones.
func TestCommitmentsPruned(t *testing.T) {
	cm, now := testCommitting(t)
	att := json.RawMessage(`{"an":"attestation"}`)
	h := func(s string, i int) common.Hash { return crypto.Keccak256Hash([]byte(s), []byte{byte(i)}) }
	// Period 0: three action results and a registration; period 5: one.
	for i := 0; i < 3; i++ {
		cm.keep(h("uid", i), h("instance", i), att, h("exec", i), 1)
	}
	cm.keep(h("instance", 9), h("instance", 9), nil, common.Hash{}, 0)
	*now = now.Add(5 * time.Hour)
	cm.keep(h("uid", 5), h("instance", 5), att, h("exec", 5), 1)
	for _, p := range []uint64{0, 5} {
		if tr, _, err := cm.tree(p); err != nil || tr.Len() == 0 {
			t.Fatalf("period %d: %v %v", p, tr, err)
		}
	}
	keep := cm.keptPeriods()
	if keep*uint64(time.Hour) < uint64(commitKeep) {
		t.Fatalf("%d hourly periods kept: less than %v after a period ends", keep, commitKeep)
	}
	if n, err := cm.prune(keep, 100); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v) while every period is within the time kept", n, err)
	}
	// Period 0 is past the time kept: forgotten two operations at a time.
	if n, err := cm.prune(keep+1, 2); err != nil || n != 2 {
		t.Fatalf("pruned %d (%v), want a batch of 2", n, err)
	}
	if n, err := cm.prune(keep+1, 100); err != nil || n != 2 {
		t.Fatalf("pruned %d (%v), want the other 2", n, err)
	}
	if n, err := cm.prune(keep+1, 100); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v) again", n, err)
	}
	for i := 0; i < 3; i++ {
		for _, k := range [][]byte{commitUIDKey(cm.addr, h("uid", i)), commitAttKey(cm.addr, h("uid", i)), commitExecKey(cm.addr, h("instance", i), h("exec", i))} {
			if _, err := cm.n.store.Get(k); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("operation %d: key %x kept after pruning (%v)", i, k, err)
			}
		}
	}
	if _, err := cm.n.store.Get(commitUIDKey(cm.addr, h("instance", 9))); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("the registration kept after pruning")
	}
	if tr, _, _ := cm.tree(0); tr.Len() != 0 {
		t.Fatalf("period 0 still holds %d operations", tr.Len())
	}
	// Period 5 is kept, whole.
	if tr, _, _ := cm.tree(5); tr.Len() != 1 {
		t.Fatalf("period 5 holds %d operations", tr.Len())
	}
	for _, k := range [][]byte{commitUIDKey(cm.addr, h("uid", 5)), commitAttKey(cm.addr, h("uid", 5)), commitExecKey(cm.addr, h("instance", 5), h("exec", 5))} {
		if _, err := cm.n.store.Get(k); err != nil {
			t.Fatalf("a later operation's key %x: %v", k, err)
		}
	}
}

// TestCommitmentsKeepFailures: a failure attestation an anchor delivers on
// an instance's failure topic is kept in its period's commitment, with its
// attestation, and its inclusion proof verifies against the period's root;
// an attestation of another schema, or on a topic naming no instance, is
// not kept.
func TestCommitmentsKeepFailures(t *testing.T) {
	cm, now := testCommitting(t)
	anchor, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	id := wire.InstanceID(crypto.Keccak256Hash([]byte("ticket")))
	d := attest.Domain{Name: attest.DomainName, Version: "1.3.0", ChainID: big.NewInt(1)}
	sign := func(ns attest.NetworkSchema, fields map[string]any) *attest.Signed {
		s, err := attest.SignNetwork(anchor, d, ns, fields, *now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	failure := sign(attest.FailureSchema, map[string]any{"instance": id.String(), "action": "rebook", "request": "POST http://hotel/book",
		"requestHash": crypto.Keccak256Hash([]byte("r")).Hex(), "errorClass": "timeout", "attempts": "3"})
	cm.delivered(attengine.Delivered{Entry: &attlog.Entry{Topic: wire.FailureTopic(id)}, Att: failure})
	other := sign(attest.RevocationSchema, map[string]any{"uid": crypto.Keccak256Hash([]byte("g")).Hex()})
	cm.delivered(attengine.Delivered{Entry: &attlog.Entry{Topic: wire.FailureTopic(id)}, Att: other})
	stray := sign(attest.FailureSchema, map[string]any{"instance": id.String(), "action": "rebook", "request": "POST http://hotel/book",
		"requestHash": crypto.Keccak256Hash([]byte("s")).Hex(), "errorClass": "timeout", "attempts": "1"})
	cm.delivered(attengine.Delivered{Entry: &attlog.Entry{Topic: "no-instance-here"}, Att: stray})

	tr, instances, err := cm.tree(0)
	if err != nil || tr.Len() != 1 || len(instances) != 1 || instances[0] != common.Hash(id) {
		t.Fatalf("period 0 holds %d operations on %v (%v), want the failure alone", tr.Len(), instances, err)
	}
	uid := common.Hash(failure.UID)
	proof, ok := tr.Proof(commitment.Leaf(uid))
	if !ok || !commitment.Verify(tr.Root(), commitment.Leaf(uid), proof) {
		t.Fatal("the failure attestation's inclusion does not verify")
	}
	if commitment.Verify(tr.Root(), commitment.Leaf(common.Hash(stray.UID)), proof) {
		t.Fatal("a failure attestation that was not kept verifies")
	}
	att, err := cm.n.store.Get(commitAttKey(cm.addr, uid))
	if err != nil {
		t.Fatal(err)
	}
	if kept, err := attest.ParseJSON(att); err != nil || kept.UID != failure.UID {
		t.Fatalf("kept attestation %s (%v)", att, err)
	}
}

// TestCommitmentsExecutionByFencing: two results naming one execution (a
// replaced executor copying its successor's under its own older record)
// leave the execution found from the one of the higher fencing number,
// whichever came first; pruning the older one's period leaves the newer
// one's key alone. And a period longer than commitKeep is kept past its
// end.
func TestCommitmentsExecutionByFencing(t *testing.T) {
	cm, now := testCommitting(t)
	att := json.RawMessage(`{"an":"attestation"}`)
	h := func(s string) common.Hash { return crypto.Keccak256Hash([]byte(s)) }
	inst, exec := h("instance"), h("exec")
	found := func() common.Hash {
		t.Helper()
		had, err := cm.execOf(inst, exec)
		if err != nil {
			t.Fatal(err)
		}
		return had.uid
	}
	// The stale copy first, then the real result: the real one is found.
	cm.keep(h("stale"), inst, att, exec, 3)
	*now = now.Add(2 * time.Hour) // period 2
	cm.keep(h("real"), inst, att, exec, 4)
	if got := found(); got != h("real") {
		t.Fatalf("the execution is found from %s, want the result of fencing 4", got)
	}
	// A copy of an older record after it changes nothing.
	cm.keep(h("stale2"), inst, att, exec, 2)
	if got := found(); got != h("real") {
		t.Fatalf("the execution is found from %s after an older copy", got)
	}
	// Forgetting period 0 (the stale copy) keeps the real result's key.
	if n, err := cm.prune(cm.keptPeriods()+1, 100); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want the stale copy", n, err)
	}
	if got := found(); got != h("real") {
		t.Fatalf("after pruning the stale copy the execution is found from %s", got)
	}

	// Periods of 40 days: the one that just ended is kept, and forgotten
	// once more than commitKeep has passed since it ended.
	long := &committing{n: cm.n, addr: common.HexToAddress("0xc1"), genesis: cm.genesis, period: 40 * 24 * 3600, grace: 600,
		results: cm.results}
	long.keep(h("long"), inst, att, h("long-exec"), 1)
	if n, err := long.prune(1, 100); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v) of the period that just ended", n, err)
	}
	if n, err := long.prune(2, 100); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v) of a period that ended 40 days ago, want 1", n, err)
	}
}

// TestTreeCache: a period's tree is built once for the proofs asked of it
// until an operation is kept in it; a build that an operation overtook is
// not kept; at most maxCachedTrees periods are kept, the least recently
// built dropped.
func TestTreeCache(t *testing.T) {
	var c treeCache
	builds := 0
	build := func(n int) func() (*commitment.Tree, []common.Hash, error) {
		return func() (*commitment.Tree, []common.Hash, error) {
			builds++
			leaves := make([]common.Hash, n)
			for i := range leaves {
				leaves[i] = common.BigToHash(big.NewInt(int64(i + 1)))
			}
			return commitment.Build(leaves), nil, nil
		}
	}
	for i := 0; i < 3; i++ {
		if tr, _, err := c.get(7, build(3)); err != nil || tr.Len() != 3 {
			t.Fatalf("%v %v", tr, err)
		}
	}
	if builds != 1 {
		t.Fatalf("%d builds of an unchanged period", builds)
	}
	c.changed(7)
	if tr, _, _ := c.get(7, build(4)); tr.Len() != 4 || builds != 2 {
		t.Fatalf("after an operation was kept: %d leaves, %d builds", tr.Len(), builds)
	}
	// An operation kept while the tree is being built: that tree is
	// answered, not kept.
	overtaken := func() (*commitment.Tree, []common.Hash, error) {
		c.changed(8)
		return build(1)()
	}
	c.get(8, overtaken)
	c.get(8, build(2))
	if builds != 4 {
		t.Fatalf("an overtaken build was kept: %d builds", builds)
	}
	// The same, when the generations are reset in between (past 256
	// periods changed): the build's tree is still not kept.
	c.changed(20)
	resetMidBuild := func() (*commitment.Tree, []common.Hash, error) {
		for q := uint64(1000); q < 1300; q++ {
			c.changed(q)
		}
		c.changed(20)
		return build(1)()
	}
	c.get(20, resetMidBuild)
	c.get(20, build(2))
	if builds != 6 {
		t.Fatalf("a build overtaken across a reset was kept: %d builds", builds)
	}
	// A period never changed before (no generation yet), changed during
	// its build and then lost in a reset: not kept either.
	neverBefore := func() (*commitment.Tree, []common.Hash, error) {
		c.changed(30)
		for q := uint64(2000); q < 2300; q++ {
			c.changed(q)
		}
		return build(1)()
	}
	c.get(30, neverBefore)
	c.get(30, build(2))
	if builds != 8 {
		t.Fatalf("a new period's build overtaken across a reset was kept: %d builds", builds)
	}
	for p := uint64(9); p < 9+maxCachedTrees; p++ {
		c.get(p, build(1))
	}
	if len(c.entries) != maxCachedTrees {
		t.Fatalf("%d trees kept", len(c.entries))
	}
	before := builds
	c.get(7, build(4)) // the oldest, dropped
	if builds != before+1 {
		t.Fatal("a dropped period answered without a build")
	}
}
