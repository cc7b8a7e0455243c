package node

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/nodekey"
)

// FuzzHTTPBodies: any body posted to an anchor's write endpoints, as
// anyone with curl could, is answered with a 4xx problem JSON (never a
// 500, never a hang), and the anchor keeps serving.
func FuzzHTTPBodies(f *testing.F) {
	key, err := nodekey.Generate()
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	if err := key.Save(filepath.Join(dir, "node.key")); err != nil {
		f.Fatal(err)
	}
	c := validConfig()
	c.Role, c.DataDir = RoleAnchor, dir
	c.Network.Anchors = []string{key.PeerID().String()}
	c.HTTP.Listen = "127.0.0.1:0"
	c.P2P.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	c.HTTP.WriteRate, c.HTTP.WriteBurst = 1e6, 1e6
	c.Network.PublisherRate, c.Network.PublisherBurst = 1e6, 1e6
	n, err := New(c, nil)
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.Start(ctx)
	f.Cleanup(func() {
		cancel()
		n.Close()
	})
	paths := []string{"/v1/attestations", "/v1/bundles", "/v1/revocations", "/v1/votes",
		"/v1/tokens/0x0000000000000000000000000000000000000000000000000000000000000001/query/status",
		"/v1/tokens/0x0000000000000000000000000000000000000000000000000000000000000001/actions/rebook"}
	for i := range paths {
		f.Add(uint8(i), []byte(`{}`))
		f.Add(uint8(i), []byte(`{"attestation":{"sig":{}},"topic":"x"}`))
		f.Add(uint8(i), []byte(`[[[[[[[[[[[[[[[[[[[[`))
		f.Add(uint8(i), []byte("\xff\xfe"))
	}
	client := &http.Client{Timeout: 30 * time.Second}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		p := paths[int(which)%len(paths)]
		resp, err := client.Post(n.HTTPURL()+p, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("POST %s: %v", p, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("POST %s %q: %d %s", p, body, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("POST %s: %d with %q, not problem JSON: %s", p, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		h, err := client.Get(n.HTTPURL() + "/v1/health")
		if err != nil || h.StatusCode != 200 {
			t.Fatalf("the anchor stopped serving: %v", err)
		}
		h.Body.Close()
	})
}
