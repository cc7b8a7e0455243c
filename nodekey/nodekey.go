// Package nodekey keeps a node's secp256k1 identity: one key that is its
// libp2p peer ID, its Ethereum address and its signing key.
package nodekey

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	p2pcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Key is a node identity. Its address and peer ID are derived once.
type Key struct {
	ECDSA *ecdsa.PrivateKey
	addr  common.Address
	peer  peer.ID
}

// FromECDSA wraps a private key.
func FromECDSA(k *ecdsa.PrivateKey) *Key {
	key := &Key{ECDSA: k, addr: crypto.PubkeyToAddress(k.PublicKey)}
	id, err := peer.IDFromPrivateKey(key.Libp2p())
	if err != nil {
		panic(fmt.Sprintf("nodekey: peer id: %v", err))
	}
	key.peer = id
	return key
}

// Generate makes a new random key.
func Generate() (*Key, error) {
	k, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	return FromECDSA(k), nil
}

// Address is the key's Ethereum address.
func (k *Key) Address() common.Address { return k.addr }

// Libp2p returns the key in libp2p's form.
func (k *Key) Libp2p() p2pcrypto.PrivKey {
	pk, err := p2pcrypto.UnmarshalSecp256k1PrivateKey(crypto.FromECDSA(k.ECDSA))
	if err != nil {
		panic(fmt.Sprintf("nodekey: secp256k1 key not accepted by libp2p: %v", err))
	}
	return pk
}

// PeerID is the libp2p peer ID of the key.
func (k *Key) PeerID() peer.ID { return k.peer }

// Save writes the key as hex with mode 0600. It refuses to overwrite.
func (k *Key) Save(path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("key file %s already exists", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return crypto.SaveECDSA(path, k.ECDSA)
}

// Load reads a key written by Save. A key readable by group or others is
// refused, as ssh refuses one.
func Load(path string) (*Key, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %04o; it must be 0600 (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	k, err := crypto.LoadECDSA(path)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return FromECDSA(k), nil
}

// LoadOrCreate loads the key at path, creating it on first start.
func LoadOrCreate(path string) (k *Key, created bool, err error) {
	k, err = Load(path)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if k, err = Generate(); err != nil {
		return nil, false, err
	}
	return k, true, k.Save(path)
}

// AddressOfPeer derives the Ethereum address of a secp256k1 peer ID.
func AddressOfPeer(id peer.ID) (common.Address, error) {
	k, err := peerKeys.of(id)
	if err != nil {
		return common.Address{}, err
	}
	return k.addr, nil
}

// PublicKeyOfPeer is the secp256k1 public key a peer ID holds.
func PublicKeyOfPeer(id peer.ID) (*ecdsa.PublicKey, error) {
	k, err := peerKeys.of(id)
	if err != nil {
		return nil, err
	}
	pub := k.pub
	return &pub, nil
}

// peerKeys remembers the keys of the peer IDs seen: decompressing a key
// (a square root in the field) is most of the cost of checking a peer's
// signature once its signer is known, and nodes see the same few peers
// over and over. A peer ID holds its key, so what is kept never goes
// stale; the memo is bounded and starts afresh when full.
var peerKeys = keyMemo{m: map[peer.ID]peerKey{}}

const maxPeerKeys = 65_536

type peerKey struct {
	pub  ecdsa.PublicKey
	addr common.Address
}

type keyMemo struct {
	mu sync.Mutex
	m  map[peer.ID]peerKey
}

func (c *keyMemo) of(id peer.ID) (peerKey, error) {
	c.mu.Lock()
	k, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return k, nil
	}
	pub, err := decodePeerKey(id)
	if err != nil {
		return peerKey{}, err
	}
	k = peerKey{pub: *pub, addr: crypto.PubkeyToAddress(*pub)}
	c.mu.Lock()
	if len(c.m) >= maxPeerKeys {
		clear(c.m)
	}
	c.m[id] = k
	c.mu.Unlock()
	return k, nil
}

func decodePeerKey(id peer.ID) (*ecdsa.PublicKey, error) {
	pub, err := id.ExtractPublicKey()
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", id, err)
	}
	raw, err := pub.Raw()
	if err != nil {
		return nil, err
	}
	if pub.Type() != p2pcrypto.Secp256k1 {
		return nil, fmt.Errorf("peer %s: key type %v is not secp256k1", id, pub.Type())
	}
	return crypto.DecompressPubkey(raw)
}
