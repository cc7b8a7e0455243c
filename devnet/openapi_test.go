package devnet

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/api/openapitest"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// TestOpenAPIAnswers (issue 15, item 6): on a devnet with its chain
// (payment channels, commitments), every endpoint of every role answers
// as api/openapi.json says: each answer below, successes and problems
// alike (400, 401, 402, 404, 409, 421, ...), and those of the Go client's
// publisher, goes through a transport that finds the request's operation
// in the document, fails an undeclared status or content type, and
// validates the body against the declared schema, closed: a member the
// document does not declare fails too. Every success the document
// declares is seen at least once, full fallback mode's routes among them
// (a service node's too).
func TestOpenAPIAnswers(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Flights, opts.Chain = 2, 4, 1, true
	d := startDevnet(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	doc, err := openapitest.Load(api.OpenAPI, true)
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]bool{}
	for _, e := range append(slices.Clone(d.Info.Anchors), d.Info.Services...) {
		u, _ := url.Parse(e.HTTP)
		hosts[u.Host] = true
	}
	tr := &openapitest.Transport{Doc: doc, Hosts: hosts, Base: &http.Transport{}}
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	defer func() {
		for _, err := range tr.Errors() {
			t.Error(err)
		}
	}()
	// call sends a request and answers its status, body and headers; the
	// transport has checked the answer against the document.
	call := func(method, u string, body []byte, hdr http.Header) (int, []byte, http.Header) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header
	}
	// want calls and checks the status (and the problem code).
	want := func(status int, code, method, u string, body []byte, hdr http.Header) ([]byte, http.Header) {
		t.Helper()
		got, b, h := call(method, u, body, hdr)
		if got != status {
			t.Errorf("%s %s: %d, want %d: %s", method, u, got, status, b)
		} else if code != "" {
			var p wire.Problem
			if json.Unmarshal(b, &p) != nil || p.Type != "urn:smartlayer:problem:"+code {
				t.Errorf("%s %s: problem %s, want %s", method, u, b, code)
			}
		}
		return b, h
	}
	get := func(status int, code, u string, hdr http.Header) []byte {
		t.Helper()
		b, _ := want(status, code, http.MethodGet, u, nil, hdr)
		return b
	}
	signed := func(tk Ticket, method, u string, body []byte, extra http.Header) http.Header {
		h := tk.Header()
		for k, v := range extra {
			h[k] = v
		}
		return d.Sign(h, method, u, body)
	}
	// The full tickets (tickets.json): the passengers' keys and the signed
	// ticket attestations.
	full := readTickets(t, d)
	tk := d.Info.Tickets[0]
	anchor := d.Info.Anchors[0].HTTP
	unknown := "0x" + strings.Repeat("ab", 32)
	tok := func(base, id, rest string) string { return base + "/v1/tokens/" + id + rest }

	// Every node: health, network, metrics, this document.
	for _, e := range append(slices.Clone(d.Info.Anchors), d.Info.Services...) {
		get(200, "", e.HTTP+"/v1/health", nil)
		get(200, "", e.HTTP+"/v1/network", nil)
	}
	get(200, "", anchor+"/metrics", nil)
	get(200, "", d.Info.Services[0].HTTP+"/openapi.json", nil)

	// Routes, from anchors and service nodes; a replica, the executor and
	// a node that holds no replica.
	var rt wire.Route
	if err := json.Unmarshal(get(200, "", tok(anchor, tk.Instance, "/route"), nil), &rt); err != nil {
		t.Fatal(err)
	}
	var replica, executor, stranger string
	holds := map[string]bool{}
	for _, r := range rt.Replicas {
		holds[r.HTTP] = true
		if r.Peer == rt.Executor {
			executor = r.HTTP
		} else {
			replica = r.HTTP
		}
	}
	for _, s := range d.Info.Services {
		if !holds[s.HTTP] {
			stranger = s.HTTP
		}
	}
	if replica == "" || executor == "" || stranger == "" {
		t.Fatalf("want a replica, the executor and a stranger: %+v", rt)
	}
	for _, base := range []string{d.Info.Anchors[1].HTTP, replica, stranger} {
		var r wire.Route
		if err := json.Unmarshal(get(200, "", tok(base, tk.Instance, "/route"), nil), &r); err != nil || r.Mode != "normal" || r.Via == nil {
			t.Errorf("route from %s: mode %q via %v (%v)", base, r.Mode, r.Via, err)
		}
	}
	get(400, "bad-instance-id", tok(anchor, "0x12", "/route"), nil)
	get(404, "unknown-instance", tok(anchor, unknown, "/route"), nil)
	get(404, "unknown-instance", tok(stranger, unknown, "/route"), nil)

	// Queries: paid and signed on a replica; refused every way.
	q := tok(replica, tk.Instance, "/query/status")
	_, qh := want(200, "", http.MethodPost, q, []byte(`{}`), signed(tk, http.MethodPost, q, []byte(`{}`), nil))
	want(401, "grant-required", http.MethodPost, q, []byte(`{}`), nil)
	unpaid := http.Header{wire.PaymentHeader: {"none"}} // so Sign adds no promise
	h := signed(tk, http.MethodPost, q, []byte(`{}`), unpaid)
	h.Del(wire.PaymentHeader)
	want(402, "payment-required", http.MethodPost, q, []byte(`{}`), h)
	want(400, "malformed-json", http.MethodPost, q, []byte(`{"a":`), signed(tk, http.MethodPost, q, []byte(`{"a":`), nil))
	want(404, "unknown-query", http.MethodPost, tok(replica, tk.Instance, "/query/nope"), []byte(`{}`), nil)
	want(404, "unknown-instance", http.MethodPost, tok(replica, unknown, "/query/status"), []byte(`{}`), nil)
	want(400, "bad-instance-id", http.MethodPost, tok(replica, "0x12", "/query/status"), []byte(`{}`), nil)
	want(421, "not-a-replica", http.MethodPost, tok(stranger, tk.Instance, "/query/status"), []byte(`{}`), nil)
	want(421, "not-a-replica", http.MethodPost, tok(anchor, tk.Instance, "/query/status"), []byte(`{}`), nil)

	// The execution behind the query's receipt, and the receipt forwarded.
	rb, err := base64.RawURLEncoding.DecodeString(qh.Get(wire.ReceiptHeader))
	if err != nil {
		t.Fatalf("receipt header: %v", err)
	}
	var rc receipt.Receipt
	if err := json.Unmarshal(rb, &rc); err != nil {
		t.Fatal(err)
	}
	signer := ""
	for _, r := range rt.Replicas {
		if r.Peer == qh.Get(wire.NodeHeader) {
			signer = r.HTTP
		}
	}
	tu := signer + "/v1/receipts/" + rc.Leaf().Hex() + "/transcript"
	get(200, "", tu, signed(tk, http.MethodGet, tu, nil, nil))
	get(401, "grant-required", tu, nil)
	get(400, "bad-receipt-leaf", signer+"/v1/receipts/0x12/transcript", nil)
	get(404, "unknown-receipt", signer+"/v1/receipts/"+unknown+"/transcript", nil)
	want(202, "", http.MethodPost, anchor+"/v1/receipts", rb, nil)
	want(400, "", http.MethodPost, anchor+"/v1/receipts", []byte(`{}`), nil)

	// An action on the executor; refused elsewhere and without a key.
	args := []byte(`{"hotel":"` + d.Info.Hotel.HTTP + `"}`)
	au := tok(executor, tk.Instance, "/actions/rebook")
	key := http.Header{wire.IdempotencyHeader: {"openapi-1"}}
	var out wire.ActionOutcome
	ab, _ := want(200, "", http.MethodPost, au, args, signed(tk, http.MethodPost, au, args, key))
	if err := json.Unmarshal(ab, &out); err != nil || out.Attestation == "" {
		t.Fatalf("action: %s %v", ab, err)
	}
	var actionRc receipt.Receipt
	if err := json.Unmarshal(out.Receipt, &actionRc); err != nil {
		t.Fatalf("the action's receipt %s: %v", out.Receipt, err)
	}
	want(400, "idempotency-key-required", http.MethodPost, au, args, signed(tk, http.MethodPost, au, args, nil))
	ru := tok(replica, tk.Instance, "/actions/rebook")
	want(421, "not-executor", http.MethodPost, ru, args, signed(tk, http.MethodPost, ru, args, key))
	call(http.MethodPost, tok(executor, tk.Instance, "/actions/nope"), args, key) // 402: an action the TokenScript does not price costs its default
	want(421, "not-a-replica", http.MethodPost, tok(anchor, tk.Instance, "/actions/rebook"), args, key)

	// What a replica holds: its state, history and root.
	for _, what := range []string{"/state", "/history"} {
		u := tok(replica, tk.Instance, what)
		get(200, "", u, signed(tk, http.MethodGet, u, nil, nil))
		get(401, "grant-required", u, nil)
		get(421, "not-a-replica", tok(stranger, tk.Instance, what), nil)
	}
	get(200, "", tok(replica, tk.Instance, "/root"), nil)
	get(404, "unknown-instance", tok(replica, unknown, "/root"), nil)
	get(200, "", tok(anchor, tk.Instance, "/consistency"), nil)
	get(404, "unknown-instance", tok(anchor, unknown, "/consistency"), nil)

	// Topics: heads, streams and a publisher's entry (through the
	// transport, by the Go client's publisher).
	esc := func(topic string) string { return strings.ReplaceAll(topic, "/", "%2F") }
	get(200, "", anchor+"/v1/topics/"+esc(tk.Topic)+"/heads", nil)
	get(200, "", replica+"/v1/topics/"+esc(tk.Topic)+"/heads", nil)
	get(400, "bad-topic", anchor+"/v1/topics/nope/heads", nil)
	streamChecked(t, ctx, hc, doc, anchor+"/v1/topics/"+esc(tk.Topic)+"/stream?from=0", map[string]string{"attestation": "Entry"}, map[string]bool{"attestation": true})
	streamChecked(t, ctx, hc, doc, anchor+"/v1/events", map[string]string{"network": "NetworkEvent", "activity": "Activity"}, map[string]bool{"activity": true})
	get(400, "bad-last-event-id", anchor+"/v1/events", http.Header{"Last-Event-ID": {"x"}})
	result := esc(wire.ResultTopic(rt.Instance))
	get(421, "not-a-replica", anchor+"/v1/topics/"+result+"/stream", nil)
	get(401, "grant-required", replica+"/v1/topics/"+result+"/stream", nil)
	get(400, "bad-from", anchor+"/v1/topics/"+esc(tk.Topic)+"/stream?from=x", nil)
	pub := client.New([]string{anchor}, hc).NewPublisher(d.airline.ECDSA)
	st, err := SignStatus(d.airline, d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS), "ZZ999", "2030-01-01", 0, "scheduled", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Publish(ctx, FlightTopic("ZZ999", "2030-01-01"), st); err != nil {
		t.Fatalf("publish: %v", err)
	}
	call(http.MethodPost, anchor+"/v1/attestations", []byte(`{"topic":"x"}`), nil) // refused, as the document says

	// Revocations (a UID of the owner's own), votes, bundles, registrations.
	owner, err := crypto.HexToECDSA(full[0].PassengerKey)
	if err != nil {
		t.Fatal(err)
	}
	domain := attest.NetworkDomain(d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS))
	var uid attest.UID
	_, _ = rand.Read(uid[:])
	rev, err := attest.SignRevocation(owner, domain, uid, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	revb, _ := json.Marshal(rev)
	want(201, "", http.MethodPost, replica+"/v1/revocations", revb, nil)
	want(400, "bad-attestation", http.MethodPost, replica+"/v1/revocations", []byte(`{"sig":`), nil)
	anchorKey := func(i int) *nodekey.Key {
		k, err := nodekey.Load(filepath.Join(d.Dir(), fmt.Sprintf("anchor-%d", i), "node.key"))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	vote := func(i int, mode string, round uint64) []byte {
		data, err := attest.FallbackVoteSchema.Schema.Encode(map[string]any{"mode": mode, "round": fmt.Sprint(round)})
		if err != nil {
			t.Fatal(err)
		}
		m := attest.Message{Version: attest.Version2, Schema: attest.FallbackVoteSchema.UID, Time: uint64(time.Now().Unix()), Data: data}
		_, _ = rand.Read(m.Salt[:])
		s, err := attest.Sign(anchorKey(i).ECDSA, domain, m)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		return b
	}
	want(201, "", http.MethodPost, anchor+"/v1/votes", vote(0, "normal", 1), nil)
	call(http.MethodPost, anchor+"/v1/votes", []byte(`{}`), nil) // refused, as the document says
	bundle := get(200, "", anchor+"/v1/bundles/"+d.Info.Bundle, nil)
	get(400, "bad-bundle-hash", anchor+"/v1/bundles/nope", nil)
	get(404, "unknown-bundle", anchor+"/v1/bundles/0x"+strings.Repeat("00", 32), nil)
	want(201, "", http.MethodPost, d.Info.Anchors[1].HTTP+"/v1/bundles", bundle, nil)
	want(400, "bad-bundle", http.MethodPost, anchor+"/v1/bundles", []byte(`{"files":{"a.js":"eA=="}}`), nil)
	reg, _ := json.Marshal(map[string]any{"bundle": d.Info.Bundle, "attestation": full[0].Attestation})
	want(201, "", http.MethodPost, anchor+"/v1/tokens", reg, nil)
	want(404, "unknown-bundle", http.MethodPost, anchor+"/v1/tokens", []byte(`{"bundle":"0x`+strings.Repeat("00", 32)+`","attestation":{}}`), nil)

	// Payment channels and commitments (anchors with the chain's).
	pi := d.Info.Chain.Payment
	ch := fmt.Sprint(pi.Channel)
	var mine, other string // the channel's anchor and another
	for i, a := range d.Info.Anchors {
		if crypto.PubkeyToAddress(anchorKey(i).ECDSA.PublicKey) == pi.Anchor {
			mine = a.HTTP
		} else {
			other = a.HTTP
		}
	}
	get(200, "", mine+"/v1/channels/"+ch, nil)
	get(404, "not-my-channel", other+"/v1/channels/"+ch, nil)
	get(404, "unknown-channel", mine+"/v1/channels/999", nil)
	get(400, "bad-channel-id", mine+"/v1/channels/0", nil)
	want(200, "", http.MethodPost, mine+"/v1/channels/"+ch+"/settle", nil, nil)
	want(409, "close-refused", http.MethodPost, mine+"/v1/channels/"+ch+"/close", []byte(`{"finalAmount":"1","payerSignature":"0x12"}`), nil)
	get(400, "bad-uid", anchor+"/v1/commitments/proof/0x12", nil)
	get(404, "unknown-operation", anchor+"/v1/commitments/proof/"+unknown, nil)
	get(400, "bad-instance-id", anchor+"/v1/commitments/execution/0x12/"+unknown, nil)
	get(400, "bad-transcript-root", anchor+"/v1/commitments/execution/"+tk.Instance+"/0x12", nil)
	get(404, "unknown-operation", anchor+"/v1/commitments/execution/"+tk.Instance+"/"+unknown, nil)
	waitUntil(t, time.Minute, "an anchor proves a ticket's registration", func() bool {
		for _, a := range d.Info.Anchors {
			if c, _, _ := call(http.MethodGet, a.HTTP+"/v1/commitments/proof/"+tk.Instance, nil, nil); c == 200 {
				return true
			}
		}
		return false
	})
	waitUntil(t, time.Minute, "an anchor proves the action's result by its execution", func() bool {
		for _, a := range d.Info.Anchors {
			u := a.HTTP + "/v1/commitments/execution/" + actionRc.Instance + "/" + actionRc.TranscriptRoot.Hex()
			if c, _, _ := call(http.MethodGet, u, nil, nil); c == 200 {
				return true
			}
		}
		return false
	})

	// Full fallback mode: routes name the anchors to go through, a service
	// node's too, and an anchor answers a query as the replica would.
	want(201, "", http.MethodPost, anchor+"/v1/votes", vote(0, "full", 2), nil)
	want(201, "", http.MethodPost, d.Info.Anchors[1].HTTP+"/v1/votes", vote(1, "full", 2), nil)
	routeSays := func(base string) func() bool {
		return func() bool {
			var r wire.Route
			c, b, _ := call(http.MethodGet, tok(base, tk.Instance, "/route"), nil, nil)
			return c == 200 && json.Unmarshal(b, &r) == nil && r.Mode == "full" && len(r.Via) > 0
		}
	}
	for _, a := range d.Info.Anchors {
		waitUntil(t, 30*time.Second, "anchor "+a.HTTP+" routes in full mode", routeSays(a.HTTP))
	}
	waitUntil(t, 30*time.Second, "a service node routes in full mode", routeSays(stranger))
	get(200, "", anchor+"/v1/network", nil)
	fq := tok(anchor, tk.Instance, "/query/status")
	if _, h := want(200, "", http.MethodPost, fq, []byte(`{}`), signed(tk, http.MethodPost, fq, []byte(`{}`), nil)); h.Get(wire.ViaHeader) == "" {
		t.Errorf("a query through an anchor in full mode: no %s", wire.ViaHeader)
	}
	want(421, "not-a-replica", http.MethodPost, tok(stranger, tk.Instance, "/query/status"), []byte(`{}`), nil)

	// A promise sent with no call (Client.Cover's), then the same again:
	// its nonce is spent. (Far above the nonces spent so far: the gates may
	// still hold promises the anchor has not taken.)
	var now wire.ChannelStatus
	if err := json.Unmarshal(get(200, "", mine+"/v1/channels/"+ch, nil), &now); err != nil {
		t.Fatal(err)
	}
	charged, _ := new(big.Int).SetString(now.Charged, 10)
	cover, err := channel.Sign(d.Info.Chain.key(t, "integration"), channel.Domain(d.Info.Chain.ChainID, pi.Contract), pi.Channel, charged, now.Spent+channel.MaxSeen)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := json.Marshal(wire.ChannelPromise{Promise: cover.Header()})
	want(200, "", http.MethodPost, mine+"/v1/channels/"+ch+"/promise", pb, nil)
	want(409, "promise-refused", http.MethodPost, mine+"/v1/channels/"+ch+"/promise", pb, nil)

	// Last, as it takes the channel's calls for good: the payer's
	// cooperative close at the deposit, which the anchor signs too.
	var cs wire.ChannelStatus
	if err := json.Unmarshal(get(200, "", mine+"/v1/channels/"+ch, nil), &cs); err != nil {
		t.Fatal(err)
	}
	final, _ := new(big.Int).SetString(cs.Deposit, 10)
	sig, err := channel.SignDigest(d.Info.Chain.key(t, "integration"), channel.CloseDigest(channel.Domain(d.Info.Chain.ChainID, pi.Contract), pi.Channel, final))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := json.Marshal(wire.ChannelClose{FinalAmount: final.String(), PayerSignature: hexutil.Encode(sig)})
	// The anchor signs once no call has reached it on the channel for 5 s:
	// 429 close-too-soon with Retry-After before.
	for deadline := time.Now().Add(time.Minute); ; {
		got, b, h := call(http.MethodPost, mine+"/v1/channels/"+ch+"/close", cb, nil)
		if got == http.StatusTooManyRequests && time.Now().Before(deadline) {
			secs, err := strconv.Atoi(h.Get("Retry-After"))
			if err != nil || secs < 1 || !strings.Contains(string(b), "close-too-soon") {
				t.Fatalf("close: 429 with Retry-After %q: %s", h.Get("Retry-After"), b)
			}
			time.Sleep(time.Duration(secs) * time.Second)
			continue
		}
		if got != http.StatusOK {
			t.Errorf("close: %d, want 200: %s", got, b)
		}
		break
	}

	// Every success the document declares was answered and checked.
	seen := map[string]bool{}
	for _, s := range doc.Seen() {
		seen[s] = true
	}
	for _, op := range doc.Operations() {
		for status := range op.Responses {
			if status[0] == '2' && !seen[op.Method+" "+op.Path+" "+status] {
				t.Errorf("%s %s %s: never answered", op.Method, op.Path, status)
			}
		}
	}
	t.Logf("checked against the document: %s", strings.Join(doc.Seen(), "; "))
}

// streamChecked reads a Server-Sent Events stream until it has seen an
// event of every type in schemas, checking each event's data against the
// document's schema for its type (and, for the types in ids, that it has a
// numeric id).
func streamChecked(t *testing.T, ctx context.Context, hc *http.Client, doc *openapitest.Doc, u string, schemas map[string]string, ids map[string]bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("stream %s: %d", u, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 4<<20)
	seen := map[string]bool{}
	event, id := "", false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			event, id = "", false
		case strings.HasPrefix(line, "id: "):
			_, err := strconv.ParseUint(strings.TrimPrefix(line, "id: "), 10, 64)
			id = err == nil
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			name, ok := schemas[event]
			if !ok {
				t.Fatalf("stream %s: an event of type %q", u, event)
			}
			if err := doc.ValidateSchema(name, []byte(strings.TrimPrefix(line, "data: "))); err != nil {
				t.Errorf("stream %s: a %s event: %v", u, event, err)
			}
			if ids[event] && !id {
				t.Errorf("stream %s: a %s event without its id", u, event)
			}
			seen[event] = true
			if len(seen) == len(schemas) {
				return
			}
		}
	}
	t.Fatalf("stream %s: saw %v only: %v", u, seen, sc.Err())
}
