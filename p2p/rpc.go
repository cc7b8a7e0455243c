package p2p

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Protocol IDs of the network's request/response protocols.
const (
	ProtoHeartbeat = protocol.ID("/smartlayer/heartbeat/1.0.0")
	ProtoBundle    = protocol.ID("/smartlayer/bundle/1.0.0")
	ProtoReplicate = protocol.ID("/smartlayer/replicate/1.0.0")
	ProtoAssign    = protocol.ID("/smartlayer/assign/1.0.0")
)

// MaxMessage caps one framed message.
const MaxMessage = 16 << 20

// maxRemoteError bounds the error text a handler's answer carries.
const maxRemoteError = 512

// StreamTimeout bounds every request/response exchange.
const StreamTimeout = 10 * time.Second

// ErrRemote is returned when the remote handler answered with an error.
var ErrRemote = errors.New("remote error")

type envelope struct {
	Error string          `json:"error,omitempty"`
	Body  json.RawMessage `json:"body,omitempty"`
}

func writeFrame(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > MaxMessage {
		return fmt.Errorf("message of %d bytes exceeds %d", len(b), MaxMessage)
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func readFrame(r io.Reader, v any, max uint32) error {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > max {
		return fmt.Errorf("message of %d bytes exceeds %d", n, max)
	}
	// Read what arrives rather than allocate the declared length up front:
	// a peer that declares 16 MiB and sends nothing holds nothing.
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return err
	}
	if len(b) != int(n) {
		return io.ErrUnexpectedEOF
	}
	return json.Unmarshal(b, v)
}

// Handler answers one request from a peer.
type Handler[Req, Resp any] func(ctx context.Context, from PeerID, req *Req) (*Resp, error)

// Handle registers a JSON request/response handler for proto whose requests
// may be as large as MaxMessage.
func Handle[Req, Resp any](h *Host, proto protocol.ID, fn Handler[Req, Resp]) {
	HandleMax(h, proto, MaxMessage, fn)
}

// HandleMax registers a handler whose requests are refused (the stream
// reset) past maxRequest bytes, before they are read: a heartbeat or a
// sample request is small, and a peer must not make a node buffer 16 MiB
// of one.
func HandleMax[Req, Resp any](h *Host, proto protocol.ID, maxRequest uint32, fn Handler[Req, Resp]) {
	HandleFrom(h, proto, maxRequest, nil, fn)
}

// HandleFrom is HandleMax for a protocol only some peers may speak (anchors,
// admitted service nodes): a stream from any other peer is reset before
// anything is read. allow nil allows every peer.
func HandleFrom[Req, Resp any](h *Host, proto protocol.ID, maxRequest uint32, allow func(PeerID) bool, fn Handler[Req, Resp]) {
	h.SetStreamHandler(proto, func(s network.Stream) {
		if allow != nil && !allow(s.Conn().RemotePeer()) {
			_ = s.Reset()
			return
		}
		_ = s.SetDeadline(time.Now().Add(StreamTimeout))
		var req Req
		if err := readFrame(bufio.NewReader(s), &req, maxRequest); err != nil {
			_ = s.Reset()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), StreamTimeout)
		defer cancel()
		resp, err := fn(ctx, s.Conn().RemotePeer(), &req)
		var env envelope
		if err != nil {
			// Peers get at most maxRemoteError bytes of a handler's error.
			if env.Error = err.Error(); len(env.Error) > maxRemoteError {
				env.Error = env.Error[:maxRemoteError] + "…"
			}
		} else if env.Body, err = json.Marshal(resp); err != nil {
			env.Error = "encode response: " + err.Error()
		}
		if err := writeFrame(s, &env); err != nil {
			_ = s.Reset()
			return
		}
		_ = s.Close()
	})
}

// Call sends req to peer on proto and decodes the answer into resp.
func Call[Req, Resp any](ctx context.Context, h *Host, to PeerID, proto protocol.ID, req *Req) (*Resp, error) {
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	s, err := h.NewStream(ctx, to, proto)
	if err != nil {
		return nil, fmt.Errorf("open %s to %s: %w", proto, to, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	if err := writeFrame(s, req); err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("%s to %s: send: %w", proto, to, err)
	}
	_ = s.CloseWrite()
	var env envelope
	if err := readFrame(bufio.NewReader(s), &env, MaxMessage); err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("%s to %s: receive: %w", proto, to, err)
	}
	_ = s.Close()
	if env.Error != "" {
		return nil, fmt.Errorf("%w: %s: %s", ErrRemote, to, env.Error)
	}
	resp := new(Resp)
	if err := json.Unmarshal(env.Body, resp); err != nil {
		return nil, fmt.Errorf("%s to %s: decode: %w", proto, to, err)
	}
	return resp, nil
}
