package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/devnet"
)

var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

// testBinary builds this command once for the tests that run nodes as their
// own processes (it is removed by TestMain).
func testBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "smartlayer-bin-")
		if built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "smartlayer")
		// With the failpoints a crash test arms (internal/failpoint); unarmed
		// they do nothing.
		built.out, built.err = exec.Command("go", "build", "-tags", "failpoints", "-o", built.bin, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// TestDevnetProcs runs the devnet with every node as its own OS process of
// this command, kills one service process and sees its tickets re-placed.
func TestDevnetProcs(t *testing.T) {
	bin := testBinary(t)
	o := devnet.DefaultOptions()
	o.Procs, o.Binary, o.Tickets, o.Services = true, bin, 20, 4
	ctx := context.Background()
	d, err := devnet.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	if err := d.KillService(0); err != nil {
		t.Fatal(err)
	}
	if err := d.WaitTickets(ctx, 10*time.Second); err != nil {
		t.Fatalf("after killing a service process: %v", err)
	}
}

// TestChaos runs `smartlayer chaos` twice: over a fixed seed and over a
// random one (logged; SMARTLAYER_CHAOS_SEED replays a seed, and
// SMARTLAYER_CHAOS_DURATION sets the length of the faults, 45s by default).
// Every check of the report must pass.
func TestChaos(t *testing.T) {
	bin := testBinary(t)
	dur := 45 * time.Second
	if v := os.Getenv("SMARTLAYER_CHAOS_DURATION"); v != "" {
		var err error
		if dur, err = time.ParseDuration(v); err != nil {
			t.Fatalf("SMARTLAYER_CHAOS_DURATION: %v", err)
		}
	}
	random := uint64(time.Now().UnixNano() % 1_000_000)
	if v := os.Getenv("SMARTLAYER_CHAOS_SEED"); v != "" {
		var err error
		if random, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("SMARTLAYER_CHAOS_SEED: %v", err)
		}
	}
	for _, seed := range []uint64{1, random} {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Logf("chaos seed %d (replay: SMARTLAYER_CHAOS_SEED=%d, or smartlayer chaos --seed %d)", seed, seed, seed)
			o := devnet.ChaosOptions{Seed: seed, Duration: dur, Heal: 3 * time.Minute, Net: devnet.DefaultOptions(), Out: testWriter{t}}
			o.Net.Procs, o.Net.Binary, o.Net.Tickets = true, bin, 20
			r, err := devnet.Chaos(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Faults) < int(dur/(6*time.Second)) {
				t.Errorf("only %d faults in %s", len(r.Faults), dur)
			}
			for _, f := range r.Faults {
				if f.Err != "" {
					t.Errorf("fault %+v could not be made", f)
				}
			}
			if r.Acked == 0 || r.ActionsOK == 0 || r.QueriesOK == 0 {
				t.Errorf("the workload did nothing: %+v", r)
			}
			for _, c := range r.Checks {
				if !c.OK {
					t.Errorf("seed %d: %s: %s", seed, c.Name, c.Detail)
				}
			}
			if !r.OK() {
				t.Fatalf("seed %d failed a check; replay with SMARTLAYER_CHAOS_SEED=%d", seed, seed)
			}
		})
	}
}

// TestChaosPartitions runs `smartlayer chaos --partitions`: each node in a
// network namespace of its own, one anchor cut off, then the executor of
// a ticket with its rebooking in flight; then the same checks as the chaos
// run, and that the action finished once. It needs root and iproute2 and
// says so when skipped.
func TestChaosPartitions(t *testing.T) {
	bin := testBinary(t)
	if err := devnet.NetnsAvailable(); err != nil {
		t.Skipf("partitions between network namespaces not tried: %v", err)
	}
	o := devnet.ChaosOptions{Seed: 1, Heal: 3 * time.Minute, Net: devnet.DefaultOptions(), Out: testWriter{t}, Partitions: true}
	o.Net.Procs, o.Net.Binary, o.Net.Tickets = true, bin, 20
	r, err := devnet.Chaos(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	cuts := 0
	for _, f := range r.Faults {
		if f.Kind == "partition" && f.Err == "" {
			cuts++
		}
	}
	if cuts != 2 {
		t.Errorf("%d partitions made, want 2 (an anchor, an executor): %+v", cuts, r.Faults)
	}
	names := map[string]bool{}
	for _, c := range r.Checks {
		names[c.Name] = true
		if !c.OK {
			t.Errorf("%s: %s", c.Name, c.Detail)
		}
	}
	if !names["the action in flight when its executor was cut off finished, once"] {
		t.Errorf("the in-flight action was not checked: %+v", r.Checks)
	}
}

// TestSoak runs `smartlayer soak` for 30 s (SMARTLAYER_SOAK=1h for the
// hour the issue asks for, judged): every sample must have read every
// node's memory, goroutines and open files, and queries must have been
// answered in each interval.
func TestSoak(t *testing.T) {
	bin := testBinary(t)
	dur, interval := 30*time.Second, 5*time.Second
	if v := os.Getenv("SMARTLAYER_SOAK"); v != "" {
		var err error
		if dur, err = time.ParseDuration(v); err != nil {
			t.Fatalf("SMARTLAYER_SOAK: %v", err)
		}
		interval = max(interval, dur/60)
	}
	o := devnet.SoakOptions{Seed: 1, Duration: dur, Interval: interval, Net: devnet.DefaultOptions(), Out: testWriter{t}}
	o.Net.Procs, o.Net.Binary, o.Net.Tickets = true, bin, 20
	r, err := devnet.Soak(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Samples) < int(dur/interval)-1 {
		t.Fatalf("%d samples in %s every %s", len(r.Samples), dur, interval)
	}
	for _, s := range r.Samples {
		if s.MaxRSSMiB <= 0 || s.Goroutines <= 0 || s.OpenFDs <= 0 || s.Queries == 0 {
			t.Errorf("sample %+v: a node's resources unread, or no query answered", s)
		}
	}
	for _, c := range r.Checks {
		if !c.OK {
			t.Errorf("%s: %s", c.Name, c.Detail)
		}
	}
}

// testWriter sends each line a run prints to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
