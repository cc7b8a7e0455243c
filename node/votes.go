package node

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/governance"
)

// stake is each anchor's voting weight: its stake in the epoch the registry
// started (network.epoch_from_chain), or one each.
func (n *Node) stake() map[common.Address]uint64 {
	epoch, _ := n.epochs.now()
	if st := n.epochs.stake(epoch); st != nil {
		return st
	}
	out := make(map[common.Address]uint64, len(n.anchors))
	for _, a := range n.anchors {
		out[a] = 1
	}
	return out
}

// addVote verifies a vote attestation by an anchor of the set, records and
// stores it. It reports whether the vote was new.
func (a *anchorRole) addVote(raw json.RawMessage, now time.Time) (bool, error) {
	s, err := attest.Parse(raw)
	if err != nil {
		return false, err
	}
	if err := a.n.policy(nil).Check(s, attest.Use{Schemas: []attest.SchemaUID{attest.FallbackVoteSchema.UID}}, now); err != nil {
		return false, err
	}
	if !a.n.isAnchorAddress(s.Signer) {
		return false, fmt.Errorf("%w: %s is not an anchor of the set", governance.ErrVote, s.Signer)
	}
	data, err := attest.FallbackVoteSchema.Schema.Decode(s.Message.Data)
	if err != nil {
		return false, err
	}
	round, ok := data["round"].(int64)
	if !ok || round < 0 {
		return false, fmt.Errorf("%w: round out of range", governance.ErrVote)
	}
	v := governance.Vote{Anchor: s.Signer, Mode: data["mode"].(string), Round: uint64(round), UID: s.UID.String()}
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.votes.Votes[v.Round][v.Anchor]; ok && old.UID == v.UID {
		return false, nil
	}
	before := a.votes.Mode
	if err := a.votes.Add(v, a.n.stake()); err != nil {
		return false, err
	}
	if err := a.n.store.Put(voteKey(v.Round, v.Anchor), raw); err != nil {
		return false, err
	}
	if a.votes.Mode != before {
		a.n.log.Warn("network mode changed by anchor vote", "mode", a.votes.Mode, "round", a.votes.Round)
		a.dirty = true // partial mode places replicas on diverse platforms
		a.poke()
	}
	return true, nil
}

// loadVotes replays the stored votes.
func (a *anchorRole) loadVotes() error {
	var raws []json.RawMessage
	err := a.n.store.Each(votesPrefix(), func(_, v []byte) error {
		raws = append(raws, append(json.RawMessage(nil), v...))
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range raws {
		// Old votes may be past their time skew now: only their signatures matter.
		if _, err := a.addVote(r, time.Unix(voteTime(r), 0)); err != nil {
			a.n.log.Warn("stored vote no longer counts", "err", err)
		}
	}
	return nil
}

func voteTime(raw json.RawMessage) int64 {
	if s, err := attest.Parse(raw); err == nil {
		return int64(s.Message.Time)
	}
	return 0
}

// mode is the network's current verification mode.
func (a *anchorRole) mode() (string, uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.votes.Mode, a.votes.Round
}

// Vote takes an anchor's fallback-mode vote (replicated to the other
// anchors when new) and answers the mode now.
func (a *anchorRole) Vote(body []byte) (string, uint64, error) {
	isNew, err := a.addVote(body, a.n.now())
	if err != nil {
		return "", 0, err
	}
	if isNew {
		a.replicate(&replicate{Votes: []json.RawMessage{body}})
	}
	mode, round := a.mode()
	return mode, round, nil
}
