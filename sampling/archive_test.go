package sampling

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

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
			Args: json.RawMessage(`{}`), Output: json.RawMessage{byte('0' + i)}}
		return Kept{Transcript: tr, State: json.RawMessage(`{}`), Receipt: receipt.For(tr.Execution(tr.Root()), 1)}
	}
	run := func(st *store.Store, add func(a *Archive)) *Archive {
		a := NewArchive(st, 15*time.Minute, nil, clock)
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
			a.Add(context.Background(), k)
		}
	})
	_ = st.Close()
	st, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := NewArchive(st, 15*time.Minute, nil, clock)
	for _, k := range []Kept{old, fresh} {
		got, ok := a.Find(k.Receipt.Leaf())
		if !ok || string(got.Transcript.Output) != string(k.Transcript.Output) {
			t.Fatalf("after a restart: %v %+v", ok, got)
		}
	}
	n := 0
	_ = st.Each([]byte(PrefixArchive), func(_, _ []byte) error { n++; return nil })
	if n != 2 {
		t.Fatalf("%d executions archived, want 2 (none without a receipt)", n)
	}
	a.prune()
	if _, ok := a.Find(old.Receipt.Leaf()); ok {
		t.Fatal("an execution past the retention was kept")
	}
	if _, ok := a.Find(fresh.Receipt.Leaf()); !ok {
		t.Fatal("an execution within the retention was pruned")
	}
	mu.Lock()
	now = now.Add(15 * time.Minute)
	mu.Unlock()
	a.prune()
	for _, p := range []string{PrefixArchive, PrefixArchiveTime} {
		_ = st.Each([]byte(p), func(k, _ []byte) error { t.Errorf("left after pruning: %x", k); return nil })
	}
}
