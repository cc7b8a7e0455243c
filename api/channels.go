package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/httpapi"
	"github.com/smartlayer/smartlayer/wire"
)

// Payments is an anchor's payment channels: those opened to it, whose
// promises its service nodes forward (network.channels).
type Payments interface {
	// Channel is a channel opened to this anchor, as the chain and the
	// anchor's account have it.
	Channel(ctx context.Context, id uint64) (*wire.ChannelStatus, error)
	// Settle cashes the channel's highest promise and pays the nodes out.
	Settle(ctx context.Context, id uint64) (*wire.Settlement, error)
	// Close is the anchor's half of a cooperative close the payer signed.
	Close(ctx context.Context, id uint64, c wire.ChannelClose) (*wire.ChannelClose, error)
	// Cover takes a promise the payer sends with no call: the one that
	// covers its last calls on credit.
	Cover(ctx context.Context, id uint64, c wire.ChannelPromise) (*wire.ChannelStatus, error)
}

// Errors of an anchor's answers about channels.
var (
	ErrUnknownChannel = errors.New("no such payment channel")
	ErrNotMyChannel   = errors.New("the payment channel is another anchor's")
	ErrCloseRefused   = errors.New("close refused")
	ErrPromiseRefused = errors.New("promise refused")
)

// SettleTooSoon: the channel was settled less than its interval ago and
// may be settled on demand again after Wait.
type SettleTooSoon struct{ Wait, Every time.Duration }

func (e *SettleTooSoon) Error() string {
	return fmt.Sprintf("this channel was settled a moment ago: an open channel is settled on demand at most every %s (and on the anchor's schedule); retry in %s", e.Every, e.Wait.Round(time.Second))
}

// CloseTooSoon: a cooperative close asked while calls on the channel may
// still reach the anchor; ask again after Wait.
type CloseTooSoon struct {
	Wait   time.Duration
	Detail string
}

func (e *CloseTooSoon) Error() string { return e.Detail }

var channelProblems = []problem{
	{ErrUnknownChannel, http.StatusNotFound, "unknown-channel"},
	{ErrNotMyChannel, http.StatusNotFound, "not-my-channel"},
	{ErrCloseRefused, http.StatusConflict, "close-refused"},
	{ErrPromiseRefused, http.StatusConflict, "promise-refused"},
	{ErrChainUnavailable, http.StatusServiceUnavailable, "chain-unavailable"},
}

// channelParam reads the {channel} path value, answering 400 itself when
// it is not a channel number.
func channelParam(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue("channel"), 10, 64)
	if err != nil || id == 0 {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-channel-id", "a channel is a number from 1 up")
		return 0, false
	}
	return id, true
}

func (h *handlers) channelError(w http.ResponseWriter, r *http.Request, err error) {
	if tooSoon(w, r, err) {
		return
	}
	status, code := lookup(err, channelProblems, problem{nil, http.StatusInternalServerError, "internal"})
	if status == http.StatusInternalServerError {
		httpapi.Internal(w, r, h.d.Log, code, err)
		return
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	httpapi.Error(w, r, status, code, err.Error())
}

func (h *handlers) channel(w http.ResponseWriter, r *http.Request) {
	h.channelAnswer(w, r, func(ctx context.Context, id uint64) (any, error) { return h.d.Payments.Channel(ctx, id) })
}

func (h *handlers) settle(w http.ResponseWriter, r *http.Request) {
	h.channelAnswer(w, r, func(ctx context.Context, id uint64) (any, error) { return h.d.Payments.Settle(ctx, id) })
}

// tooSoon answers a SettleTooSoon or a CloseTooSoon: 429 with Retry-After.
func tooSoon(w http.ResponseWriter, r *http.Request, err error) bool {
	var s *SettleTooSoon
	var c *CloseTooSoon
	switch {
	case errors.As(err, &s):
		httpapi.TooMany(w, r, "settle-too-soon", s.Error(), max(time.Second, s.Wait.Round(time.Second)))
	case errors.As(err, &c):
		httpapi.TooMany(w, r, "close-too-soon", c.Error(), max(time.Second, c.Wait.Round(time.Second)))
	default:
		return false
	}
	return true
}

// channelAnswer answers a call about the {channel} path value with what f
// says of it.
func (h *handlers) channelAnswer(w http.ResponseWriter, r *http.Request, f func(context.Context, uint64) (any, error)) {
	id, ok := channelParam(w, r)
	if !ok {
		return
	}
	v, err := f(r.Context(), id)
	if err != nil {
		h.channelError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
}

func (h *handlers) closeChannel(w http.ResponseWriter, r *http.Request) {
	id, ok := channelParam(w, r)
	if !ok {
		return
	}
	var c wire.ChannelClose
	if !httpapi.DecodeJSON(w, r, 4096, &c) {
		return
	}
	out, err := h.d.Payments.Close(r.Context(), id, c)
	if err != nil {
		h.channelError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

func (h *handlers) coverChannel(w http.ResponseWriter, r *http.Request) {
	id, ok := channelParam(w, r)
	if !ok {
		return
	}
	var c wire.ChannelPromise
	if !httpapi.DecodeJSON(w, r, 4096, &c) {
		return
	}
	out, err := h.d.Payments.Cover(r.Context(), id, c)
	if err != nil {
		h.channelError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// Commitments is an anchor's periodic commitments of key token operations
// (network.commitments).
type Commitments interface {
	// Proof is an operation's inclusion proof in its period's commitment,
	// as this anchor kept the period: ErrUnknownOperation when it kept none.
	Proof(ctx context.Context, uid common.Hash) (*wire.CommitmentProof, error)
	// ProofOfExecution is Proof for the action result that reports the
	// execution with transcriptRoot on instance (what its receipt names).
	ProofOfExecution(ctx context.Context, instance, transcriptRoot common.Hash) (*wire.CommitmentProof, error)
}

// ErrUnknownOperation: the anchor kept no such operation for a commitment.
var ErrUnknownOperation = errors.New("this anchor kept no such operation for a commitment")

var commitmentProblems = []problem{
	{ErrUnknownOperation, http.StatusNotFound, "unknown-operation"},
	{ErrChainUnavailable, http.StatusServiceUnavailable, "chain-unavailable"},
}

func (h *handlers) commitmentProof(w http.ResponseWriter, r *http.Request) {
	uid, err := attest.ParseUID(r.PathValue("uid"))
	if err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-uid", "an operation is named by its attestation UID: 0x and 64 hex digits")
		return
	}
	p, err := h.d.Commitments.Proof(r.Context(), common.Hash(uid))
	h.writeProof(w, r, p, err)
}

// commitmentProofOfExecution is GET
// /v1/commitments/execution/{instance}/{transcriptRoot}: the proof of the
// action result that reports an execution, found by what its receipt names.
func (h *handlers) commitmentProofOfExecution(w http.ResponseWriter, r *http.Request) {
	id, err := wire.ParseInstanceID(r.PathValue("instance"))
	if err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-instance-id", err.Error())
		return
	}
	root, err := attest.ParseUID(r.PathValue("transcriptRoot"))
	if err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "bad-transcript-root", "a transcript root is 0x and 64 hex digits")
		return
	}
	p, err := h.d.Commitments.ProofOfExecution(r.Context(), common.Hash(id), common.Hash(root))
	h.writeProof(w, r, p, err)
}

func (h *handlers) writeProof(w http.ResponseWriter, r *http.Request, p *wire.CommitmentProof, err error) {
	if err != nil {
		status, code := lookup(err, commitmentProblems, problem{nil, http.StatusInternalServerError, "internal"})
		if status == http.StatusInternalServerError {
			httpapi.Internal(w, r, h.d.Log, code, err)
			return
		}
		httpapi.Error(w, r, status, code, err.Error())
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, p)
}
