package attest

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// MaxCompressed and MaxInflated bound the URL form, so a zip bomb costs little.
const (
	MaxCompressed = 64 << 10
	MaxInflated   = 1 << 20
)

// Compact positions of the eas-sdk's 18-entry array.
const (
	cDomainVersion = iota
	cChainID
	cContract
	cR
	cS
	cV
	cSigner
	cUID
	cSchema
	cRecipient
	cTime
	cExpiration
	cRefUID
	cRevocable
	cData
	cReserved
	cVersion
	cSalt
	compactLen
)

// ParseCompact reads the eas-sdk's compact array (the URL form's payload).
// A missing or zero version field (position 16) is a legacy version 0 attestation.
func ParseCompact(b []byte) (*Signed, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal(b, &arr); err != nil {
		return nil, fmt.Errorf("%w: compact form: %v", ErrMalformed, err)
	}
	if len(arr) < cVersion || len(arr) > compactLen {
		return nil, fmt.Errorf("%w: compact form has %d positions, want 16 to 18", ErrMalformed, len(arr))
	}
	bad := func(pos int, err error) error {
		return fmt.Errorf("%w: compact position %d: %v", ErrMalformed, pos, err)
	}
	str := func(pos int) (string, error) {
		var s string
		if err := json.Unmarshal(arr[pos], &s); err != nil {
			return "", bad(pos, err)
		}
		return s, nil
	}
	num := func(pos int) (*big.Int, error) {
		var n flexNum
		if err := n.UnmarshalJSON(arr[pos]); err != nil {
			return nil, bad(pos, err)
		}
		return &n.Int, nil
	}
	zeroOr := func(pos int, n int) ([]byte, error) {
		s, err := str(pos)
		if err != nil {
			return nil, err
		}
		if s == "0" || s == "" {
			return make([]byte, n), nil
		}
		v, err := decodeHexN(s, n)
		if err != nil {
			return nil, bad(pos, err)
		}
		return v, nil
	}
	s := &Signed{}
	var err error
	if s.Domain.Version, err = str(cDomainVersion); err != nil {
		return nil, err
	}
	s.Domain.Name = DomainName
	if s.Domain.ChainID, err = num(cChainID); err != nil {
		return nil, err
	}
	c, err := zeroOr(cContract, 20)
	if err != nil {
		return nil, err
	}
	s.Domain.VerifyingContract = common.BytesToAddress(c)
	r, err := zeroOr(cR, 32)
	if err != nil {
		return nil, err
	}
	sv, err := zeroOr(cS, 32)
	if err != nil {
		return nil, err
	}
	v, err := num(cV)
	if err != nil {
		return nil, err
	}
	if !v.IsUint64() || v.Uint64() > 255 {
		return nil, bad(cV, fmt.Errorf("v out of range"))
	}
	copy(s.Sig[:32], r)
	copy(s.Sig[32:64], sv)
	s.Sig[64] = byte(v.Uint64())
	if s.Sig[64] < 27 {
		s.Sig[64] += 27
	}
	signer, err := zeroOr(cSigner, 20)
	if err != nil {
		return nil, err
	}
	s.Signer = common.BytesToAddress(signer)
	uid, err := zeroOr(cUID, 32)
	if err != nil {
		return nil, err
	}
	copy(s.UID[:], uid)
	m := &s.Message
	schema, err := zeroOr(cSchema, 32)
	if err != nil {
		return nil, err
	}
	copy(m.Schema[:], schema)
	rec, err := zeroOr(cRecipient, 20)
	if err != nil {
		return nil, err
	}
	m.Recipient = common.BytesToAddress(rec)
	for pos, dst := range map[int]*uint64{cTime: &m.Time, cExpiration: &m.ExpirationTime} {
		n, err := num(pos)
		if err != nil {
			return nil, err
		}
		if !n.IsUint64() {
			return nil, bad(pos, fmt.Errorf("out of range"))
		}
		*dst = n.Uint64()
	}
	ref, err := zeroOr(cRefUID, 32)
	if err != nil {
		return nil, err
	}
	copy(m.RefUID[:], ref)
	if err := json.Unmarshal(arr[cRevocable], &m.Revocable); err != nil {
		return nil, bad(cRevocable, err)
	}
	ds, err := str(cData)
	if err != nil {
		return nil, err
	}
	if m.Data, err = hexutil.Decode(ds); err != nil {
		return nil, bad(cData, err)
	}
	if len(arr) > cVersion {
		ver, err := num(cVersion)
		if err != nil {
			return nil, err
		}
		if !ver.IsUint64() || ver.Uint64() > 0xffff {
			return nil, bad(cVersion, fmt.Errorf("out of range"))
		}
		m.Version = uint16(ver.Uint64())
	}
	if m.Version == Version2 {
		if len(arr) <= cSalt {
			return nil, bad(cSalt, fmt.Errorf("version 2 without salt"))
		}
		salt, err := zeroOr(cSalt, 32)
		if err != nil {
			return nil, err
		}
		copy(m.Salt[:], salt)
	}
	return s, nil
}

// Compact writes the eas-sdk's compact array for s.
func (s *Signed) Compact() []any {
	m := &s.Message
	zeroAs0 := func(b []byte) string {
		if bytes.Equal(b, make([]byte, len(b))) {
			return "0"
		}
		return hexutil.Encode(b)
	}
	chain := "0"
	if s.Domain.ChainID != nil {
		chain = s.Domain.ChainID.String()
	}
	out := []any{
		s.Domain.Version, chain, s.Domain.VerifyingContract.Hex(),
		hexutil.Encode(s.Sig[:32]), hexutil.Encode(s.Sig[32:64]), int(s.Sig[64]),
		s.Signer.Hex(), s.UID.String(), m.Schema.String(), recipientOr0(m.Recipient),
		m.Time, m.ExpirationTime, zeroAs0(m.RefUID[:]), m.Revocable, hexutil.Encode(m.Data),
		0, int(m.Version),
	}
	if m.Version == Version2 {
		out = append(out, hexutil.Encode(m.Salt[:]))
	} else {
		out = append(out, nil)
	}
	return out
}

func recipientOr0(a common.Address) string {
	if a == (common.Address{}) {
		return "0"
	}
	return a.Hex()
}

// EncodeURLValue is the URL form's payload: base64 of the zlib-compressed
// compact array, as the eas-sdk's zipAndEncodeToBase64 makes it.
func (s *Signed) EncodeURLValue() (string, error) {
	js, err := json.Marshal(s.Compact())
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	if _, err := w.Write(js); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// URL is the easscan-style link: base + "/offchain/url/#attestation=" + the
// URL-escaped payload.
func (s *Signed) URL(base string) (string, error) {
	v, err := s.EncodeURLValue()
	if err != nil {
		return "", err
	}
	return strings.TrimRight(base, "/") + "/offchain/url/#attestation=" + url.QueryEscape(v), nil
}

// DecodeURLValue reads a URL form payload: standard or URL-safe base64, with
// or without padding, of a zlib stream of the compact array.
func DecodeURLValue(v string) (*Signed, error) {
	// A '+' that went through query unescaping comes back as a space.
	v = strings.TrimSpace(strings.ReplaceAll(v, " ", "+"))
	if len(v) > MaxCompressed*2 {
		return nil, fmt.Errorf("%w: encoded attestation of %d bytes exceeds %d", ErrMalformed, len(v), MaxCompressed*2)
	}
	raw, err := decodeBase64Any(v)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64: %v", ErrMalformed, err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: not a zlib stream: %v", ErrMalformed, err)
	}
	js, err := io.ReadAll(io.LimitReader(zr, MaxInflated+1))
	if err != nil {
		return nil, fmt.Errorf("%w: inflate: %v", ErrMalformed, err)
	}
	if len(js) > MaxInflated {
		return nil, fmt.Errorf("%w: inflates past %d bytes", ErrMalformed, MaxInflated)
	}
	return ParseCompact(js)
}

func decodeBase64Any(v string) ([]byte, error) {
	v = strings.TrimRight(v, "=")
	if strings.ContainsAny(v, "-_") {
		return base64.RawURLEncoding.DecodeString(v)
	}
	return base64.RawStdEncoding.DecodeString(v)
}

// ParseURL reads an attestation link: an easscan URL with #attestation=, a
// Smart Layer pass or magic link with ticket= or attestation= in its query,
// or the bare encoded value.
func ParseURL(link string) (*Signed, error) {
	link = strings.TrimSpace(link)
	val := ""
	if i := strings.Index(link, "#attestation="); i >= 0 {
		val = link[i+len("#attestation="):]
	} else if u, err := url.Parse(link); err == nil && (u.RawQuery != "" || u.Fragment != "") {
		for _, q := range []string{u.RawQuery, u.Fragment} {
			vals, err := url.ParseQuery(q)
			if err != nil {
				continue
			}
			for _, k := range []string{"ticket", "attestation"} {
				if x := vals.Get(k); x != "" && val == "" {
					val = x
				}
			}
		}
		if val == "" {
			return nil, fmt.Errorf("%w: link has no #attestation=, ticket= or attestation= value", ErrMalformed)
		}
		return DecodeURLValue(val)
	} else {
		val = link
	}
	// Escaped as a URL path or fragment: %2B is '+', and a '+' is itself.
	if uv, err := url.PathUnescape(val); err == nil {
		val = uv
	}
	return DecodeURLValue(val)
}

// Parse reads an attestation in any form in use: package or bare JSON, the
// compact array, a link, or a bare URL value.
func Parse(b []byte) (*Signed, error) {
	t := bytes.TrimSpace(b)
	switch {
	case len(t) == 0:
		return nil, fmt.Errorf("%w: empty input", ErrMalformed)
	case t[0] == '{':
		return ParseJSON(t)
	case t[0] == '[':
		return ParseCompact(t)
	}
	return ParseURL(string(t))
}
