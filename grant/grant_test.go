package grant

import (
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/wire"
)

func TestParseAndCheck(t *testing.T) {
	owner, _ := crypto.GenerateKey()
	ownerAddr := crypto.PubkeyToAddress(owner.PublicKey)
	id := wire.InstanceID{1, 2, 3}
	data, err := attest.GrantSchema.Schema.EncodeJSON([]byte(`{"instance":"` + id.String() +
		`","integration":"0x1D6143067A5caf3777C4ae505767AC7a88D8E927","scopes":["query:status","action:*"],"notAfter":1800000000}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.Sign(owner, attest.NetworkDomain(31337, common.Address{}), attest.Message{Version: attest.Version2,
		Schema: attest.GrantSchema.UID, Time: 1_700_000_000, ExpirationTime: 1_790_000_000, Revocable: true, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(s)
	if err != nil || g.Instance != id || g.Signer != ownerAddr || len(g.Scopes) != 2 ||
		g.Integration != common.HexToAddress("0x1D6143067A5caf3777C4ae505767AC7a88D8E927") {
		t.Fatalf("parse: %+v %v", g, err)
	}
	now := time.Unix(1_750_000_000, 0)
	if err := g.Check(ownerAddr, id, "query:status", now, false); err != nil {
		t.Fatalf("a covering grant refused: %v", err)
	}
	if err := g.Check(ownerAddr, id, "action:rebook", now, false); err != nil {
		t.Fatalf("a wildcard scope refused: %v", err)
	}
	for _, c := range []struct {
		name  string
		owner common.Address
		id    wire.InstanceID
		scope string
		now   time.Time
		rev   bool
		want  error
	}{
		{"revoked", ownerAddr, id, "query:status", now, true, attest.ErrRevoked},
		{"past notAfter", ownerAddr, id, "query:status", time.Unix(1_800_000_000, 0), false, ErrExpired},
		{"past expirationTime", ownerAddr, id, "query:status", time.Unix(1_790_000_000, 0), false, ErrExpired},
		{"not the owner", common.Address{9}, id, "query:status", now, false, ErrNotOwner},
		{"another instance", ownerAddr, wire.InstanceID{4}, "query:status", now, false, ErrInstance},
		{"another query", ownerAddr, id, "query:secret", now, false, ErrScope},
	} {
		if err := g.Check(c.owner, c.id, c.scope, c.now, c.rev); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if (&Grant{Scopes: []string{"*"}}).Covers("query:x") != true || (&Grant{Scopes: []string{"query:*"}}).Covers("action:x") {
		t.Error("Covers")
	}
}
