//go:build !linux

package sandbox

import "time"

// lockThreadClock has no thread CPU clock to offer off Linux: scripts'
// running time is wall time there.
func lockThreadClock() (read func() time.Duration, unlock func()) {
	return nil, func() {}
}

const hasThreadClock = false
