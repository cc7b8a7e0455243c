package sandbox

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// lockThreadClock locks the calling goroutine to its OS thread and returns
// a reader of that thread's CPU time, which any goroutine may call, and
// the unlock. A script's running time is measured on it: time the thread
// waited for a core while other work ran does not count, so a node whose
// cores are busy does not stop a script that a quiet node lets finish.
// nil read: the thread's clock could not be read (the wall clock is used).
func lockThreadClock() (read func() time.Duration, unlock func()) {
	runtime.LockOSThread()
	// Linux's clock ID of one thread's CPU time (the kernel's
	// MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)): readable by every thread
	// of the process.
	id := int32(^uint32(unix.Gettid())<<3) | 6
	var ts unix.Timespec
	if unix.ClockGettime(id, &ts) != nil {
		return nil, runtime.UnlockOSThread
	}
	return func() time.Duration {
		var ts unix.Timespec
		if unix.ClockGettime(id, &ts) != nil {
			return 0
		}
		return time.Duration(ts.Nano())
	}, runtime.UnlockOSThread
}

// hasThreadClock: this system lets a thread read its CPU clock.
var hasThreadClock = func() bool {
	read, unlock := lockThreadClock()
	unlock()
	return read != nil
}()
