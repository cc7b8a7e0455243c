package placement

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/wire"
)

type anchorSet struct {
	au   *Authority
	keys map[string]*ecdsa.PrivateKey
	seed [32]byte
}

func newAnchorSet(t testing.TB, n int) *anchorSet {
	t.Helper()
	s := &anchorSet{au: &Authority{Anchors: map[string]common.Address{}, VoteTTLMs: 30_000}, keys: map[string]*ecdsa.PrivateKey{}, seed: [32]byte{5}}
	for i := 0; i < n; i++ {
		k, _ := crypto.GenerateKey()
		id := fmt.Sprintf("anchor-%d", i)
		s.keys[id] = k
		s.au.Anchors[id] = crypto.PubkeyToAddress(k.PublicKey)
	}
	s.au.Seed = func(e uint64) ([32]byte, bool) { return s.seed, e == 1 }
	return s
}

// ranked returns the anchors in order of closeness to the instance's key.
func (s *anchorSet) ranked(id wire.InstanceID) []string {
	k := DHTKey(s.seed, id)
	var out []string
	left := s.au.Live(nil)
	for len(left) > 0 {
		r, _ := Responsible(k, left)
		out = append(out, r)
		var rest []string
		for _, a := range left {
			if a != r {
				rest = append(rest, a)
			}
		}
		left = rest
	}
	return out
}

func (s *anchorSet) record(t testing.TB, id wire.InstanceID, signer string, atMs int64, votes ...DownVote) *Record {
	t.Helper()
	r := &Record{Instance: id, Bundle: "0xab", Epoch: 1, Fencing: 1, Replicas: []string{"p"}, Executor: "p", AnchorPeer: signer, IssuedMs: atMs, Takeover: votes}
	if err := r.Sign(s.keys[signer]); err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *anchorSet) vote(t *testing.T, voter, down string, atMs int64) DownVote {
	t.Helper()
	v := DownVote{Down: down, Epoch: 1, AtMs: atMs}
	if err := v.Sign(s.keys[voter]); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestOnlyTheResponsibleAnchorSigns: a record counts only from the anchor
// responsible for its instance, or from the next one when a majority of
// the anchors certified the ones before it down near the record's time.
func TestOnlyTheResponsibleAnchorSigns(t *testing.T) {
	s := newAnchorSet(t, 3)
	id := wire.InstanceID{1, 2, 3}
	rank := s.ranked(id)
	first, second, third := rank[0], rank[1], rank[2]
	const at = 1_000_000

	if err := s.au.Check(s.record(t, id, first, at)); err != nil {
		t.Fatalf("responsible anchor refused: %v", err)
	}
	if err := s.au.Check(s.record(t, id, second, at)); !errors.Is(err, ErrNotResponsible) {
		t.Fatalf("another anchor, no takeover: %v", err)
	}
	// The signer must be the anchor the record names.
	r := s.record(t, id, first, at)
	r.AnchorPeer = second
	_ = r.Sign(s.keys[first])
	if err := s.au.Check(r); !errors.Is(err, ErrRecordSigner) {
		t.Fatalf("anchorPeer of another anchor: %v", err)
	}
	// An epoch the network does not know.
	r = s.record(t, id, first, at)
	r.Epoch = 2
	_ = r.Sign(s.keys[first])
	if err := s.au.Check(r); !errors.Is(err, ErrRecordMalformed) {
		t.Fatalf("unknown epoch: %v", err)
	}

	// Takeover by the second: two of three anchors certify the first down.
	quorum := []DownVote{s.vote(t, second, first, at-1000), s.vote(t, third, first, at-500)}
	if err := s.au.Check(s.record(t, id, second, at, quorum...)); err != nil {
		t.Fatalf("certified takeover refused: %v", err)
	}
	refused := map[string][]DownVote{
		"one vote":                     {quorum[0]},
		"one voter twice":              {quorum[0], s.vote(t, second, first, at)},
		"the down anchor's own vote":   {quorum[0], s.vote(t, first, first, at)},
		"votes too old for the record": {s.vote(t, second, first, at-40_000), s.vote(t, third, first, at-40_000)},
		"votes of another epoch": {func() DownVote {
			v := DownVote{Down: first, Epoch: 7, AtMs: at}
			_ = v.Sign(s.keys[second])
			return v
		}(), quorum[1]},
		"a forged vote": {quorum[0], func() DownVote {
			v := quorum[1]
			v.AtMs++ // the signature no longer matches
			return v
		}()},
		"a stranger's vote": {quorum[0], func() DownVote {
			k, _ := crypto.GenerateKey()
			v := DownVote{Down: first, Epoch: 1, AtMs: at}
			_ = v.Sign(k)
			return v
		}()},
	}
	for name, votes := range refused {
		if err := s.au.Check(s.record(t, id, second, at, votes...)); !errors.Is(err, ErrNotResponsible) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The third needs both before it down; with only the first down the
	// second is responsible.
	if err := s.au.Check(s.record(t, id, third, at, quorum...)); !errors.Is(err, ErrNotResponsible) {
		t.Fatalf("third with only the first down: %v", err)
	}
	// Certifying the second down needs votes from first and third, and the
	// first is down: only one vote, not a majority. A network of three
	// with two down takes nothing over.
	both := append(quorum, s.vote(t, third, second, at))
	if err := s.au.Check(s.record(t, id, third, at, both...)); !errors.Is(err, ErrNotResponsible) {
		t.Fatalf("third certified by one vote: %v", err)
	}
	// Too many votes are refused before any is checked.
	many := make([]DownVote, MaxTakeoverVotes+1)
	for i := range many {
		many[i] = quorum[0]
	}
	if err := s.au.Check(s.record(t, id, second, at, many...)); !errors.Is(err, ErrRecordMalformed) {
		t.Fatalf("%d votes: %v", len(many), err)
	}
}

// TestTakeoverByStake: with stakes, the votes' stake decides, not their
// count.
func TestTakeoverByStake(t *testing.T) {
	s := newAnchorSet(t, 4)
	id := wire.InstanceID{9}
	rank := s.ranked(id)
	s.au.Stake = map[common.Address]uint64{}
	for i, p := range rank {
		s.au.Stake[s.au.Anchors[p]] = []uint64{1, 1, 1, 5}[i]
	}
	const at = 5_000
	two := []DownVote{s.vote(t, rank[1], rank[0], at), s.vote(t, rank[2], rank[0], at)}
	if err := s.au.Check(s.record(t, id, rank[1], at, two...)); !errors.Is(err, ErrNotResponsible) {
		t.Fatalf("2 of 8 stake certified: %v", err)
	}
	heavy := []DownVote{s.vote(t, rank[3], rank[0], at)}
	if err := s.au.Check(s.record(t, id, rank[1], at, heavy...)); err != nil {
		t.Fatalf("5 of 8 stake refused: %v", err)
	}
}

// Ahead names exactly the anchors a takeover must certify down.
func TestAheadMatchesResponsible(t *testing.T) {
	s := newAnchorSet(t, 5)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		var id wire.InstanceID
		for j := range id {
			id[j] = byte(rng.IntN(256))
		}
		k := DHTKey(s.seed, id)
		rank := s.ranked(id)
		for pos, self := range rank {
			ahead := s.au.Ahead(k, self)
			if len(ahead) != pos {
				t.Fatalf("%s at rank %d has %d ahead", self, pos, len(ahead))
			}
			down := map[string]bool{}
			for _, a := range ahead {
				down[a] = true
			}
			if r, _ := Responsible(k, s.au.Live(down)); r != self {
				t.Fatalf("without the ones ahead, %s is responsible, not %s", r, self)
			}
		}
	}
}

// TestTakeoverMustBeRecent: votes count only up to the record's time and
// at most VoteTTLMs before it; a takeover seen for the first time must have
// been issued within VoteTTLMs of now, while a responsible anchor's record
// of any age is taken; Minimal attaches just enough votes.
func TestTakeoverMustBeRecent(t *testing.T) {
	s := newAnchorSet(t, 5)
	id := wire.InstanceID{4, 4}
	rank := s.ranked(id)
	const at = 10_000_000
	after := []DownVote{s.vote(t, rank[1], rank[0], at+1), s.vote(t, rank[2], rank[0], at+1), s.vote(t, rank[3], rank[0], at+1)}
	if err := s.au.Check(s.record(t, id, rank[1], at, after...)); !errors.Is(err, ErrNotResponsible) {
		t.Fatalf("votes made after the record: %v", err)
	}
	var all []DownVote
	for _, voter := range rank[1:] {
		all = append(all, s.vote(t, voter, rank[0], at-100), s.vote(t, voter, rank[0], at-50))
	}
	min := s.au.Minimal(all, 1, at, []string{rank[0]})
	if len(min) != 3 { // more than half of 5
		t.Fatalf("minimal certificate of %d votes, want 3", len(min))
	}
	rec := s.record(t, id, rank[1], at, min...)
	if err := s.au.CheckFresh(rec, at+s.au.VoteTTLMs); err != nil {
		t.Fatalf("fresh takeover refused: %v", err)
	}
	if err := s.au.CheckFresh(rec, at+s.au.VoteTTLMs+1); !errors.Is(err, ErrNotResponsible) {
		t.Fatalf("stale takeover taken: %v", err)
	}
	if err := s.au.Check(rec); err != nil {
		t.Fatalf("a takeover stays valid once taken (results carry it): %v", err)
	}
	if err := s.au.CheckFresh(s.record(t, id, rank[0], 1), at); err != nil {
		t.Fatalf("an old record of the responsible anchor: %v", err)
	}
	if got := s.au.Minimal(all[:2], 1, at, []string{rank[0]}); len(got) != 1 {
		t.Fatalf("one voter's two votes: %d attached", len(got))
	}
}
