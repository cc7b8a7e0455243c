package attest

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// UID identifies one attestation: keccak256 of its packed fields.
type UID [32]byte

// SchemaUID identifies a schema: keccak256(schema string, resolver, revocable).
type SchemaUID [32]byte

func (u UID) String() string       { return "0x" + hex.EncodeToString(u[:]) }
func (u SchemaUID) String() string { return "0x" + hex.EncodeToString(u[:]) }

// IsZero reports whether u is the zero UID.
func (u UID) IsZero() bool { return u == UID{} }

// ParseUID reads a 0x-prefixed 32-byte hex string.
func ParseUID(s string) (UID, error) {
	var u UID
	b, err := decodeHexN(s, 32)
	if err != nil {
		return u, fmt.Errorf("uid: %w", err)
	}
	copy(u[:], b)
	return u, nil
}

// ParseSchemaUID reads a 0x-prefixed 32-byte hex string.
func ParseSchemaUID(s string) (SchemaUID, error) {
	var u SchemaUID
	b, err := decodeHexN(s, 32)
	if err != nil {
		return u, fmt.Errorf("schema uid: %w", err)
	}
	copy(u[:], b)
	return u, nil
}

func decodeHexN(s string, n int) ([]byte, error) {
	if len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bad hex %q", s)
	}
	if len(b) != n {
		return nil, fmt.Errorf("want %d bytes, got %d", n, len(b))
	}
	return b, nil
}

// Off-chain attestation versions.
const (
	Version0 uint16 = 0 // legacy: no version field
	Version1 uint16 = 1
	Version2 uint16 = 2 // adds salt
)

// Domain is the EIP-712 domain of an EAS contract.
type Domain struct {
	Name              string
	Version           string
	ChainID           *big.Int
	VerifyingContract common.Address
}

// DomainName is the EIP-712 domain name every EAS contract uses.
const DomainName = "EAS Attestation"

// SignVersion is the EAS contract version this network signs for.
const SignVersion = "1.3.0"

// NetworkDomain is the domain the network signs attestations for: an EAS
// contract at SignVersion on a chain.
func NetworkDomain(chainID int64, contract common.Address) Domain {
	return Domain{Name: DomainName, Version: SignVersion, ChainID: big.NewInt(chainID), VerifyingContract: contract}
}

// Message is the signed content of an off-chain attestation.
type Message struct {
	Version        uint16
	Schema         SchemaUID
	Recipient      common.Address
	Time           uint64
	ExpirationTime uint64
	Revocable      bool
	RefUID         UID
	Data           []byte
	Salt           [32]byte // version 2 only
}

// Signed is an off-chain attestation with its signature and signer.
type Signed struct {
	Domain  Domain
	Message Message
	// Struct is the EIP-712 struct name that was signed: "Attest", or
	// "Attestation" for some legacy (version 0) signers. Empty means
	// unknown (forms without types): Verify tries the names in use.
	Struct string
	// Sig is r || s || v with v in {27, 28}.
	Sig    [65]byte
	UID    UID
	Signer common.Address
}

// Errors returned by Verify; callers test them with errors.Is.
var (
	ErrBadSignature   = errors.New("signature does not recover")
	ErrHighS          = errors.New("signature s is not in the lower half order")
	ErrSignerMismatch = errors.New("recovered signer differs from stated signer")
	ErrUIDMismatch    = errors.New("uid differs from the uid recomputed from the message")
	ErrVersion        = errors.New("unsupported off-chain attestation version")
)

// The EIP-712 struct names in use and the fields of each version.
const (
	StructAttest      = "Attest"
	StructAttestation = "Attestation" // legacy version 0 only
)

var fieldsV0 = "bytes32 schema,address recipient,uint64 time,uint64 expirationTime,bool revocable,bytes32 refUID,bytes data"

// versionFields lists each version's struct fields in signing order.
var versionFields = map[uint16]string{
	Version0: fieldsV0,
	Version1: "uint16 version," + fieldsV0,
	Version2: "uint16 version," + fieldsV0 + ",bytes32 salt",
}

var (
	domainTypeHash = crypto.Keccak256([]byte("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"))
	typeHashes     = map[string][]byte{}
	halfNBytes     = [32]byte(common.LeftPadBytes(new(big.Int).Rsh(crypto.S256().Params().N, 1).Bytes(), 32))
)

func init() {
	for v, f := range versionFields {
		for _, name := range []string{StructAttest, StructAttestation} {
			typeHashes[typeKey(name, v)] = crypto.Keccak256([]byte(name + "(" + f + ")"))
		}
	}
}

func typeKey(name string, v uint16) string { return fmt.Sprintf("%s/%d", name, v) }

// structNames are the names Verify tries for a version when none is known.
func structNames(s *Signed) []string {
	if s.Struct != "" {
		return []string{s.Struct}
	}
	if s.Message.Version == Version0 {
		return []string{StructAttest, StructAttestation}
	}
	return []string{StructAttest}
}

// separators caches domain separators: a node sees few domains, and each
// costs five keccak hashes.
var separators sync.Map // domainKey -> [32]byte

type domainKey struct {
	name, version, chain string
	contract             common.Address
}

// Separator returns the EIP-712 domain separator.
func (d Domain) Separator() [32]byte {
	k := domainKey{d.Name, d.Version, "", d.VerifyingContract}
	if d.ChainID != nil {
		k.chain = d.ChainID.String()
	}
	// Bounded: domains come from input, and a flood of made-up ones must
	// not grow the cache, in entries or in bytes: only short names and
	// versions and uint256 chain IDs are cached.
	cacheable := len(d.Name) <= 64 && len(d.Version) <= 32 && len(k.chain) <= 78
	if cacheable {
		if v, ok := separators.Load(k); ok {
			return v.([32]byte)
		}
	}
	sep := d.separator()
	if cacheable && separatorCount.Add(1) <= 1024 {
		separators.Store(k, sep)
	}
	return sep
}

var separatorCount atomic.Int64

func (d Domain) separator() [32]byte {
	buf := make([]byte, 0, 5*32)
	buf = append(buf, domainTypeHash...)
	buf = append(buf, crypto.Keccak256([]byte(d.Name))...)
	buf = append(buf, crypto.Keccak256([]byte(d.Version))...)
	buf = append(buf, word(d.ChainID)...)
	buf = append(buf, common.LeftPadBytes(d.VerifyingContract[:], 32)...)
	return crypto.Keccak256Hash(buf)
}

func word(x *big.Int) []byte {
	if x == nil {
		return make([]byte, 32)
	}
	return common.LeftPadBytes(x.Bytes(), 32)
}

func uword(x uint64) []byte {
	b := make([]byte, 32)
	binary.BigEndian.PutUint64(b[24:], x)
	return b
}

// StructHash returns the EIP-712 hash of the message for its version, signed
// as the struct named name ("Attest" when empty).
func (m *Message) StructHash(name string) ([32]byte, error) {
	if name == "" {
		name = StructAttest
	}
	th, ok := typeHashes[typeKey(name, m.Version)]
	if !ok || (name == StructAttestation && m.Version != Version0) {
		return [32]byte{}, fmt.Errorf("%w: version %d as struct %q", ErrVersion, m.Version, name)
	}
	buf := make([]byte, 0, 10*32)
	buf = append(buf, th...)
	if m.Version >= Version1 {
		buf = append(buf, uword(uint64(m.Version))...)
	}
	buf = append(buf, m.Schema[:]...)
	buf = append(buf, common.LeftPadBytes(m.Recipient[:], 32)...)
	buf = append(buf, uword(m.Time)...)
	buf = append(buf, uword(m.ExpirationTime)...)
	if m.Revocable {
		buf = append(buf, uword(1)...)
	} else {
		buf = append(buf, uword(0)...)
	}
	buf = append(buf, m.RefUID[:]...)
	buf = append(buf, crypto.Keccak256(m.Data)...)
	if m.Version == Version2 {
		buf = append(buf, m.Salt[:]...)
	}
	return crypto.Keccak256Hash(buf), nil
}

// Digest returns the EIP-712 digest that the attester signs, for the struct
// name given ("Attest" when empty).
func Digest(d Domain, name string, m *Message) ([32]byte, error) {
	sh, err := m.StructHash(name)
	if err != nil {
		return [32]byte{}, err
	}
	sep := d.Separator()
	buf := make([]byte, 0, 66)
	buf = append(buf, 0x19, 0x01)
	buf = append(buf, sep[:]...)
	buf = append(buf, sh[:]...)
	return crypto.Keccak256Hash(buf), nil
}

// OffchainUID computes the UID of an off-chain attestation as the eas-sdk does:
// keccak256 of the packed version (v1+), schema as its 0x hex string, recipient,
// the zero attester, times, revocable, refUID, data, salt (v2) and uint32(0).
func OffchainUID(m *Message) UID {
	buf := make([]byte, 0, 256+len(m.Data))
	if m.Version >= Version1 {
		buf = binary.BigEndian.AppendUint16(buf, m.Version)
	}
	buf = append(buf, []byte(m.Schema.String())...)
	buf = append(buf, m.Recipient[:]...)
	buf = append(buf, make([]byte, 20)...)
	buf = binary.BigEndian.AppendUint64(buf, m.Time)
	buf = binary.BigEndian.AppendUint64(buf, m.ExpirationTime)
	if m.Revocable {
		buf = append(buf, 1)
	} else {
		buf = append(buf, 0)
	}
	buf = append(buf, m.RefUID[:]...)
	buf = append(buf, m.Data...)
	if m.Version == Version2 {
		buf = append(buf, m.Salt[:]...)
	}
	buf = append(buf, 0, 0, 0, 0)
	return UID(crypto.Keccak256Hash(buf))
}

// SchemaUIDOf computes keccak256(schema | resolver | revocable).
func SchemaUIDOf(schema string, resolver common.Address, revocable bool) SchemaUID {
	buf := append([]byte(schema), resolver[:]...)
	if revocable {
		buf = append(buf, 1)
	} else {
		buf = append(buf, 0)
	}
	return SchemaUID(crypto.Keccak256Hash(buf))
}

// Sign signs m for domain d with key as the eas-sdk does: struct "Attest",
// or "Attestation" for a legacy version 0 message. It fills the UID and signer.
func Sign(key *ecdsa.PrivateKey, d Domain, m Message) (*Signed, error) {
	name := StructAttest
	if m.Version == Version0 {
		name = StructAttestation
	}
	dg, err := Digest(d, name, &m)
	if err != nil {
		return nil, err
	}
	sig, err := crypto.Sign(dg[:], key)
	if err != nil {
		return nil, fmt.Errorf("sign attestation: %w", err)
	}
	s := &Signed{Domain: d, Message: m, Struct: name, UID: OffchainUID(&m), Signer: crypto.PubkeyToAddress(key.PublicKey)}
	copy(s.Sig[:], sig)
	s.Sig[64] += 27
	return s, nil
}

// Verify checks the signature (low-s), the recovered signer and the UID. It
// does not apply a policy (domain, time, schema): see Policy.
func (s *Signed) Verify() error {
	var first common.Address
	matched := false
	for i, name := range structNames(s) {
		dg, err := Digest(s.Domain, name, &s.Message)
		if err != nil {
			return err
		}
		signer, _, err := recoverSigner(dg, s.Sig)
		if err != nil {
			return err
		}
		if i == 0 {
			first = signer
		}
		if signer == s.Signer {
			matched = true
			break
		}
	}
	if !matched {
		return fmt.Errorf("%w: recovered %s, stated %s", ErrSignerMismatch, first, s.Signer)
	}
	if uid := OffchainUID(&s.Message); uid != s.UID {
		return fmt.Errorf("%w: computed %s, stated %s", ErrUIDMismatch, uid, s.UID)
	}
	return nil
}

// SignDigest signs a digest as contracts recover it (OpenZeppelin's ECDSA,
// no message prefix): r || s || v with v 27 or 28.
func SignDigest(key *ecdsa.PrivateKey, digest [32]byte) ([]byte, error) {
	sig, err := crypto.Sign(digest[:], key)
	if err != nil {
		return nil, err
	}
	sig[64] += 27
	return sig, nil
}

// DigestSigner recovers who made a SignDigest signature. Like the
// contracts' ECDSA.recover it takes only 65 bytes with v 27 or 28 and
// refuses a high s (a malleated signature a contract rejects must not
// count off chain either).
func DigestSigner(digest [32]byte, sig []byte) (common.Address, error) {
	a, _, err := DigestSignerKey(digest, sig)
	return a, err
}

// DigestSignerKey is DigestSigner that also returns the signer's public
// key (65 bytes, uncompressed), for SignedBy to check the signer's next
// signatures with.
func DigestSignerKey(digest [32]byte, sig []byte) (common.Address, []byte, error) {
	if len(sig) != 65 || sig[64] != 27 && sig[64] != 28 {
		return common.Address{}, nil, fmt.Errorf("%w: not 65 bytes with v 27 or 28", ErrBadSignature)
	}
	return recoverSigner(digest, [65]byte(sig))
}

// SignedBy reports whether sig (65 bytes, v 27 or 28, low s) is a
// signature over digest by the key pub (65 bytes, uncompressed, as
// DigestSignerKey returns it). It verifies instead of recovering, which
// costs about a third less, but does not check v: the v of a signature
// it accepts may be the other one, which recovers another address (a
// contract's ecrecover would then not find the signer). Where the
// signature goes on chain, take the v that recovers the signer first
// (RecoveringV).
func SignedBy(pub []byte, digest [32]byte, sig []byte) bool {
	if len(sig) != 65 || sig[64] != 27 && sig[64] != 28 || bytes.Compare(sig[32:64], halfNBytes[:]) > 0 {
		return false
	}
	return crypto.VerifySignature(pub, digest[:], sig[:64])
}

// RecoveringV returns sig with the v under which it recovers signer (sig
// itself when it does): false when neither v does.
func RecoveringV(digest [32]byte, sig []byte, signer common.Address) ([]byte, bool) {
	if a, err := DigestSigner(digest, sig); err == nil && a == signer {
		return sig, true
	}
	return recoversUnderOtherV(digest, sig, signer)
}

// RecoversUnderOtherV reports whether sig, given the other v, recovers to
// signer: for a signature whose own v recovered another address, whether
// SignedBy would take it from signer.
func RecoversUnderOtherV(digest [32]byte, sig []byte, signer common.Address) bool {
	_, ok := recoversUnderOtherV(digest, sig, signer)
	return ok
}

func recoversUnderOtherV(digest [32]byte, sig []byte, signer common.Address) ([]byte, bool) {
	if len(sig) != 65 || sig[64] != 27 && sig[64] != 28 {
		return nil, false
	}
	flipped := bytes.Clone(sig)
	flipped[64] = 27 + 28 - sig[64]
	if a, err := DigestSigner(digest, flipped); err == nil && a == signer {
		return flipped, true
	}
	return nil, false
}

func recoverSigner(digest [32]byte, sig65 [65]byte) (common.Address, []byte, error) {
	sig := sig65
	v := sig[64]
	if v >= 27 {
		v -= 27
	}
	if v > 1 {
		return common.Address{}, nil, fmt.Errorf("%w: v=%d", ErrBadSignature, sig65[64])
	}
	sig[64] = v
	if bytes.Compare(sig[32:64], halfNBytes[:]) > 0 {
		return common.Address{}, nil, ErrHighS
	}
	pub, err := crypto.Ecrecover(digest[:], sig[:])
	if err != nil {
		return common.Address{}, nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	var a common.Address
	copy(a[:], crypto.Keccak256(pub[1:])[12:])
	return a, pub, nil
}
