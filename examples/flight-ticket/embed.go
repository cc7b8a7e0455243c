// Package flightticket embeds the flight-ticket token bundle, the worked
// example every demo and end-to-end test uses.
package flightticket

import (
	"bytes"
	"crypto/ecdsa"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"time"

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

// Issued is the bundle with airline as its issuer: its key in <ts:key>, and
// its "bundle-issuer" attestation over the bundle's hash in domain d.
func Issued(airline *ecdsa.PrivateKey, d attest.Domain, now time.Time) (*tokenscript.Bundle, error) {
	files := Files()
	xml := files["flight-ticket.xml"]
	if !bytes.Contains(xml, issuerPlaceholder) {
		return nil, errors.New("flight-ticket.xml has no issuer placeholder to replace")
	}
	pub := hex.EncodeToString(crypto.FromECDSAPub(&airline.PublicKey))
	files["flight-ticket.xml"] = bytes.Replace(xml, issuerPlaceholder, []byte("<ts:key>"+pub+"</ts:key>"), 1)
	b := &tokenscript.Bundle{Files: files}
	iss, err := attest.SignBundleIssuer(airline, d, b.Hash(), now)
	if err != nil {
		return nil, err
	}
	if b.Issuer, err = json.Marshal(iss); err != nil {
		return nil, err
	}
	return b, nil
}
