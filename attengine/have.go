package attengine

import (
	"context"
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/transport"
)

// Service nodes publish entries of their own (an executor's action results,
// its failure reports) by gossip, and anchors keep them; but no one repairs
// from a service node, so an entry whose gossip never reached an anchor (the
// node killed as it published, or cut off) would live on the node and on the
// replicas that happened to hear it, and the others would never apply it.
// So a service node tells the anchors, each anti-entropy round, how far its
// own streams go, until every anchor holds them; an anchor that lacks some
// fetches them from the node (as a repair: checked like any entry).

// protoHave is the service nodes' "I have my streams up to here" to anchors.
const protoHave = "/smartlayer/attlog-have/1.0.0"

// maxHave bounds the streams one Have names.
const maxHave = 256

// Have lists streams of the caller's own (its address the publisher), with
// its heads.
type Have struct {
	Heads []attlog.StreamHead `json:"heads"`
}

// HaveAck answers with the anchor's head of each, in order.
type HaveAck struct {
	Seqs []uint64 `json:"seqs"`
}

// ownPushed remembers, per own stream, the seq every anchor acknowledged.
type ownPushed struct {
	mu    sync.Mutex
	acked map[attlog.StreamID]uint64
}

// serveHave answers a node's Have: its own streams only; what this anchor
// lacks it fetches from the node in the background.
func (e *Engine) serveHave(_ context.Context, from transport.PeerID, req *Have) (*HaveAck, error) {
	addr, err := nodekey.AddressOfPeer(from)
	if err != nil {
		return nil, err
	}
	out := &HaveAck{Seqs: make([]uint64, 0, min(len(req.Heads), maxHave))}
	for i, h := range req.Heads {
		if i == maxHave {
			break
		}
		if h.Publisher != addr || attlog.CheckTopic(h.Topic) != nil {
			out.Seqs = append(out.Seqs, 0) // not the caller's stream: not fetched
			continue
		}
		id := attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}
		e.mu.Lock()
		mine := e.log.Head(id).Seq
		e.mu.Unlock()
		out.Seqs = append(out.Seqs, mine)
		if mine < h.Seq {
			e.repairFromAsync(from, id, mine+1, h.Seq)
		}
	}
	return out, nil
}

// repairFromAsync fetches a range from one peer in the background, at most
// once a second per stream.
func (e *Engine) repairFromAsync(p peer.ID, id attlog.StreamID, from, to uint64) {
	if e.repairDue(id) {
		e.d.Spawn(func() { e.repairFrom(p, id, from, to) })
	}
}

// pushOwn tells every anchor how far this node's own streams go, for the
// streams some anchor has not acknowledged up to their heads.
func (e *Engine) pushOwn() {
	me, err := nodekey.AddressOfPeer(e.d.Host.ID())
	if err != nil {
		return
	}
	e.mu.Lock()
	all := e.log.Heads()
	e.mu.Unlock()
	e.own.mu.Lock()
	var todo []attlog.StreamHead
	for _, h := range all {
		id := attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}
		if h.Publisher == me && e.own.acked[id] < h.Seq {
			todo = append(todo, h)
		}
	}
	e.own.mu.Unlock()
	for len(todo) > 0 {
		batch := todo[:min(len(todo), maxHave)]
		todo = todo[len(batch):]
		least := make([]uint64, len(batch))
		for i := range least {
			least[i] = batch[i].Seq
		}
		for _, a := range e.peersToAsk() {
			ctx, cancel := context.WithTimeout(e.ctx, transport.StreamTimeout)
			ack, err := transport.CallMax[Have, HaveAck](ctx, e.d.Host, a, protoHave, &Have{Heads: batch}, transport.SmallAnswer)
			cancel()
			for i := range least {
				switch {
				case err != nil || i >= len(ack.Seqs):
					least[i] = 0
				default:
					least[i] = min(least[i], ack.Seqs[i])
				}
			}
		}
		e.own.mu.Lock()
		for i, h := range batch {
			id := attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}
			if least[i] > e.own.acked[id] {
				e.own.acked[id] = least[i]
			}
		}
		e.own.mu.Unlock()
	}
}
