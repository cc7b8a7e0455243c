package p2p

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/smartlayer/smartlayer/transport"
)

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
		req, err := transport.ReadFrame(bufio.NewReader(s), maxRequest)
		if err != nil {
			_ = s.Reset()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), transport.StreamTimeout)
		defer cancel()
		resp, err := fn(ctx, s.Conn().RemotePeer(), req)
		var env transport.Envelope
		if err != nil {
			env.Error = transport.CutError(err.Error())
		} else {
			env.Body = resp
		}
		b, err := json.Marshal(&env)
		if err == nil {
			err = transport.WriteFrame(s, b)
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
	if err := transport.WriteFrame(s, req); err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("%s to %s: send: %w", proto, to, err)
	}
	_ = s.CloseWrite()
	b, err := transport.ReadFrame(bufio.NewReader(s), min(maxAnswer, transport.MaxMessage))
	if err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("%s to %s: receive: %w", proto, to, err)
	}
	_ = s.Close()
	var env transport.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("%s to %s: decode: %w", proto, to, err)
	}
	if env.Error != "" {
		return nil, transport.RemoteError(to, env.Error)
	}
	return env.Body, nil
}
