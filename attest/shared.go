package attest

import (
	"crypto/ecdsa"
	"fmt"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/crypto/ecies"
)

// SharedKey is the key two secp256k1 key holders share, derived from one's
// private key and the other's public key (the same from either side):
// keccak256(domain ‖ x of the ECDH point). The domain keeps the keys of
// different uses apart (a request session's, a payment channel's credit).
func SharedKey(domain string, priv *ecdsa.PrivateKey, pub *ecdsa.PublicKey) ([32]byte, error) {
	sk, err := ecies.ImportECDSA(priv).GenerateShared(ecies.ImportECDSAPublic(pub), 32, 0)
	if err != nil {
		return [32]byte{}, fmt.Errorf("%s key: %w", domain, err)
	}
	return crypto.Keccak256Hash([]byte(domain), sk), nil
}
