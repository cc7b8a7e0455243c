package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/devnet"
)

// BenchmarkQuery runs the query benchmark once per b.N round and reports the
// ratios against the baseline; run it with -benchtime=1x.
func BenchmarkQuery(b *testing.B) {
	ctx := context.Background()
	d, err := devnet.Start(ctx, devnet.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Query(ctx, d, QueryOptions{Duration: 3 * time.Second, Warmup: time.Second, Concurrency: 16})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.Cached.Throughput, "ops/s")
		b.ReportMetric(res.Baseline.Throughput, "baseline-ops/s")
		b.ReportMetric(res.Cached.Throughput/res.Baseline.Throughput, "throughput-ratio")
		b.ReportMetric(float64(res.Cached.P50)/float64(res.Baseline.P50), "p50-ratio")
		b.ReportMetric(float64(res.Cached.P99.Microseconds()), "p99-µs")
	}
}

// TestQuerySmoke checks the benchmark machinery on a small devnet.
func TestQuerySmoke(t *testing.T) {
	ctx := context.Background()
	o := devnet.DefaultOptions()
	o.Tickets, o.Services = 10, 3
	d, err := devnet.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := Query(ctx, d, QueryOptions{Duration: 200 * time.Millisecond, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Stats{res.Baseline, res.Cached, res.Uncached} {
		if s.Ops == 0 || s.Errors != 0 || s.P50 <= 0 || s.P99 < s.P50 {
			t.Fatalf("%s: %+v", s.Name, s)
		}
	}
}

// BenchmarkGossip reports propagation p50/p99 and ingest against raw
// verification on the default 8-node devnet; run it with -benchtime=1x.
func BenchmarkGossip(b *testing.B) {
	ctx := context.Background()
	d, err := devnet.Start(ctx, devnet.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Gossip(ctx, d, 200, d.Info.Airline.Key)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(res.IngestPerSec, "ingest/s")
		b.ReportMetric(res.VerifyPerSec, "verify/s")
		b.ReportMetric(res.IngestVsVerify, "ingest/verify")
	}
}

func TestActionSmoke(t *testing.T) {
	ctx := context.Background()
	o := devnet.DefaultOptions()
	o.Tickets, o.Services = 6, 3
	d, err := devnet.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	before := d.HotelServer.Rebookings()
	res, err := Action(ctx, d, QueryOptions{Duration: 300 * time.Millisecond, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Stats{res.Baseline, res.Action} {
		if s.Ops == 0 || s.Errors != 0 || s.P50 <= 0 || s.P99 < s.P50 {
			t.Fatalf("%s: %+v", s.Name, s)
		}
	}
	// Every call booked once: the baseline's and the actions' keys are fresh.
	if got := d.HotelServer.Rebookings() - before; got < res.Baseline.Ops+res.Action.Ops {
		t.Fatalf("hotel bookings %d, calls %d", got, res.Baseline.Ops+res.Action.Ops)
	}
	if res.ReceiptSingle <= 0 || res.ReceiptBatched <= 0 || !strings.Contains(res.Report(), "receipt per answer") {
		t.Fatalf("receipt figures: %+v", res)
	}
}
