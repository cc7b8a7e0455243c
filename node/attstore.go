package node

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"

	"github.com/cockroachdb/pebble"
	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/store"
)

// attStore keeps attestation log entries in the node's Pebble store. Puts
// are synced only when sync is set (entries a node acknowledges to a
// publisher); gossiped copies can always be fetched again from the anchors.
//
//	L topic 0 publisher seq  -> entry JSON
//	H topic 0 publisher      -> head {seq, hash}
//	X topic 0 offset         -> publisher seq   (this node's delivery order, for streams)
type attStore struct {
	s    *store.Store
	sync *bool // the engine sets it around a publish
}

func streamKey(prefix byte, id attlog.StreamID) []byte {
	k := make([]byte, 0, 1+len(id.Topic)+1+20+8)
	k = append(k, prefix)
	k = append(k, id.Topic...)
	k = append(k, 0)
	return append(k, id.Publisher[:]...)
}

func entryKey(id attlog.StreamID, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(streamKey('L', id), seq)
}

func topicIndexKey(topic string, off uint64) []byte {
	k := append([]byte{'X'}, topic...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, off)
}

// Put stores the entry and advances its stream's head, synced.
func (a attStore) Put(e *attlog.Entry) error {
	enc, err := json.Marshal(e)
	if err != nil {
		return err
	}
	head, _ := json.Marshal(attlog.Head{Seq: e.Seq, Hash: e.Hash()})
	return a.s.Batch(a.sync != nil && *a.sync, func(b *pebble.Batch) {
		_ = b.Set(entryKey(e.ID(), e.Seq), enc, nil)
		_ = b.Set(streamKey('H', e.ID()), head, nil)
	})
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
	err := a.s.Each([]byte{'H'}, func(k, v []byte) error {
		i := bytes.IndexByte(k, 0)
		if i < 0 || len(k) != i+1+20 {
			return nil
		}
		var h attlog.Head
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		out[attlog.StreamID{Topic: string(k[1:i]), Publisher: common.BytesToAddress(k[i+1:])}] = h
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
	prefix := append(append([]byte{'X'}, topic...), 0)
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
	err := a.s.Each([]byte{'X'}, func(k, _ []byte) error {
		i := bytes.IndexByte(k, 0)
		if i < 0 || len(k) != i+9 {
			return nil
		}
		off := binary.BigEndian.Uint64(k[i+1:])
		if t := string(k[1:i]); off+1 > out[t] {
			out[t] = off + 1
		}
		return nil
	})
	return out, err
}

func commonAddress(s string) common.Address { return common.HexToAddress(s) }
