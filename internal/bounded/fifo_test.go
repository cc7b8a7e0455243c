package bounded

import "testing"

func TestFIFOBounds(t *testing.T) {
	f := NewFIFO[int, string](4, 1600)
	for i := range 10 {
		f.Put(i, "v", 10)
	}
	if f.Len() != 4 || f.Bytes() != 40 {
		t.Fatalf("%d entries, %d bytes; want the entry bound 4, 40", f.Len(), f.Bytes())
	}
	for i := range 10 {
		if _, ok := f.Get(i); ok != (i >= 6) {
			t.Fatalf("entry %d held %v: the newest four are kept", i, ok)
		}
	}
	if f.Put(6, "again", 10) {
		t.Fatal("an entry held already was replaced")
	}
	// Bytes: 100 a piece in 1600 holds 16 but the entry bound is 4; with
	// a large bound on entries, the byte bound decides.
	f = NewFIFO[int, string](1000, 1600)
	for i := range 40 {
		f.Put(i, "v", 100)
	}
	if f.Len() != 16 || f.Bytes() != 1600 {
		t.Fatalf("%d entries, %d bytes; want 16, 1600", f.Len(), f.Bytes())
	}
	if f.Put(100, "big", 101) || f.Len() != 16 {
		t.Fatal("an entry past a sixteenth of the byte bound was kept")
	}
	// A mix of sizes keeps the byte bound exactly.
	for i := range 200 {
		f.Put(1000+i, "v", 1+i%100)
		if f.Bytes() > 1600 || f.Len() > 1000 {
			t.Fatalf("%d bytes in %d entries", f.Bytes(), f.Len())
		}
	}
}
