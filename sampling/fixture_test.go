package sampling

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/wire"
)

// fixture is what the verifier's tests share: a store, a service node's
// and an anchor's keys, and a module with one query, q(state, args) =
// {n: state.n + args.add}, run on instance 0x01 at 1 s.
type fixture struct {
	st                 *store.Store
	nodeKey, anchorKey *nodekey.Key
	mod                *sandbox.Module
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	nodeKey, _ := nodekey.Generate()
	anchorKey, _ := nodekey.Generate()
	mod, err := sandbox.Compile("t.js", []byte(`module.exports = { queries: { q(state, args) { return {n: state.n + args.add}; } } };`), sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, nodeKey: nodeKey, anchorKey: anchorKey, mod: mod}
}

// run runs q on state with args; its transcript.
func (f *fixture) run(t *testing.T, state, args string) *sandbox.Transcript {
	t.Helper()
	res, err := f.mod.Run(context.Background(), sandbox.Call{Kind: sandbox.KindQuery, Name: "q", State: json.RawMessage(state), Args: json.RawMessage(args),
		Env: sandbox.Env{Instance: wire.InstanceID{1}.String(), Now: time.UnixMilli(1000)}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Transcript
}

// sign seals rc with the service node's key.
func (f *fixture) sign(t *testing.T, rc *receipt.Receipt) *receipt.Receipt {
	t.Helper()
	if err := receipt.NewBatcher(receipt.Software{Key: f.nodeKey.ECDSA}, true).Seal(rc); err != nil {
		t.Fatal(err)
	}
	return rc
}
