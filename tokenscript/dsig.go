package tokenscript

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/beevik/etree"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// ErrSignature marks a signature that is present but does not verify.
var ErrSignature = errors.New("XML signature invalid")

// SignatureInfo is what `tokenscript inspect` reports of a file's signature.
type SignatureInfo struct {
	Present   bool   `json:"present"`
	Valid     bool   `json:"valid"`
	Signer    string `json:"signer,omitempty"`
	Algorithm string `json:"algorithm,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Algorithm identifiers of XML-DSig.
const (
	algExcC14N     = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algC14N10      = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	algC14N11      = "http://www.w3.org/2006/12/xml-c14n11"
	algEnveloped   = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	algRSASHA256   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	algRSASHA1     = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	algECDSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	algSHA256      = "http://www.w3.org/2001/04/xmlenc#sha256"
	algSHA1        = "http://www.w3.org/2000/09/xmldsig#sha1"
	oidSecp256k1   = "urn:oid:1.3.132.0.10"
	oidP256        = "urn:oid:1.2.840.10045.3.1.7"
)

// VerifySignature checks the enveloped XML-DSig signature of a TokenScript:
// RSA or ECDSA P-256 with an X.509 certificate or key value, or ECDSA
// secp256k1 with the key in the signature; exclusive or inclusive
// canonicalisation. Only documents that ParseXML accepts are verified (no
// entities). A document without a signature answers Present false.
func VerifySignature(data []byte) *SignatureInfo {
	info := &SignatureInfo{}
	if _, err := ParseXML(data); err != nil {
		info.Error = err.Error()
		info.Present = strings.Contains(string(data), DSigNS)
		return info
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		info.Error = err.Error()
		return info
	}
	root := doc.Root()
	var sigEl *etree.Element
	for _, c := range root.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == DSigNS {
			sigEl = c
		}
	}
	if sigEl == nil {
		return info
	}
	info.Present = true
	signer, alg, err := verify(root, sigEl)
	info.Signer, info.Algorithm = signer, alg
	if err != nil {
		info.Error = err.Error()
		return info
	}
	info.Valid = true
	return info
}

func child(el *etree.Element, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			return c
		}
	}
	return nil
}

func canonicalizer(alg string, transform *etree.Element) (dsig.Canonicalizer, error) {
	switch alg {
	case algExcC14N:
		prefixes := ""
		if inc := child(transform, "InclusiveNamespaces"); inc != nil {
			prefixes = inc.SelectAttrValue("PrefixList", "")
		}
		return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes), nil
	case algC14N10:
		return dsig.MakeC14N10RecCanonicalizer(), nil
	case algC14N11:
		return dsig.MakeC14N11Canonicalizer(), nil
	}
	return nil, fmt.Errorf("%w: canonicalisation %q is not supported", ErrSignature, alg)
}

func verify(root, sigEl *etree.Element) (signer, alg string, err error) {
	si := child(sigEl, "SignedInfo")
	ref := child(si, "Reference")
	if si == nil || ref == nil {
		return "", "", fmt.Errorf("%w: no SignedInfo or Reference", ErrSignature)
	}
	if uri := ref.SelectAttrValue("URI", ""); uri != "" {
		return "", "", fmt.Errorf("%w: reference %q is not the whole document", ErrSignature, uri)
	}
	// The reference: the document without its signature, canonicalised.
	doc := root.Copy()
	for _, c := range doc.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == DSigNS {
			doc.RemoveChild(c)
		}
	}
	var canon dsig.Canonicalizer = dsig.MakeC14N10RecCanonicalizer()
	enveloped := false
	for _, tr := range child(ref, "Transforms").ChildElements() {
		a := tr.SelectAttrValue("Algorithm", "")
		if a == algEnveloped {
			enveloped = true
			continue
		}
		if canon, err = canonicalizer(a, tr); err != nil {
			return "", "", err
		}
	}
	if !enveloped {
		return "", "", fmt.Errorf("%w: not an enveloped signature", ErrSignature)
	}
	body, err := canon.Canonicalize(doc)
	if err != nil {
		return "", "", fmt.Errorf("%w: canonicalise document: %v", ErrSignature, err)
	}
	var digest []byte
	switch a := child(ref, "DigestMethod").SelectAttrValue("Algorithm", ""); a {
	case algSHA256:
		d := sha256.Sum256(body)
		digest = d[:]
	case algSHA1:
		d := sha1.Sum(body)
		digest = d[:]
	default:
		return "", "", fmt.Errorf("%w: digest %q is not supported", ErrSignature, a)
	}
	want, err := b64(child(ref, "DigestValue"))
	if err != nil || string(want) != string(digest) {
		return "", "", fmt.Errorf("%w: the document's digest does not match (the signed content was changed)", ErrSignature)
	}
	// The signature over the canonical SignedInfo.
	sc, err := canonicalizer(child(si, "CanonicalizationMethod").SelectAttrValue("Algorithm", ""), nil)
	if err != nil {
		return "", "", err
	}
	// SignedInfo is canonicalised as a subtree: for exclusive c14n it needs
	// the namespaces its ancestors declare (ds: on Signature) carried along.
	target := si
	if sc.Algorithm() == algExcC14N {
		nsCtx, err := etreeutils.NSBuildParentContext(si)
		if err != nil {
			return "", "", fmt.Errorf("%w: SignedInfo namespaces: %v", ErrSignature, err)
		}
		if target, err = etreeutils.NSDetatch(nsCtx, si); err != nil {
			return "", "", fmt.Errorf("%w: SignedInfo namespaces: %v", ErrSignature, err)
		}
	}
	signed, err := sc.Canonicalize(target)
	if err != nil {
		return "", "", fmt.Errorf("%w: canonicalise SignedInfo: %v", ErrSignature, err)
	}
	sigVal, err := b64(child(sigEl, "SignatureValue"))
	if err != nil {
		return "", "", fmt.Errorf("%w: SignatureValue: %v", ErrSignature, err)
	}
	alg = child(si, "SignatureMethod").SelectAttrValue("Algorithm", "")
	key, signer, err := signingKey(child(sigEl, "KeyInfo"))
	if err != nil {
		return "", alg, err
	}
	switch alg {
	case algRSASHA256, algRSASHA1:
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return signer, alg, fmt.Errorf("%w: %s with a non-RSA key", ErrSignature, alg)
		}
		h, hash := sha256.Sum256(signed), crypto.SHA256
		hb := h[:]
		if alg == algRSASHA1 {
			h1 := sha1.Sum(signed)
			hb, hash = h1[:], crypto.SHA1
		}
		if err := rsa.VerifyPKCS1v15(pub, hash, hb, sigVal); err != nil {
			return signer, alg, fmt.Errorf("%w: %v", ErrSignature, err)
		}
	case algECDSASHA256:
		h := sha256.Sum256(signed)
		if len(sigVal) != 64 {
			return signer, alg, fmt.Errorf("%w: ECDSA signature of %d bytes, want r||s of 64", ErrSignature, len(sigVal))
		}
		switch pub := key.(type) {
		case *ecdsa.PublicKey:
			r, s := new(big.Int).SetBytes(sigVal[:32]), new(big.Int).SetBytes(sigVal[32:])
			if !ecdsa.Verify(pub, h[:], r, s) {
				return signer, alg, fmt.Errorf("%w: ECDSA P-256 signature does not verify", ErrSignature)
			}
		case *secp256k1.PublicKey:
			var r, s secp256k1.ModNScalar
			if r.SetByteSlice(sigVal[:32]) || s.SetByteSlice(sigVal[32:]) {
				return signer, alg, fmt.Errorf("%w: signature out of range", ErrSignature)
			}
			if !secpecdsa.NewSignature(&r, &s).Verify(h[:], pub) {
				return signer, alg, fmt.Errorf("%w: ECDSA secp256k1 signature does not verify", ErrSignature)
			}
		default:
			return signer, alg, fmt.Errorf("%w: %s with a non-ECDSA key", ErrSignature, alg)
		}
	default:
		return signer, alg, fmt.Errorf("%w: signature method %q is not supported", ErrSignature, alg)
	}
	return signer, alg, nil
}

func b64(el *etree.Element) ([]byte, error) {
	if el == nil {
		return nil, errors.New("missing")
	}
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(el.Text()), ""))
}

// signingKey reads the key of KeyInfo: an X.509 certificate first, then an
// RSA or ECDSA key value. The signer is the certificate's subject, or the
// Ethereum address of a secp256k1 key.
func signingKey(ki *etree.Element) (any, string, error) {
	if ki == nil {
		return nil, "", fmt.Errorf("%w: no KeyInfo", ErrSignature)
	}
	if xd := child(ki, "X509Data"); xd != nil {
		der, err := b64(child(xd, "X509Certificate"))
		if err != nil {
			return nil, "", fmt.Errorf("%w: X509Certificate: %v", ErrSignature, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, "", fmt.Errorf("%w: certificate: %v", ErrSignature, err)
		}
		return cert.PublicKey, cert.Subject.String(), nil
	}
	kv := child(ki, "KeyValue")
	if rk := child(kv, "RSAKeyValue"); rk != nil {
		n, err1 := b64(child(rk, "Modulus"))
		e, err2 := b64(child(rk, "Exponent"))
		if err1 != nil || err2 != nil {
			return nil, "", fmt.Errorf("%w: RSAKeyValue", ErrSignature)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		fp := sha256.Sum256(n)
		return pub, fmt.Sprintf("RSA key %x", fp[:8]), nil
	}
	if ek := child(kv, "ECDSAKeyValue"); ek != nil {
		curve := child(child(ek, "DomainParameters"), "NamedCurve").SelectAttrValue("URI", "")
		pk := child(ek, "PublicKey")
		x, err1 := b64(child(pk, "X"))
		y, err2 := b64(child(pk, "Y"))
		if err1 != nil || err2 != nil || len(x) > 32 || len(y) > 32 {
			return nil, "", fmt.Errorf("%w: ECDSAKeyValue", ErrSignature)
		}
		raw := append([]byte{4}, append(leftPad(x), leftPad(y)...)...)
		switch curve {
		case oidSecp256k1:
			pub, err := secp256k1.ParsePubKey(raw)
			if err != nil {
				return nil, "", fmt.Errorf("%w: secp256k1 key: %v", ErrSignature, err)
			}
			addr := ethcrypto.PubkeyToAddress(*pub.ToECDSA())
			return pub, addr.Hex(), nil
		case oidP256:
			pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
			return pub, "P-256 key", nil
		}
		return nil, "", fmt.Errorf("%w: curve %q is not supported", ErrSignature, curve)
	}
	return nil, "", fmt.Errorf("%w: KeyInfo has no certificate or key", ErrSignature)
}

func leftPad(b []byte) []byte {
	out := make([]byte, 32)
	copy(out[32-len(b):], b)
	return out
}
