package node

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// History has keys of its own: the last token.MaxHistory items are kept, and
// history inside an older instance record moves there.
func TestHistoryKeys(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := &serviceRole{n: &Node{store: st}, inst: map[wire.InstanceID]*instance{}}
	id := wire.InstanceID{7}
	in := &instance{Record: &placement.Record{Instance: id}, State: json.RawMessage(`{}`)}
	for i := 0; i < token.MaxHistory+44; i++ {
		in.HistoryN++
		if err := s.putApplied(in, &HistoryItem{Seq: uint64(i)}, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	h, err := s.history(id)
	if err != nil || len(h) != token.MaxHistory || h[0].Seq != 44 || h[len(h)-1].Seq != token.MaxHistory+43 {
		t.Fatalf("history: %v, %d items from %d", err, len(h), h[0].Seq)
	}
	old := wire.InstanceID{8}
	s.inst[old] = &instance{Record: &placement.Record{Instance: old}, History: []HistoryItem{{Seq: 1}, {Seq: 2}}}
	if err := s.moveHistory(); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.history(old); len(h) != 2 || h[1].Seq != 2 || s.inst[old].History != nil || s.inst[old].HistoryN != 2 {
		t.Fatalf("moved history: %+v", h)
	}
}

// Assignments from two anchors are answered concurrently: a drop decided on
// an older view must not remove an instance that a newer record naming this
// node has reached meanwhile, and an update that finds the instance gone
// says so, so the assignment takes it up again (found by a restart test:
// a ticket's replica answered "not a replica" for good).
func TestAssignmentRacesKeepTheNewestRecord(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := &serviceRole{n: &Node{store: st}, inst: map[wire.InstanceID]*instance{}, applier: newApplier()}
	id := wire.InstanceID{5}
	anchorA, anchorB := common.Address{1}, common.Address{2}
	r2 := &placement.Record{Instance: id, Fencing: 2, Anchor: anchorB, Replicas: []string{"other"}, Executor: "other"}
	r3 := &placement.Record{Instance: id, Fencing: 3, Anchor: anchorA, Replicas: []string{"me"}, Executor: "me"}
	s.inst[id] = &instance{Record: r3, State: json.RawMessage(`{}`)}
	if dropped, err := s.dropFor(r2); err != nil || dropped || s.inst[id] == nil {
		t.Fatalf("an older record dropped the instance: %v %v", dropped, err)
	}
	if dropped, err := s.dropPlacedBy(id, anchorB); err != nil || dropped || s.inst[id] == nil {
		t.Fatalf("a full sync from an anchor that no longer places it dropped it: %v %v", dropped, err)
	}
	r4 := &placement.Record{Instance: id, Fencing: 4, Anchor: anchorB, Replicas: []string{"other"}, Executor: "other"}
	if dropped, err := s.dropFor(r4); err != nil || !dropped || s.inst[id] != nil {
		t.Fatalf("a newer record did not drop it: %v %v", dropped, err)
	}
	r5 := &placement.Record{Instance: id, Fencing: 5, Anchor: anchorA, Replicas: []string{"me"}, Executor: "me"}
	if held, err := s.updateRecord(r5); err != nil || held {
		t.Fatalf("an update of a dropped instance reported it held: %v %v", held, err)
	}
}

// TestTokenKeyCallerRecord: an action under a token's key (tok-...) whose
// calling token's record names an epoch this node has not learnt is
// answered 503 caller-record-unchecked (the caller tries again); a record
// that fails its check otherwise (a forged signature, a stranger's
// record) is 400 idempotency-key-reserved, for good. Before, the first
// case was answered 400 too: the cause was lost on the way.
func TestTokenKeyCallerRecord(t *testing.T) {
	n, lb := ticketService(t)
	in := ticketInstance(lb, 1, common.Address{1}, "BA117")
	in.Record.Executor, in.Record.Replicas = n.PeerID().String(), []string{n.PeerID().String()}
	if err := n.service.put(in); err != nil {
		t.Fatal(err)
	}
	caller := newCallingToken(t, n)
	call := func() error {
		t.Helper()
		p := caller.presents(t, grant.Request{Method: "POST", Path: "/v1/tokens/" + in.ID().String() + "/actions/rebook", Body: []byte("{}")})
		_, err := n.service.action(context.Background(), in.ID(), "rebook", sandbox.TokenActionKey(caller.id.String(), "rebookHotel", "k", 1), json.RawMessage(`{}`), p)
		return err
	}
	for _, c := range []struct {
		check  error
		status int
		code   string
	}{
		{fmt.Errorf("%w 7", placement.ErrEpochUnknown), 503, "caller-record-unchecked"},
		{placement.ErrRecordSignature, 400, "idempotency-key-reserved"},
		{placement.ErrNotResponsible, 400, "idempotency-key-reserved"},
	} {
		caller.check = c.check
		var p *api.Problem
		if err := call(); !errors.As(err, &p) || p.Status != c.status || p.Code != c.code {
			t.Fatalf("record check %q: %v, want %d %s", c.check, err, c.status, c.code)
		}
	}
}

// TestTokenGrantCallerRecord: a token's call under the grant its owner
// gave the calling token, whose record names an epoch this node has not
// learnt, is answered 503 caller-record-unchecked (the calling node asks
// again); any other failed record check is the grant's refusal. Before,
// the cause was lost on the way and every such call was refused for good.
func TestTokenGrantCallerRecord(t *testing.T) {
	n, lb := ticketService(t)
	owner, _ := crypto.GenerateKey()
	in := ticketInstance(lb, 1, crypto.PubkeyToAddress(owner.PublicKey), "BA117")
	caller := newCallingToken(t, n)
	data, err := attest.GrantSchema.Schema.EncodeJSON([]byte(`{"instance":"` + in.ID().String() + `","integration":"` +
		wire.TokenAddress(caller.id).Hex() + `","scopes":["query:status"],"notAfter":` + fmt.Sprint(time.Now().Add(time.Hour).Unix()) + `}`))
	if err != nil {
		t.Fatal(err)
	}
	gs, err := attest.Sign(owner, n.domain, attest.Message{Version: attest.Version2, Schema: attest.GrantSchema.UID,
		Time: uint64(time.Now().Unix()), ExpirationTime: uint64(time.Now().Add(time.Hour).Unix()), Revocable: true, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	header, _ := json.Marshal(gs)
	for _, c := range []struct {
		check  error
		status int
	}{
		{fmt.Errorf("%w 7", placement.ErrEpochUnknown), 503},
		{placement.ErrRecordSignature, 403},
	} {
		caller.check = c.check
		p := caller.presents(t, grant.Request{Method: "POST", Path: "/v1/tokens/" + in.ID().String() + "/query/status", Body: []byte("{}")})
		p.Grant = string(header)
		_, _, err = n.service.grants.checkCall(p, in.Owner, in.ID(), "query:status", time.Now())
		var prob *api.Problem
		var refused *api.GrantRefused
		switch got := grantRefused(err); {
		case c.status == 503 && (!errors.As(got, &prob) || prob.Status != 503 || prob.Code != "caller-record-unchecked"):
			t.Fatalf("record check %q: %v, want 503 caller-record-unchecked", c.check, got)
		case c.status == 403 && !errors.As(got, &refused):
			t.Fatalf("record check %q: %v, want the grant refused", c.check, got)
		}
	}
}

// callingToken is another token calling this node in a test: its
// executor's key, its instance and its record (epoch 7), which this node's
// record check, replaced by newCallingToken, answers with check.
type callingToken struct {
	exec  *nodekey.Key
	id    wire.InstanceID
	rec   []byte
	check error
}

func newCallingToken(t *testing.T, n *Node) *callingToken {
	t.Helper()
	exec := newKey(t)
	c := &callingToken{exec: exec, id: wire.InstanceID{9}}
	c.rec, _ = json.Marshal(&placement.Record{Instance: c.id, Replicas: []string{exec.PeerID().String()},
		Executor: exec.PeerID().String(), Epoch: 7, Signature: []byte{1}})
	n.records = newRecordChecks(func(*placement.Record) error { return c.check })
	return c
}

// presents is request r as the calling token makes it: signed by its
// executor under a fresh nonce, naming the token and its record.
func (c *callingToken) presents(t *testing.T, r grant.Request) grant.Presented {
	t.Helper()
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	proof, err := grant.Sign(c.exec.ECDSA, r, time.Now(), nonce)
	if err != nil {
		t.Fatal(err)
	}
	return grant.Presented{Proof: proof, Request: r,
		Caller: grant.Caller{Instance: c.id.String(), Record: base64.RawURLEncoding.EncodeToString(c.rec)}}
}
