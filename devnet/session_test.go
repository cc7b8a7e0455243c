package devnet

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/wire"
)

// TestSessions: a call proved by a session MAC is taken only once the node
// let a signed call of that integration through, only once, only from the
// grant's integration, and not after the node restarted; the Go client
// opens and reopens sessions by itself (trust item 1's cheaper proof).
func TestSessions(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 3, 3
	d := startDevnet(t, opts)
	tk := d.Info.Tickets[0]
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
	rep := rt.Replicas[0]
	u := rep.HTTP + "/v1/tokens/" + tk.Instance + "/query/status"
	id, _ := peer.Decode(rep.Peer)
	pub, err := nodekey.PublicKeyOfPeer(id)
	if err != nil {
		t.Fatal(err)
	}
	macFor := func(key *nodekey.Key) http.Header {
		k, err := grant.SessionKey(key.ECDSA, pub)
		if err != nil {
			t.Fatal(err)
		}
		var nonce [16]byte
		_, _ = rand.Read(nonce[:])
		pu, _ := url.Parse(u)
		h := tk.Header()
		h.Set(wire.SignatureHeader, grant.SignMAC(k, key.Address(), grant.Request{Method: http.MethodPost, Path: pu.RequestURI(), Body: []byte(`{}`)}, time.Now(), nonce))
		return h
	}
	code := func(h http.Header) (int, string) {
		c, m, _ := postH(t, u, `{}`, h)
		typ, _ := m["type"].(string)
		return c, typ
	}
	// The devnet's start signed calls to every replica: a restart makes the
	// node forget its sessions.
	ctx := context.Background()
	restart := func() {
		for i, s := range d.Services {
			if s != nil && s.PeerID().String() == rep.Peer {
				if err := d.KillService(i); err != nil {
					t.Fatal(err)
				}
				n, err := d.RestartService(ctx, i)
				if err != nil {
					t.Fatal(err)
				}
				rep.HTTP = n.HTTPURL()
				u = rep.HTTP + "/v1/tokens/" + tk.Instance + "/query/status"
			}
		}
		waitUntil(t, 30*time.Second, "the restarted replica answers", func() bool {
			var v struct{ StateRoot string }
			return getJSON(ctx, rep.HTTP+"/v1/tokens/"+tk.Instance+"/root", &v) == nil && v.StateRoot != ""
		})
	}
	restart()
	integration := d.integration
	if c, typ := code(macFor(integration)); c != http.StatusUnauthorized || typ != "urn:smartlayer:problem:session-unknown" {
		t.Fatalf("a MAC before any signed call: %d %s", c, typ)
	}
	if c, _, _ := postS(t, d, u, `{}`, tk); c != http.StatusOK {
		t.Fatalf("signed call: %d", c)
	}
	mac := macFor(integration)
	if c, typ := code(mac); c != http.StatusOK {
		t.Fatalf("a MAC after a signed call: %d %s", c, typ)
	}
	if c, typ := code(mac); c != http.StatusUnauthorized || typ != "urn:smartlayer:problem:request-replayed" {
		t.Fatalf("a replayed MAC: %d %s", c, typ)
	}
	// Another key, with the grant: its signed call is refused, so it opens
	// no session, and its MAC is refused too.
	other, _ := nodekey.Generate()
	h := tk.Header()
	var nonce [16]byte
	pu, _ := url.Parse(u)
	sig, _ := grant.Sign(other.ECDSA, grant.Request{Method: http.MethodPost, Path: pu.RequestURI(), Body: []byte(`{}`)}, time.Now(), nonce)
	h.Set(wire.SignatureHeader, sig)
	if c, typ := code(h); c != http.StatusForbidden {
		t.Fatalf("another key's signed call: %d %s", c, typ)
	}
	if c, typ := code(macFor(other)); c != http.StatusUnauthorized || typ != "urn:smartlayer:problem:session-unknown" {
		t.Fatalf("another key's MAC: %d %s", c, typ)
	}
	// The integration's MAC names another address: it does not hold.
	forged := tk.Header()
	k, _ := grant.SessionKey(integration.ECDSA, pub)
	forged.Set(wire.SignatureHeader, grant.SignMAC(k, other.Address(), grant.Request{Method: http.MethodPost, Path: pu.RequestURI(), Body: []byte(`{}`)}, time.Now(), [16]byte{3}))
	if c, typ := code(forged); c != http.StatusUnauthorized {
		t.Fatalf("a MAC claiming another caller: %d %s", c, typ)
	}

	// The Go client: sessions opened by itself, reopened after a restart.
	c := client.New([]string{d.Info.Anchors[0].HTTP}, nil)
	c.Key, c.VerifyReceipts = integration.ECDSA, true
	hdr := tk.Header()
	for i := 0; i < 6; i++ {
		if _, _, err := c.QueryReceipt(ctx, tk.Instance, "status", map[string]any{}, hdr); err != nil {
			t.Fatalf("client query %d: %v", i, err)
		}
	}
	restart()
	waitUntil(t, 30*time.Second, "the client's queries answered after the replica restarted", func() bool {
		for i := 0; i < 6; i++ {
			if _, _, err := c.QueryReceipt(ctx, tk.Instance, "status", map[string]any{}, hdr); err != nil {
				return false
			}
		}
		return true
	})
}
