package node

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/nodekey"
)

// TestAdvanceTurns: for every epoch the anchors' turns to start it are a
// permutation of 0..n-1 (one anchor first, every anchor some turn), and
// the order changes from epoch to epoch.
func TestAdvanceTurns(t *testing.T) {
	var keys []*nodekey.Key
	anchors := map[peer.ID]common.Address{}
	for i := 0; i < 5; i++ {
		k, _ := nodekey.Generate()
		keys = append(keys, k)
		anchors[k.PeerID()] = k.Address()
	}
	firsts := map[common.Address]bool{}
	for epoch := uint64(1); epoch <= 40; epoch++ {
		seen := map[int]bool{}
		for _, k := range keys {
			a := &advancer{n: &Node{key: k, anchors: anchors}}
			r := a.rank(epoch)
			if r < 0 || r >= len(keys) || seen[r] {
				t.Fatalf("epoch %d: rank %d repeated or out of range", epoch, r)
			}
			seen[r] = true
			if r == 0 {
				firsts[k.Address()] = true
			}
		}
	}
	if len(firsts) < 2 {
		t.Fatalf("one anchor goes first in every epoch: %v", firsts)
	}
}

// TestLaterEpochKicksOnce: records naming epochs after the node's (a
// hostile peer can send any number) are refused as unknown and ask for one
// registry read at a time: the kick is a one-slot signal, and followLoop
// reads at most once a second on kicks.
func TestLaterEpochKicksOnce(t *testing.T) {
	n := &Node{epochs: newEpochBook(3, [32]byte{3}, nil), followKick: make(chan struct{}, 1)}
	for e := uint64(4); e < 10_004; e++ {
		if _, ok := n.seedOf(e); ok {
			t.Fatalf("epoch %d known", e)
		}
	}
	if len(n.followKick) != 1 {
		t.Fatalf("%d kicks pending, want one", len(n.followKick))
	}
	<-n.followKick
	if s, ok := n.seedOf(3); !ok || s != [32]byte{3} || len(n.followKick) != 0 {
		t.Fatal("a known epoch: its seed, and no kick")
	}
	if _, ok := n.seedOf(2); ok || len(n.followKick) != 0 {
		t.Fatal("an earlier unknown epoch kicks nothing")
	}
}
