package node

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// Takeover: an anchor places the instances it is responsible for among the
// anchor set, and those of an anchor that a majority of the set certified
// down (placement.Authority). Each anchor signs a down vote for every
// anchor of the set it has not heard from for down_after heartbeats,
// renews it while the anchor stays silent and sends it to the other
// anchors; a record made for a down anchor's instance carries the votes
// that certify it, so replicas can check the takeover themselves.

// downVotes keeps, per held-down anchor and voter, the newest vote.
type downVotes map[string]map[common.Address]placement.DownVote

// voteDown signs and sends this anchor's down votes: a new one for an
// anchor that has just gone silent, a renewed one every quarter of the
// votes' lifetime while it stays silent.
func (a *anchorRole) voteDown(now time.Time) {
	var out []placement.DownVote
	renew := a.n.takeoverTTL() / 4
	for id := range a.n.anchors {
		p := id.String()
		if p == a.me() {
			continue
		}
		mb, seen := a.n.members.get(p)
		silent := seen && mb.State != wire.StateUp || !seen && now.Sub(a.loopStart) > a.n.downAfter()
		a.mu.Lock()
		last, voted := a.votedAt[p]
		switch {
		case !silent:
			delete(a.votedAt, p)
		case !voted || now.Sub(last) >= renew:
			epoch, _ := a.n.epochs.now()
			v := placement.DownVote{Down: p, Epoch: epoch, AtMs: now.UnixMilli()}
			if err := v.Sign(a.n.key.ECDSA); err != nil {
				a.n.log.Error("sign down vote", "err", err)
				break
			}
			a.votedAt[p] = now
			a.keepVoteLocked(v)
			out = append(out, v)
			if !voted {
				a.n.log.Info("anchor silent: voting it down", "anchor", shortID(p))
			}
		}
		a.mu.Unlock()
	}
	if len(out) > 0 {
		a.replicate(&replicate{DownVotes: out})
	}
}

// keepVoteLocked keeps v if it is newer than the vote its voter gave
// before on the same anchor.
func (a *anchorRole) keepVoteLocked(v placement.DownVote) {
	by := a.down[v.Down]
	if by == nil {
		by = map[common.Address]placement.DownVote{}
		a.down[v.Down] = by
	}
	if old, ok := by[v.Voter]; !ok || v.AtMs > old.AtMs {
		by[v.Voter] = v
	}
}

// addDownVotes takes votes another anchor sent: each signed by the anchor
// it names as voter, on an anchor of the set, in this epoch.
func (a *anchorRole) addDownVotes(votes []placement.DownVote) error {
	if len(votes) > placement.MaxTakeoverVotes {
		return fmt.Errorf("%d down votes, limit %d", len(votes), placement.MaxTakeoverVotes)
	}
	// Votes of the epoch this anchor runs, or of the one before (an anchor
	// that has not followed the new epoch yet still votes in it).
	epoch, _ := a.n.epochs.now()
	prev, _, hasPrev := a.n.epochs.previous()
	for _, v := range votes { // all checked before any is kept
		if _, ok := a.n.authority.Anchors[v.Down]; !ok || v.Epoch != epoch && (!hasPrev || v.Epoch != prev) {
			return fmt.Errorf("down vote on %.64q in epoch %d: not an anchor of this epoch's set", v.Down, v.Epoch)
		}
		if err := a.n.authority.VoteValid(v); err != nil {
			return err
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, v := range votes {
		a.keepVoteLocked(v)
	}
	return nil
}

// certifiedLocked returns the anchors that the kept votes certify down at
// now and that have not been heard from since, with the votes that certify
// them.
func (a *anchorRole) certifiedLocked(now time.Time) (map[string]bool, []placement.DownVote) {
	var all []placement.DownVote
	ttl := a.n.takeoverTTL().Milliseconds()
	for _, by := range a.down {
		for voter, v := range by {
			switch d := now.UnixMilli() - v.AtMs; {
			case d > ttl:
				delete(by, voter) // expired for good
				continue
			case d < -ttl:
				continue // from a clock far ahead: not yet
			}
			all = append(all, v)
		}
	}
	epoch, _ := a.n.epochs.now()
	down := a.n.authority.Certified(all, epoch, now.UnixMilli())
	for p := range down {
		if mb, ok := a.n.members.get(p); p == a.me() || ok && mb.State == wire.StateUp {
			delete(down, p)
		}
	}
	return down, all
}

// certifiedDown lists the anchors this anchor plans without: certified
// down by a majority of the set and not heard from since.
func (a *anchorRole) certifiedDown() []string {
	a.mu.Lock()
	down, _ := a.certifiedLocked(a.n.now())
	a.mu.Unlock()
	out := make([]string, 0, len(down))
	for p := range down {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// takeoverVotes are the votes a record of epoch for instance k signed by
// this anchor at now must carry: enough to certify the anchors ranked
// before it down.
func (a *anchorRole) takeoverVotes(epoch uint64, k placement.Key, votes []placement.DownVote, now time.Time) []placement.DownVote {
	ahead := a.n.authority.Ahead(k, a.me())
	if len(ahead) == 0 {
		return nil
	}
	return a.n.authority.Minimal(votes, epoch, now.UnixMilli(), ahead)
}

// refreshLocked re-signs a takeover record of this anchor that has waited
// half the votes' lifetime for a replica, with fresh votes and the time now
// (same replicas, same fencing), so the replica can still take it; nil when
// the anchors ahead are no longer certified down (the record then waits
// for the anchor that is back).
func (a *anchorRole) refreshLocked(rec *placement.Record, now time.Time) *placement.Record {
	if len(rec.Takeover) == 0 || now.UnixMilli()-rec.IssuedMs <= a.n.takeoverTTL().Milliseconds()/2 {
		return rec
	}
	_, votes := a.certifiedLocked(now)
	c := *rec
	c.IssuedMs = now.UnixMilli()
	seed, ok := a.n.epochs.seed(rec.Epoch)
	if !ok {
		return nil
	}
	c.Takeover = a.takeoverVotes(rec.Epoch, placement.DHTKey(seed, rec.Instance), votes, now)
	c.Signature = nil
	if c.Sign(a.n.key.ECDSA) != nil || a.n.authority.Check(&c) != nil || a.storeRecordLocked(&c) != nil {
		return nil
	}
	return &c
}

// syncAnchor sends an anchor that came back the records this one signed,
// so it plans above their fencing numbers.
func (a *anchorRole) syncAnchor(p string) {
	recs := a.allRecords(true)
	id := peerIDOf(p)
	a.mu.Lock()
	if a.syncing[p] {
		a.resync[p] = true // once this one ends
		a.mu.Unlock()
		return
	}
	a.syncing[p] = true
	delete(a.resync, p)
	a.mu.Unlock()
	a.n.wg.Add(1)
	go func() {
		defer a.n.wg.Done()
		ok := true
		for len(recs) > 0 {
			n := min(len(recs), maxAssignItems)
			ctx, cancel := context.WithTimeout(a.n.ctx, transport.StreamTimeout)
			_, err := transport.CallMax[replicate, ack](ctx, a.n.net, id, transport.ProtoReplicate, &replicate{Records: recs[:n]}, transport.SmallAnswer)
			cancel()
			if err != nil {
				a.n.log.Debug("sync to an anchor failed", "anchor", shortID(p), "err", err)
				ok = false
				break
			}
			recs = recs[n:]
		}
		a.mu.Lock()
		delete(a.syncing, p)
		if !ok {
			a.resync[p] = true
		}
		a.mu.Unlock()
	}()
}

// retrySyncs syncs the anchors a replication of records did not reach,
// each at most every two seconds: a record replicated once and lost while
// its anchor was down, paused or cut off (too briefly to be seen down and
// synced when it came back) would leave that anchor routing by an old
// record for good (found by smartlayer chaos).
func (a *anchorRole) retrySyncs() {
	a.mu.Lock()
	var due []string
	now := a.n.now()
	for p := range a.resync {
		if t, ok := a.lastSync[p]; ok && now.Sub(t) < 2*time.Second {
			continue
		}
		a.lastSync[p] = now
		due = append(due, p)
	}
	a.mu.Unlock()
	for _, p := range due {
		a.syncAnchor(p)
	}
}
