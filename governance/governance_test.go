package governance

import (
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

func TestTwoThirds(t *testing.T) {
	a, b, c := common.Address{1}, common.Address{2}, common.Address{3}
	stake := map[common.Address]uint64{a: 1, b: 1, c: 1}
	tl := New()
	if err := tl.Add(Vote{Anchor: a, Mode: ModePartial, Round: 1}, stake); err != nil {
		t.Fatal(err)
	}
	if tl.Mode != ModeNormal {
		t.Fatalf("one of three switched to %s", tl.Mode)
	}
	_ = tl.Add(Vote{Anchor: b, Mode: ModePartial, Round: 1}, stake)
	if tl.Mode != ModePartial || tl.Round != 1 {
		t.Fatalf("two of three: %s", tl.Mode)
	}
	// Round 2: two for full, one for normal.
	_ = tl.Add(Vote{Anchor: a, Mode: ModeFull, Round: 2}, stake)
	if tl.Mode != ModePartial {
		t.Fatal("one vote in a new round changed the mode")
	}
	_ = tl.Add(Vote{Anchor: c, Mode: ModeFull, Round: 2}, stake)
	if tl.Mode != ModeFull {
		t.Fatalf("full: %s", tl.Mode)
	}
	// Back to normal in round 3.
	_ = tl.Add(Vote{Anchor: a, Mode: ModeNormal, Round: 3}, stake)
	_ = tl.Add(Vote{Anchor: b, Mode: ModeNormal, Round: 3}, stake)
	if tl.Mode != ModeNormal || tl.Round != 3 {
		t.Fatalf("back: %s", tl.Mode)
	}
	// Stake-weighted: a heavy anchor alone can carry two thirds.
	heavy := map[common.Address]uint64{a: 4, b: 1, c: 1}
	t2 := New()
	_ = t2.Add(Vote{Anchor: a, Mode: ModePartial, Round: 1}, heavy)
	if t2.Mode != ModePartial {
		t.Fatal("4 of 6 stake is two thirds")
	}
	for name, v := range map[string]Vote{
		"stranger": {Anchor: common.Address{9}, Mode: ModeFull, Round: 4},
		"mode":     {Anchor: a, Mode: "panic", Round: 4},
		"old":      {Anchor: a, Mode: ModeFull, Round: 2},
	} {
		if err := tl.Add(v, stake); !errors.Is(err, ErrVote) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
