package bench

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/wire"
)

// PaymentsResult compares the ticket's status query on a devnet whose
// calls are free with the same query paid for, call by call, from a
// payment channel, and says what settling the paid calls cost in gas.
type PaymentsResult struct {
	Tickets     int   `json:"tickets"`
	Concurrency int   `json:"concurrency"`
	Unpaid      Stats `json:"unpaid"`
	Paid        Stats `json:"paid"`
	// Settlements: the paid calls settled once after the paid run, and
	// once more after a few more calls: the gas of cashing the highest
	// promise and of the distribution, which do not grow with the calls.
	Settlements []SettlementGas `json:"settlements"`
	// Commitments: the periods the anchors wrote while the paid devnet
	// ran, with their operations and gas.
	Commitments []CommitmentGas `json:"commitments"`
}

// CommitmentGas is one period's commitment transaction.
type CommitmentGas struct {
	Period     uint64 `json:"period"`
	Operations uint32 `json:"operations"`
	Gas        uint64 `json:"gas"`
}

// Commitments reads the commitments written on d's chain so far, with the
// gas each cost.
func Commitments(ctx context.Context, d *devnet.Devnet) ([]CommitmentGas, error) {
	cl, err := chain.Dial(ctx, d.Info.Chain.RPC)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	c, err := contracts.NewCommitments(d.Info.Chain.Contracts.Commitments, cl)
	if err != nil {
		return nil, err
	}
	it, err := c.FilterCommitted(&bind.FilterOpts{Context: ctx}, nil, nil)
	if err != nil {
		return nil, err
	}
	var out []CommitmentGas
	for it.Next() {
		r, err := cl.TransactionReceipt(ctx, it.Event.Raw.TxHash)
		if err != nil {
			return nil, err
		}
		out = append(out, CommitmentGas{Period: it.Event.Period, Operations: it.Event.Count, Gas: r.GasUsed})
	}
	return out, nil
}

// SettlementGas is one settlement's transactions.
type SettlementGas struct {
	Calls         uint64 `json:"calls"` // calls settled by it
	Payees        int    `json:"payees"`
	CashGas       uint64 `json:"cashGas"`
	DistributeGas uint64 `json:"distributeGas"`
}

// StatusRun measures the status query of every ticket of d through the Go
// SDK (route cached), paying with payer when it is not nil: with promises
// it signs before the run (presign of them; the client signs more, on the
// measured path, should they run out), so that the run measures what the
// network does with a promise (checking, charging, forwarding, keeping),
// not the integration's signing.
func StatusRun(ctx context.Context, d *devnet.Devnet, o QueryOptions, name string, payer *client.Payer, presign int) (Stats, error) {
	p, err := statusProbe(ctx, d, o, name, payer, presign)
	if err != nil {
		return Stats{}, err
	}
	return interleaved(ctx, o, p)[0], nil
}

// paymentRounds is how many slices of the measurement PaymentsRun gives
// each devnet in turn.
const paymentRounds = 10

// PaymentsRun measures the status query on two devnets in one run
// (statusProbe's calls, the first unpaid, the second paid with payer): in
// paymentRounds slices of o.Duration, every client on the unpaid devnet,
// then every client on the paid one, and again. Both meet the same
// background work (both devnets run throughout) and the same moments of the
// machine's load, which two runs minutes apart do not.
func PaymentsRun(ctx context.Context, unpaid, paid *devnet.Devnet, o QueryOptions, paidName string, payer *client.Payer, presign int) (Stats, Stats, error) {
	u, err := statusProbe(ctx, unpaid, o, "unpaid: route (cached) + query", nil, 0)
	if err != nil {
		return Stats{}, Stats{}, err
	}
	p, err := statusProbe(ctx, paid, o, paidName, payer, presign)
	if err != nil {
		return Stats{}, Stats{}, err
	}
	if o.Warmup > 0 {
		collect(ctx, o.Concurrency, o.Warmup/2, u)
		collect(ctx, o.Concurrency, o.Warmup/2, p)
	}
	slice := o.Duration / paymentRounds
	var lats [2][]time.Duration
	var errs [2]int
	for range paymentRounds {
		for i, pr := range []probe{u, p} {
			l, e := collect(ctx, o.Concurrency, slice, pr)
			lats[i] = append(lats[i], l[0]...)
			errs[i] += e[0]
		}
	}
	d := slice * paymentRounds
	return statsOf(u.name, lats[0], errs[0], d), statsOf(p.name, lats[1], errs[1], d), nil
}

// statusProbe is StatusRun's calls, ready to measure.
func statusProbe(ctx context.Context, d *devnet.Devnet, o QueryOptions, name string, payer *client.Payer, presign int) (probe, error) {
	if o.Concurrency <= 0 || o.Duration <= 0 {
		return probe{}, errors.New("bench: concurrency and duration must be positive")
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * o.Concurrency, MaxIdleConnsPerHost: o.Concurrency, IdleConnTimeout: time.Minute}, Timeout: 10 * time.Second}
	var anchors []string
	for _, a := range d.Info.Anchors {
		anchors = append(anchors, a.HTTP)
	}
	c := client.New(anchors, hc)
	c.RouteTTL, c.Key, c.Payer = time.Hour, d.Client.Key, payer
	var ids []string
	grants := map[string]http.Header{}
	for _, t := range d.Info.Tickets {
		ids = append(ids, t.Instance)
		grants[t.Instance] = t.Header()
	}
	if len(ids) == 0 {
		return probe{}, errors.New("bench: the devnet has no tickets")
	}
	for _, id := range ids { // prime the routes (and the prices)
		if _, err := c.QueryWith(ctx, id, "status", nil, grants[id]); err != nil {
			return probe{}, fmt.Errorf("bench: prime %s: %w", id, err)
		}
	}
	signed := make(chan string, max(presign, 0))
	if payer != nil && presign > 0 {
		hs, err := payer.Presign(1, presign) // the status query's price
		if err != nil {
			return probe{}, err
		}
		for _, h := range hs {
			signed <- h
		}
	}
	return probe{name, ids, func(ctx context.Context, id string) error {
		hdr := grants[id]
		select {
		case h := <-signed:
			hdr = hdr.Clone()
			hdr.Set(wire.PaymentHeader, h)
		default: // none signed ahead (or no more): the client signs
		}
		_, err := c.QueryWith(ctx, id, "status", nil, hdr)
		return err
	}}, nil
}

// Settle waits until the channel's anchor has every promise the nodes
// took (its count of charges holds still for two seconds), has it settle,
// and reads the gas its transactions used.
func Settle(ctx context.Context, d *devnet.Devnet) (*SettlementGas, error) {
	pi := d.Info.Chain.Payment
	if err := d.Client.Cover(ctx); err != nil { // the last calls on credit
		return nil, err
	}
	deadline := time.Now().Add(time.Minute)
	last, still := "", 0
	for still < 4 {
		st, err := d.Client.Channel(ctx, pi.Channel)
		switch {
		case err == nil && st.Charged == last && st.Charged != "0":
			still++
		case err == nil:
			last, still = st.Charged, 0
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("bench: the anchor's count of the channel's calls did not settle after a minute (%v)", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	before, err := d.Client.Channel(ctx, pi.Channel)
	if err != nil {
		return nil, err
	}
	var calls uint64
	for _, n := range before.Served {
		calls += n
	}
	s, err := d.Client.Settle(ctx, pi.Channel)
	if err != nil {
		return nil, err
	}
	cl, err := chain.Dial(ctx, d.Info.Chain.RPC)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ch, err := contracts.NewChannels(pi.Contract, cl)
	if err != nil {
		return nil, err
	}
	out := &SettlementGas{Calls: calls, Payees: len(s.Nodes)}
	id := []*big.Int{new(big.Int).SetUint64(pi.Channel)}
	cashed, err := ch.FilterCashed(&bind.FilterOpts{Context: ctx}, id)
	if err != nil {
		return nil, err
	}
	for cashed.Next() { // the last one is this settlement's
		r, err := cl.TransactionReceipt(ctx, cashed.Event.Raw.TxHash)
		if err != nil {
			return nil, err
		}
		out.CashGas = r.GasUsed
	}
	dist, err := ch.FilterDistributed(&bind.FilterOpts{Context: ctx}, id)
	if err != nil {
		return nil, err
	}
	for dist.Next() {
		r, err := cl.TransactionReceipt(ctx, dist.Event.Raw.TxHash)
		if err != nil {
			return nil, err
		}
		out.DistributeGas = r.GasUsed
	}
	return out, nil
}

// Report formats the comparison.
func (r *PaymentsResult) Report() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "payments benchmark: %d tickets, %d concurrent clients, the ticket's status query (price 1)\n\n", r.Tickets, r.Concurrency)
	fmt.Fprintf(&sb, "  %-36s %10s %10s %10s %8s\n", "run", "ops/s", "p50", "p99", "errors")
	for _, s := range []Stats{r.Unpaid, r.Paid} {
		fmt.Fprintf(&sb, "  %-36s %10.0f %10s %10s %8d\n", s.Name, s.Throughput, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Errors)
	}
	over := 1 - r.Paid.Throughput/r.Unpaid.Throughput
	fmt.Fprintf(&sb, "\n  target: throughput overhead of paying <= 10%%: %.1f%% %s; errors %d %s\n", 100*over, verdict(over <= 0.10), r.Paid.Errors, verdict(r.Paid.Errors == 0))
	for _, s := range r.Settlements {
		fmt.Fprintf(&sb, "  settlement of %d calls to %d payees: cash %d gas, distribute %d gas\n", s.Calls, s.Payees, s.CashGas, s.DistributeGas)
	}
	for _, c := range r.Commitments {
		fmt.Fprintf(&sb, "  commitment of period %d, %d operations: %d gas\n", c.Period, c.Operations, c.Gas)
	}
	return sb.String()
}
