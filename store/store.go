// Package store is a node's durable key-value store on Pebble.
package store

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble"
)

// ErrNotFound is returned by Get for a missing key.
var ErrNotFound = errors.New("not found")

// ErrClosed is returned by operations on a closed store.
var ErrClosed = errors.New("store closed")

// Store is one node's database. Writes that a node acknowledges are synced.
// Operations after Close fail with ErrClosed (Pebble itself would panic):
// a network handler may still be finishing when its node shuts down.
type Store struct {
	mu     sync.RWMutex
	closed bool
	db     *pebble.DB
}

// Open opens or creates the store in dir.
func Open(dir string) (*Store, error) {
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return &Store{db: db}, nil
}

// Key builds a key: a fresh copy of prefix with parts appended (never
// sharing an array with another key).
func Key(prefix string, parts ...[]byte) []byte {
	n := len(prefix)
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	k = append(k, prefix...)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// Writes is what a batch's fill function may do: sets and deletes that
// commit together.
type Writes interface {
	Set(key, value []byte)
	Delete(key []byte)
}

type batch struct{ b *pebble.Batch }

func (w batch) Set(key, value []byte) { _ = w.b.Set(key, value, nil) }
func (w batch) Delete(key []byte)     { _ = w.b.Delete(key, nil) }

// Batch writes several keys at once, synced when sync is set. Pebble stays
// behind this package: callers see Writes.
func (s *Store) Batch(sync bool, fill func(w Writes)) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	b := s.db.NewBatch()
	defer b.Close() // back to Pebble's pool once committed
	fill(batch{b})
	opt := pebble.NoSync
	if sync {
		opt = pebble.Sync
	}
	return b.Commit(opt)
}

// Close flushes and closes the store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.db.Close()
}

// Get returns a copy of the value at key.
func (s *Store) Get(key []byte) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return bytes.Clone(v), nil
}

// Put writes and syncs key.
func (s *Store) Put(key, value []byte) error { return s.set(key, value, pebble.Sync) }

// PutNoSync writes key without waiting for the disk: for data that can be
// rebuilt or fetched again.
func (s *Store) PutNoSync(key, value []byte) error { return s.set(key, value, pebble.NoSync) }

func (s *Store) set(key, value []byte, opt *pebble.WriteOptions) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.db.Set(key, value, opt)
}

// Delete removes and syncs key.
func (s *Store) Delete(key []byte) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.db.Delete(key, pebble.Sync)
}

// DeletePrefix removes every key with prefix.
func (s *Store) DeletePrefix(prefix []byte) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.db.DeleteRange(prefix, prefixEnd(prefix), pebble.Sync)
}

// DeleteRange removes every key from start (included) to end (excluded),
// without waiting for the disk.
func (s *Store) DeleteRange(start, end []byte) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.db.DeleteRange(start, end, pebble.NoSync)
}

// Each calls fn for every key with prefix, in key order, until fn returns an error.
func (s *Store) Each(prefix []byte, fn func(key, value []byte) error) error {
	return s.EachFrom(prefix, prefix, fn)
}

// ErrStop, returned by an EachFrom callback, ends the walk without error.
var ErrStop = errors.New("store: stop")

// EachFrom is Each from the first key at or after from (which starts with
// prefix) on; fn may end it early with ErrStop.
func (s *Store) EachFrom(prefix, from []byte, fn func(key, value []byte) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	if !bytes.HasPrefix(from, prefix) {
		from = prefix
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: from, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		if err := fn(it.Key(), it.Value()); errors.Is(err, ErrStop) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return it.Error()
}

func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}
