package channel

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// FuzzParseHeader: any X-Smartlayer-Payment header is read without a panic;
// what parses writes back to the same promise, and an account refuses it
// (or takes it) without a panic and, refusing, changes nothing.
func FuzzParseHeader(f *testing.F) {
	key, _ := crypto.GenerateKey()
	payer := crypto.PubkeyToAddress(key.PublicKey)
	p, _ := Sign(key, testDomain, 1, big.NewInt(10), 1)
	f.Add(p.Header())
	f.Add("1;0;0;0x" + string(make([]byte, 130)))
	f.Add(";;;")
	f.Fuzz(func(t *testing.T, h string) {
		p, err := ParseHeader(h)
		if err != nil {
			return
		}
		back, err := ParseHeader(p.Header())
		if err != nil || back.Channel != p.Channel || back.Nonce != p.Nonce || back.Cumulative.Cmp(p.Cumulative) != 0 || string(back.Sig) != string(p.Sig) {
			t.Fatalf("%q reads back as %+v (%v)", h, back, err)
		}
		a := Open(p.Channel, payer, big.NewInt(100))
		signer, _ := Signer(p.Digest(testDomain), p.Sig)
		if a.Pay(p, signer, 1, common.Address{1}) != nil && (a.Charged().Sign() != 0 || len(a.Seen) != 0) {
			t.Fatalf("a refused promise changed the account")
		}
	})
}
