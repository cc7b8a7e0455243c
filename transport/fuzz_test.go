package transport

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzFrame: any bytes a peer sends on a stream are read as one frame
// within the limit or refused, without a panic and without allocating more
// than arrived; a frame read whole decodes as an envelope or is refused.
func FuzzFrame(f *testing.F) {
	var good bytes.Buffer
	_ = WriteFrame(&good, []byte(`{"body":{"ok":true}}`))
	f.Add(good.Bytes(), uint32(1024))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint32(1<<24))
	f.Add([]byte{0, 0, 0, 5, 'a'}, uint32(16))
	f.Add([]byte{}, uint32(0))
	f.Fuzz(func(t *testing.T, in []byte, max uint32) {
		max %= 1 << 24
		b, err := ReadFrame(bytes.NewReader(in), max)
		if err != nil {
			return
		}
		if uint32(len(b)) > max || len(b) > len(in) {
			t.Fatalf("read %d bytes from %d with a limit of %d", len(b), len(in), max)
		}
		var again bytes.Buffer
		if err := WriteFrame(&again, b); err != nil || !bytes.Equal(again.Bytes(), in[:4+len(b)]) {
			t.Fatalf("the frame does not write back as it came: %v", err)
		}
		var e Envelope
		_ = json.Unmarshal(b, &e)
	})
}
