package executor

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/wire"
)

func TestPruneOutcomes(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	x := New(Deps{Store: st})
	now := time.Now()
	id := wire.InstanceID{9}
	for i, age := range []time.Duration{time.Minute, 2 * time.Hour, 48 * time.Hour} {
		b, _ := json.Marshal(&wire.ActionOutcome{Instance: id, Key: string(rune('a' + i)), DoneMs: now.Add(-age).UnixMilli()})
		_ = st.Put(OutcomeKey(id, string(rune('a'+i))), b)
	}
	n, err := x.PruneOutcomes(now.Add(-24 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d: %v", n, err)
	}
	if _, err := st.Get(OutcomeKey(id, "c")); err == nil {
		t.Fatal("the 48-hour-old outcome is still there")
	}
	if _, err := st.Get(OutcomeKey(id, "a")); err != nil {
		t.Fatal("a fresh outcome went")
	}
}
