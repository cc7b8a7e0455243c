package sampling

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/wire"
)

// The archive keeps the execution behind every receipt across a restart
// for the retention, and prunes it after; executions without a receipt
// are not archived.
func TestArchiveKeepsForTheRetention(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	exec := func(i int, at time.Time) Kept {
		tr := &sandbox.Transcript{Function: "query:q", Instance: wire.InstanceID{1}.String(), NowMs: at.UnixMilli(),
			StateBefore: sandbox.StateRoot(json.RawMessage(`{}`)), Args: json.RawMessage(`{}`), Output: json.RawMessage{byte('0' + i)}}
		return Kept{Transcript: tr, State: json.RawMessage(`{}`), Receipt: receipt.For(tr.Execution(tr.Root()), 1)}
	}
	run := func(st *store.Store, add func(a *Archive)) *Archive {
		a := NewArchive(st, 15*time.Minute, 1<<30, nil, clock)
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(ctx); close(done) }()
		add(a)
		stop()
		<-done // Run stores what is queued before it returns
		return a
	}
	old, fresh := exec(1, now.Add(-20*time.Minute)), exec(2, now.Add(-time.Minute))
	bare := exec(3, now)
	bare.Receipt = nil
	run(st, func(a *Archive) {
		for _, k := range []Kept{old, fresh, bare} {
			var leaf common.Hash
			if k.Receipt != nil {
				leaf = k.Receipt.Leaf()
			}
			a.Add(context.Background(), k, leaf)
		}
	})
	_ = st.Close()
	st, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := NewArchive(st, 15*time.Minute, 1<<30, nil, clock)
	got, ok := a.Find(fresh.Receipt.Leaf())
	if !ok || string(got.Transcript.Output) != string(fresh.Transcript.Output) || string(got.State) != `{}` {
		t.Fatalf("after a restart: %v %+v", ok, got)
	}
	if _, ok := a.Find(old.Receipt.Leaf()); ok {
		t.Fatal("an execution past the retention was found")
	}
	count := func(p string) int {
		n := 0
		_ = st.Each([]byte(p), func(_, _ []byte) error { n++; return nil })
		return n
	}
	if n := count(PrefixArchive); n != 2 {
		t.Fatalf("%d executions archived, want 2 (none without a receipt)", n)
	}
	if n := count(PrefixArchiveState); n != 2 {
		t.Fatalf("%d states archived, want one a bucket", n)
	}
	a.prune()
	if n := count(PrefixArchive); n != 1 {
		t.Fatalf("%d executions left after pruning, want 1", n)
	}
	if _, ok := a.Find(fresh.Receipt.Leaf()); !ok {
		t.Fatal("an execution within the retention was pruned")
	}
	mu.Lock()
	now = now.Add(15*time.Minute + a.retention/4)
	mu.Unlock()
	a.prune()
	for _, p := range []string{PrefixArchive, PrefixArchiveState} {
		if n := count(p); n != 0 {
			t.Errorf("%d keys of %s left after pruning", n, p)
		}
	}
}

// The archive holds about its bound, counted as written (a state once a
// bucket, however many executions ran on it): past it, Full (a node takes
// no new query); the bound is free again once the buckets age out.
func TestArchiveBound(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Unix(1_800_000_000, 0)
	a := NewArchive(st, 15*time.Minute, 64<<10, nil, func() time.Time { return now })
	state := json.RawMessage(`{"big":"` + strings.Repeat("s", 20<<10) + `"}`)
	n := 0
	for ; !a.Full(); n++ {
		if n > 1000 {
			t.Fatal("never full")
		}
		tr := &sandbox.Transcript{Function: "query:q", NowMs: now.UnixMilli(), StateBefore: sandbox.StateRoot(state),
			Output: json.RawMessage(`"` + strings.Repeat("x", 1000) + strconv.Itoa(n) + `"`)}
		rc := receipt.For(tr.Execution(tr.Root()), 1)
		a.write([]archived{{Kept{Transcript: tr, Receipt: rc, State: state}, rc.Leaf()}})
	}
	// 20 KiB of state once, then about 1.2 KB an execution: 64 KiB after
	// about 37 of them (not 3, as if the state were counted each time).
	if n < 30 || n > 45 {
		t.Fatalf("full after %d executions", n)
	}
	// A restart counts what the archive holds: still full, with the same
	// bytes, and a state already stored is not counted again.
	held := a.Bytes()
	again := NewArchive(st, 15*time.Minute, 64<<10, nil, func() time.Time { return now })
	ctx, stop := context.WithCancel(context.Background())
	stop()
	again.Run(ctx) // counts, then returns: its context is done
	if !again.Full() || again.Bytes() != held {
		t.Fatalf("after a restart: full %v, %d bytes, %d before", again.Full(), again.Bytes(), held)
	}
	if len(again.states) != 1 {
		t.Fatalf("%d states known after a restart, want the one stored", len(again.states))
	}
	now = now.Add(15*time.Minute + a.retention/4)
	a.prune()
	if a.Full() || a.Bytes() != 0 {
		t.Fatalf("after the buckets aged out: full %v, %d bytes", a.Full(), a.Bytes())
	}
	again.Run(ctx) // drops what aged out before counting
	if again.Full() || again.Bytes() != 0 {
		t.Fatalf("a restart after the buckets aged out: full %v, %d bytes", again.Full(), again.Bytes())
	}
}
