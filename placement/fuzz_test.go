package placement

import (
	"encoding/json"
	"testing"

	"github.com/smartlayer/smartlayer/wire"
)

// FuzzRecord: any bytes offered as a placement record (a DHT value, an
// assignment, a route answer) decode and are checked against the anchor
// set without a panic; only a record its responsible anchor signed, or a
// certified takeover, passes, and a change to it after signing fails.
func FuzzRecord(f *testing.F) {
	s := newAnchorSet(f, 3)
	id := wire.InstanceID{7}
	signer := s.ranked(id)[0]
	good := s.record(f, id, signer, 1_000)
	b, _ := json.Marshal(good)
	f.Add(b)
	other := s.record(f, id, s.ranked(id)[1], 1_000, DownVote{Down: signer, Epoch: 1, AtMs: 900})
	b, _ = json.Marshal(other)
	f.Add(b)
	f.Add([]byte(`{"replicas":["p"],"executor":"p","takeover":[{}]}`))
	f.Add([]byte(`{"replicas":[],"executor":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRecord(b)
		if err != nil {
			return
		}
		if s.au.Check(r) != nil {
			return
		}
		// It passed: it is signed by an anchor of the set for this epoch,
		// and any change to a signed field breaks it.
		if !s.au.IsAnchor(r.Anchor) || r.Epoch != 1 {
			t.Fatalf("a record passed from %s in epoch %d", r.Anchor, r.Epoch)
		}
		r.Fencing++
		if s.au.Check(r) == nil {
			t.Fatal("a record changed after signing still passes")
		}
	})
}

// FuzzDownVote: any bytes offered as a down vote decode and are judged
// without a panic; a valid one names anchors of the set and its signer.
func FuzzDownVote(f *testing.F) {
	s := newAnchorSet(f, 3)
	v := DownVote{Down: "anchor-0", Epoch: 1, AtMs: 5}
	if err := v.Sign(s.keys["anchor-1"]); err != nil {
		f.Fatal(err)
	}
	b, _ := json.Marshal(v)
	f.Add(b)
	f.Add([]byte(`{"down":"anchor-0","voter":"0x0000000000000000000000000000000000000001","signature":"0x00"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var v DownVote
		if json.Unmarshal(b, &v) != nil {
			return
		}
		if s.au.VoteValid(v) != nil {
			return
		}
		if _, ok := s.au.Anchors[v.Down]; !ok || !s.au.IsAnchor(v.Voter) {
			t.Fatalf("a valid vote %+v outside the set", v)
		}
		v.AtMs++
		if s.au.VoteValid(v) == nil {
			t.Fatal("a vote changed after signing is still valid")
		}
	})
}
