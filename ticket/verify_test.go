package ticket

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/wire"
)

// Verify refuses each wrong part of a registration with its reason and
// takes the right one: no network, the time an input.
func TestVerifyRegistration(t *testing.T) {
	airline, _ := crypto.GenerateKey()
	other, _ := crypto.GenerateKey()
	domain := attest.NetworkDomain(31337, common.HexToAddress("0xC2679fBD37d54388Ce493F1DB75320D236e1815e"))
	origin := &tokenscript.AttestationDef{Name: "FlightTicket", Issuers: []common.Address{crypto.PubkeyToAddress(airline.PublicKey)},
		SchemaUID: attest.TicketSchema.UID}
	now := time.Unix(1_800_000_000, 0)
	data, err := attest.TicketSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","passenger":"Ada","seat":"1A"}`))
	if err != nil {
		t.Fatal(err)
	}
	type mod struct {
		key     *ecdsa.PrivateKey
		domain  attest.Domain
		expires uint64
		schema  attest.SchemaUID
		otherID bool
	}
	reg := func(m mod) *wire.Registration {
		s, err := attest.Sign(m.key, m.domain, attest.Message{Version: attest.Version2, Schema: m.schema, Time: 1_700_000_000,
			ExpirationTime: m.expires, Revocable: true, Data: data, Recipient: common.Address{7}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		r := &wire.Registration{Instance: wire.InstanceID(s.UID), Bundle: "0x01", Attestation: b}
		if m.otherID {
			r.Instance[0] ^= 1
		}
		return r
	}
	good := mod{key: airline, domain: domain, schema: attest.TicketSchema.UID}
	tk, err := Verify(reg(good), origin, attest.TicketSchema.Schema, domain, now)
	if err != nil || tk.Data["flight"] != "BA117" || tk.Recipient != (common.Address{7}).Hex() {
		t.Fatalf("a valid registration: %+v, %v", tk, err)
	}
	otherChain := attest.NetworkDomain(1, domain.VerifyingContract)
	for _, c := range []struct {
		name string
		m    mod
		want string
	}{
		{"not the issuer", mod{key: other, domain: domain, schema: attest.TicketSchema.UID}, "not by an issuer"},
		{"another network", mod{key: airline, domain: otherChain, schema: attest.TicketSchema.UID}, "is not this network's"},
		{"expired", mod{key: airline, domain: domain, schema: attest.TicketSchema.UID, expires: uint64(now.Unix()) - 1}, "expired"},
		{"another schema", mod{key: airline, domain: domain, schema: attest.GrantSchema.UID}, "token wants"},
		{"another instance", mod{key: airline, domain: domain, schema: attest.TicketSchema.UID, otherID: true}, "is not the attestation uid"},
	} {
		_, err := Verify(reg(c.m), origin, attest.TicketSchema.Schema, domain, now)
		if !errors.Is(err, ErrBadRegistration) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Verify(reg(good), nil, nil, domain, now); !errors.Is(err, ErrBadRegistration) {
		t.Errorf("no origin: %v", err)
	}
	bad := reg(good)
	bad.Attestation = []byte(`{"sig":`)
	if _, err := Verify(bad, origin, nil, domain, now); !errors.Is(err, ErrBadRegistration) {
		t.Errorf("malformed: %v", err)
	}
}
