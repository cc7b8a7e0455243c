package attengine

import (
	"encoding/binary"
	"encoding/json"
	"errors"

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
}

// Put stores the entry, advances its stream's head and records the
// attestation in the replay index, in one batch.
func (a attStore) Put(e *attlog.Entry, attKey string) error {
	enc, err := json.Marshal(e)
	if err != nil {
		return err
	}
	head, _ := json.Marshal(attlog.Head{Seq: e.Seq, Hash: e.Hash()})
	return a.s.Batch(a.sync != nil && *a.sync, func(b store.Writes) {
		b.Set(entryKey(e.ID(), e.Seq), enc)
		b.Set(headKey(e.ID()), head)
		if attKey != "" {
			b.Set(replayKey(attKey), streamBytes(e.ID()))
		}
	})
}

// Holder returns the stream the replay index names for an attestation.
func (a attStore) Holder(attKey string) (attlog.StreamID, bool, error) {
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

// indexTopic records that the entry was delivered at offset off of its topic.
func (a attStore) indexTopic(e *attlog.Entry, off uint64) error {
	v := binary.BigEndian.AppendUint64(append([]byte(nil), e.Publisher[:]...), e.Seq)
	return a.s.PutNoSync(topicIndexKey(e.Topic, off), v)
}

// topicEntries returns the entries of a topic from offset from, at most max.
func (a attStore) topicEntries(topic string, from uint64, max int) ([]*attlog.Entry, []uint64, error) {
	type ref struct {
		off uint64
		id  attlog.StreamID
		seq uint64
	}
	var refs []ref
	prefix := topicIndexPrefix(topic)
	err := a.s.Each(prefix, func(k, v []byte) error {
		off := binary.BigEndian.Uint64(k[len(prefix):])
		if off >= from && len(refs) < max {
			refs = append(refs, ref{off, attlog.StreamID{Topic: topic, Publisher: common.BytesToAddress(v[:20])}, binary.BigEndian.Uint64(v[20:])})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	// Read the entries after the scan: the store is not re-entered while iterating.
	var es []*attlog.Entry
	var offs []uint64
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
	return es, offs, nil
}

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
