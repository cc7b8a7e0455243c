package token

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// alwaysFires is a module whose every trigger answers true.
type alwaysFires struct{}

func (alwaysFires) Run(context.Context, Call) (*Result, error) {
	return &Result{Output: json.RawMessage("true")}, nil
}
func (alwaysFires) HasFailed() bool        { return false }
func (alwaysFires) HasTrigger(string) bool { return true }

// TestPendingBounded: a trigger that fires with MaxPending actions waiting
// starts nothing and says so; below the bound it starts its action.
func TestPendingBounded(t *testing.T) {
	env := &Env{Script: alwaysFires{}, Triggers: []tokenscript.Trigger{{When: "longDelay", Action: "rebook"}}}
	in := &Instance{Record: &placement.Record{}, State: json.RawMessage(`{}`)}
	for i := 0; i < MaxPending; i++ {
		if n, _ := EvalTriggers(context.Background(), in, env, nil, nil, fmt.Sprint("cause-", i), time.Unix(0, 0), nil); n != 0 {
			t.Fatalf("trigger %d dropped below the bound", i)
		}
	}
	if len(in.Pending) != MaxPending {
		t.Fatalf("%d pending, want %d", len(in.Pending), MaxPending)
	}
	if n, _ := EvalTriggers(context.Background(), in, env, nil, nil, "one-more", time.Unix(0, 0), nil); n != 1 {
		t.Fatalf("a trigger past the bound: %d dropped, want 1", n)
	}
	if len(in.Pending) != MaxPending {
		t.Fatalf("%d pending past the bound, want %d", len(in.Pending), MaxPending)
	}
	in.Pending = in.Pending[1:]
	if n, _ := EvalTriggers(context.Background(), in, env, nil, nil, "after-one-done", time.Unix(0, 0), nil); n != 0 || len(in.Pending) != MaxPending {
		t.Fatalf("once one is done: %d dropped, %d pending", n, len(in.Pending))
	}
}
