package attengine

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/store"
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

// The replay filter never says "absent" for a key the store holds: not for
// keys stored before it was built, not for keys added after, not across
// the rebuilds that grow it.
func TestReplayFilterHasNoFalseNegatives(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < 50; i++ {
		_ = st.Put(replayKey(fmt.Sprintf("old-%d", i)), []byte{1})
	}
	r, err := newReplayFilter(st)
	if err != nil {
		t.Fatal(err)
	}
	r.size = 64 // small, so adding grows it
	for i := 0; i < 1000; i++ {
		k := fmt.Sprintf("new-%d", i)
		r.add(k)
		_ = st.Put(replayKey(k), []byte{1})
	}
	if r.size < 1000 {
		t.Fatalf("the filter did not grow: size %d", r.size)
	}
	for i := 0; i < 50; i++ {
		if !r.may(fmt.Sprintf("old-%d", i)) {
			t.Fatalf("old-%d: a stored key reported absent", i)
		}
	}
	for i := 0; i < 1000; i++ {
		if !r.may(fmt.Sprintf("new-%d", i)) {
			t.Fatalf("new-%d: an added key reported absent", i)
		}
	}
	absent := 0
	for i := 0; i < 1000; i++ {
		if !r.may(fmt.Sprintf("never-%d", i)) {
			absent++
		}
	}
	if absent < 900 {
		t.Fatalf("only %d of 1000 unknown keys were ruled out", absent)
	}
}

// TestReplayFilterBoundedWithPruning: keys that pruning removed from the
// store do not make the filter grow for good: each rebuild sizes it from
// what the store holds (it used to quadruple at every rebuild).
func TestReplayFilterBoundedWithPruning(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := newReplayFilter(st)
	if err != nil {
		t.Fatal(err)
	}
	r.min = 64
	if err := r.rebuild(r.min); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5000; i++ {
		k := fmt.Sprintf("k-%d", i)
		r.add(k)
		_ = st.Put(replayKey(k), []byte{1})
		if i >= 20 { // retention keeps the last 20
			_ = st.Delete(replayKey(fmt.Sprintf("k-%d", i-20)))
		}
	}
	if keys, size := r.Stats(); size > 4*64 || keys > size {
		t.Fatalf("after 5,000 keys with 20 kept: filter size %d, %d keys (want at most 256)", size, keys)
	}
	for i := 4980; i < 5000; i++ {
		if !r.may(fmt.Sprintf("k-%d", i)) {
			t.Fatalf("k-%d: a stored key reported absent", i)
		}
	}
}
