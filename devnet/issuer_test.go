package devnet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// TestIssuersSignTheirTokens: an anchor refuses a bundle its issuer did not
// sign; and a bundle someone else signed that names the real airline as an
// issuer too cannot take the airline's tickets: a ticket registers only
// against the bundle its own signer vouched for.
func TestIssuersSignTheirTokens(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services = 1, 1
	d := startDevnet(t, opts)
	anchor := d.Info.Anchors[0].HTTP
	domain := attest.NetworkDomain(d.Info.ChainID, common.HexToAddress(d.Info.EASContract))

	unsigned, _ := json.Marshal(&tokenscript.Bundle{Files: flightticket.Files()})
	if code, m, _ := postH(t, anchor+"/v1/bundles", string(unsigned), nil); code != 400 || !strings.Contains(m["detail"].(string), "not signed by its issuer") {
		t.Fatalf("an unsigned bundle: %d %v", code, m)
	}

	// The attacker's bundle names the airline and itself as issuers, and
	// the attacker signs it.
	attacker, _ := crypto.GenerateKey()
	airline, err := nodekey.Load(d.Info.Airline.Key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := flightticket.Issued(attacker, domain, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	airlineKey := []byte("<ts:key>" + hex.EncodeToString(crypto.FromECDSAPub(&airline.ECDSA.PublicKey)) + "</ts:key>")
	b.Files["flight-ticket.xml"] = bytes.Replace(b.Files["flight-ticket.xml"], []byte("</ts:key>"), append([]byte("</ts:key>\n    "), airlineKey...), 1)
	iss, _ := attest.SignBundleIssuer(attacker, domain, b.Hash(), time.Now())
	b.Issuer, _ = json.Marshal(iss)
	bj, _ := json.Marshal(b)
	code, m, _ := postH(t, anchor+"/v1/bundles", string(bj), nil)
	if code != 201 {
		t.Fatalf("the attacker's own bundle: %d %v", code, m)
	}
	attackerBundle := m["bundle"].(string)

	// A new, real ticket of the airline: refused against the attacker's
	// bundle, taken against the airline's.
	tks, err := IssueTickets(airline, 1, 1, d.Info.ChainID, common.HexToAddress(d.Info.EASContract), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	reg := func(bundle string) (int, map[string]any) {
		body, _ := json.Marshal(map[string]any{"bundle": bundle, "attestation": tks[0].Attestation})
		code, m, _ := postH(t, anchor+"/v1/tokens", string(body), nil)
		return code, m
	}
	if code, m := reg(attackerBundle); code != 422 || !strings.Contains(m["detail"].(string), "issuer") {
		t.Fatalf("the airline's ticket against the attacker's bundle: %d %v", code, m)
	}
	if code, m := reg(d.Info.Bundle); code != 201 {
		t.Fatalf("the airline's ticket against the airline's bundle: %d %v", code, m)
	}
}
