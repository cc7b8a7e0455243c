package registry

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// A bundle added survives a reopen of the store; one whose module lacks a
// declared function, or without a <service> element, is refused.
func TestAddLoadAndRefuse(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{Store: st, Log: slog.New(slog.DiscardHandler), MaxCallDepth: 64, MaxTimeout: time.Second}
	c := New(d)
	b := &tokenscript.Bundle{Files: flightticket.Files()}
	lb, err := c.Add(b)
	if err != nil || lb.Script == nil || lb.Origin == nil || lb.Module == nil {
		t.Fatalf("add: %+v %v", lb, err)
	}
	if got, ok := c.Get(b.Hash()); !ok || got != lb {
		t.Fatal("not cached")
	}
	st.Close()
	st, _ = store.Open(dir)
	defer st.Close()
	d.Store = st
	c2 := New(d)
	if err := c2.Load(); err != nil {
		t.Fatal(err)
	}
	if _, ok := c2.Get(b.Hash()); !ok {
		t.Fatal("the stored bundle did not load after a reopen")
	}
	files := flightticket.Files()
	files["service.js"] = []byte(`module.exports = {queries: {other(s) { return s; }}, apply(s) { return s; }};`)
	if _, err := c.Prepare(&tokenscript.Bundle{Files: files}); !errors.Is(err, tokenscript.ErrMalformed) {
		t.Fatalf("a module without the declared functions: %v", err)
	}
}
