package devnet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/p2p"
	"github.com/smartlayer/smartlayer/transport"
	"github.com/smartlayer/smartlayer/wire"
)

// TestHostileInputRefused runs the attacks of the hostile-input issue that
// need only curl or a libp2p host against one running devnet: each is
// refused with its own error and the node keeps serving.
func TestHostileInputRefused(t *testing.T) {
	spare, _ := nodekey.Generate() // an admitted service node the test plays
	d := startDevnet(t, Options{Anchors: 1, Services: 2, Tickets: 2, Flights: 1, HeartbeatInterval: 500 * time.Millisecond,
		Configure: func(role node.Role, _ int, cfg *node.Config) {
			if role != node.RoleAnchor {
				return
			}
			cfg.Network.ServiceNodes = append(cfg.Network.ServiceNodes, spare.PeerID().String())
			cfg.Network.MaxCapacity = 100
			cfg.HTTP.MaxConnsPerClient = 64
			cfg.HTTP.WriteRate, cfg.HTTP.WriteBurst = 1, 40
		}})
	anchor := d.Info.Anchors[0].HTTP
	tk := d.Info.Tickets[0]
	rt, _ := getRoute(t, anchor, tk.Instance)
	if len(rt.Replicas) == 0 {
		t.Fatal("no replica")
	}
	replica := rt.Replicas[0].HTTP
	serving := func(t *testing.T, base string) {
		t.Helper()
		resp, err := http.Get(base + "/v1/health")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("node no longer serving: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	problem := func(t *testing.T, resp *http.Response, status int, code string) string {
		t.Helper()
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != status || !strings.Contains(string(b), "urn:smartlayer:problem:"+code) {
			t.Fatalf("got %d %s, want %d %s", resp.StatusCode, b, status, code)
		}
		return string(b)
	}
	post := func(t *testing.T, u string, hdr http.Header, body string) *http.Response {
		t.Helper()
		if hdr.Get(wire.GrantHeader) != "" { // as the integration the grants name
			hdr = d.Sign(hdr, http.MethodPost, u, []byte(body))
		}
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	query := replica + "/v1/tokens/" + tk.Instance + "/query/status"

	t.Run("grant amplification", func(t *testing.T) { // item 1
		huge := http.Header{wire.GrantHeader: {strings.Repeat("A", 30<<10)}}
		problem(t, post(t, query, huge, `{}`), http.StatusRequestHeaderFieldsTooLarge, "grant-too-large")
		// A grant whose scopes all point at one string: signed, of the
		// right schema, refused at the layout check before decoding.
		word := func(n int) []byte { b := make([]byte, 32); new(big.Int).SetInt64(int64(n)).FillBytes(b); return b }
		var data []byte
		data = append(data, make([]byte, 64)...) // instance, integration
		data = append(data, word(128)...)        // offset of scopes
		data = append(data, word(2e9)...)        // notAfter
		data = append(data, word(60)...)         // 60 scopes...
		for i := 0; i < 60; i++ {
			data = append(data, word(60*32)...) // ...all at one offset
		}
		data = append(data, word(32)...)
		data = append(data, bytes.Repeat([]byte{'q'}, 32)...)
		key, _ := nodekey.Generate()
		s, err := attest.Sign(key.ECDSA, attest.NetworkDomain(d.Info.ChainID, common.HexToAddress(d.Info.EASContract)),
			attest.Message{Version: 2, Schema: attest.GrantSchema.UID, Time: uint64(time.Now().Unix()), Data: data})
		if err != nil {
			t.Fatal(err)
		}
		g, _ := json.Marshal(s)
		detail := problem(t, post(t, query, http.Header{wire.GrantHeader: {string(g)}}, `{}`), http.StatusUnauthorized, "invalid-grant")
		if !strings.Contains(detail, "canonical") {
			t.Fatalf("refused for another reason: %s", detail)
		}
		serving(t, replica)
	})

	t.Run("arguments out of range", func(t *testing.T) { // found in review
		g := tk.Header()
		problem(t, post(t, query, g, `{"a":1e999}`), http.StatusBadRequest, "bad-args")
		resp := post(t, query, g, `{"a":`+strings.Repeat("9", 900_000)+`}`)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || len(b) > 4096 {
			t.Fatalf("900,000-digit argument: %d, %d bytes answered", resp.StatusCode, len(b))
		}
		serving(t, replica)
	})

	t.Run("huge chainId", func(t *testing.T) { // item 12
		// A correctly signed log entry whose attestation's chainId has
		// 800,000 digits: refused before the number is parsed.
		pub, _ := nodekey.Generate()
		e := &attlog.Entry{Topic: attest.FlightStatusSchema.UID.String() + "/BA117/2026-12-01", Seq: 1,
			Attestation: json.RawMessage(`{"sig":{"domain":{"name":"EAS Attestation","version":"1.2.0","chainId":` + strings.Repeat("9", 800_000) + `}}}`)}
		if err := e.Sign(pub.ECDSA); err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(e)
		body := string(raw)
		start := time.Now()
		if detail := problem(t, post(t, anchor+"/v1/attestations", nil, body), http.StatusBadRequest, "bad-entry"); !strings.Contains(detail, "out of range") {
			t.Fatalf("refused for another reason: %s", detail)
		}
		t.Logf("800,000-digit chainId refused in %s", time.Since(start))
		serving(t, anchor)
	})

	t.Run("NUL in topics", func(t *testing.T) { // item 15
		topic := url.PathEscape(attest.FlightStatusSchema.UID.String() + "/BA117\x00\x00\x00\x00\x00\x00\x00\x00\x07")
		resp, err := http.Get(anchor + "/v1/topics/" + topic + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		problem(t, resp, http.StatusBadRequest, "bad-topic")
		body := `{"topic":"` + attest.FlightStatusSchema.UID.String() + `/BA117\u0000x","attestation":{}}`
		resp = post(t, anchor+"/v1/attestations", nil, body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("entry with a NUL topic: %d", resp.StatusCode)
		}
		serving(t, anchor)
	})

	t.Run("write rate", func(t *testing.T) { // item 14
		limited := 0
		for i := 0; i < 60; i++ {
			resp := post(t, anchor+"/v1/attestations", nil, `{}`)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				if !strings.Contains(string(b), "rate-limited") || resp.Header.Get("Retry-After") == "" {
					t.Fatalf("429 without a problem or Retry-After: %s", b)
				}
				limited++
			}
		}
		if limited == 0 {
			t.Fatal("60 anonymous writes in a burst of 40: none limited")
		}
		serving(t, anchor)
	})

	t.Run("slowloris", func(t *testing.T) { // item 13
		host := strings.TrimPrefix(anchor, "http://")
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		// Hold the client's whole allowance with trickled headers (the
		// test's own keep-alive connections count too), all at once: the
		// node cuts each off after its header timeout anyway.
		var refused net.Conn
		for i := 0; i < 80; i++ {
			c, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprint(c, "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
			conns = append(conns, c)
		}
		// Read every connection at once: a refused one has its 503 waiting.
		got := make([]bool, len(conns))
		var wg sync.WaitGroup
		for i, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
				b, err := bufio.NewReader(c).Peek(12)
				got[i] = err == nil && string(b) == "HTTP/1.1 503"
				_ = c.SetReadDeadline(time.Time{})
			}()
		}
		wg.Wait()
		held := conns[:0]
		for i, c := range conns {
			switch {
			case !got[i]:
				held = append(held, c)
			case refused == nil:
				refused = c
			default:
				c.Close()
			}
		}
		conns = held
		if refused == nil {
			t.Fatalf("%d trickling connections from one client all held open", len(conns))
		}
		refused.Close()
		t.Logf("%d connections held, the others refused with 503", len(conns))
		// The server cuts a trickling connection off by itself.
		_ = conns[0].SetReadDeadline(time.Now().Add(time.Minute))
		if _, err := io.ReadAll(conns[0]); err != nil {
			t.Fatalf("a trickling connection was not closed by the node: %v", err)
		}
		for _, c := range conns {
			c.Close()
		}
		conns = nil
		// Closed connections are released: the client is served again.
		deadline := time.Now().Add(time.Minute)
		for {
			resp, err := http.Get(anchor + "/v1/health")
			if err == nil && resp.StatusCode == http.StatusOK {
				resp.Body.Close()
				break
			}
			if resp != nil {
				resp.Body.Close()
			}
			if time.Now().After(deadline) {
				t.Fatalf("not served after the connections closed: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("heartbeats", func(t *testing.T) { // items 8 and 11
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ai, err := p2p.ParseAddrInfo(d.Info.Anchors[0].P2P[0])
		if err != nil {
			t.Fatal(err)
		}
		type member struct {
			Peer     string `json:"peer"`
			Role     string `json:"role"`
			HTTP     string `json:"http,omitempty"`
			Capacity int    `json:"capacity"`
			Platform string `json:"platform,omitempty"`
		}
		type beat struct {
			Member member `json:"member"`
		}
		var sendAs func(k *nodekey.Key, role string, m member) error
		send := func(k *nodekey.Key, m member) error { return sendAs(k, "service", m) }
		sendAs = func(k *nodekey.Key, role string, m member) error {
			h, err := p2p.New(transport.Options{Key: k, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			if h.Connect(ctx, d.Info.Anchors[0].P2P) == 0 {
				t.Fatal("cannot connect to the anchor")
			}
			m.Peer, m.Role = k.PeerID().String(), role
			_, err = transport.Call[beat, json.RawMessage](ctx, h, ai.ID, transport.ProtoHeartbeat, &beat{m})
			return err
		}
		rogue, _ := nodekey.Generate()
		if err := send(rogue, member{Capacity: 2e9}); err == nil || !strings.Contains(err.Error(), "not an admitted service node") {
			t.Fatalf("unknown peer's heartbeat: %v", err)
		}
		// A role that is neither anchor nor service skipped admission.
		if err := sendAs(rogue, "relay\x1b[31m<script>"+strings.Repeat("R", 15000), member{Capacity: 1}); err == nil || !strings.Contains(err.Error(), "want \"anchor\" or \"service\"") {
			t.Fatalf("unknown peer with a made-up role: %v", err)
		}
		if err := send(spare, member{Capacity: 10, Platform: strings.Repeat("p", 9<<20)}); err == nil {
			t.Fatal("a 9 MB heartbeat was taken")
		}
		if err := send(spare, member{Capacity: 10, Platform: strings.Repeat("p", 200)}); err == nil || !strings.Contains(err.Error(), "platform of 200 bytes") {
			t.Fatalf("a 200-byte platform: %v", err)
		}
		if err := send(spare, member{Capacity: 2e9, HTTP: "http://127.0.0.1:1", Platform: "x"}); err != nil {
			t.Fatalf("admitted node's heartbeat: %v", err)
		}
		resp, err := http.Get(anchor + "/v1/network")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var nw struct {
			Services []struct {
				Peer     string `json:"peer"`
				Capacity int    `json:"capacity"`
			} `json:"services"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&nw)
		found := false
		for _, s := range nw.Services {
			if s.Peer == rogue.PeerID().String() {
				t.Fatal("the unknown peer is listed")
			}
			if s.Peer == spare.PeerID().String() {
				found = true
				if s.Capacity != 100 {
					t.Fatalf("claimed capacity 2e9 kept as %d, want the cap 100", s.Capacity)
				}
			}
		}
		if !found {
			t.Fatal("the admitted node is not listed")
		}
		serving(t, anchor)
	})
}
