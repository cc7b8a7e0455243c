package node

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// testNode makes a node of role whose anchor set is the given key's peer
// (an anchor node has that key); configure, if given, adjusts its
// configuration first.
func testNode(t *testing.T, role Role, anchor *nodekey.Key, configure ...func(*Config)) *Node {
	t.Helper()
	c := validConfig()
	c.Role = role
	c.DataDir = t.TempDir()
	c.HTTP.Listen = "127.0.0.1:0"
	c.P2P.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	c.Network.Anchors = []string{anchor.PeerID().String()}
	c.Network.ServiceNodes = []string{anchor.PeerID().String()}
	for _, f := range configure {
		f(&c)
	}
	if role == RoleAnchor {
		if err := anchor.Save(c.DataDir + "/node.key"); err != nil {
			t.Fatal(err)
		}
	}
	n, err := New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// TestRouteOnlyTheScriptsCall: an anchor routes an executor's failing call
// only if the action's script, run on the inputs the executor sent, makes
// exactly that request (hostile-input item 7).
func TestRouteOnlyTheScriptsCall(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleAnchor, key)
	airline, _ := crypto.GenerateKey()
	b, err := flightticket.Issued(airline, n.domain, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lb, err := n.anchor.bundles.Add(b)
	if err != nil {
		t.Fatal(err)
	}
	var id wire.InstanceID
	id[0] = 9
	state := json.RawMessage(`{"passenger":"Ada","flight":"BA117","date":"2026-12-01","delayMinutes":200,"rebooking":"none"}`)
	args := json.RawMessage(`{"hotel":"http://127.0.0.1"}`)
	now := time.Now()
	// What the executor's script really asked for: run it with a fetcher
	// that records the request.
	rec := &recordingFetcher{}
	_, err = lb.Module.Run(context.Background(), sandbox.Call{Kind: sandbox.KindAction, Name: "rebook", State: state, Args: args,
		Env: sandbox.Env{Instance: id.String(), Now: now, Egress: lb.Manifest.Service.Egress, Fetcher: rec, IdempotencyKey: "key-1"}})
	if err != nil || rec.req == nil {
		t.Fatalf("the action made no call: %v", err)
	}
	call := func(req *sandbox.FetchRequest) *executor.RouteCall {
		return &executor.RouteCall{Action: "rebook", Request: req, State: state, Args: args, NowMs: now.UnixMilli(), Key: "key-1"}
	}
	if err := n.anchor.router.CheckCall(context.Background(), lb, id, call(rec.req)); err != nil {
		t.Fatalf("the script's own call refused: %v", err)
	}
	bogus := *rec.req
	bogus.URL = "http://127.0.0.1/admin/delete-everything"
	if err := n.anchor.router.CheckCall(context.Background(), lb, id, call(&bogus)); !errors.Is(err, executor.ErrNotTheScriptsCall) {
		t.Fatalf("a call of the executor's choosing: got %v", err)
	}
	otherKey := call(rec.req)
	otherKey.Key = "key-2" // the script would send another Idempotency-Key
	if err := n.anchor.router.CheckCall(context.Background(), lb, id, otherKey); !errors.Is(err, executor.ErrNotTheScriptsCall) {
		t.Fatalf("inputs that do not give this call: got %v", err)
	}
	tooMany := call(rec.req)
	tooMany.Prior = []sandbox.External{{Kind: "fetch", Request: json.RawMessage(`{}`), Response: json.RawMessage(`{}`)}}
	if err := n.anchor.router.CheckCall(context.Background(), lb, id, tooMany); !errors.Is(err, executor.ErrNotTheScriptsCall) {
		t.Fatalf("a made-up earlier call: got %v", err)
	}
}

type recordingFetcher struct{ req *sandbox.FetchRequest }

func (f *recordingFetcher) Fetch(_ context.Context, req *sandbox.FetchRequest, _ int) *sandbox.FetchResponse {
	if f.req == nil {
		cp := *req
		f.req = &cp
	}
	return &sandbox.FetchResponse{Error: "recorded"}
}

// TestHeadsArePaged: any number of streams can be listed for repair, a page
// at a time (hostile-input item 14).
func TestHeadsArePaged(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleAnchor, key)
	airline, _ := nodekey.Generate()
	const streams = 2*attengine.MaxHeadsPage + 10
	for i := 0; i < streams; i++ {
		pub, _ := nodekey.Generate()
		s, err := attest.Sign(airline.ECDSA, n.domain, attest.Message{Version: 2, Schema: attest.FlightStatusSchema.UID,
			Time: uint64(time.Now().Unix()), Data: []byte{byte(i), byte(i >> 8)}})
		if err != nil {
			t.Fatal(err)
		}
		att, _ := json.Marshal(s)
		e := &attlog.Entry{Topic: attest.FlightStatusSchema.UID.String() + "/X/1", Seq: 1, Attestation: att}
		_ = e.Sign(pub.ECDSA)
		if _, err := n.att.Offer(e, s); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[attlog.StreamID]bool{}
	var after *attlog.StreamID
	pages := 0
	for {
		resp, err := n.att.Serve(context.Background(), "", &attengine.Request{After: after})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(resp.Heads) > attengine.MaxHeadsPage {
			t.Fatalf("page of %d heads", len(resp.Heads))
		}
		for _, h := range resp.Heads {
			id := attlog.StreamID{Topic: h.Topic, Publisher: h.Publisher}
			if seen[id] {
				t.Fatalf("stream %v listed twice", id)
			}
			seen[id] = true
		}
		if !resp.More {
			break
		}
		last := resp.Heads[len(resp.Heads)-1]
		after = &attlog.StreamID{Topic: last.Topic, Publisher: last.Publisher}
	}
	if len(seen) != streams || pages != 3 {
		t.Fatalf("%d streams in %d pages, want %d in 3", len(seen), pages, streams)
	}
	if b, _ := json.Marshal(&attengine.Response{Heads: make([]attlog.StreamHead, attengine.MaxHeadsPage)}); len(b) > 1<<20 {
		t.Fatalf("a full page is %d bytes", len(b))
	}
}

// TestPublisherRateAfterVerification: an anchor takes at most its
// publisher rate of entries from one publisher, and forged entries that
// name a publisher do not use up its rate (found in review).
func TestPublisherRateAfterVerification(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleAnchor, key, func(c *Config) { c.Network.PublisherRate, c.Network.PublisherBurst = 0.001, 2 })
	n.Start(context.Background())
	airline, _ := nodekey.Generate()
	pub, _ := nodekey.Generate()
	topic := attest.FlightStatusSchema.UID.String() + "/BA117/2026-12-01"
	var prev common.Hash
	entry := func(seq uint64, forged bool) []byte {
		data, _ := attest.FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":` + fmt.Sprint(seq) + `,"status":"delayed"}`))
		s, _ := attest.Sign(airline.ECDSA, n.domain, attest.Message{Version: 2, Schema: attest.FlightStatusSchema.UID, Time: uint64(time.Now().Unix()), Data: data})
		att, _ := json.Marshal(s)
		e := &attlog.Entry{Topic: topic, Seq: seq, Prev: prev, Attestation: att}
		_ = e.Sign(pub.ECDSA)
		if forged {
			e.Signature[5] ^= 1
		} else {
			prev = e.Hash()
		}
		b, _ := json.Marshal(e)
		return b
	}
	post := func(b []byte) int {
		resp, err := http.Post(n.httpURL+"/v1/attestations", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < 5; i++ { // forged entries naming the publisher
		if got := post(entry(1, true)); got == http.StatusCreated || got == http.StatusTooManyRequests {
			t.Fatalf("forged entry: %d", got)
		}
	}
	for seq, want := range []int{http.StatusCreated, http.StatusCreated, http.StatusTooManyRequests} {
		if got := post(entry(uint64(seq+1), false)); got != want {
			t.Fatalf("entry %d: %d, want %d", seq+1, got, want)
		}
	}
}

// TestRouteCheckSurvivesTheWire: the route request crosses libp2p as JSON;
// the anchor's re-run must see the executor's exact inputs (the random seed
// is derived from their bytes) and answer its earlier token queries from
// the executor's record (found in review).
func TestRouteCheckSurvivesTheWire(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleAnchor, key)
	src := `module.exports = {
  queries: { q() { return 1; } },
  actions: { go(state, args, ctx) {
    var other = ctx.tokens.query("0x02", "status", {});
    ctx.fetch("http://127.0.0.1/book?nonce=" + Math.random() + "&s=" + other.seat);
    return {state: state, result: {}};
  } },
};`
	mod, err := sandbox.Compile("wire.js", []byte(src), sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	lb := &loadedBundle{Module: mod, Manifest: &tokenscript.Manifest{}}
	lb.Manifest.Service = &tokenscript.Service{Egress: []string{"127.0.0.1"}}
	var id wire.InstanceID
	id[0] = 3
	state := json.RawMessage(`{"a": 1}`)                    // not compact, on purpose
	args := json.RawMessage(`{ "x" : "a&b<c>", "n": 1.0 }`) // HTML characters JSON escapes
	// The executor's side: a routed fetcher that records, over a querier.
	rf := &executor.Recorder{}
	tq := rf.Tokens(fixedQuerier{`{"seat":"1A"}`})
	rec := &recordingFetcher{}
	_, _ = mod.Run(context.Background(), sandbox.Call{Kind: sandbox.KindAction, Name: "go", State: state, Args: args,
		Env: sandbox.Env{Instance: id.String(), Now: time.UnixMilli(1000), Egress: []string{"127.0.0.1"}, Fetcher: rec, Tokens: tq, IdempotencyKey: "k"}})
	if rec.req == nil {
		t.Fatal("the action made no fetch")
	}
	call := &executor.RouteCall{Action: "go", Request: rec.req, State: state, Args: args, NowMs: 1000, Key: "k", Prior: rf.Calls}
	wire, _ := json.Marshal(call)
	var got executor.RouteCall
	if err := json.Unmarshal(wire, &got); err != nil {
		t.Fatal(err)
	}
	if err := n.anchor.router.CheckCall(context.Background(), lb, id, &got); err != nil {
		t.Fatalf("an honest call refused after crossing the wire: %v", err)
	}
}

type fixedQuerier struct{ answer string }

func (q fixedQuerier) QueryToken(context.Context, sandbox.TokenCall) (*sandbox.TokenAnswer, error) {
	return &sandbox.TokenAnswer{Result: json.RawMessage(q.answer)}, nil
}

// TestOwnPublishesNotRateLimited: the publisher rate is for clients; a
// node's own results, failures and evidence are not held to it (found in
// review: an executor past the rate lost its results).
func TestOwnPublishesNotRateLimited(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleAnchor, key, func(c *Config) { c.Network.PublisherRate, c.Network.PublisherBurst = 0.001, 1 })
	n.Start(context.Background())
	var id wire.InstanceID
	id[0] = 4
	for i := 0; i < 5; i++ {
		att, err := attest.SignNetwork(key.ECDSA, n.domain, attest.FailureSchema, map[string]any{
			"instance": id.String(), "action": "rebook", "request": "POST http://x/", "requestHash": common.Hash{}.Hex(),
			"errorClass": "timeout", "attempts": fmt.Sprint(i + 1)}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := n.publishOwn(context.Background(), key, wire.FailureTopic(id), att); err != nil {
			t.Fatalf("own publish %d: %v", i+1, err)
		}
	}
}

// TestDroppedInstanceLeavesTopics: a service node follows the topics of the
// instances it holds and leaves each one no held instance follows any more
// when an instance goes (an epoch's re-placement moves most instances: a
// node must not end up following every topic it ever held). A topic two
// instances share stays until both are gone (issue 16, bounded topics).
func TestDroppedInstanceLeavesTopics(t *testing.T) {
	n, lb := ticketService(t)
	mk := func(b byte, owner common.Address) *instance {
		in := ticketInstance(lb, b, owner, "BA117")
		if err := n.service.put(in); err != nil {
			t.Fatal(err)
		}
		n.service.followInstance(in)
		return in
	}
	alice, bob := common.Address{0xa}, common.Address{0xb}
	one, two := mk(1, alice), mk(2, bob)
	topics := func(in *instance) []string {
		ts, _ := n.service.topicsOf(in)
		out := []string{wire.RevocationTopic(in.Owner)}
		for t := range ts {
			out = append(out, t)
		}
		return out
	}
	shared := "" // the flight's status topic: both follow it
	for _, tp := range topics(one) {
		if !n.att.Following(tp) {
			t.Fatalf("instance 1's topic %s not followed", tp)
		}
		if slices.Contains(topics(two), tp) {
			shared = tp
		}
	}
	if shared == "" {
		t.Fatal("the two tickets of one flight share no topic")
	}
	before := n.att.FollowedTopics()
	if err := n.service.dropNow(one.Record.Instance); err != nil {
		t.Fatal(err)
	}
	for _, tp := range topics(one) {
		if want := slices.Contains(topics(two), tp); n.att.Following(tp) != want {
			t.Fatalf("after instance 1 left, topic %s followed %v, want %v", tp, !want, want)
		}
	}
	if n.att.FollowedTopics() >= before {
		t.Fatalf("followed topics %d after a drop, %d before", n.att.FollowedTopics(), before)
	}
	if err := n.service.dropNow(two.Record.Instance); err != nil {
		t.Fatal(err)
	}
	if n.att.Following(shared) || n.att.Following(wire.RevocationTopic(bob)) {
		t.Fatal("topics followed with no instance held")
	}
}

// TestStreamsCapped: past http.max_streams Server-Sent Event streams open
// at once, another is answered 503 too-many-streams with Retry-After, and
// the metric counts the open ones; once one closes, a new one opens.
func TestStreamsCapped(t *testing.T) {
	key, _ := nodekey.Generate()
	n := testNode(t, RoleAnchor, key, func(c *Config) { c.HTTP.MaxStreams = 2 })
	n.Start(context.Background())
	url := n.HTTPURL() + "/v1/topics/" + neturl.PathEscape("0x"+strings.Repeat("ab", 32)+"/LH400/2026-12-01") + "/stream"
	open := func() (*http.Response, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		return resp, cancel
	}
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	for i := 0; i < 2; i++ {
		resp, cancel := open()
		cancels = append(cancels, cancel)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %s", i+1, resp.Status)
		}
	}
	if got := n.streams.Load(); got != 2 {
		t.Fatalf("%d streams counted, want 2", got)
	}
	resp, cancel := open()
	b, _ := io.ReadAll(resp.Body)
	cancel()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "too-many-streams") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a third stream: %s %s (Retry-After %q)", resp.Status, b, resp.Header.Get("Retry-After"))
	}
	cancels[0]()
	deadline := time.Now().Add(30 * time.Second)
	for n.streams.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream still counted: %d open", n.streams.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, cancel = open()
	cancels = append(cancels, cancel)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a stream once one closed: %s", resp.Status)
	}
}

// TestOwnerChangeLeavesOldOwnersTopic: a token that changes hands makes
// the node follow its new owner's revocations and leave the old owner's,
// unless another token held there is the old owner's (a token passed from
// owner to owner must not add a followed topic each time).
func TestOwnerChangeLeavesOldOwnersTopic(t *testing.T) {
	n, lb := ticketService(t)
	alice, bob, carol := common.Address{0xa}, common.Address{0xb}, common.Address{0xc}
	mk := func(b byte, owner common.Address) *instance {
		in := ticketInstance(lb, b, owner, "BA117")
		if err := n.service.put(in); err != nil {
			t.Fatal(err)
		}
		n.service.followInstance(in)
		return in
	}
	one := mk(1, alice)
	mk(2, carol)
	before := n.att.FollowedTopics()
	pass := func(in *instance, to common.Address) {
		from := in.Owner
		in.Owner = to // what applying the transfer stored
		if err := n.service.put(in); err != nil {
			t.Fatal(err)
		}
		n.service.ownerChanged(in.Record.Instance, from, to)
	}
	pass(one, bob)
	if !n.att.Following(wire.RevocationTopic(bob)) || n.att.Following(wire.RevocationTopic(alice)) {
		t.Fatalf("after alice -> bob: following bob %v, alice %v", n.att.Following(wire.RevocationTopic(bob)), n.att.Following(wire.RevocationTopic(alice)))
	}
	if got := n.att.FollowedTopics(); got != before {
		t.Fatalf("followed topics %d after a transfer, %d before", got, before)
	}
	// To carol, who holds the other ticket: bob's goes, carol's stays.
	pass(one, carol)
	pass(one, alice)
	if !n.att.Following(wire.RevocationTopic(carol)) || n.att.Following(wire.RevocationTopic(bob)) || !n.att.Following(wire.RevocationTopic(alice)) {
		t.Fatal("after bob -> carol -> alice: carol's topic left though she holds a ticket, or bob's kept")
	}
	if got := n.att.FollowedTopics(); got != before {
		t.Fatalf("followed topics %d after three transfers, %d before", got, before)
	}
}

// TestAdmitIsAtomic: instances admitted at once from several goroutines
// (assignments from several anchors, on different shards) never take the
// node past service.max_topics together: admission and bookkeeping are one
// step (issue 16, bounded topics; found in review).
func TestAdmitIsAtomic(t *testing.T) {
	n, lb := ticketService(t, func(c *Config) { c.Service.MaxTopics = 8 })
	mk := func(i int) *instance {
		return ticketInstance(lb, byte(i+1), common.Address{byte(i + 1)}, fmt.Sprintf("BA%d", 100+i))
	}
	perInstance := len(n.service.wanted(mk(0)))
	if perInstance < 2 {
		t.Fatalf("a ticket wants %d topics", perInstance)
	}
	var wg sync.WaitGroup
	var admitted atomic.Int32
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n.service.admit(mk(i)) {
				admitted.Add(1)
			}
		}()
	}
	wg.Wait()
	if got, want := int(admitted.Load()), 8/perInstance; got != want {
		t.Fatalf("%d of 16 instances of %d new topics each admitted under a cap of 8, want %d", got, perInstance, want)
	}
	if n.service.followedTopics() > 8 {
		t.Fatalf("%d topics after admission, cap 8", n.service.followedTopics())
	}
}

// ticketService is a started service node with the flight ticket's bundle
// loaded (the topic tests' setup).
func ticketService(t *testing.T, configure ...func(*Config)) (*Node, *registry.Bundle) {
	t.Helper()
	airline, _ := crypto.GenerateKey()
	return ticketServiceBy(t, airline, configure...)
}

// ticketServiceBy is ticketService with the flight-ticket bundle issued by
// airline.
func ticketServiceBy(t *testing.T, airline *ecdsa.PrivateKey, configure ...func(*Config)) (*Node, *registry.Bundle) {
	t.Helper()
	key, _ := nodekey.Generate()
	n := testNode(t, RoleService, key, configure...)
	n.Start(context.Background())
	b, err := flightticket.Issued(airline, n.domain, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lb, err := n.service.bundles.Add(b)
	if err != nil {
		t.Fatal(err)
	}
	return n, lb
}

// ticketInstance is a flight ticket of the bundle lb for flight on
// 2026-12-01, held by owner (not stored).
func ticketInstance(lb *registry.Bundle, id byte, owner common.Address, flight string) *instance {
	return &instance{Record: &placement.Record{Instance: wire.InstanceID{id}, Bundle: lb.Hash.String(), Epoch: 0, Fencing: 1},
		Owner: owner, State: json.RawMessage(`{"date":"2026-12-01","flight":"` + flight + `"}`), Offsets: map[string]uint64{}}
}
