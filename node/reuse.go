package node

import (
	"time"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/internal/bounded"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/wire"
)

// reuse keeps the answers of pure queries (sandbox.Result.Pure: the run
// read nothing of the world, so any run on the same inputs answers the
// same bytes) with their sealed receipts, and serves one again to the same
// query with the same argument bytes while the instance's bundle, state
// root and fencing stay the same, within one period of
// service.receipt_reuse: one signature, one transcript root and one
// archived execution then serve every such call of the period. The
// receipt still binds the request (its hash has no nonce) and the answer's
// bytes; its atMs is when the execution ran, at most a period ago, on the
// state the answer stands on now. Each call is still checked (grant,
// request proof, payment) before it is answered.
type reuse struct {
	kept   *bounded.FIFO[reuseKey, *api.QueryOutcome]
	period time.Duration
}

type reuseKey struct {
	instance wire.InstanceID
	query    string
	bundle   string
	state    sandbox.Hash
	args     sandbox.Hash
	fencing  uint64
	period   int64 // the period of service.receipt_reuse the answer ran in
}

// Bounds of the answers kept: each answer counts its output, arguments
// and state (which it may keep alive after the instance moved on) and
// about 2 KiB of receipt and transcript.
const (
	maxReused      = 4096
	maxReusedBytes = 16 << 20
	reusedOverhead = 2 << 10
)

func newReuse(period time.Duration) *reuse {
	if period <= 0 {
		return nil
	}
	return &reuse{kept: bounded.NewFIFO[reuseKey, *api.QueryOutcome](maxReused, maxReusedBytes), period: period}
}

// key is the key of a call at now.
func (a *reuse) key(id wire.InstanceID, query string, in *instance, state, args sandbox.Hash, now time.Time) reuseKey {
	return reuseKey{instance: id, query: query, bundle: in.Record.Bundle, state: state, args: args,
		fencing: in.Record.Fencing, period: now.UnixNano() / int64(a.period)}
}

func (a *reuse) get(k reuseKey) (*api.QueryOutcome, bool) { return a.kept.Get(k) }

func (a *reuse) put(k reuseKey, out *api.QueryOutcome) {
	size := len(out.Output) + len(out.State) + reusedOverhead
	if out.Transcript != nil {
		size += len(out.Transcript.Args)
	}
	a.kept.Put(k, out, size)
}
