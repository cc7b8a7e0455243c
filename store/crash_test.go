package store

import (
	"errors"
	"testing"
)

// TestCrashLosesOnlyUnsynced: after a crash, synced writes are there and
// unsynced ones are gone; the store from before the crash is closed.
func TestCrashLosesOnlyUnsynced(t *testing.T) {
	c, err := OpenCrashable()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Put([]byte("synced"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := c.Batch(true, func(w Writes) { w.Set([]byte("batch"), []byte("3")) }); err != nil {
		t.Fatal(err)
	}
	// Last: a sync of the log would take the writes before it along.
	if err := c.PutNoSync([]byte("unsynced"), []byte("2")); err != nil {
		t.Fatal(err)
	}
	before := c.Store
	if err := c.Crash(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get([]byte("synced")); err != nil || string(v) != "1" {
		t.Fatalf("a synced write after the crash: %q %v", v, err)
	}
	if v, err := c.Get([]byte("batch")); err != nil || string(v) != "3" {
		t.Fatalf("a synced batch after the crash: %q %v", v, err)
	}
	if _, err := c.Get([]byte("unsynced")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an unsynced write survived the crash: %v", err)
	}
	if _, err := before.Get([]byte("synced")); !errors.Is(err, ErrClosed) {
		t.Fatalf("the store from before the crash: %v", err)
	}
}
