package sampling

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/slo"
	"github.com/smartlayer/smartlayer/transport"
)

// Receipts that integrations forward: the SDKs send a random share of the
// receipts they got to an anchor, which fetches the execution each one
// vouches for from the node that signed it and checks it like a sample. The
// node does not choose what is checked: it signed the receipt when it
// answered, and must produce the matching transcript later.

// MaxForwarded bounds the forwarded receipts an anchor holds unchecked,
// and MaxForwardedPerNode those naming one node, so a flood about one node
// does not crowd out the others.
const (
	MaxForwarded        = 1024
	MaxForwardedPerNode = 64
)

// maxChecked bounds the receipt leaves an anchor remembers having checked:
// a receipt is checked (and can cost its node) once.
const maxChecked = 65536

// forwardedPerRound is how many forwarded receipts one sampling round
// checks.
const forwardedPerRound = 64

// Errors of taking a forwarded receipt.
var (
	ErrForwardedFull  = errors.New("this anchor holds its quota of forwarded receipts; retry later")
	ErrForwardedBad   = errors.New("not a receipt signed by the node it names")
	ErrForwardedStray = errors.New("the receipt names no service node this anchor knows")
)

// Forward queues a receipt an integration forwarded, once its signature
// checks out; it is checked at the next sampling round.
func (v *Verifier) Forward(rc *receipt.Receipt) error {
	if rc == nil || rc.Verify(rc.Node) != nil {
		return ErrForwardedBad
	}
	if v.d.PeerOfAddress(rc.Node) == "" {
		return fmt.Errorf("%w: %s", ErrForwardedStray, rc.Node)
	}
	leaf := rc.Leaf()
	v.fmu.Lock()
	defer v.fmu.Unlock()
	if v.fseen[leaf] || v.checked[leaf] {
		return nil
	}
	if len(v.forwarded) >= MaxForwarded || v.fnode[rc.Node] >= MaxForwardedPerNode {
		return ErrForwardedFull
	}
	if v.fseen == nil {
		v.fseen, v.fnode, v.checked = map[common.Hash]bool{}, map[common.Address]int{}, map[common.Hash]bool{}
	}
	v.fseen[leaf] = true
	v.fnode[rc.Node]++
	v.forwarded = append(v.forwarded, rc)
	return nil
}

// takeForwarded removes up to n queued receipts.
func (v *Verifier) takeForwarded(n int) []*receipt.Receipt {
	v.fmu.Lock()
	defer v.fmu.Unlock()
	n = min(n, len(v.forwarded))
	out := append([]*receipt.Receipt(nil), v.forwarded[:n]...)
	v.forwarded = v.forwarded[n:]
	for _, rc := range out {
		leaf := rc.Leaf()
		delete(v.fseen, leaf)
		if v.fnode[rc.Node]--; v.fnode[rc.Node] <= 0 {
			delete(v.fnode, rc.Node)
		}
		if len(v.checked) >= maxChecked {
			clear(v.checked) // a bound: an old receipt may then be checked once more
		}
		v.checked[leaf] = true
	}
	return out
}

// Results of checking a forwarded receipt beyond Check's.
const (
	NoTranscript       = "no-transcript"       // the node no longer had the execution (past the retention), or did not answer
	Withheld           = "withheld"            // the node said it did not have an execution it must still keep: a strike
	TranscriptMismatch = "transcript-mismatch" // it produced another execution than the one it signed for
)

// owed reports whether a node must still produce the execution behind rc:
// the receipt is dated within the network's transcript retention, less
// the clock skew a receipt's time may have (receipt.MaxSkew).
func (v *Verifier) owed(rc *receipt.Receipt) bool {
	if v.d.Retention <= 0 || rc.AtMs <= 0 {
		return false
	}
	age := v.d.Now().Sub(time.UnixMilli(rc.AtMs))
	return age > -receipt.MaxSkew && age < v.d.Retention-receipt.MaxSkew
}

// checkForwarded fetches the execution behind a forwarded receipt from the
// node that signed it and checks it. A node that answers that it does not
// have an execution it must still keep (its receipt is dated within the
// network's transcript retention: service nodes archive every execution
// they sign a receipt for that long) takes an SLA strike, once per
// receipt, as does one that produces another execution than the receipt
// names; one whose execution does not replay is caught by Check, with
// evidence. A node asked about an older receipt is not blamed for no
// longer having it, nor one that does not answer (the probes and the
// service-level samples judge availability).
//
// With observe, the fetch is also a sample of the node's service level:
// an execution produced, or a plain "not kept" of an old receipt, is a
// good answer; another execution, or "not kept" of one it owes, is an
// error; no answer in time is the node unavailable (observe).
func (v *Verifier) checkForwarded(ctx context.Context, rc *receipt.Receipt, observe bool) string {
	result := v.checkForwardedOnce(ctx, rc, observe)
	if c := v.d.Metrics.Forwarded; c != nil {
		c.WithLabelValues(result).Inc()
	}
	return result
}

func (v *Verifier) checkForwardedOnce(ctx context.Context, rc *receipt.Receipt, observe bool) string {
	p := v.d.PeerOfAddress(rc.Node)
	if p == "" || v.d.Transcript == nil {
		return Unproven
	}
	start := v.d.Now()
	k, err := v.d.Transcript(ctx, p, rc.Leaf())
	mismatch := err == nil && k != nil && k.Transcript != nil && rc.Names(k.Transcript.Execution(k.Transcript.Root())) != nil
	// Not produced: "not kept", an empty answer, or anything but the
	// execution from a node this anchor reached (a reset stream, a frame
	// it could not read, no answer in time): hanging up is no way out.
	// Only a node not reached, or this anchor stopping, proves nothing.
	notProduced := err == nil && (k == nil || k.Transcript == nil) ||
		err != nil && !errors.Is(err, transport.ErrUnreachable) && ctx.Err() == nil
	withheld := notProduced && v.owed(rc)
	if observe {
		switch {
		case mismatch:
			v.observe(ctx, p, slo.Forwarded, start, errors.New("another execution than the receipt names"), true)
		case withheld:
			v.observe(ctx, p, slo.Forwarded, start, errors.New("an execution it must keep withheld"), true)
		case errors.Is(err, transport.ErrRemote):
			v.observe(ctx, p, slo.Forwarded, start, nil, true) // not kept: an answer
		default:
			v.observe(ctx, p, slo.Forwarded, start, err, false)
		}
	}
	if withheld {
		v.sampled(Withheld)
		// One strike a node a round, however many receipts it withheld:
		// an execution lost to a crash between answering and archiving
		// (at most 10 ms of them) must not exclude a node at once.
		if v.withheldStrike(p) {
			v.Strike(p)
		}
		v.d.Log.Warn("a service node did not produce the execution behind a receipt within the transcript retention", "node", p,
			"receipt", rc.Leaf(), "at", time.UnixMilli(rc.AtMs).UTC(), "err", err)
		return Withheld
	}
	if err != nil || k == nil || k.Transcript == nil {
		v.sampled(NoTranscript)
		return NoTranscript
	}
	if mismatch {
		v.sampled(TranscriptMismatch)
		v.Strike(p)
		return TranscriptMismatch
	}
	k.Receipt = rc // the one the integration got, not one the node offers now
	return v.Check(ctx, p, rc.Node, k)
}

// withheldStrike reports whether node p is struck for a withheld execution
// now: the first time in a sampling round.
func (v *Verifier) withheldStrike(p string) bool {
	v.dmu.Lock()
	defer v.dmu.Unlock()
	if v.withheldRound[p] {
		return false
	}
	if v.withheldRound == nil {
		v.withheldRound = map[string]bool{}
	}
	v.withheldRound[p] = true
	return true
}
