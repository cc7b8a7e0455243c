package registry

import (
	"errors"
	"log/slog"
	"strings"
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
	// A query priced like an action is refused for publishing, and one
	// kept from before the rule still loads.
	files = flightticket.Files()
	xml := string(files["flight-ticket.xml"])
	files["flight-ticket.xml"] = []byte(strings.Replace(xml, `<sl:price query="1" action="20"/>`, `<sl:price query="20" action="20"/>`, 1))
	if string(files["flight-ticket.xml"]) == xml {
		t.Fatal("the flight ticket's prices moved")
	}
	pricey := &tokenscript.Bundle{Files: files}
	if _, err := c.Prepare(pricey); !errors.Is(err, tokenscript.ErrMalformed) || !strings.Contains(err.Error(), "less than an action") {
		t.Fatalf("a query as dear as an action: %v", err)
	}
	if lb, err := c.prepare(pricey, true); err != nil || lb.Manifest.Service.QueryPriceOf("status") != 20 {
		t.Fatalf("a stored bundle with such prices: %v", err)
	}
}
