package p2p

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/smartlayer/smartlayer/transport"
)

// A request travels as one frame (a 4-byte big-endian length, then the
// request's JSON) and is answered by one frame holding an envelope.
type envelope struct {
	Error string          `json:"error,omitempty"`
	Body  json.RawMessage `json:"body,omitempty"`
}

func writeFrame(w io.Writer, b []byte) error {
	if len(b) > transport.MaxMessage {
		return fmt.Errorf("message of %d bytes exceeds %d", len(b), transport.MaxMessage)
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

func readFrame(r io.Reader, max uint32) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > max {
		return nil, fmt.Errorf("message of %d bytes exceeds %d", n, max)
	}
	// Read what arrives rather than allocate the declared length up front:
	// a peer that declares 16 MiB and sends nothing holds nothing.
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, err
	}
	if len(b) != int(n) {
		return nil, io.ErrUnexpectedEOF
	}
	return b, nil
}

// SetHandler answers proto on a stream per request. A stream from a peer
// allow refuses is reset before anything is read, and so is a request
// past maxRequest bytes.
func (h *Host) SetHandler(proto transport.Protocol, maxRequest uint32, allow func(PeerID) bool, fn transport.RawHandler) {
	h.h.SetStreamHandler(proto, func(s network.Stream) {
		if allow != nil && !allow(s.Conn().RemotePeer()) {
			_ = s.Reset()
			return
		}
		_ = s.SetDeadline(time.Now().Add(transport.StreamTimeout))
		req, err := readFrame(bufio.NewReader(s), maxRequest)
		if err != nil {
			_ = s.Reset()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), transport.StreamTimeout)
		defer cancel()
		resp, err := fn(ctx, s.Conn().RemotePeer(), req)
		var env envelope
		if err != nil {
			env.Error = transport.CutError(err.Error())
		} else {
			env.Body = resp
		}
		b, err := json.Marshal(&env)
		if err == nil {
			err = writeFrame(s, b)
		}
		if err != nil {
			_ = s.Reset()
			return
		}
		_ = s.Close()
	})
}

// Request opens a stream to a peer on proto, sends req and reads the answer
// (its frame refused past maxAnswer bytes, unread).
func (h *Host) Request(ctx context.Context, to PeerID, proto transport.Protocol, req []byte, maxAnswer uint32) ([]byte, error) {
	s, err := h.h.NewStream(ctx, to, proto)
	if err != nil {
		return nil, fmt.Errorf("open %s to %s: %w: %w", proto, to, transport.ErrUnreachable, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	if err := writeFrame(s, req); err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("%s to %s: send: %w", proto, to, err)
	}
	_ = s.CloseWrite()
	b, err := readFrame(bufio.NewReader(s), min(maxAnswer, transport.MaxMessage))
	if err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("%s to %s: receive: %w", proto, to, err)
	}
	_ = s.Close()
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("%s to %s: decode: %w", proto, to, err)
	}
	if env.Error != "" {
		return nil, transport.RemoteError(to, env.Error)
	}
	return env.Body, nil
}
