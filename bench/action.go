package bench

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// ActionResult holds the action benchmark's figures.
type ActionResult struct {
	Tickets     int `json:"tickets"`
	Concurrency int `json:"concurrency"`
	// Baseline: the external call alone, a POST to the demo hotel with a
	// fresh idempotency key, as a centralised server would make it.
	Baseline Stats `json:"baseline"`
	// Action: the Go SDK's Action through the network: route (cached), the
	// executor's sandbox run with the hotel call, the executor-signed result
	// published and applied, the receipt sealed.
	Action Stats `json:"action"`
	// Receipt sealing per receipt at the same concurrency, in this process.
	ReceiptSingle  time.Duration `json:"receiptSingle"`
	ReceiptBatched time.Duration `json:"receiptBatched"`
}

// Action measures rebook actions on the devnet's tickets against the hotel
// call alone, and the cost of a receipt signed alone or in a Merkle batch.
func Action(ctx context.Context, d *devnet.Devnet, o QueryOptions) (*ActionResult, error) {
	if o.Concurrency <= 0 || o.Duration <= 0 {
		return nil, errors.New("bench: concurrency and duration must be positive")
	}
	if len(d.Info.Tickets) == 0 {
		return nil, errors.New("bench: the devnet has no tickets")
	}
	ids := make([]string, len(d.Info.Tickets))
	grants := make(map[string]http.Header, len(ids))
	for i, t := range d.Info.Tickets {
		ids[i] = t.Instance
		grants[t.Instance] = t.Header()
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * o.Concurrency, MaxIdleConnsPerHost: o.Concurrency, IdleConnTimeout: time.Minute}, Timeout: 30 * time.Second}
	anchors := make([]string, len(d.Info.Anchors))
	for i, a := range d.Info.Anchors {
		anchors[i] = a.HTTP
	}
	c := client.New(anchors, hc)
	c.RouteTTL = time.Hour
	c.VerifyReceipts = true
	c.Key = d.Client.Key // calls under a grant are signed by the integration it names
	hotelURL := d.Info.Hotel.HTTP
	args := json.RawMessage(`{"hotel":"` + hotelURL + `"}`)
	var seq atomic.Uint64
	run := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	key := func() string { return fmt.Sprintf("%s-%d", run, seq.Add(1)) }

	res := &ActionResult{Tickets: len(ids), Concurrency: o.Concurrency}
	res.Baseline = measure(ctx, "baseline: POST to the hotel", ids, o, func(ctx context.Context, _ string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, hotelURL+"/bookings", strings.NewReader(`{"passenger":"bench"}`))
		if err != nil {
			return err
		}
		req.Header.Set(wire.IdempotencyHeader, key())
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		// Read to the end, so the connection is reused as the sandbox's
		// pooled client reuses it: the baseline is the call, not a dial.
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("hotel: %d", resp.StatusCode)
		}
		return nil
	})
	res.Action = measure(ctx, "network: rebook action", ids, o, func(ctx context.Context, id string) error {
		_, _, err := c.Action(ctx, id, "rebook", key(), args, grants[id])
		return err
	})
	pk, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	res.ReceiptSingle = sealCost(pk, true, o.Concurrency, 20000)
	res.ReceiptBatched = sealCost(pk, false, o.Concurrency, 20000)
	return res, nil
}

// sealCost is the wall time per receipt of n receipts sealed by workers
// goroutines.
func sealCost(pk *ecdsa.PrivateKey, single bool, workers, n int) time.Duration {
	b := receipt.NewBatcher(receipt.Software{Key: pk}, single)
	var wg sync.WaitGroup
	var next atomic.Int64
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				_ = b.Seal(&receipt.Receipt{Instance: "0x01", Function: "action:rebook"})
			}
		}()
	}
	wg.Wait()
	return time.Since(start) / time.Duration(n)
}

// Report formats the result.
func (r *ActionResult) Report() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "action benchmark: %d tickets, %d concurrent clients\n\n", r.Tickets, r.Concurrency)
	fmt.Fprintf(&sb, "  %-32s %10s %10s %10s %8s %9s %9s\n", "run", "ops/s", "p50", "p99", "errors", "p50 ratio", "p99 ratio")
	for _, s := range []Stats{r.Baseline, r.Action} {
		fmt.Fprintf(&sb, "  %-32s %10.0f %10s %10s %8d %9.2f %9.2f\n", s.Name, s.Throughput,
			s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Errors,
			float64(s.P50)/float64(r.Baseline.P50), float64(s.P99)/float64(r.Baseline.P99))
	}
	fmt.Fprintf(&sb, "\n  receipt per answer at %d concurrent: single signature %s, Merkle batch %s (%.2fx); share of the action p50: %.1f%% single, %.1f%% batched\n",
		r.Concurrency, r.ReceiptSingle.Round(100*time.Nanosecond), r.ReceiptBatched.Round(100*time.Nanosecond),
		float64(r.ReceiptBatched)/float64(r.ReceiptSingle),
		100*float64(r.ReceiptSingle)/float64(r.Action.P50), 100*float64(r.ReceiptBatched)/float64(r.Action.P50))
	return sb.String()
}
