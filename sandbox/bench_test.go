package sandbox

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
)

const benchState = `{"flight":"BA117","date":"2026-12-01","passenger":"Ada Lovelace","seat":"1A","holder":"0x90F79bf6EB2c4f870365E785982E1f101E93b906","issuedAt":1795549687,"delayMinutes":190,"status":"delayed","lounge":true,"rebooking":"none"}`

func flightModule(tb testing.TB) []byte {
	src, err := os.ReadFile("../examples/flight-ticket/service.js")
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// rawStatus is the baseline: one goja runtime with the module loaded, the
// status function called directly with the same JSON crossing.
func rawStatus(tb testing.TB) func() string {
	r := goja.New()
	module := r.NewObject()
	_ = module.Set("exports", r.NewObject())
	_ = r.Set("module", module)
	if _, err := r.RunString(string(flightModule(tb))); err != nil {
		tb.Fatal(err)
	}
	status, _ := goja.AssertFunction(module.Get("exports").ToObject(r).Get("queries").ToObject(r).Get("status"))
	js := r.Get("JSON").ToObject(r)
	parse, _ := goja.AssertFunction(js.Get("parse"))
	stringify, _ := goja.AssertFunction(js.Get("stringify"))
	st, args := r.ToValue(benchState), r.ToValue("{}")
	return func() string {
		s, _ := parse(goja.Undefined(), st)
		a, _ := parse(goja.Undefined(), args)
		c := r.NewObject()
		_ = c.Set("now", 1)
		out, err := status(goja.Undefined(), s, a, c)
		if err != nil {
			tb.Fatal(err)
		}
		res, _ := stringify(goja.Undefined(), out)
		return res.String()
	}
}

// BenchmarkQueryPoolVsRaw measures a warm query through the pool, with its
// limits and transcript, against a raw goja call of the same function, and
// against Node.js running it when node is on the PATH, all in the same run.
// Target: pool and transcript overhead at most 20 µs above the raw call.
func BenchmarkQueryPoolVsRaw(b *testing.B) {
	m, err := Compile("service.js", flightModule(b), Limits{})
	if err != nil {
		b.Fatal(err)
	}
	raw := rawStatus(b)
	env := Env{Instance: "0x01", Now: time.UnixMilli(1_800_000_000_000)}
	ctx := context.Background()
	state, args := json.RawMessage(benchState), json.RawMessage("{}")
	for i := 0; i < 1000; i++ { // warm both
		raw()
		_, _ = m.Run(ctx, Call{Kind: KindQuery, Name: "status", State: state, Args: args, Env: env})
	}
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		raw()
	}
	rawNs := float64(time.Since(t0).Nanoseconds()) / float64(b.N)
	t1 := time.Now()
	for i := 0; i < b.N; i++ {
		res, err := m.Run(ctx, Call{Kind: KindQuery, Name: "status", State: state, Args: args, Env: env})
		if err != nil {
			b.Fatal(err)
		}
		_ = res.Transcript.Root()
	}
	poolNs := float64(time.Since(t1).Nanoseconds()) / float64(b.N)
	b.StopTimer()
	b.ReportMetric(rawNs/1000, "raw-µs/call")
	b.ReportMetric(poolNs/1000, "pool-µs/call")
	b.ReportMetric((poolNs-rawNs)/1000, "overhead-µs")
	b.ReportMetric(poolNs/rawNs, "pool/raw")
	if node, err := exec.LookPath("node"); err == nil {
		out, err := exec.Command(node, "testdata/status-bench.js", "200000").Output()
		if err == nil {
			if ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && ns > 0 {
				b.ReportMetric(ns/1000, "node-µs/call")
				b.ReportMetric(poolNs/ns, "pool/node")
			}
		}
	}
}
