package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// ErrMalformed marks input that is not a readable attestation.
var ErrMalformed = errors.New("malformed attestation")

// flexNum reads a JSON number or a decimal (or 0x hex) string.
type flexNum struct{ big.Int }

func (n *flexNum) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	s = strings.Trim(s, `"`)
	if s == "" || s == "null" {
		n.SetInt64(0)
		return nil
	}
	base := 10
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		s, base = s[2:], 16
	}
	// Every number in an attestation is a uint256 at most: 78 decimal or
	// 64 hex digits. Longer input is refused before it is parsed (an
	// 800,000-digit chainId cost seconds of CPU).
	if len(s) > 78 {
		return fmt.Errorf("number of %d digits is out of range", len(s))
	}
	if _, ok := n.SetString(s, base); !ok {
		return fmt.Errorf("not a number: %.80s", b)
	}
	if n.Sign() < 0 || n.BitLen() > 256 {
		return fmt.Errorf("number %s is not a uint256", n.String())
	}
	return nil
}

func (n *flexNum) uint64() (uint64, error) {
	if n.Sign() < 0 || !n.IsUint64() {
		return 0, fmt.Errorf("number %s out of range", n.String())
	}
	return n.Uint64(), nil
}

type jsonDomain struct {
	Name              string         `json:"name"`
	Version           string         `json:"version"`
	ChainID           flexNum        `json:"chainId"`
	VerifyingContract common.Address `json:"verifyingContract"`
}

type jsonField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type jsonMessage struct {
	Version        *flexNum       `json:"version,omitempty"`
	Schema         string         `json:"schema"`
	Recipient      common.Address `json:"recipient"`
	Time           flexNum        `json:"time"`
	ExpirationTime flexNum        `json:"expirationTime"`
	Revocable      bool           `json:"revocable"`
	RefUID         string         `json:"refUID"`
	Data           hexutil.Bytes  `json:"data"`
	Salt           string         `json:"salt,omitempty"`
}

type jsonSig struct {
	R string  `json:"r"`
	S string  `json:"s"`
	V flexNum `json:"v"`
}

type jsonSigned struct {
	Version     *flexNum               `json:"version,omitempty"`
	Domain      jsonDomain             `json:"domain"`
	PrimaryType string                 `json:"primaryType"`
	Types       map[string][]jsonField `json:"types"`
	Signature   json.RawMessage        `json:"signature"`
	UID         string                 `json:"uid"`
	Message     jsonMessage            `json:"message"`
}

type jsonPackage struct {
	Sig    *jsonSigned     `json:"sig"`
	Signer *common.Address `json:"signer"`
}

// MarshalJSON writes the eas-sdk package form {"sig": {...}, "signer": ...}.
func (s *Signed) MarshalJSON() ([]byte, error) {
	m := s.Message
	v := flexNum{}
	v.SetUint64(uint64(m.Version))
	jm := jsonMessage{
		Schema:    m.Schema.String(),
		Recipient: m.Recipient,
		Revocable: m.Revocable,
		RefUID:    m.RefUID.String(),
		Data:      m.Data,
	}
	jm.Time.SetUint64(m.Time)
	jm.ExpirationTime.SetUint64(m.ExpirationTime)
	fields := []jsonField{
		{"schema", "bytes32"}, {"recipient", "address"}, {"time", "uint64"},
		{"expirationTime", "uint64"}, {"revocable", "bool"}, {"refUID", "bytes32"}, {"data", "bytes"},
	}
	if m.Version >= Version1 {
		jm.Version = &v
		fields = append([]jsonField{{"version", "uint16"}}, fields...)
	}
	if m.Version == Version2 {
		jm.Salt = hexutil.Encode(m.Salt[:])
		fields = append(fields, jsonField{"salt", "bytes32"})
	}
	sig, _ := json.Marshal(map[string]any{
		"r": hexutil.Encode(s.Sig[:32]),
		"s": hexutil.Encode(s.Sig[32:64]),
		"v": int(s.Sig[64]),
	})
	js := &jsonSigned{
		Domain: jsonDomain{
			Name: s.Domain.Name, Version: s.Domain.Version,
			VerifyingContract: s.Domain.VerifyingContract,
		},
		PrimaryType: structOrAttest(s.Struct),
		Types:       map[string][]jsonField{structOrAttest(s.Struct): fields},
		Signature:   sig,
		UID:         s.UID.String(),
		Message:     jm,
	}
	if s.Domain.ChainID != nil {
		js.Domain.ChainID.Set(s.Domain.ChainID)
	}
	if m.Version >= Version1 {
		js.Version = &v
	}
	signer := s.Signer
	return json.Marshal(jsonPackage{Sig: js, Signer: &signer})
}

func structOrAttest(name string) string {
	if name == "" {
		return StructAttest
	}
	return name
}

// MarshalJSON writes chainId as a JSON number.
func (n flexNum) MarshalJSON() ([]byte, error) { return []byte(n.String()), nil }

// ParseJSON reads an attestation in the eas-sdk package form {sig, signer} or
// as a bare signed object {domain, primaryType, types, message, signature, uid}.
// A bare object carries no signer: it is recovered from the signature.
func ParseJSON(b []byte) (*Signed, error) {
	b = bytes.TrimSpace(b)
	var pkg jsonPackage
	if err := json.Unmarshal(b, &pkg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	js := pkg.Sig
	if js == nil {
		js = new(jsonSigned)
		if err := json.Unmarshal(b, js); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	}
	s, err := js.toSigned()
	if err != nil {
		return nil, err
	}
	if pkg.Signer != nil {
		s.Signer = *pkg.Signer
	} else {
		dg, err := Digest(s.Domain, s.Struct, &s.Message)
		if err != nil {
			return nil, err
		}
		if s.Signer, _, err = recoverSigner(dg, s.Sig); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (js *jsonSigned) toSigned() (*Signed, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
	}
	if js.Message.Schema == "" || len(js.Signature) == 0 {
		return nil, bad("missing message.schema or signature")
	}
	s := &Signed{Domain: Domain{
		Name: js.Domain.Name, Version: js.Domain.Version,
		ChainID: new(big.Int).Set(&js.Domain.ChainID.Int), VerifyingContract: js.Domain.VerifyingContract,
	}}
	m := &s.Message
	// The version comes from the message, then the envelope, then the types.
	switch {
	case js.Message.Version != nil:
		v, err := js.Message.Version.uint64()
		if err != nil || v > 0xffff {
			return nil, bad("version: %v", err)
		}
		m.Version = uint16(v)
	case js.Version != nil:
		v, err := js.Version.uint64()
		if err != nil || v > 0xffff {
			return nil, bad("version: %v", err)
		}
		m.Version = uint16(v)
	default:
		for _, fields := range js.Types {
			for _, f := range fields {
				if f.Name == "version" {
					return nil, bad("types name a version field but the message has none")
				}
			}
		}
	}
	if err := js.checkTypes(s); err != nil {
		return nil, err
	}
	var err error
	if m.Schema, err = ParseSchemaUID(js.Message.Schema); err != nil {
		return nil, bad("%v", err)
	}
	m.Recipient = js.Message.Recipient
	if m.Time, err = js.Message.Time.uint64(); err != nil {
		return nil, bad("time: %v", err)
	}
	if m.ExpirationTime, err = js.Message.ExpirationTime.uint64(); err != nil {
		return nil, bad("expirationTime: %v", err)
	}
	m.Revocable = js.Message.Revocable
	if js.Message.RefUID != "" && js.Message.RefUID != "0" {
		if m.RefUID, err = ParseUID(js.Message.RefUID); err != nil {
			return nil, bad("refUID: %v", err)
		}
	}
	m.Data = js.Message.Data
	if m.Version == Version2 {
		salt, err := decodeHexN(js.Message.Salt, 32)
		if err != nil {
			return nil, bad("salt: %v", err)
		}
		copy(m.Salt[:], salt)
	}
	if s.Sig, err = parseSignature(js.Signature); err != nil {
		return nil, bad("signature: %v", err)
	}
	if s.UID, err = ParseUID(js.UID); err != nil {
		return nil, bad("%v", err)
	}
	return s, nil
}

// checkTypes finds the struct that was signed, the one the types name (the
// legacy quirk: primaryType "Attestation" over a struct "Attest"), and checks
// that its fields are the version's.
func (js *jsonSigned) checkTypes(s *Signed) error {
	if len(js.Types) == 0 {
		return nil
	}
	name := js.PrimaryType
	if _, ok := js.Types[name]; !ok {
		name = ""
		for k := range js.Types {
			if k != "EIP712Domain" {
				if name != "" {
					return fmt.Errorf("%w: types name several structs and none is the primary type %q", ErrMalformed, js.PrimaryType)
				}
				name = k
			}
		}
	}
	if name != StructAttest && name != StructAttestation {
		return fmt.Errorf("%w: struct %q is not an EAS attestation", ErrVersion, name)
	}
	var parts []string
	for _, f := range js.Types[name] {
		parts = append(parts, f.Type+" "+f.Name)
	}
	if got, want := strings.Join(parts, ","), versionFields[s.Message.Version]; got != want {
		return fmt.Errorf("%w: version %d struct %s(%s), want (%s)", ErrVersion, s.Message.Version, name, got, want)
	}
	s.Struct = name
	return nil
}

// parseSignature accepts {r, s, v} or a flat 65-byte hex string.
func parseSignature(raw json.RawMessage) ([65]byte, error) {
	var out [65]byte
	var flat string
	if err := json.Unmarshal(raw, &flat); err == nil {
		b, err := decodeHexN(flat, 65)
		if err != nil {
			return out, err
		}
		copy(out[:], b)
		if out[64] < 27 {
			out[64] += 27
		}
		return out, nil
	}
	var rsv jsonSig
	if err := json.Unmarshal(raw, &rsv); err != nil {
		return out, err
	}
	r, err := decodeHexN(rsv.R, 32)
	if err != nil {
		return out, fmt.Errorf("r: %w", err)
	}
	sv, err := decodeHexN(rsv.S, 32)
	if err != nil {
		return out, fmt.Errorf("s: %w", err)
	}
	v, err := rsv.V.uint64()
	if err != nil || v > 255 {
		return out, fmt.Errorf("v out of range")
	}
	copy(out[:32], r)
	copy(out[32:64], sv)
	out[64] = byte(v)
	if out[64] < 27 {
		out[64] += 27
	}
	return out, nil
}
