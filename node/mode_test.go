package node

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TestModeBook: a service node answers the mode most anchors said lately
// (the later round on a tie), normal before any said one, and leaves out
// an anchor not heard from since, and a mode that is none.
func TestModeBook(t *testing.T) {
	now := time.Now()
	var b modeBook
	if m := b.current(now); m != "normal" {
		t.Fatalf("before any anchor: %q", m)
	}
	b.report(peer.ID("a"), "full", 3, now)
	b.report(peer.ID("b"), "full", 3, now)
	b.report(peer.ID("c"), "normal", 2, now)
	b.report(peer.ID("d"), "sideways", 9, now)
	if m := b.current(now.Add(-time.Second)); m != "full" {
		t.Fatalf("two of three say full: %q", m)
	}
	b.report(peer.ID("b"), "partial", 4, now)
	if m := b.current(now.Add(-time.Second)); m != "partial" {
		t.Fatalf("a tie goes to the later round: %q", m)
	}
	b.report(peer.ID("c"), "normal", 2, now.Add(-time.Minute))
	b.report(peer.ID("a"), "full", 3, now.Add(-time.Minute))
	if m := b.current(now.Add(-time.Second)); m != "partial" {
		t.Fatalf("anchors not heard from lately: %q", m)
	}
}
