package store

import (
	"errors"
	"fmt"
	"testing"
)

func TestStoreSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := s.Put([]byte(fmt.Sprintf("a/%d", i)), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Put([]byte("b/x"), []byte("other"))
	_ = s.Delete([]byte("a/2"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var keys []string
	_ = s.Each([]byte("a/"), func(k, v []byte) error { keys = append(keys, string(k)); return nil })
	if fmt.Sprint(keys) != "[a/0 a/1 a/3 a/4]" {
		t.Fatalf("keys %v", keys)
	}
	if _, err := s.Get([]byte("a/2")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted key: %v", err)
	}
	if v, _ := s.Get([]byte("b/x")); string(v) != "other" {
		t.Fatalf("got %q", v)
	}
	if err := s.DeletePrefix([]byte("a/")); err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = s.Each([]byte(""), func(k, v []byte) error { n++; return nil })
	if v, _ := s.Get([]byte("b/x")); n != 1 || string(v) != "other" {
		t.Fatalf("after DeletePrefix: %d keys, b/x %q", n, v)
	}
}

// TestEachFromStartsAndStops: EachFrom starts at its key, stays in its
// prefix, and ErrStop ends the walk with no error after the keys read.
func TestEachFromStartsAndStops(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 100; i++ {
		_ = s.Put([]byte(fmt.Sprintf("a/%03d", i)), nil)
	}
	_ = s.Put([]byte("b/000"), nil)
	var keys []string
	err = s.EachFrom([]byte("a/"), []byte("a/090"), func(k, _ []byte) error {
		keys = append(keys, string(k))
		if len(keys) == 3 {
			return ErrStop
		}
		return nil
	})
	if err != nil || fmt.Sprint(keys) != "[a/090 a/091 a/092]" {
		t.Fatalf("from a/090, 3 keys: %v %v", keys, err)
	}
	keys = nil
	_ = s.EachFrom([]byte("a/"), []byte("a/098"), func(k, _ []byte) error { keys = append(keys, string(k)); return nil })
	if fmt.Sprint(keys) != "[a/098 a/099]" {
		t.Fatalf("to the prefix's end: %v", keys)
	}
}
