package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/wire"
)

// Topics is the node's attestation log (attengine.Engine, with the
// anchor's sequencing key).
type Topics interface {
	// Publish takes a publisher-signed entry from a client (anchors).
	Publish(ctx context.Context, data []byte, fromClient bool) (*attlog.Entry, error)
	// Sequence makes the next entry of this anchor's own stream on topic
	// for an attestation; ErrNotSequencing when it has no publisher key.
	Sequence(topic string, att json.RawMessage) ([]byte, error)
	// TopicHeadsPage is at most limit heads of a topic's streams after
	// the stream after (nil: from the first), and whether more follow.
	TopicHeadsPage(topic string, after *attlog.StreamID, limit int) ([]attlog.StreamHead, bool)
	// Head is one stream's head (Seq 0: none).
	Head(id attlog.StreamID) attlog.Head
	// WaitTopic is closed at the topic's next delivery.
	WaitTopic(topic string) <-chan struct{}
	// TopicEntries are a topic's entries in this node's delivery order
	// from offset from, at most max, with their offsets.
	TopicEntries(topic string, from uint64, max int) ([]*attlog.Entry, []uint64, error)
}

// ErrNotSequencing: the anchor has no publisher key to sequence with.
var ErrNotSequencing = errors.New("this anchor has no publisher key (network.publisher_key): send a signed entry")

// publish takes a publisher-signed log entry, or on an anchor that
// sequences, a topic and an attestation. 201 means it is on disk on this
// anchor and gossiped; the anchors' repair makes it reach every subscriber.
func (h *handlers) publish(w http.ResponseWriter, r *http.Request) {
	body, ok := httpapi.Body(w, r, h.d.MaxBody)
	if !ok {
		return
	}
	var probe struct {
		Topic       string          `json:"topic"`
		Attestation json.RawMessage `json:"attestation"`
		Signature   string          `json:"signature"`
	}
	if json.Unmarshal(body, &probe) == nil && probe.Signature == "" && len(probe.Attestation) > 0 {
		seq, err := h.d.Topics.Sequence(probe.Topic, probe.Attestation)
		if errors.Is(err, ErrNotSequencing) {
			httpapi.Error(w, r, http.StatusBadRequest, "not-sequencing", err.Error())
			return
		}
		if err != nil {
			httpapi.Error(w, r, http.StatusBadRequest, "bad-entry", err.Error())
			return
		}
		body = seq
	}
	en, err := h.d.Topics.Publish(r.Context(), body, true)
	if errors.Is(err, attengine.ErrPublisherRate) {
		h.d.Refused("publisher-rate")
		httpapi.TooMany(w, r, "rate-limited", "too many entries from this publisher; retry later", time.Second)
		return
	}
	if err != nil {
		status, code := http.StatusUnprocessableEntity, "invalid-entry"
		switch {
		case errors.Is(err, attlog.ErrBadEntry), errors.Is(err, attest.ErrMalformed), errors.Is(err, attlog.ErrTopic):
			status, code = http.StatusBadRequest, "bad-entry"
		case errors.Is(err, attlog.ErrFork):
			status, code = http.StatusConflict, "fork"
		case errors.Is(err, attlog.ErrReplayed):
			status, code = http.StatusConflict, "replayed"
		case errors.Is(err, attengine.ErrTooOld):
			status, code = http.StatusUnprocessableEntity, "too-old"
		}
		httpapi.Error(w, r, status, code, err.Error())
		return
	}
	httpapi.WriteJSON(w, http.StatusCreated, wire.StreamHead{Topic: en.Topic, Publisher: en.Publisher, Seq: en.Seq, Hash: en.Hash()})
}

// mayStream decides whether a call may follow one of an instance's own
// topics (its results and failures say what changed in its state): as it
// may read the instance's history (the owner's grant with read:history, or
// the owner's signature), which only a replica can tell. Others get 421
// with the route, or the grant's refusal.
func (h *handlers) mayStream(w http.ResponseWriter, r *http.Request, id wire.InstanceID) (still func() error) {
	if h.d.Tokens == nil {
		var rt *wire.Route
		if h.d.Anchor != nil {
			rt, _ = h.d.Anchor.Route(r.Context(), id)
		}
		httpapi.WriteProblem(w, r, wire.Problem{
			Type: httpapi.ProblemType("not-a-replica"), Title: "Misdirected Request", Status: http.StatusMisdirectedRequest,
			Detail: "an instance's own topics are streamed by its replicas, to a call that may read its history", Route: rt,
		})
		return nil
	}
	still, err := h.d.Tokens.Watch(id, "history", presented(r, nil))
	var g *GrantRefused
	switch {
	case errors.Is(err, executor.ErrNotHere):
		h.notHere(w, r, id)
		return nil
	case errors.As(err, &g):
		grantError(w, r, g)
		return nil
	case err != nil:
		httpapi.Internal(w, r, h.d.Log, "internal", err)
		return nil
	}
	return still
}

func topicParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	t := r.PathValue("topic")
	if err := attlog.CheckTopic(t); err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-topic", err.Error()+" (escape the '/' of a topic as %2F)")
		return "", false
	}
	return t, true
}

func (h *handlers) heads(w http.ResponseWriter, r *http.Request) {
	t, ok := topicParam(w, r)
	if !ok {
		return
	}
	address := func(name string) (common.Address, bool, bool) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return common.Address{}, false, true
		}
		if !common.IsHexAddress(v) {
			httpapi.Error(w, r, http.StatusBadRequest, "bad-"+name, name+" must be a 0x-prefixed 20-byte address")
			return common.Address{}, false, false
		}
		return common.HexToAddress(v), true, true
	}
	var heads []attlog.StreamHead
	var more bool
	pub, one, ok := address("publisher")
	if !ok {
		return
	}
	if one {
		if hd := h.d.Topics.Head(attlog.StreamID{Topic: t, Publisher: pub}); hd.Seq > 0 {
			heads = []attlog.StreamHead{{Topic: t, Publisher: pub, Head: hd}}
		}
	} else {
		after, paged, ok := address("after")
		if !ok {
			return
		}
		var from *attlog.StreamID
		if paged {
			from = &attlog.StreamID{Topic: t, Publisher: after}
		}
		// A page at most: a topic has as many streams as publishers, and
		// anyone may publish.
		heads, more = h.d.Topics.TopicHeadsPage(t, from, attengine.MaxHeadsPage)
	}
	out := wire.TopicHeads{Topic: t, Heads: make([]wire.StreamHead, len(heads)), More: more} // never null: none is []
	for i, hd := range heads {
		out.Heads[i] = wire.StreamHead{Topic: hd.Topic, Publisher: hd.Publisher, Seq: hd.Seq, Hash: hd.Hash}
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// stream is Server-Sent Events of a topic's entries in this node's
// delivery order: event id = offset; resume with Last-Event-ID (the last
// offset seen) or ?from=OFFSET, without loss or duplicates.
func (h *handlers) stream(w http.ResponseWriter, r *http.Request) {
	t, ok := topicParam(w, r)
	if !ok {
		return
	}
	still := func() error { return nil }
	var recheck <-chan time.Time // an instance's own topic: what let the stream in, checked each second
	if id, own := wire.InstanceOfTopic(t); own {
		if still = h.mayStream(w, r, id); still == nil {
			return
		}
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		recheck = tk.C
	}
	var from uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		last, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			httpapi.Error(w, r, http.StatusBadRequest, "bad-last-event-id", "Last-Event-ID must be an offset")
			return
		}
		from = last + 1
	} else if v := r.URL.Query().Get("from"); v != "" {
		f, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			httpapi.Error(w, r, http.StatusBadRequest, "bad-from", "from must be an offset")
			return
		}
		from = f
	}
	st, ok := httpapi.StartStream(w, r, h.d.Streams, h.d.MaxStreams, h.d.Refused)
	if !ok {
		return
	}
	defer st.Release()
	fl := st.Flusher
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-st.Done:
			return // its place went to a client holding fewer, between batches too
		default:
		}
		// Each batch must be taken within WriteTimeout: a reader that
		// stops reading is cut off, a stream that goes on is not.
		httpapi.ExtendWrite(w, 0)
		wait := h.d.Topics.WaitTopic(t) // taken before reading, so nothing slips between
		es, offs, err := h.d.Topics.TopicEntries(t, from, 256)
		if err != nil {
			return
		}
		// What the stream was let in on may have ended since (a grant
		// revoked or expired, the token moved to another owner or off this
		// node): it ends, and the client's next request is checked anew.
		if len(es) > 0 && still() != nil {
			return
		}
		for i, e := range es {
			data, _ := json.Marshal(e)
			if _, err := fmt.Fprintf(w, "id: %d\nevent: attestation\ndata: %s\n\n", offs[i], data); err != nil {
				return
			}
			from = offs[i] + 1
		}
		fl.Flush()
		if len(es) == 256 {
			continue
		}
		select {
		case <-r.Context().Done():
			return
		case <-st.Done:
			return // its place went to a client holding fewer
		case <-h.d.Done:
			return
		case <-wait:
		case <-recheck:
			if still() != nil {
				return
			}
		case <-keepalive.C:
			httpapi.ExtendWrite(w, 0)
			if _, err := fmt.Fprint(w, ": keepalive\n\n"); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
