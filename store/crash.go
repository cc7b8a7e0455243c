package store

import (
	"fmt"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// Crashable is a store in memory that a test can crash: Crash loses every
// write that was not synced, as a power cut would lose it from the page
// cache, and opens the store again on what was. It is for tests of what a
// node keeps across a crash (a restart after Close loses nothing, so it
// proves less).
type Crashable struct {
	fs *vfs.MemFS
	*Store
}

const crashDir = "store"

// OpenCrashable opens an empty Crashable store.
func OpenCrashable() (*Crashable, error) {
	c := &Crashable{fs: vfs.NewStrictMem()}
	if err := c.fs.MkdirAll(crashDir, 0o755); err != nil {
		return nil, err
	}
	// The directory is made durable, as a node's data directory is
	// before the store opens.
	if d, err := c.fs.OpenDir(""); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return c, c.open()
}

func (c *Crashable) open() error {
	db, err := pebble.Open(crashDir, &pebble.Options{FS: c.fs, Logger: quietLogger{}})
	if err != nil {
		return fmt.Errorf("open crashable store: %w", err)
	}
	c.Store = &Store{db: db}
	return nil
}

// Crash drops what was not synced and reopens the store: the Store from
// before answers ErrClosed from now on; c.Store is the one after.
func (c *Crashable) Crash() error {
	c.fs.SetIgnoreSyncs(true)
	_ = c.Store.Close() // what its close writes is lost with the rest
	c.fs.ResetToSyncedState()
	c.fs.SetIgnoreSyncs(false)
	return c.open()
}
