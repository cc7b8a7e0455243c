package attengine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync"

	"github.com/bits-and-blooms/bloom/v3"
	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/store"
)

// attStore keeps attestation log entries in the node's Pebble store. Puts
// are synced only when sync is set (entries a node acknowledges to a
// publisher); gossiped copies can always be fetched again from the anchors.
// Its keys (entries L, heads H, the topic index X, the replay index U) are
// in keys.go.
type attStore struct {
	s    *store.Store
	sync *bool // the engine sets it around a publish
	// next takes the next offset of a topic (the engine's, under its lock).
	next func(topic string) uint64
	// seen, when set, answers "not in the replay index" from memory.
	seen *replayFilter
}

// Put stores the entry, advances its stream's head and, for an entry to
// deliver (attKey set: not a replay that raced into a second stream),
// records the attestation in the replay index and the entry at the next
// offset of its topic: one batch, one commit. The entry is stored as the
// JSON it arrived in when the decoder kept it (attlog.Entry.SetRaw).
func (a attStore) Put(e *attlog.Entry, attKey string) error {
	enc := e.Raw()
	if enc == nil {
		var err error
		if enc, err = json.Marshal(e); err != nil {
			return err
		}
	}
	head, _ := json.Marshal(attlog.Head{Seq: e.Seq, Hash: e.Hash()})
	if attKey != "" && a.seen != nil {
		// Before the write: a key in the store is always in the filter
		// (added and not written costs one store read later, no more).
		a.seen.add(attKey)
	}
	return a.s.Batch(a.sync != nil && *a.sync, func(b store.Writes) {
		b.Set(entryKey(e.ID(), e.Seq), enc)
		b.Set(headKey(e.ID()), head)
		if attKey != "" {
			b.Set(replayKey(attKey), streamBytes(e.ID()))
			if a.next != nil {
				b.Set(topicIndexKey(e.Topic, a.next(e.Topic)), binary.BigEndian.AppendUint64(append([]byte(nil), e.Publisher[:]...), e.Seq))
			}
		}
	})
}

// Holder returns the stream the replay index names for an attestation.
func (a attStore) Holder(attKey string) (attlog.StreamID, bool, error) {
	if a.seen != nil && !a.seen.may(attKey) {
		return attlog.StreamID{}, false, nil
	}
	v, err := a.s.Get(replayKey(attKey))
	if errors.Is(err, store.ErrNotFound) {
		return attlog.StreamID{}, false, nil
	}
	if err != nil {
		return attlog.StreamID{}, false, err
	}
	id, _ := streamOf(v) // a malformed value names no stream
	return id, true, nil
}

// Get returns an entry or nil.
func (a attStore) Get(id attlog.StreamID, seq uint64) (*attlog.Entry, error) {
	v, err := a.s.Get(entryKey(id, seq))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var e attlog.Entry
	return &e, json.Unmarshal(v, &e)
}

// Heads reads every stream's head.
func (a attStore) Heads() (map[attlog.StreamID]attlog.Head, error) {
	out := map[attlog.StreamID]attlog.Head{}
	err := a.s.Each(headsPrefix(), func(k, v []byte) error {
		id, ok := headStream(k)
		if !ok {
			return nil
		}
		var h attlog.Head
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		out[id] = h
		return nil
	})
	return out, err
}

// topicEntries returns the entries of a topic from offset from, at most max.
// Index keys whose entries were pruned are passed over (up to
// maxPrunedRounds batches of them a call), so a stream resumed on an old
// topic moves on.
func (a attStore) topicEntries(topic string, from uint64, max int) ([]*attlog.Entry, []uint64, error) {
	type ref struct {
		off uint64
		id  attlog.StreamID
		seq uint64
	}
	prefix := topicIndexPrefix(topic)
	if max <= 0 {
		return nil, nil, nil
	}
	var es []*attlog.Entry
	var offs []uint64
	for round := 0; round < maxPrunedRounds && len(es) == 0; round++ {
		// From the key of offset from on, and no further than max: a
		// stream resumed late, or a topic of many entries, costs what it
		// reads.
		var refs []ref
		start := binary.BigEndian.AppendUint64(bytes.Clone(prefix), from)
		err := a.s.EachFrom(prefix, start, func(k, v []byte) error {
			if len(k) != len(prefix)+8 || len(v) < 28 {
				return nil
			}
			off := binary.BigEndian.Uint64(k[len(prefix):])
			refs = append(refs, ref{off, attlog.StreamID{Topic: topic, Publisher: common.BytesToAddress(v[:20])}, binary.BigEndian.Uint64(v[20:])})
			if len(refs) >= max {
				return store.ErrStop
			}
			return nil
		})
		if err != nil || len(refs) == 0 {
			return nil, nil, err
		}
		// Read the entries after the scan: the store is not re-entered
		// while iterating.
		for _, r := range refs {
			e, err := a.Get(r.id, r.seq)
			if err != nil {
				return nil, nil, err
			}
			if e != nil {
				es = append(es, e)
				offs = append(offs, r.off)
			}
		}
		from = refs[len(refs)-1].off + 1
	}
	return es, offs, nil
}

// maxPrunedRounds bounds the batches of pruned index keys one topicEntries
// call passes over.
const maxPrunedRounds = 16

// topicOffsets returns the next offset of every indexed topic.
func (a attStore) topicOffsets() (map[string]uint64, error) {
	out := map[string]uint64{}
	err := a.s.Each(topicIndexesPrefix(), func(k, _ []byte) error {
		t, off, ok := topicIndexOf(k)
		if ok && off+1 > out[t] {
			out[t] = off + 1
		}
		return nil
	})
	return out, err
}

func commonAddress(s string) common.Address { return common.HexToAddress(s) }

// replayFilter is a Bloom filter of the replay index's keys: a new
// attestation, the common case, is found absent without reading the store
// (false positives, 1 in 100 while it is within its size, cost one read).
// Keys pruned from the store stay in it until, past its size, it is
// rebuilt from the store: four times what the store holds then, at least
// min. With network.log_retention pruning the store, the filter stays
// bounded by what the retention keeps.
type replayFilter struct {
	mu    sync.Mutex
	st    *store.Store
	f     *bloom.BloomFilter
	min   uint
	size  uint
	count uint
}

// replayFilterMin is the smallest filter's size, in keys (about 1.2 MB).
const replayFilterMin = 1 << 20

func newReplayFilter(st *store.Store) (*replayFilter, error) {
	r := &replayFilter{st: st, min: replayFilterMin}
	return r, r.rebuild(r.min)
}

// rebuild makes a filter of at least size keys (and four times what the
// store holds) from the store's replay index.
func (r *replayFilter) rebuild(size uint) error {
	// Two passes, so no copy of the keys is held: count, then add.
	var n uint
	if err := r.st.Each(replaysPrefix(), func([]byte, []byte) error { n++; return nil }); err != nil {
		return err
	}
	size = max(size, 4*n)
	f := bloom.NewWithEstimates(size, 0.01)
	n = 0
	err := r.st.Each(replaysPrefix(), func(k, _ []byte) error {
		f.Add(k[len(PrefixReplay):]) // hashed at once: the store may reuse k after
		n++
		return nil
	})
	if err != nil {
		return err
	}
	r.f, r.size, r.count = f, size, n
	return nil
}

func (r *replayFilter) add(attKey string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return
	}
	r.f.AddString(attKey)
	if r.count++; r.count > r.size {
		if err := r.rebuild(r.min); err != nil {
			r.f, r.size = nil, 0 // the store answers every question from now
		}
		if r.f != nil {
			r.f.AddString(attKey) // not written yet: the rebuild did not see it
		}
	}
}

// Stats are the keys in the filter and the count past which it is rebuilt.
func (r *replayFilter) Stats() (keys, size uint) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count, r.size
}

// may reports whether attKey may be in the replay index.
func (r *replayFilter) may(attKey string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f == nil || r.f.TestString(attKey)
}

// buildReplayIndex indexes the stored entries of a store older than the
// replay index, once.
func (a attStore) buildReplayIndex(keyOf func(*attlog.Entry) string) (int, error) {
	if _, err := a.s.Get(replayIndexMarker()); err == nil {
		return 0, nil
	}
	var keys [][2][]byte
	err := a.s.Each(entriesPrefix(), func(_, v []byte) error {
		var en attlog.Entry
		if json.Unmarshal(v, &en) != nil {
			return nil
		}
		if k := keyOf(&en); k != "" {
			keys = append(keys, [2][]byte{replayKey(k), streamBytes(en.ID())})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(keys), a.s.Batch(true, func(b store.Writes) {
		for _, kv := range keys {
			b.Set(kv[0], kv[1])
		}
		b.Set(replayIndexMarker(), []byte{1})
	})
}
