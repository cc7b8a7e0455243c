// Package bounded holds containers with a bound on what they hold.
package bounded

import "sync"

// FIFO is a map bounded in entries and in bytes (as each entry's size is
// given): a new entry pushes out the oldest until both bounds hold. An entry
// larger than a sixteenth of the byte bound is not kept. It is safe for
// concurrent use.
type FIFO[K comparable, V any] struct {
	mu       sync.Mutex
	m        map[K]fifoEntry[V]
	ring     []K // the keys held, oldest at ring[head]
	head, n  int
	bytes    int
	maxBytes int
}

type fifoEntry[V any] struct {
	v    V
	size int
}

// NewFIFO returns a FIFO of at most entries entries and maxBytes bytes
// (both at least 1).
func NewFIFO[K comparable, V any](entries, maxBytes int) *FIFO[K, V] {
	return &FIFO[K, V]{m: map[K]fifoEntry[V]{}, ring: make([]K, max(entries, 1)), maxBytes: max(maxBytes, 1)}
}

// Get returns the value under k.
func (f *FIFO[K, V]) Get(k K) (V, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.m[k]
	return e.v, ok
}

// Put keeps v under k, counted as size bytes, unless k is held already or
// v is too large to keep; it reports whether v is kept.
func (f *FIFO[K, V]) Put(k K, v V, size int) bool {
	if size > f.maxBytes/16 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[k]; ok {
		return false
	}
	var zero K
	for f.n > 0 && (f.n == len(f.ring) || f.bytes+size > f.maxBytes) {
		old := f.ring[f.head]
		f.ring[f.head] = zero
		f.head, f.n = (f.head+1)%len(f.ring), f.n-1
		f.bytes -= f.m[old].size
		delete(f.m, old)
	}
	f.ring[(f.head+f.n)%len(f.ring)] = k
	f.n++
	f.m[k], f.bytes = fifoEntry[V]{v: v, size: size}, f.bytes+size
	return true
}

// Len returns the entries held.
func (f *FIFO[K, V]) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.m)
}

// Bytes returns the size of the entries held.
func (f *FIFO[K, V]) Bytes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bytes
}
