// Package governance tallies the anchors' signed votes on the network's
// execution-verification mode: normal, partial fallback (replicas on
// different platforms) or full fallback (integration traffic through
// anchors). A mode holds once anchors with two thirds of the stake vote for
// it in a round. It does no I/O.
package governance

import (
	"errors"
	"fmt"
	"sort"

	"github.com/ethereum/go-ethereum/common"
)

// Modes of the network.
const (
	ModeNormal  = "normal"
	ModePartial = "partial"
	ModeFull    = "full"
)

// ErrVote marks a vote that cannot count.
var ErrVote = errors.New("invalid vote")

// Vote is one anchor's vote in a round.
type Vote struct {
	Anchor common.Address `json:"anchor"`
	Mode   string         `json:"mode"`
	Round  uint64         `json:"round"`
	UID    string         `json:"uid"` // the vote attestation
}

// CheckMode validates a mode name.
func CheckMode(m string) error {
	switch m {
	case ModeNormal, ModePartial, ModeFull:
		return nil
	}
	return fmt.Errorf("%w: mode %q: want normal, partial or full", ErrVote, m)
}

// Tally is the state of the votes.
type Tally struct {
	Mode  string                             `json:"mode"`
	Round uint64                             `json:"round"` // round that set the mode
	Votes map[uint64]map[common.Address]Vote `json:"-"`
}

// New starts in normal mode.
func New() *Tally { return &Tally{Mode: ModeNormal, Votes: map[uint64]map[common.Address]Vote{}} }

// Add records a vote (an anchor's later vote in a round replaces its
// earlier one) and recomputes the mode: the newest round in which one mode
// has at least two thirds of the total stake wins.
func (t *Tally) Add(v Vote, stake map[common.Address]uint64) error {
	if err := CheckMode(v.Mode); err != nil {
		return err
	}
	if stake[v.Anchor] == 0 {
		return fmt.Errorf("%w: %s has no stake in the anchor set", ErrVote, v.Anchor)
	}
	if v.Round < t.Round {
		return fmt.Errorf("%w: round %d is older than the decided round %d", ErrVote, v.Round, t.Round)
	}
	if t.Votes[v.Round] == nil {
		t.Votes[v.Round] = map[common.Address]Vote{}
	}
	t.Votes[v.Round][v.Anchor] = v
	t.recompute(stake)
	return nil
}

func (t *Tally) recompute(stake map[common.Address]uint64) {
	var total uint64
	for _, s := range stake {
		total += s
	}
	rounds := make([]uint64, 0, len(t.Votes))
	for r := range t.Votes {
		rounds = append(rounds, r)
	}
	sort.Slice(rounds, func(i, j int) bool { return rounds[i] > rounds[j] })
	for _, r := range rounds {
		if r < t.Round {
			break
		}
		per := map[string]uint64{}
		for a, v := range t.Votes[r] {
			per[v.Mode] += stake[a]
		}
		for _, m := range []string{ModeFull, ModePartial, ModeNormal} {
			if 3*per[m] >= 2*total && total > 0 {
				t.Mode, t.Round = m, r
				return
			}
		}
	}
}

// Round returns the votes of a round by mode, for display.
func (t *Tally) RoundVotes(r uint64) map[string][]common.Address {
	out := map[string][]common.Address{}
	for a, v := range t.Votes[r] {
		out[v.Mode] = append(out[v.Mode], a)
	}
	for m := range out {
		sort.Slice(out[m], func(i, j int) bool { return out[m][i].Hex() < out[m][j].Hex() })
	}
	return out
}
