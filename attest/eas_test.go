package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

type vector struct {
	ID      string          `json:"id"`
	Package json.RawMessage `json:"package"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	var out []vector
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v vector
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, v)
	}
	return out
}

func TestVectorsVerify(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.ID, func(t *testing.T) {
			s, err := ParseJSON(v.Package)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(); err != nil {
				t.Fatalf("verify: %v", err)
			}
			// Re-encoding and re-reading keeps it valid and identical.
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			s2, err := ParseJSON(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := s2.Verify(); err != nil {
				t.Fatalf("verify after round trip: %v", err)
			}
			if s2.UID != s.UID || s2.Signer != s.Signer || s2.Sig != s.Sig {
				t.Fatal("round trip changed the attestation")
			}
		})
	}
}

// errAnySig: a changed r recovers another key or none at all.
var errAnySig = errors.New("signer mismatch or bad signature")

func TestVectorsTampered(t *testing.T) {
	for _, v := range loadVectors(t) {
		orig, err := ParseJSON(v.Package)
		if err != nil {
			t.Fatal(err)
		}
		cases := map[string]struct {
			mut  func(s *Signed)
			want error
		}{
			"time":      {func(s *Signed) { s.Message.Time++ }, ErrSignerMismatch},
			"expiry":    {func(s *Signed) { s.Message.ExpirationTime++ }, ErrSignerMismatch},
			"schema":    {func(s *Signed) { s.Message.Schema[3] ^= 1 }, ErrSignerMismatch},
			"revocable": {func(s *Signed) { s.Message.Revocable = !s.Message.Revocable }, ErrSignerMismatch},
			"refUID":    {func(s *Signed) { s.Message.RefUID[0] ^= 1 }, ErrSignerMismatch},
			"version":   {func(s *Signed) { s.Message.Version = 1 - min(s.Message.Version, 1) }, ErrSignerMismatch},
			"dom-name":  {func(s *Signed) { s.Domain.Name = "EAS" }, ErrSignerMismatch},
			"dom-ver":   {func(s *Signed) { s.Domain.Version += "1" }, ErrSignerMismatch},
			"contract":  {func(s *Signed) { s.Domain.VerifyingContract[0] ^= 1 }, ErrSignerMismatch},
			"sig-r":     {func(s *Signed) { s.Sig[5] ^= 1 }, errAnySig},
			"recipient": {func(s *Signed) { s.Message.Recipient[0] ^= 1 }, ErrSignerMismatch},
			"data":      {func(s *Signed) { s.Message.Data = append(s.Message.Data, 1) }, ErrSignerMismatch},
			"chain":     {func(s *Signed) { s.Domain.ChainID = new(big.Int).Add(s.Domain.ChainID, big.NewInt(1)) }, ErrSignerMismatch},
			"signer":    {func(s *Signed) { s.Signer[19] ^= 1 }, ErrSignerMismatch},
			"uid":       {func(s *Signed) { s.UID[0] ^= 1 }, ErrUIDMismatch},
			"sig-v":     {func(s *Signed) { s.Sig[64] = 30 }, ErrBadSignature},
			"high-s": {func(s *Signed) {
				n := crypto.S256().Params().N
				sv := new(big.Int).Sub(n, new(big.Int).SetBytes(s.Sig[32:64]))
				copy(s.Sig[32:64], common.LeftPadBytes(sv.Bytes(), 32))
			}, ErrHighS},
		}
		if orig.Message.Version == Version2 {
			cases["salt"] = struct {
				mut  func(s *Signed)
				want error
			}{func(s *Signed) { s.Message.Salt[0] ^= 1 }, ErrSignerMismatch}
		}
		for name, c := range cases {
			s := *orig
			s.Message.Data = append([]byte(nil), orig.Message.Data...)
			s.Domain.ChainID = new(big.Int).Set(orig.Domain.ChainID)
			c.mut(&s)
			err := s.Verify()
			if c.want == errAnySig && (errors.Is(err, ErrSignerMismatch) || errors.Is(err, ErrBadSignature)) {
				continue
			}
			if !errors.Is(err, c.want) {
				t.Errorf("%s/%s: got %v, want %v", v.ID, name, err, c.want)
			}
		}
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	key, _ := crypto.GenerateKey()
	sch, err := ParseSchema("string flight,string date,uint32 delayMinutes,string status")
	if err != nil {
		t.Fatal(err)
	}
	data, err := sch.Encode(map[string]any{"flight": "BA123", "date": "2026-11-30", "delayMinutes": float64(190), "status": "delayed"})
	if err != nil {
		t.Fatal(err)
	}
	d := Domain{Name: DomainName, Version: "1.3.0", ChainID: big.NewInt(1337), VerifyingContract: common.HexToAddress("0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587")}
	for _, ver := range []uint16{Version0, Version1, Version2} {
		m := Message{Version: ver, Schema: sch.UID(common.Address{}, true), Time: 1700000000, Revocable: true, Data: data}
		m.Salt[31] = 7
		s, err := Sign(key, d, m)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(); err != nil {
			t.Fatalf("v%d: %v", ver, err)
		}
		b, _ := json.Marshal(s)
		s2, err := ParseJSON(b)
		if err != nil {
			t.Fatalf("v%d parse: %v", ver, err)
		}
		if err := s2.Verify(); err != nil {
			t.Fatalf("v%d verify parsed: %v", ver, err)
		}
		got, err := sch.Decode(s2.Message.Data)
		if err != nil {
			t.Fatal(err)
		}
		if got["flight"] != "BA123" || got["delayMinutes"] != int64(190) {
			t.Fatalf("decoded %v", got)
		}
	}
}

func TestSchemaErrors(t *testing.T) {
	for _, bad := range []string{"", "string", "strin x", "string a,string a"} {
		if _, err := ParseSchema(bad); !errors.Is(err, ErrSchema) {
			t.Errorf("%q: got %v", bad, err)
		}
	}
	sch, _ := ParseSchema("uint8 n,address a")
	if _, err := sch.Encode(map[string]any{"n": float64(300), "a": "0x0000000000000000000000000000000000000001"}); !errors.Is(err, ErrSchema) {
		t.Errorf("overflow: got %v", err)
	}
	if _, err := sch.Encode(map[string]any{"n": float64(3)}); !errors.Is(err, ErrSchema) {
		t.Errorf("missing: got %v", err)
	}
}

func TestParseJSONMalformed(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `{"sig":{}}`, `{"message":{"schema":"0x12"},"signature":"0x00"}`} {
		if _, err := ParseJSON([]byte(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, fn := range files {
		b, _ := os.ReadFile(fn)
		var v vector
		_ = json.Unmarshal(b, &v)
		f.Add([]byte(v.Package))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseJSON(b)
		if err != nil {
			return
		}
		_ = s.Verify()
		if _, err := json.Marshal(s); err != nil {
			t.Fatalf("marshal of parsed value: %v", err)
		}
	})
}

// TestSignVerifyProperty signs random messages of every version with random
// keys: each verifies, survives the JSON and URL forms, and any change to a
// signed field breaks it.
func TestSignVerifyProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	rb := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	for i := 0; i < 300; i++ {
		key, _ := crypto.GenerateKey()
		m := Message{
			Version: uint16(rng.UintN(3)), Schema: SchemaUID(rb(32)), Recipient: common.BytesToAddress(rb(20)),
			Time: rng.Uint64() >> 1, ExpirationTime: rng.Uint64() >> 1, Revocable: rng.UintN(2) == 0,
			RefUID: UID(rb(32)), Data: rb(int(rng.UintN(200))), Salt: [32]byte(rb(32)),
		}
		if m.Version != Version2 {
			m.Salt = [32]byte{}
		}
		d := Domain{Name: DomainName, Version: KnownEASVersions[rng.UintN(uint(len(KnownEASVersions)))], ChainID: new(big.Int).SetUint64(rng.Uint64()), VerifyingContract: common.BytesToAddress(rb(20))}
		s, err := Sign(key, d, m)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		js, _ := json.Marshal(s)
		u, _ := s.EncodeURLValue()
		for _, in := range [][]byte{js, []byte(u)} {
			back, err := Parse(in)
			if err != nil || back.Verify() != nil || !same(back, s) {
				t.Fatalf("%d: form round trip: %v", i, err)
			}
		}
		c := *s
		c.Message.Data = append(append([]byte(nil), s.Message.Data...), 0)
		if c.Verify() == nil {
			t.Fatalf("%d: changed data still verifies", i)
		}
	}
}

// TestSignedBy: a verification against the signer's key takes its
// signatures, whichever v they carry, and refuses another key's, a high s
// and a v other than 27 or 28; RecoveringV finds the v that recovers the
// signer.
func TestSignedBy(t *testing.T) {
	key, _ := crypto.GenerateKey()
	other, _ := crypto.GenerateKey()
	digest := [32]byte(crypto.Keccak256([]byte("a promise")))
	sig, err := SignDigest(key, digest)
	if err != nil {
		t.Fatal(err)
	}
	signer, pub, err := DigestSignerKey(digest, sig)
	if err != nil || signer != crypto.PubkeyToAddress(key.PublicKey) || !bytes.Equal(pub, crypto.FromECDSAPub(&key.PublicKey)) {
		t.Fatalf("recovered %s %x %v", signer, pub, err)
	}
	if !SignedBy(pub, digest, sig) {
		t.Fatal("the signer's signature refused")
	}
	flipped := bytes.Clone(sig)
	flipped[64] = 27 + 28 - sig[64]
	if !SignedBy(pub, digest, flipped) {
		t.Fatal("the signer's signature with the other v refused (verification does not read v)")
	}
	if a, _ := DigestSigner(digest, flipped); a == signer {
		t.Fatal("the other v recovers the signer too")
	}
	if fixed, ok := RecoveringV(digest, flipped, signer); !ok || !bytes.Equal(fixed, sig) {
		t.Fatalf("RecoveringV: %x %v", fixed, ok)
	}
	if same, ok := RecoveringV(digest, sig, signer); !ok || !bytes.Equal(same, sig) {
		t.Fatal("RecoveringV changed a signature that recovers")
	}
	if _, ok := RecoveringV(digest, sig, crypto.PubkeyToAddress(other.PublicKey)); ok {
		t.Fatal("RecoveringV found another signer")
	}
	otherSig, _ := SignDigest(other, digest)
	if SignedBy(pub, digest, otherSig) {
		t.Fatal("another key's signature taken")
	}
	n := crypto.S256().Params().N
	s := new(big.Int).Sub(n, new(big.Int).SetBytes(sig[32:64]))
	high := append(append(bytes.Clone(sig[:32]), common.LeftPadBytes(s.Bytes(), 32)...), 27+28-sig[64])
	if SignedBy(pub, digest, high) {
		t.Fatal("a high-s signature taken")
	}
	badV := bytes.Clone(sig)
	badV[64] = 0
	if SignedBy(pub, digest, badV) || SignedBy(pub, digest, sig[:64]) {
		t.Fatal("a v of 0 or a 64-byte signature taken")
	}
	if SignedBy(pub, [32]byte(crypto.Keccak256([]byte("another"))), sig) {
		t.Fatal("a signature over another digest taken")
	}
}
