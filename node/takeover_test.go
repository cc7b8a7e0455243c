package node

import (
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
)

// TestDownVotesRefused: down votes another anchor replicates are checked
// before any is kept: too many, forged, from a stranger, on a peer outside
// the anchor set, or of another epoch are each refused (and none is kept).
func TestDownVotesRefused(t *testing.T) {
	self, _ := nodekey.Generate()
	other, _ := nodekey.Generate()
	n := testNode(t, RoleAnchor, self, func(c *Config) {
		c.Network.Anchors = []string{self.PeerID().String(), other.PeerID().String()}
	})
	at := time.Now().UnixMilli()
	vote := func(k *nodekey.Key, down string, epoch uint64) placement.DownVote {
		v := placement.DownVote{Down: down, Epoch: epoch, AtMs: at}
		if err := v.Sign(k.ECDSA); err != nil {
			t.Fatal(err)
		}
		return v
	}
	good := vote(other, self.PeerID().String(), n.cfg.Network.Epoch)
	forged := good
	forged.AtMs++
	stranger, _ := nodekey.Generate()
	many := make([]placement.DownVote, placement.MaxTakeoverVotes+1)
	for i := range many {
		many[i] = good
	}
	for name, c := range map[string]struct {
		votes []placement.DownVote
		want  string
	}{
		"too many":         {many, "limit"},
		"forged":           {[]placement.DownVote{forged}, "signed by"},
		"stranger":         {[]placement.DownVote{vote(stranger, self.PeerID().String(), n.cfg.Network.Epoch)}, "not an anchor with stake"},
		"outside the set":  {[]placement.DownVote{vote(other, stranger.PeerID().String(), n.cfg.Network.Epoch)}, "not an anchor"},
		"another epoch":    {[]placement.DownVote{vote(other, self.PeerID().String(), n.cfg.Network.Epoch+1)}, "epoch"},
		"on its own voter": {[]placement.DownVote{vote(other, other.PeerID().String(), n.cfg.Network.Epoch)}, "on itself"},
	} {
		err := n.anchor.addDownVotes(c.votes)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", name, err, c.want)
		}
	}
	if len(n.anchor.down) != 0 {
		t.Fatalf("refused votes were kept: %v", n.anchor.down)
	}
	// A good vote beside a forged one: the batch is refused whole.
	if err := n.anchor.addDownVotes([]placement.DownVote{good, forged}); err == nil || len(n.anchor.down) != 0 {
		t.Fatalf("a batch with a forged vote: %v, kept %v", err, n.anchor.down)
	}
	if err := n.anchor.addDownVotes([]placement.DownVote{good}); err != nil {
		t.Fatalf("a good vote: %v", err)
	}
	if len(n.anchor.down[self.PeerID().String()]) != 1 {
		t.Fatal("the good vote was not kept")
	}
}
