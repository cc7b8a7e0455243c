package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// start follows the topics of every instance held and catches them up.
func (s *serviceRole) start() {
	s.exec.Start(s.n.ctx)
	if s.archive != nil {
		s.n.spawn(func() { s.archive.Run(s.n.ctx) })
	}
	for _, id := range s.ids() {
		s.mu.RLock()
		in := s.inst[id]
		s.mu.RUnlock()
		if in != nil {
			s.followInstance(in)
			s.exec.Kick(id) // actions left pending when the node stopped
		}
	}
}

// topicsOf returns an instance's topics (token.Topics) and its bundle; nil
// when the bundle is not loaded.
func (s *serviceRole) topicsOf(in *instance) (map[string]*token.Sub, *loadedBundle) {
	h, _ := tokenscript.ParseBundleHash(in.Record.Bundle)
	lb, ok := s.bundles.Get(h)
	if !ok {
		return nil, nil
	}
	out, errs := token.Topics(in, lb.Manifest.Service.Subscriptions)
	for _, err := range errs {
		s.n.log.Warn("subscription topic", "instance", in.Record.Instance, "err", err)
	}
	return out, lb
}

// wanted lists the topics an instance needs followed: its subscriptions
// (token.Topics), then its owner's revocation topic (their revocations,
// wherever they were posted: apply records them; they change no instance).
func (s *serviceRole) wanted(in *instance) []string {
	topics, _ := s.topicsOf(in)
	out := make([]string, 0, len(topics)+1)
	for t := range topics {
		out = append(out, t)
	}
	return append(out, wire.RevocationTopic(in.Owner))
}

// registerLocked notes that id follows topics (s.followers, under s.mu)
// and returns those no held instance followed before.
func (s *serviceRole) registerLocked(id wire.InstanceID, topics []string) []string {
	if s.followers == nil {
		s.followers = map[string][]wire.InstanceID{}
	}
	var added []string
	for _, t := range topics {
		if len(s.followers[t]) == 0 {
			added = append(added, t)
		}
		if !slices.Contains(s.followers[t], id) {
			s.followers[t] = append(s.followers[t], id)
		}
	}
	return added
}

// unregisterLocked notes that id follows none of its topics any more and
// returns those no held instance follows now.
func (s *serviceRole) unregisterLocked(id wire.InstanceID) []string {
	var unused []string
	for t, ids := range s.followers {
		if i := slices.Index(ids, id); i >= 0 {
			ids = slices.Delete(ids, i, i+1)
			if len(ids) == 0 {
				delete(s.followers, t)
				unused = append(unused, t)
			} else {
				s.followers[t] = ids
			}
		}
	}
	return unused
}

// admit takes a new instance's topics into account if they fit under
// service.max_topics, counting those the held instances follow already
// once; false turns the instance down. Admission and bookkeeping happen
// under one lock, so two assignments cannot both take the last room.
func (s *serviceRole) admit(in *instance) bool {
	topics := s.wanted(in)
	s.mu.Lock()
	defer s.mu.Unlock()
	added := 0
	for _, t := range topics {
		if len(s.followers[t]) == 0 {
			added++
		}
	}
	if len(s.followers)+added > s.n.cfg.Service.MaxTopics {
		return false
	}
	s.registerLocked(in.Record.Instance, topics)
	return true
}

// followInstance subscribes to the instance's topics and applies what the
// log already holds for them.
func (s *serviceRole) followInstance(in *instance) {
	topics := s.wanted(in)
	id := in.Record.Instance
	s.subMu.Lock()
	s.mu.Lock()
	s.registerLocked(id, topics)
	s.mu.Unlock()
	running := s.n.att != nil && s.n.att.Running()
	if running {
		for _, t := range topics {
			s.subscribe(t)
		}
	}
	s.subMu.Unlock()
	if running {
		s.catchUp(id)
	}
}

// subscribe follows a topic's gossip. An owner's revocation topic is
// followed past the cap on topics (a revoked grant must stop working on
// every replica); admission keeps the others within it.
func (s *serviceRole) subscribe(t string) {
	follow := s.n.att.Follow
	if wire.IsRevocationTopic(t) {
		follow = s.n.att.FollowRequired
	}
	if err := follow(s.n.ctx, t); err != nil {
		s.n.log.Warn("follow topic", "topic", t, "err", err)
	}
}

// holdsOwnedBy reports whether this node holds an instance owner owns.
func (s *serviceRole) holdsOwnedBy(owner common.Address) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.holdsOwnedByLocked(owner)
}

func (s *serviceRole) holdsOwnedByLocked(owner common.Address) bool {
	for _, in := range s.inst {
		if in.Owner == owner {
			return true
		}
	}
	return false
}

// revoke takes a revocation posted to this node: recorded here, and
// published on its signer's revocation topic, which every service node
// holding one of the signer's instances follows.
func (s *serviceRole) revoke(body []byte) (attest.UID, error) {
	att, err := attest.Parse(body)
	if err != nil {
		return attest.UID{}, err
	}
	// Only an owner of a token held here: a stranger's revocations would
	// be kept for good and gossiped for nothing.
	if !s.holdsOwnedBy(att.Signer) {
		return attest.UID{}, fmt.Errorf("%s owns no token this node holds: post a revocation to a replica of the token it is about", att.Signer)
	}
	att, uid, err := s.grants.revs.add(body, s.n.now())
	if err != nil {
		return uid, err
	}
	if s.n.att != nil && s.n.att.Running() {
		ctx, cancel := context.WithTimeout(s.n.ctx, 10*time.Second)
		defer cancel()
		if err := s.n.publishOwn(ctx, s.n.key, wire.RevocationTopic(att.Signer), att); err != nil {
			s.n.log.Warn("revocation recorded here but not gossiped", "uid", uid, "err", err)
		}
	}
	return uid, nil
}

// retryDelay is how long an entry whose check could not be made (the
// node's chain endpoint down or behind) waits to be stepped again.
const retryDelay = 3 * time.Second

// retryLater catches the instance up again after retryDelay: the entry
// whose step could not be made was not applied, so its stream's offset
// still points before it. One retry waits per instance at a time.
func (s *serviceRole) retryLater(id wire.InstanceID, why error) {
	if _, waiting := s.retrying.LoadOrStore(id, true); waiting {
		return
	}
	s.n.log.Debug("entry not applied yet; retrying", "instance", id, "err", why)
	time.AfterFunc(retryDelay, func() {
		s.retrying.Delete(id)
		if s.n.ctx.Err() == nil {
			s.catchUp(id)
		}
	})
}

// catchUp applies stored entries the instance has not applied yet, on the
// instance's shard.
func (s *serviceRole) catchUp(id wire.InstanceID) {
	s.applier.enqueue(id, func() { s.catchUpNow(id) })
}

func (s *serviceRole) catchUpNow(id wire.InstanceID) {
	e := s.n.att
	s.mu.RLock()
	in := s.inst[id]
	s.mu.RUnlock()
	if in == nil {
		return
	}
	topics, _ := s.topicsOf(in)
	for t := range topics {
		for _, h := range e.TopicHeads(t) {
			sid := attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}
			if done := s.strangers.done(id, sid.String(), in.Offsets[sid.String()]); done < h.Seq {
				ds, err := e.StreamRange(sid, done+1, h.Seq)
				if err != nil {
					return
				}
				for _, d := range ds {
					if !s.step(id, d) {
						break // the rest of the stream waits for this entry
					}
				}
			}
		}
	}
}

// apply is the attestation engine's delivery: each entry, in order, to every
// instance that follows its topic.
func (s *serviceRole) apply(d attengine.Delivered) {
	if d.Att.Message.Schema == attest.RevocationSchema.UID {
		if _, err := s.grants.revs.record(d.Att); err != nil {
			s.n.log.Debug("revocation not recorded", "err", err)
		}
		return
	}
	s.mu.RLock()
	ids := append([]wire.InstanceID(nil), s.followers[d.Entry.Topic]...)
	s.mu.RUnlock()
	for _, id := range ids {
		s.applier.enqueue(id, func() { s.applyTo(id, d) })
	}
}

// applyTo applies a delivered entry on the instance's shard. Entries of a
// stream reach an instance in order, but one it started to follow after
// they were delivered may not have caught up yet: the stored entries before
// this one are applied first, so none is skipped.
func (s *serviceRole) applyTo(id wire.InstanceID, d attengine.Delivered) {
	s.mu.RLock()
	cur := s.inst[id]
	s.mu.RUnlock()
	if cur == nil {
		return
	}
	sid := d.Entry.ID()
	done := s.strangers.done(id, sid.String(), cur.Offsets[sid.String()])
	if done >= d.Entry.Seq {
		return // applied, or refused as a stranger's, already
	}
	if done+1 < d.Entry.Seq {
		// StreamRange leaves out entries whose attestation another stream
		// holds (applied there); if it cannot read, catch-up applies this
		// entry later, in order.
		ds, err := s.n.att.StreamRange(sid, done+1, d.Entry.Seq-1)
		if err != nil {
			return
		}
		for _, g := range ds {
			if !s.step(id, g) {
				return // d waits for g: the retry steps both, in order
			}
		}
	}
	s.step(id, d)
}

// step steps one instance's token core with one entry and keeps what it
// decided: the instance and its history item stored in one batch, the
// transcripts kept for sampling, the executor kicked for new actions. It
// reports false when the entry could not be stepped now (its check waits
// for the chain): the entries after it in its stream must wait too.
func (s *serviceRole) step(id wire.InstanceID, d attengine.Delivered) bool {
	s.mu.RLock()
	cur := s.inst[id]
	s.mu.RUnlock()
	if cur == nil {
		return true
	}
	lb, ok := s.bundleOf(cur)
	if !ok {
		return true
	}
	if s.n.ctx != nil && s.n.ctx.Err() != nil {
		return false // stopping: a script cut short must not count as applied
	}
	entry := &token.Entry{Topic: d.Entry.Topic, Publisher: d.Entry.Publisher, Seq: d.Entry.Seq, Att: d.Att}
	env := s.envOf(lb)
	env.Answers = s.answersOf(id)
	rd, err := token.Step(s.n.ctx, cur, token.Event{Entry: entry}, env)
	var need *token.NeedAnswer
	if errors.As(err, &need) {
		// A run called another token: the entry waits for the executor's
		// answers (this node's own, if it executes the instance), and is
		// stepped again when they arrive, or in retryDelay (a new executor
		// answers then).
		s.waitsForAnswers(cur, entry, need, env)
		s.retryLater(id, err)
		return false
	}
	if errors.Is(err, token.ErrUnavailable) {
		s.retryLater(id, err)
		return false
	}
	if rd.Refused != "" {
		s.strangers.refuse(id, entry.Stream(), cur.Offsets[entry.Stream()], entry.Seq)
		return true
	}
	if err != nil || rd.Instance == nil {
		return true
	}
	if s.n.ctx != nil && s.n.ctx.Err() != nil {
		return false
	}
	s.strangers.applied(id, entry.Stream())
	for _, k := range rd.Kept {
		if tr, ok := k.Transcript.(*sandbox.Transcript); ok {
			tr.Offsets = cur.Offsets // the entry ran on cur
			s.keepTranscript(tr, k.StateBefore, nil)
		}
	}
	if rd.Answers != "" {
		// Indexed before the offset moves past them: a crash in between
		// applies them again.
		s.indexAnswers(id, rd.Answers, d.Att)
	}
	if err := s.putApplied(rd.Instance, rd.History, rd.HistoryIndex); err != nil {
		s.n.log.Error("store applied state", "instance", id, "err", err)
	}
	if len(rd.Instance.Pending) > 0 {
		s.exec.Kick(id)
	}
	if rd.Answers != "" {
		// An entry of another stream may be waiting for these answers.
		s.stepSoon(id)
	}
	if o := rd.Instance.Owner; o != cur.Owner {
		s.ownerChanged(id, cur.Owner, o)
	}
	if h := s.n.appliedHook.Load(); h != nil {
		(*h)(id, d.Entry)
	}
	return true
}

// ownerChanged follows a token's new owner's revocation topic (their
// revocations count now) and leaves the old owner's, unless another token
// held here is theirs: a token passed round would otherwise add a topic
// per owner, for good.
func (s *serviceRole) ownerChanged(id wire.InstanceID, old, owner common.Address) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	oldT, newT := wire.RevocationTopic(old), wire.RevocationTopic(owner)
	s.mu.Lock()
	added := s.registerLocked(id, []string{newT})
	left := false
	if ids := s.followers[oldT]; slices.Contains(ids, id) {
		ids = slices.DeleteFunc(slices.Clone(ids), func(x wire.InstanceID) bool { return x == id })
		if len(ids) == 0 {
			delete(s.followers, oldT)
			left = true
		} else {
			s.followers[oldT] = ids
		}
	}
	s.mu.Unlock()
	if s.n.att == nil || !s.n.att.Running() {
		return
	}
	for _, t := range added {
		s.subscribe(t)
	}
	if left {
		s.n.att.Unfollow(oldT)
	}
}

// fullHold is how long a node that turned an instance down says it is
// full: long enough for the anchors to re-place what it refused before it
// is offered more, short enough to take instances again once some leave.
const fullHold = time.Minute

// followedTopics counts the topics the held instances need followed.
func (s *serviceRole) followedTopics() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.followers)
}

// turnDown records a new instance refused for want of room: the node says
// it is full for fullHold, and the anchor is told in the assignment's
// answer.
func (s *serviceRole) turnDown(id wire.InstanceID, from transport.PeerID) {
	s.turnedDown.Inc()
	s.fullUntil.Store(s.n.now().Add(fullHold).UnixMilli())
	s.wasFull.Store(true)
	s.n.log.Warn("turned an instance down: at the cap on topics followed (service.max_topics)",
		"instance", id, "topics", s.followedTopics(), "max", s.n.cfg.Service.MaxTopics, "anchor", shortID(from.String()))
}

// full reports whether the node takes no new instance: it follows
// service.max_topics topics already, or it turned one down within
// fullHold, or since then less than a tenth of the cap has come free (so
// that a node at the edge of its cap does not flip between full and not,
// each flip re-placing instances).
func (s *serviceRole) full(now time.Time) bool {
	n, max := s.followedTopics(), s.n.cfg.Service.MaxTopics
	switch {
	case n >= max, now.UnixMilli() < s.fullUntil.Load():
		return true
	case s.wasFull.Load() && n > max-max/10:
		return true
	}
	s.wasFull.Store(false)
	return false
}
