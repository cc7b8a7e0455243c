package sandbox

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"
)

// TestScriptClockCountsRunningTime: the script clock stops a call when
// its thread has run for the budget, not when the budget of wall time has
// passed: a thread that waited for a core gets its timer set again for
// what it has left (the reader here stands for the thread's CPU clock).
func TestScriptClockCountsRunningTime(t *testing.T) {
	v := &vm{r: goja.New()}
	var mu sync.Mutex
	var cpu time.Duration
	reads := 0
	read := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		reads++
		return cpu
	}
	c := startClock(v, 20*time.Millisecond, func() (func() time.Duration, func()) { return read, func() {} })
	// The timer goes off (a second read) with the thread 5 ms into its
	// budget: no interrupt.
	mu.Lock()
	cpu = 5 * time.Millisecond
	mu.Unlock()
	waitFor(t, "the clock's timer to go off", func() bool { mu.Lock(); defer mu.Unlock(); return reads >= 2 })
	if v.stoppedBy() != nil {
		t.Fatal("interrupted with 5 ms of a 20 ms budget run")
	}
	// The thread runs the rest: the next timer interrupts the call.
	mu.Lock()
	cpu = 21 * time.Millisecond
	mu.Unlock()
	waitFor(t, "the interrupt", func() bool { return v.stoppedBy() != nil })
	if !errors.Is(v.stoppedBy(), ErrTimeout) {
		t.Fatalf("stopped by %v", v.stoppedBy())
	}
	if ran, ok := c.stop(20 * time.Millisecond); ok || ran < 20*time.Millisecond {
		t.Fatalf("stop: ran %s, clean %v", ran, ok)
	}
}

// TestThreadClockIsCPUTime: the thread's clock moves while the thread
// computes and stands still while it sleeps.
func TestThreadClockIsCPUTime(t *testing.T) {
	read, unlock := lockThreadClock()
	defer unlock()
	if read == nil {
		if runtime.GOOS == "linux" {
			t.Fatal("no thread CPU clock on Linux")
		}
		t.Skip("no thread CPU clock on " + runtime.GOOS)
	}
	start := read()
	x := 0
	for read()-start < 20*time.Millisecond {
		x++ // computing: the clock reaches 20 ms
	}
	before := read()
	time.Sleep(200 * time.Millisecond) // the behaviour under test: time passing off the CPU
	if slept := read() - before; slept > 100*time.Millisecond {
		t.Fatalf("the thread's clock moved %s while it slept 200 ms", slept)
	}
	_ = x
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestScriptClockLetsGoOfItsThreadWhileWaiting: an external call lets the
// goroutine go of its thread and the clock reads the next thread's clock
// from where that one stands, so running time adds up across threads
// whose clocks differ, and every lock is undone.
func TestScriptClockLetsGoOfItsThreadWhileWaiting(t *testing.T) {
	v := &vm{r: goja.New()}
	var mu sync.Mutex
	locks, unlocks := 0, 0
	cpu := []time.Duration{100 * time.Millisecond, 5 * time.Second} // two threads' clocks
	lock := func() (func() time.Duration, func()) {
		mu.Lock()
		defer mu.Unlock()
		th := locks % len(cpu)
		locks++
		return func() time.Duration { mu.Lock(); defer mu.Unlock(); return cpu[th] }, func() { mu.Lock(); unlocks++; mu.Unlock() }
	}
	run := func(th int, d time.Duration) { mu.Lock(); cpu[th] += d; mu.Unlock() }
	c := startClock(v, 20*time.Millisecond, lock)
	run(0, 5*time.Millisecond)
	c.pause()
	if mu.Lock(); locks != 1 || unlocks != 1 {
		t.Fatalf("paused: %d locks, %d unlocks; want the thread let go", locks, unlocks)
	}
	mu.Unlock()
	run(0, time.Second) // another goroutine on that thread: not the script's
	c.resume()
	run(1, 10*time.Millisecond)
	ran, ok := c.stop(20 * time.Millisecond)
	c.release()
	if !ok || ran != 15*time.Millisecond {
		t.Fatalf("ran %s (clean %v), want 15ms", ran, ok)
	}
	if locks != 2 || unlocks != 2 {
		t.Fatalf("%d locks, %d unlocks", locks, unlocks)
	}
	if v.stoppedBy() != nil {
		t.Fatal("interrupted")
	}
}
