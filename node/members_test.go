package node

import (
	"testing"
	"time"
)

// TestExpectedMemberHeardBumpsVersion: a service node an anchor expects
// from its stored records (capacity unknown, so no candidate) changes the
// membership version when its first heartbeat brings its capacity, so the
// anchor plans again with it (found by smartlayer chaos: an anchor
// restarted among its service nodes kept records made with the first one
// or two that answered).
func TestExpectedMemberHeardBumpsVersion(t *testing.T) {
	ms := newMembers()
	now := time.Now()
	ms.expect(Member{Peer: "p1", Role: RoleService}, now)
	_, v0 := ms.snapshot()
	ms.seen(Member{Peer: "p1", Role: RoleService, Capacity: 100, HTTP: "http://x"}, now)
	if _, v1 := ms.snapshot(); v1 == v0 {
		t.Fatal("the first heartbeat of an expected member left the version as it was")
	}
	_, v1 := ms.snapshot()
	ms.seen(Member{Peer: "p1", Role: RoleService, Capacity: 100, HTTP: "http://x", Instances: 7}, now.Add(time.Second))
	if _, v2 := ms.snapshot(); v2 != v1 {
		t.Fatal("a heartbeat that changes nothing placement weighs changed the version")
	}
}
