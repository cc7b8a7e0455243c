package transport

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// Envelope is an answer on a request stream: an error or a body. A request
// travels as one frame (a 4-byte big-endian length, then the request's
// JSON) and is answered by one frame holding an envelope.
type Envelope struct {
	Error string          `json:"error,omitempty"`
	Body  json.RawMessage `json:"body,omitempty"`
}

// WriteFrame writes b as one frame; past MaxMessage it refuses.
func WriteFrame(w io.Writer, b []byte) error {
	if len(b) > MaxMessage {
		return fmt.Errorf("message of %d bytes exceeds %d", len(b), MaxMessage)
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

// ReadFrame reads one frame of at most max bytes. It reads what arrives
// rather than allocate the declared length up front: a peer that declares
// 16 MiB and sends nothing holds nothing.
func ReadFrame(r io.Reader, max uint32) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > max {
		return nil, fmt.Errorf("message of %d bytes exceeds %d", n, max)
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, err
	}
	if len(b) != int(n) {
		return nil, io.ErrUnexpectedEOF
	}
	return b, nil
}
