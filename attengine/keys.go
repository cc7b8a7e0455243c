package attengine

import (
	"bytes"
	"encoding/binary"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/store"
)

// The attestation log's Pebble keys (node/keys.go lists them with the
// node's own). The bytes are on disk: changing one loses what stores hold.
const (
	PrefixEntry      = "L"     // L topic 0 publisher(20) seq(8) -> an attestation-log entry (attlog.Entry JSON)
	PrefixHead       = "H"     // H topic 0 publisher(20) -> a stream's head (attlog.Head JSON)
	PrefixTopicIndex = "X"     // X topic 0 offset(8) -> publisher(20) seq(8): this node's delivery order of a topic
	PrefixReplay     = "U"     // U signer/uid -> topic 0 publisher(20): the stream that holds an attestation
	PrefixMeta       = "meta/" // meta/name -> markers of one-time migrations
)

// with is store.Key.
func with(prefix string, parts ...[]byte) []byte { return store.Key(prefix, parts...) }

// streamBytes is a stream in keys and values: topic 0 publisher. Topics
// have no NUL (attlog.CheckTopic), so one topic's keys never start
// another's.
func streamBytes(id attlog.StreamID) []byte {
	k := make([]byte, 0, len(id.Topic)+1+common.AddressLength)
	k = append(k, id.Topic...)
	k = append(k, 0)
	return append(k, id.Publisher[:]...)
}

// streamOf reads streamBytes back; false when b is not one.
func streamOf(b []byte) (attlog.StreamID, bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 || len(b) != i+1+common.AddressLength {
		return attlog.StreamID{}, false
	}
	return attlog.StreamID{Topic: string(b[:i]), Publisher: common.BytesToAddress(b[i+1:])}, true
}

// entryKey is the key of a stream's seq-th entry.
func entryKey(id attlog.StreamID, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(with(PrefixEntry, streamBytes(id)), seq)
}

func entriesPrefix() []byte { return []byte(PrefixEntry) }

// headKey is the key of a stream's head; headStream reads the stream back.
func headKey(id attlog.StreamID) []byte { return with(PrefixHead, streamBytes(id)) }

func headsPrefix() []byte { return []byte(PrefixHead) }

func headStream(key []byte) (attlog.StreamID, bool) { return streamOf(key[len(PrefixHead):]) }

// topicIndexKey is the key of the entry delivered at offset off of topic;
// topicIndexPrefix, of all of topic's.
func topicIndexKey(topic string, off uint64) []byte {
	return binary.BigEndian.AppendUint64(topicIndexPrefix(topic), off)
}

func topicIndexPrefix(topic string) []byte { return with(PrefixTopicIndex, []byte(topic), []byte{0}) }

// topicIndexesPrefix starts every topic index key.
func topicIndexesPrefix() []byte { return []byte(PrefixTopicIndex) }

// topicIndexOf reads a topic index key back; false when key is not one.
func topicIndexOf(key []byte) (topic string, off uint64, ok bool) {
	k := key[len(PrefixTopicIndex):]
	i := bytes.IndexByte(k, 0)
	if i < 0 || len(k) != i+1+8 {
		return "", 0, false
	}
	return string(k[:i]), binary.BigEndian.Uint64(k[i+1:]), true
}

// replayKey is the replay index's key of an attestation (attKey: signer/uid).
func replayKey(attKey string) []byte { return with(PrefixReplay, []byte(attKey)) }

// replaysPrefix starts every replay index key.
func replaysPrefix() []byte { return []byte(PrefixReplay) }

// AttKey names an attestation in the replay index: signer/uid.
func AttKey(s *attest.Signed) string { return s.Signer.Hex() + "/" + s.UID.String() }

// replayIndexMarker is set once the replay index covers every stored entry
// (stores written before it existed are indexed at start).
func replayIndexMarker() []byte { return []byte(PrefixMeta + "replay-index-v1") }
