// Package flightticket embeds the flight-ticket token bundle, the worked
// example every demo and end-to-end test uses.
package flightticket

import (
	"bytes"
	"crypto/ecdsa"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/tokenscript"
)

//go:embed flight-ticket.xml service.js
var files embed.FS

// Files returns the bundle's files by name.
func Files() map[string][]byte {
	out := map[string][]byte{}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = b
		return nil
	})
	return out
}

// TicketSchema is the EAS schema of the airline's ticket attestation.
const TicketSchema = "string flight,string date,string passenger,string seat"

// issuerPlaceholder is the <ts:key> the example ships with: a deployment
// (the devnet, a test) names its own airline there.
var issuerPlaceholder = []byte("<ts:key>0x000000000000000000000000000000000000dEaD</ts:key>")

// contractPlaceholder is the FlightTickets address the example ships with.
var contractPlaceholder = []byte(`<ts:address network="1337">0x000000000000000000000000000000000000bEEF</ts:address>`)

// Issued is the bundle with airline as its issuer: its key in <ts:key>, and
// its "bundle-issuer" attestation over the bundle's hash in domain d.
func Issued(airline *ecdsa.PrivateKey, d attest.Domain, now time.Time) (*tokenscript.Bundle, error) {
	return IssuedOn(airline, d, common.Address{}, now)
}

// IssuedOn is Issued with the tickets' ERC-721 twin at contract on d's
// chain (a FlightTickets the airline owns); the zero address keeps the
// example's placeholder. hotelHosts are declared as egress hosts besides
// the example's loopback ones (where the demo hotel is on another address).
func IssuedOn(airline *ecdsa.PrivateKey, d attest.Domain, contract common.Address, now time.Time, hotelHosts ...string) (*tokenscript.Bundle, error) {
	files := Files()
	xml := files["flight-ticket.xml"]
	if !bytes.Contains(xml, issuerPlaceholder) || !bytes.Contains(xml, contractPlaceholder) {
		return nil, errors.New("flight-ticket.xml has no issuer or contract placeholder to replace")
	}
	pub := hex.EncodeToString(crypto.FromECDSAPub(&airline.PublicKey))
	xml = bytes.Replace(xml, issuerPlaceholder, []byte("<ts:key>"+pub+"</ts:key>"), 1)
	if contract != (common.Address{}) {
		xml = bytes.Replace(xml, contractPlaceholder, []byte(fmt.Sprintf(`<ts:address network="%d">%s</ts:address>`, d.ChainID, contract.Hex())), 1)
	}
	for _, h := range hotelHosts {
		last := []byte(`<sl:egress host="localhost"/>`)
		if !bytes.Contains(xml, last) {
			return nil, errors.New("flight-ticket.xml has no egress host to add the hotel's after")
		}
		xml = bytes.Replace(xml, last, []byte(fmt.Sprintf(`%s<sl:egress host="%s"/>`, last, h)), 1)
	}
	files["flight-ticket.xml"] = xml
	b := &tokenscript.Bundle{Files: files}
	if err := b.SignIssuer(airline, d, now); err != nil {
		return nil, err
	}
	return b, nil
}
