// Package loungepass embeds the lounge-pass token bundle: a token whose
// query reads another token (the flight ticket) through a grant its
// passenger gave the pass.
package loungepass

import (
	"bytes"
	"crypto/ecdsa"
	"embed"
	"encoding/hex"
	"errors"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/tokenscript"
)

//go:embed lounge-pass.xml service.js
var files embed.FS

// PassSchema is the EAS schema of the lounge's pass attestation: the
// flight ticket's instance ID, the lounge's name, and the ticket's flight
// and date (the pass follows the flight's status updates).
const PassSchema = "string ticket,string lounge,string flight,string date"

// issuerPlaceholder is the <ts:key> the example ships with.
var issuerPlaceholder = []byte("<ts:key>0x000000000000000000000000000000000000dEaD</ts:key>")

// Issued is the bundle with lounge as its issuer: its key in <ts:key>, and
// its "bundle-issuer" attestation over the bundle's hash in domain d.
func Issued(lounge *ecdsa.PrivateKey, d attest.Domain, now time.Time) (*tokenscript.Bundle, error) {
	fs := map[string][]byte{}
	for _, name := range []string{"lounge-pass.xml", "service.js"} {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		fs[name] = b
	}
	xml := fs["lounge-pass.xml"]
	if !bytes.Contains(xml, issuerPlaceholder) {
		return nil, errors.New("lounge-pass.xml has no issuer placeholder to replace")
	}
	pub := hex.EncodeToString(crypto.FromECDSAPub(&lounge.PublicKey))
	fs["lounge-pass.xml"] = bytes.Replace(xml, issuerPlaceholder, []byte("<ts:key>"+pub+"</ts:key>"), 1)
	b := &tokenscript.Bundle{Files: fs}
	if err := b.SignIssuer(lounge, d, now); err != nil {
		return nil, err
	}
	return b, nil
}
