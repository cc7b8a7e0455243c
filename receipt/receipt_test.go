package receipt

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

func sample(i int) *Receipt {
	return &Receipt{Instance: fmt.Sprintf("0x%02x", i), Function: "query:status", ScriptHash: common.Hash{1},
		StateRoot: common.Hash{byte(i)}, TranscriptRoot: common.Hash{2, byte(i)}, Fencing: 3}
}

// sealAll seals n sample receipts concurrently.
func sealAll(t *testing.T, b *Batcher, n int) []*Receipt {
	t.Helper()
	var wg sync.WaitGroup
	rs := make([]*Receipt, n)
	for i := range rs {
		rs[i] = sample(i)
		wg.Add(1)
		go func(r *Receipt) {
			defer wg.Done()
			if err := b.Seal(r); err != nil {
				t.Error(err)
			}
		}(rs[i])
	}
	wg.Wait()
	return rs
}

func TestBatchesVerify(t *testing.T) {
	key, _ := crypto.GenerateKey()
	a := Software{Key: key}
	for _, single := range []bool{true, false} {
		b := NewBatcher(a, single)
		rs := sealAll(t, b, 50)
		roots := map[common.Hash]bool{}
		for _, r := range rs {
			if err := r.Verify(a.Address()); err != nil {
				t.Fatalf("single=%v: %v", single, err)
			}
			roots[r.Root] = true
		}
		t.Logf("single=%v: %d signatures for %d receipts", single, len(roots), len(rs))
		if single && len(roots) != len(rs) {
			t.Fatal("single mode shared a signature")
		}
		// Any change breaks it.
		r := *rs[7]
		r.StateRoot[0] ^= 1
		if err := r.Verify(a.Address()); !errors.Is(err, ErrProof) {
			t.Fatalf("changed state root: %v", err)
		}
		other, _ := crypto.GenerateKey()
		if err := rs[7].Verify(crypto.PubkeyToAddress(other.PublicKey)); !errors.Is(err, ErrSignature) {
			t.Fatalf("another node: %v", err)
		}
	}
}

// BenchmarkReceipt compares one signature per answer with batched signing,
// under concurrent load.
func BenchmarkReceipt(b *testing.B) {
	key, _ := crypto.GenerateKey()
	for _, single := range []bool{true, false} {
		name := "batched"
		if single {
			name = "single"
		}
		b.Run(name, func(b *testing.B) {
			bt := NewBatcher(Software{Key: key}, single)
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if err := bt.Seal(sample(i)); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		})
	}
}

// With a window, receipts sealed together share one signature, and every
// one still verifies.
func TestBatchWindow(t *testing.T) {
	key, _ := crypto.GenerateKey()
	b := NewBatcher(Software{Key: key}, false)
	b.Window = 20 * time.Millisecond
	rs := sealAll(t, b, 16)
	if b.Signed.Load() != 16 || b.Batches.Load() > 4 {
		t.Fatalf("%d receipts in %d signatures", b.Signed.Load(), b.Batches.Load())
	}
	addr := crypto.PubkeyToAddress(key.PublicKey)
	for _, r := range rs {
		if err := r.Verify(addr); err != nil {
			t.Fatal(err)
		}
	}
}

// A receipt binds the call and the answer: the same JSON spaced otherwise
// still matches, another argument, key or answer does not, and the fields
// are in the signed leaf.
func TestReceiptBindsRequestAndAnswer(t *testing.T) {
	id := "0xAB"
	rc := &Receipt{Instance: id, Function: "action:rebook", Request: RequestHash("action:rebook", id, "k1", []byte(`{"a":1}`)),
		Output: OutputHash([]byte(`{"ok":true,"s":"<b>"}`))}
	if err := rc.Binds("action:rebook", "0xab", "k1", []byte(`{ "a": 1 }`), []byte("{\"ok\": true, \"s\": \"<b>\"}\n")); err != nil {
		t.Fatalf("the same call and answer: %v", err)
	}
	for _, c := range []struct {
		fn, key   string
		args, out string
	}{
		{"action:rebook", "k2", `{"a":1}`, `{"ok":true,"s":"<b>"}`},
		{"action:rebook", "k1", `{"a":2}`, `{"ok":true,"s":"<b>"}`},
		{"action:rebook", "k1", `{"a":1}`, `{"ok":false,"s":"<b>"}`},
		{"query:rebook", "k1", `{"a":1}`, `{"ok":true,"s":"<b>"}`},
	} {
		if err := rc.Binds(c.fn, id, c.key, []byte(c.args), []byte(c.out)); !errors.Is(err, ErrMismatch) {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	leaf := rc.Leaf()
	rc.Output[0] ^= 1
	if rc.Leaf() == leaf {
		t.Fatal("the answer's hash is not in the signed leaf")
	}
	if RequestHash("query:q", id, "", nil) != RequestHash("query:q", id, "", []byte("{}")) {
		t.Fatal("an empty body and {} differ")
	}
}

// A receipt's time is in its leaf (v3), so in what the node signs; one
// without a time keeps the v2 leaf it was signed under. Fresh takes a
// receipt dated within the skew of the clock, either way, and no other.
func TestReceiptTime(t *testing.T) {
	r := sample(1)
	v2 := r.Leaf()
	r.AtMs = 1_800_000_000_000
	v3 := r.Leaf()
	if v3 == v2 {
		t.Fatal("the time is not in the leaf")
	}
	r.AtMs++
	if r.Leaf() == v3 {
		t.Fatal("another time, the same leaf")
	}
	r.AtMs = 0
	if r.Leaf() != v2 {
		t.Fatal("an undated receipt's leaf changed")
	}
	now := time.UnixMilli(1_800_000_000_000)
	for _, c := range []struct {
		at time.Duration
		ok bool
	}{{0, true}, {-MaxSkew, true}, {MaxSkew, true}, {-MaxSkew - time.Millisecond, false}, {MaxSkew + time.Millisecond, false}} {
		r.AtMs = now.Add(c.at).UnixMilli()
		if err := r.Fresh(now, MaxSkew); (err == nil) != c.ok || err != nil && !errors.Is(err, ErrMismatch) {
			t.Errorf("dated %s from now: %v", c.at, err)
		}
	}
	r.AtMs = 0
	if r.Fresh(now, MaxSkew) == nil {
		t.Error("an undated receipt is fresh")
	}
	// A node signs its time: Names refuses a transcript of another time.
	e := Execution{Instance: r.Instance, Function: r.Function, TranscriptRoot: r.TranscriptRoot, AtMs: 5}
	rc := For(e, 3)
	if rc.AtMs != 5 || rc.Names(e) != nil {
		t.Fatalf("For: %+v %v", rc, rc.Names(e))
	}
	e.AtMs = 6
	if !errors.Is(rc.Names(e), ErrMismatch) {
		t.Fatal("a receipt names an execution of another time")
	}
}
