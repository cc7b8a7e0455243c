package attengine

import (
	"encoding/binary"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
)

// The log's keys keep the bytes stores hold, and read back what went in.
func TestLogKeys(t *testing.T) {
	u64 := func(v uint64) string { return string(binary.BigEndian.AppendUint64(nil, v)) }
	addr := common.HexToAddress("0x00000000000000000000000000000000000a11ce")
	uid := attest.UID{7}
	stream := attlog.StreamID{Topic: "0xab/BA117/2026-12-01", Publisher: addr}
	streamText := stream.Topic + "\x00" + string(addr[:])
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"entry", entryKey(stream, 5), "L" + streamText + u64(5)},
		{"head", headKey(stream), "H" + streamText},
		{"topic index", topicIndexKey(stream.Topic, 6), "X" + stream.Topic + "\x00" + u64(6)},
		{"topic index prefix", topicIndexPrefix(stream.Topic), "X" + stream.Topic + "\x00"},
		{"replay", replayKey(addr.Hex() + "/" + uid.String()), "U" + addr.Hex() + "/" + uid.String()},
		{"replay value", streamBytes(stream), streamText},
		{"replay marker", replayIndexMarker(), "meta/replay-index-v1"},
	} {
		if string(c.got) != c.want {
			t.Errorf("%s key %q, want %q", c.name, c.got, c.want)
		}
	}
	if got, ok := headStream(headKey(stream)); !ok || got != stream {
		t.Errorf("head of %v read as %v", stream, got)
	}
	if got, ok := streamOf(streamBytes(stream)); !ok || got != stream {
		t.Errorf("stream %v read as %v", stream, got)
	}
	if topic, off, ok := topicIndexOf(topicIndexKey(stream.Topic, 6)); !ok || topic != stream.Topic || off != 6 {
		t.Errorf("topic index read as %q %d", topic, off)
	}
}
