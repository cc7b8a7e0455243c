package carrental

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/wire"
)

func TestPayOnlyUnderAGrantAtTheTokenScriptsPrice(t *testing.T) {
	owner, _ := crypto.GenerateKey()
	session, _ := crypto.GenerateKey()
	stranger, _ := crypto.GenerateKey()
	ticket := "0x" + strings.Repeat("ab", 32)
	other := "0x" + strings.Repeat("cd", 32)
	eas := common.HexToAddress("0x00000000000000000000000000000000000000e5")
	var paid []string
	cfg := Config{ChainID: 1337, EASContract: eas.Hex(),
		Tickets: []Ticket{{Instance: ticket, Owner: crypto.PubkeyToAddress(owner.PublicKey).Hex()}, {Instance: other, Owner: crypto.PubkeyToAddress(stranger.PublicKey).Hex()}},
		Price: func(kind, name string) uint64 {
			switch kind + "/" + name {
			case "query/status":
				return 1
			case "actions/rebook":
				return 20
			}
			return 0
		},
		Pay: func(path string, price uint64) (string, error) {
			paid = append(paid, fmt.Sprintf("%s %d", path, price))
			return "promise", nil
		}}
	s, err := Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	signGrant := func(by *ecdsaKey, inst string, scopes ...string) string {
		id, _ := wire.ParseInstanceID(inst)
		g, err := attest.SignGrant(by, attest.NetworkDomain(1337, eas), id, crypto.PubkeyToAddress(session.PublicKey), scopes, now.Add(time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(g)
		return string(b)
	}
	good := signGrant(owner, ticket, "query:status", "action:rebook")
	pay := func(origin string, key *ecdsaKey, path, g string) (int, string) {
		body, _ := json.Marshal(map[string]string{"url": "http://127.0.0.1:1" + path, "grant": g, "price": "99"})
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/pay", strings.NewReader(string(body)))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if key != nil {
			var nonce [16]byte
			_, _ = rand.Read(nonce[:])
			proof, _ := grant.Sign(key, grant.Request{Method: http.MethodPost, Path: "/pay", Body: body}, time.Now(), nonce)
			req.Header.Set(wire.SignatureHeader, proof)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status := "/v1/tokens/" + ticket + "/query/status"
	for _, c := range []struct {
		name, origin string
		key          *ecdsaKey
		path, grant  string
		status       int
	}{
		{"status", s.URL, session, status, good, 200},
		{"rebook", s.URL, session, "/v1/tokens/" + ticket + "/actions/rebook", good, 200},
		{"no origin", "", session, status, good, 403},
		{"another site", "http://evil.example", session, status, good, 403},
		{"no grant", s.URL, session, status, "", 403},
		{"a stranger's grant", s.URL, session, status, signGrant(stranger, ticket, "*"), 403},
		{"a grant of another scope", s.URL, session, status, signGrant(owner, ticket, "read:state"), 403},
		{"not signed", s.URL, nil, status, good, 401},
		{"signed by another key", s.URL, stranger, status, good, 401},
		{"not the site's ticket", s.URL, session, "/v1/tokens/0x" + strings.Repeat("ef", 32) + "/query/status", good, 400},
		{"the grant is for another ticket", s.URL, session, "/v1/tokens/" + other + "/query/status", good, 403},
		{"a path of no call", s.URL, session, "/v1/tokens/" + ticket + "/state", good, 400},
		{"a grant over 16 KiB", s.URL, session, status, strings.Repeat("g", 17<<10), 400},
		{"a grant for another network", s.URL, session, status, func() string {
			id, _ := wire.ParseInstanceID(ticket)
			g, _ := attest.SignGrant(owner, attest.NetworkDomain(1, eas), id, crypto.PubkeyToAddress(session.PublicKey), []string{"*"}, now.Add(time.Hour), now)
			b, _ := json.Marshal(g)
			return string(b)
		}(), 403},
	} {
		if got, body := pay(c.origin, c.key, c.path, c.grant); got != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, got, body, c.status)
		}
	}
	// The price is the TokenScript's, whatever the caller says.
	want := []string{status + " 1", "/v1/tokens/" + ticket + "/actions/rebook 20"}
	if fmt.Sprint(paid) != fmt.Sprint(want) {
		t.Fatalf("paid %v, want %v", paid, want)
	}
	// A grant's budget ends the payments under it (rebook costs 20; the
	// per-visitor rate may refuse first: both stop it).
	stopped := false
	for i := 0; i < GrantBudget/20+2*PayBurst && !stopped; i++ {
		st, _ := pay(s.URL, session, "/v1/tokens/"+ticket+"/actions/rebook", good)
		stopped = st == http.StatusPaymentRequired || st == http.StatusTooManyRequests
	}
	if !stopped {
		t.Fatal("no bound on what one grant is paid")
	}
}

type ecdsaKey = ecdsa.PrivateKey
