package node

import (
	"sort"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/governance"
	"github.com/smartlayer/smartlayer/wire"
)

// modeReport is what an anchor's heartbeat answer said of the network's
// verification mode.
type modeReport struct {
	mode  string
	round uint64
	at    time.Time
}

// modeBook keeps, on a service node, the mode each anchor reported last.
type modeBook struct {
	mu sync.Mutex
	m  map[peer.ID]modeReport
}

// report records an anchor's answer; a mode that is none is ignored.
func (b *modeBook) report(from peer.ID, mode string, round uint64, now time.Time) {
	if governance.CheckMode(mode) != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[peer.ID]modeReport{}
	}
	b.m[from] = modeReport{mode: mode, round: round, at: now}
}

// current is the mode most anchors heard from since since report (the
// later round on a tie); normal, the mode a network starts in, when none
// has.
func (b *modeBook) current(since time.Time) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	count := map[string]int{}
	round := map[string]uint64{}
	for _, r := range b.m {
		if r.at.Before(since) {
			continue
		}
		count[r.mode]++
		round[r.mode] = max(round[r.mode], r.round)
	}
	modes := make([]string, 0, len(count))
	for m := range count {
		modes = append(modes, m)
	}
	sort.Slice(modes, func(i, j int) bool {
		a, c := modes[i], modes[j]
		if count[a] != count[c] {
			return count[a] > count[c]
		}
		if round[a] != round[c] {
			return round[a] > round[c]
		}
		return a < c
	})
	if len(modes) == 0 {
		return governance.ModeNormal
	}
	return modes[0]
}

// routeMode is the mode a route shows and, in full fallback mode, the
// anchors to send its calls through (their HTTP URLs; empty in other
// modes): an anchor answers from its own tally and names itself; a service
// node answers what most anchors said in their heartbeat answers lately
// and names the anchors it knows up.
func (n *Node) routeMode() (string, []string) {
	via := []string{}
	if n.anchor != nil {
		mode, _ := n.anchor.mode()
		if mode == governance.ModeFull {
			via = append(via, n.httpURL)
		}
		return mode, via
	}
	mode := n.modes.current(n.now().Add(-n.downAfter()))
	if mode == governance.ModeFull {
		anchors, _ := n.network()
		for _, a := range anchors {
			if a.State == wire.StateUp && a.HTTP != "" {
				via = append(via, a.HTTP)
			}
		}
	}
	return mode, via
}
