package attlog

import (
	"bytes"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/google/btree"
)

// Storage keeps entries durably. Implementations: a Pebble store on nodes,
// a map in tests.
type Storage interface {
	// Put stores an entry and, when attKey is not empty, records in the
	// same write that the attestation attKey is in the entry's stream.
	// An entry the node acknowledges (one a publisher posted to it) must
	// be durable when Put returns; a copy that came by gossip or repair
	// may be written without waiting for the disk, because a crash that
	// loses it loses nothing the network lacks: the node fetches it again
	// from the anchors (gap repair, and the engine's anti-entropy over
	// every followed topic), and nothing applied from it was stored
	// before it (writes reach the disk in order).
	Put(e *Entry, attKey string) error
	// Holder returns the stream that holds the attestation attKey, if any:
	// the replay index, which survives restarts with the entries.
	Holder(attKey string) (StreamID, bool, error)
	// Get returns the entry at seq, or nil.
	Get(id StreamID, seq uint64) (*Entry, error)
	// Heads lists every stream with its highest stored contiguous entry.
	Heads() (map[StreamID]Head, error)
}

// Head is the end of a stream's contiguous prefix.
type Head struct {
	Seq  uint64      `json:"seq"`
	Hash common.Hash `json:"hash"`
}

// Gap is a missing range of a stream, to fetch from peers.
type Gap struct {
	Stream   StreamID
	From, To uint64 // inclusive
}

type waiting struct {
	e   *Entry
	key string
}

// Bounds of the entries a log keeps waiting behind gaps, in all streams
// together: past them an entry ahead of its stream is not kept (its gap is
// still reported, and repair fetches it in order).
const (
	MaxPendingTotal = 16_384
	MaxPendingBytes = 64 << 20
)

// pendingRef names a waiting entry in the order it came.
type pendingRef struct {
	id  StreamID
	seq uint64
	e   *Entry
}

// size is what a waiting entry holds in memory, about.
func (w waiting) size() int { return len(w.e.raw) + len(w.e.Attestation) + len(w.key) + 256 }

// Log orders entries per stream. Offer takes entries in any order and
// delivers them in sequence; entries past a gap wait (a bounded number per
// stream) until the gap is filled. Log is not safe for concurrent use: its
// owner serialises calls.
type Log struct {
	store Storage
	heads map[StreamID]Head
	// sorted holds every stream in Heads' order (topic, then publisher),
	// so a page of heads costs its length, not a sort of them all.
	sorted     *btree.BTreeG[StreamID]
	pending    map[StreamID]map[uint64]waiting
	maxPending int
	// pendingN and pendingBytes count what waits in all streams, within
	// MaxPendingTotal and MaxPendingBytes; order is the waiting entries,
	// oldest first (with some taken out since: each is checked).
	pendingN, pendingBytes int
	order                  []pendingRef
	// KeepReplays stores an entry whose attestation another stream already
	// holds, advancing its stream, without delivering it: logs that took
	// the same attestation in different streams (racing publishers)
	// converge by repair, and the attestation is applied once. Off, such an
	// entry is refused with ErrReplayed.
	KeepReplays bool
}

// New opens a log over store, resuming from the heads it holds.
func New(store Storage, maxPending int) (*Log, error) {
	heads, err := store.Heads()
	if err != nil {
		return nil, err
	}
	if maxPending <= 0 {
		maxPending = 1024
	}
	l := &Log{store: store, heads: map[StreamID]Head{}, sorted: btree.NewG(32, streamLess), pending: map[StreamID]map[uint64]waiting{}, maxPending: maxPending}
	for id, h := range heads {
		l.setHead(id, h)
	}
	return l, nil
}

// setHead moves a stream's head and indexes the stream by topic.
func (l *Log) setHead(id StreamID, h Head) {
	if _, ok := l.heads[id]; !ok {
		l.sorted.ReplaceOrInsert(id)
	}
	l.heads[id] = h
}

// Head returns a stream's head.
func (l *Log) Head(id StreamID) Head { return l.heads[id] }

// Heads returns every stream's head, sorted by stream.
func (l *Log) Heads() []StreamHead {
	heads, _ := l.HeadsPage("", nil, len(l.heads))
	return heads
}

// streamLess orders streams by topic, then publisher bytes.
func streamLess(a, b StreamID) bool {
	if a.Topic != b.Topic {
		return a.Topic < b.Topic
	}
	return bytes.Compare(a.Publisher[:], b.Publisher[:]) < 0
}

// HeadsPage returns, in Heads' order, at most limit heads of topic's
// streams ("" for every topic) that come after the stream after (nil: from
// the start), and whether more follow. The log keeps its streams sorted,
// so a page costs about its length (sorting every head for each page, as
// before, made paging through many streams quadratic, under the engine's
// lock).
func (l *Log) HeadsPage(topic string, after *StreamID, limit int) (page []StreamHead, more bool) {
	from := StreamID{Topic: topic}
	if after != nil && streamLess(from, *after) {
		from = *after
	}
	l.sorted.AscendGreaterOrEqual(from, func(id StreamID) bool {
		if topic != "" && id.Topic != topic {
			return false
		}
		if after != nil && !streamLess(*after, id) {
			return true // after itself
		}
		if len(page) == limit {
			more = true
			return false
		}
		page = append(page, StreamHead{Topic: id.Topic, Publisher: id.Publisher, Head: l.heads[id]})
		return true
	})
	return page, more
}

// StreamHead is a head with its stream.
type StreamHead struct {
	Topic     string         `json:"topic"`
	Publisher common.Address `json:"publisher"`
	Head
}

// StreamID is the head's stream.
func (h StreamHead) StreamID() StreamID { return StreamID{Topic: h.Topic, Publisher: h.Publisher} }

// Offer takes a verified entry (see Entry.Verify). It returns the entries
// now deliverable, in order (the offered one and any it unblocked); a gap
// when the entry is ahead of its stream; ErrFork when it contradicts the
// stream; nothing for a duplicate. attKey identifies the attestation (its
// signer and UID) for replay detection; "" skips it.
func (l *Log) Offer(e *Entry, attKey string) (delivered []*Entry, gap *Gap, err error) {
	id := e.ID()
	h := l.heads[id]
	switch {
	case e.Seq <= h.Seq:
		stored, err := l.store.Get(id, e.Seq)
		if err != nil {
			return nil, nil, err
		}
		if stored != nil && !sameEntry(stored, e) {
			return nil, nil, fmt.Errorf("%w: %s seq %d differs from the stored entry", ErrFork, id, e.Seq)
		}
		return nil, nil, nil // duplicate
	case e.Seq > h.Seq+1:
		gap := &Gap{Stream: id, From: h.Seq + 1, To: e.Seq - 1}
		p := l.pending[id]
		if old, ok := p[e.Seq]; ok {
			if !sameEntry(old.e, e) {
				return nil, nil, fmt.Errorf("%w: %s seq %d offered twice, differently", ErrFork, id, e.Seq)
			}
			return nil, gap, nil // waiting already
		}
		w := waiting{e, attKey}
		if len(p) >= l.maxPending || w.size() > MaxPendingBytes {
			gap.To = e.Seq // not kept: repair fetches it with the gap
			return nil, gap, nil
		}
		// Room across streams: the oldest waiting entries go (the gap
		// their stream reports at its next entry, or anti-entropy, brings
		// them back), so no one can pin the room for good.
		for l.pendingN >= MaxPendingTotal || l.pendingBytes+w.size() > MaxPendingBytes {
			l.evictOldest()
		}
		if p == nil {
			p = map[uint64]waiting{}
			l.pending[id] = p
		}
		p[e.Seq] = w
		l.pendingN++
		l.pendingBytes += w.size()
		l.order = append(l.order, pendingRef{id, e.Seq, e})
		return nil, gap, nil
	}
	// e.Seq == h.Seq+1
	if e.Prev != h.Hash {
		return nil, nil, fmt.Errorf("%w: %s seq %d says prev %s, the stream has %s", ErrFork, id, e.Seq, e.Prev, h.Hash)
	}
	replayed := false
	if attKey != "" {
		other, ok, err := l.store.Holder(attKey)
		if err != nil {
			return nil, nil, err
		}
		if ok && !l.KeepReplays {
			return nil, nil, fmt.Errorf("%w: %s is already in %s", ErrReplayed, attKey, other)
		}
		replayed = ok
	}
	indexKey := attKey
	if replayed {
		indexKey = "" // the index keeps the stream that has it first
	}
	if err := l.store.Put(e, indexKey); err != nil {
		return nil, nil, err
	}
	l.setHead(id, Head{Seq: e.Seq, Hash: e.Hash()})
	if !replayed {
		delivered = append(delivered, e)
	}
	// Drain what was waiting behind it.
	for p := l.pending[id]; p != nil; {
		next, ok := p[l.heads[id].Seq+1]
		if !ok {
			break
		}
		l.unpend(id, p, next.e.Seq)
		more, _, err := l.Offer(next.e, next.key)
		if err != nil {
			return delivered, nil, err
		}
		delivered = append(delivered, more...)
	}
	return delivered, nil, nil
}

// Skip moves a stream's head forward to seq-1 with hash prev, as when the
// entries before seq were pruned by retention everywhere. It never moves a
// head back. The next entry offered must be seq, chained to prev.
func (l *Log) Skip(id StreamID, seq uint64, prev common.Hash) {
	if seq == 0 || l.heads[id].Seq >= seq-1 {
		return
	}
	l.setHead(id, Head{Seq: seq - 1, Hash: prev})
	p := l.pending[id]
	for s := range p {
		if s < seq {
			l.unpend(id, p, s)
		}
	}
}

// evictOldest drops the oldest waiting entry.
func (l *Log) evictOldest() {
	for len(l.order) > 0 {
		r := l.order[0]
		l.order = l.order[1:]
		if p := l.pending[r.id]; p != nil && p[r.seq].e == r.e {
			l.unpend(r.id, p, r.seq)
			return
		}
	}
}

// unpend takes seq out of stream id's waiting entries p.
func (l *Log) unpend(id StreamID, p map[uint64]waiting, seq uint64) {
	w, ok := p[seq]
	if !ok {
		return
	}
	delete(p, seq)
	l.pendingN--
	l.pendingBytes -= w.size()
	if len(p) == 0 {
		delete(l.pending, id)
	}
	if len(l.order) > 2*l.pendingN+64 {
		// Most of order was taken out: keep the live ones, in order.
		live := make([]pendingRef, 0, l.pendingN)
		for _, r := range l.order {
			if q := l.pending[r.id]; q != nil && q[r.seq].e == r.e {
				live = append(live, r)
			}
		}
		l.order = live
	}
}

// Seen reports whether the attestation key is already in some stream (a
// store that cannot tell counts as seen: refusing is the safe answer).
func (l *Log) Seen(attKey string) bool {
	_, ok, err := l.store.Holder(attKey)
	return ok || err != nil
}

// Range returns stored entries from..to of a stream (to capped at the head).
func (l *Log) Range(id StreamID, from, to uint64) ([]*Entry, error) {
	h := l.heads[id]
	if to > h.Seq {
		to = h.Seq
	}
	if from == 0 {
		from = 1
	}
	var out []*Entry
	for s := from; s <= to; s++ {
		e, err := l.store.Get(id, s)
		if err != nil {
			return nil, err
		}
		if e == nil {
			if len(out) == 0 {
				continue // pruned by retention: serve from what is left
			}
			break
		}
		out = append(out, e)
	}
	return out, nil
}

// sameEntry compares two entries of one stream and seq: equal signatures
// and attestations are the same entry (the cheap, common case of a
// duplicate); otherwise the hashes decide.
func sameEntry(a, b *Entry) bool {
	if string(a.Signature) == string(b.Signature) && string(a.Attestation) == string(b.Attestation) && a.Prev == b.Prev {
		return true
	}
	return a.Hash() == b.Hash()
}
