package executor

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

const countModule = `
module.exports = {
  init() { return {n: 0}; },
  queries: { n(state) { return state.n; } },
  actions: {
    bump(state, args) { return {state: {n: state.n + 1}, result: {n: state.n + 1}}; },
  },
};`

// shard is the test's stand-in for a node's instance shard: one instance,
// whose pending list a published result answers.
type shard struct {
	mu        sync.Mutex
	in        *token.Instance
	failFirst int // publishes refused before one goes through
	published []string
	atts      []*attest.Signed      // what was published, in order
	onRead    func(*token.Instance) // called as the executor reads the instance
}

func (s *shard) instance(wire.InstanceID) *token.Instance {
	s.mu.Lock()
	c := *s.in
	hook := s.onRead
	s.mu.Unlock()
	if hook != nil {
		hook(&c)
	}
	return &c
}

func (s *shard) publish(_ context.Context, _ string, att *attest.Signed) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failFirst > 0 {
		s.failFirst--
		return errors.New("no anchor took the entry")
	}
	data, err := attest.ActionResultSchema.Schema.Decode(att.Message.Data)
	if err != nil {
		return err
	}
	key, _ := data["idempotencyKey"].(string)
	s.published = append(s.published, key)
	s.atts = append(s.atts, att)
	s.in.Pending = slices.DeleteFunc(slices.Clone(s.in.Pending), func(p token.PendingAction) bool { return p.Key == key })
	return nil
}

func (s *shard) addPending(key string) {
	s.in.Pending = append(slices.Clone(s.in.Pending), token.PendingAction{Key: key, Action: "bump"})
}

func (s *shard) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.in.Pending)
}

func newWorkExecutor(t *testing.T, sh *shard) (*Executor, wire.InstanceID) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := nodekey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := sandbox.Compile("count.js", []byte(countModule), sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	lb := &registry.Bundle{Module: mod, Manifest: &tokenscript.Manifest{Name: "count", Service: &tokenscript.Service{}}}
	id := wire.InstanceID{7}
	sh.in = &token.Instance{Record: &placement.Record{Instance: id, Executor: key.PeerID().String(), Replicas: []string{key.PeerID().String()}, Fencing: 1},
		State: json.RawMessage(`{"n":0}`)}
	var wg sync.WaitGroup
	x := New(Deps{
		Config: Config{ActionTimeout: 10 * time.Second, RetryPending: 20 * time.Millisecond},
		Self:   key.PeerID().String(), Key: key, Domain: attest.NetworkDomain(1337, common.Address{}),
		Store: st, Spawn: func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() },
		Instance: sh.instance,
		Bundle:   func(*token.Instance) (*registry.Bundle, bool) { return lb, true },
		Publish:  sh.publish,
		Settle:   func(wire.InstanceID) {},
	})
	ctx, cancel := context.WithCancel(context.Background())
	x.Start(ctx)
	t.Cleanup(func() { cancel(); wg.Wait() })
	return x, id
}

// waitFor polls cond until it holds, for at most a generous half minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A pending action whose result could not be published on any of its
// tries (no anchor took it) is tried again later, not left pending until
// the next entry happens to kick the instance (found in the partitions
// run: a rebooking left pending for good after a cut).
func TestPendingRetriedAfterFailedTries(t *testing.T) {
	sh := &shard{failFirst: 4}
	x, id := newWorkExecutor(t, sh)
	sh.mu.Lock()
	sh.addPending("k1")
	sh.mu.Unlock()
	x.Kick(id)
	waitFor(t, "the action's result published after its first round of tries failed", func() bool { return sh.pending() == 0 })
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if !slices.Equal(sh.published, []string{"k1"}) || sh.failFirst != 0 {
		t.Fatalf("published %v, %d refusals left", sh.published, sh.failFirst)
	}
}

// A kick that comes while the work loop is finishing (it has read the
// pending list and found nothing left to run) is not lost: the loop looks
// again before it ends.
func TestKickWhileWorkLoopEnds(t *testing.T) {
	sh := &shard{}
	x, id := newWorkExecutor(t, sh)
	var once sync.Once
	sh.mu.Lock()
	sh.addPending("k1")
	sh.onRead = func(in *token.Instance) {
		if len(in.Pending) > 0 {
			return
		}
		// The loop has just seen nothing pending: a trigger starts
		// another action now, and its kick finds the loop still running.
		once.Do(func() {
			sh.mu.Lock()
			sh.addPending("k2")
			sh.mu.Unlock()
			go x.Kick(id)
			waitFor(t, "the kick to reach the running loop", func() bool {
				x.mu.Lock()
				defer x.mu.Unlock()
				w := x.workers[id]
				return w != nil && w.again
			})
		})
	}
	sh.mu.Unlock()
	x.Kick(id)
	waitFor(t, "both actions published", func() bool { return sh.pending() == 0 && len(sh.publishedCopy()) == 2 })
}

func (s *shard) publishedCopy() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.published)
}

// A triggered action still pending under a newer record than the outcome
// kept for its key runs anew: the kept outcome's result was refused (its
// executor was fenced off then), so answering from it would leave the
// action pending on every replica for good.
func TestPendingRunsAnewUnderNewerRecord(t *testing.T) {
	sh := &shard{}
	x, id := newWorkExecutor(t, sh)
	old, _ := json.Marshal(&Outcome{ActionOutcome: wire.ActionOutcome{Instance: id, Action: "bump", Key: "k1", Fencing: 1, Result: json.RawMessage(`{"n":1}`)}})
	if err := x.d.Store.Put(OutcomeKey(id, ScopedKey("bump", "k1")), old); err != nil {
		t.Fatal(err)
	}
	sh.mu.Lock()
	sh.in.Record.Fencing = 2
	sh.addPending("k1")
	sh.mu.Unlock()
	x.Kick(id)
	waitFor(t, "the action run anew and its result published", func() bool { return sh.pending() == 0 })
	b, err := x.d.Store.Get(OutcomeKey(id, ScopedKey("bump", "k1")))
	if err != nil {
		t.Fatal(err)
	}
	var kept Outcome
	if err := json.Unmarshal(b, &kept); err != nil || kept.Fencing != 2 {
		t.Fatalf("kept outcome %s (%v), want one under fencing 2", b, err)
	}
}
