package tokenscript

import (
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/smartlayer/smartlayer/attest"
)

// Bundle limits.
const (
	MaxBundleBytes = 8 << 20
	MaxBundleFiles = 64
)

// BundleHash content-addresses a bundle.
type BundleHash [32]byte

func (h BundleHash) String() string { return "0x" + hex.EncodeToString(h[:]) }

// ParseBundleHash reads a 0x-prefixed hex hash.
func ParseBundleHash(s string) (BundleHash, error) {
	var h BundleHash
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		return h, fmt.Errorf("bundle hash %q: want 32 bytes of hex", s)
	}
	copy(h[:], b)
	return h, nil
}

// Bundle is a token's files: one TokenScript document and what it references.
type Bundle struct {
	Files map[string][]byte `json:"files"` // slash-separated relative path -> content
	// Issuer is the issuer's attestation for the bundle (schema
	// "bundle-issuer", over Hash), sent with it; not part of the hash.
	Issuer json.RawMessage `json:"issuer,omitempty"`
}

// SignIssuer sets Issuer to the issuer's "bundle-issuer" attestation over
// the bundle's hash in domain d.
func (b *Bundle) SignIssuer(issuer *ecdsa.PrivateKey, d attest.Domain, now time.Time) error {
	iss, err := attest.SignBundleIssuer(issuer, d, b.Hash(), now)
	if err != nil {
		return err
	}
	b.Issuer, err = json.Marshal(iss)
	return err
}

// LoadBundle reads a bundle from a directory or a single TokenScript file.
func LoadBundle(p string) (*Bundle, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	b := &Bundle{Files: map[string][]byte{}}
	if !st.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		b.Files[filepath.Base(p)] = data
		return b, b.Check()
	}
	total := 0
	err = filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if fp != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") || !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(p, fp)
		data, err := os.ReadFile(fp)
		if err != nil {
			return err
		}
		total += len(data)
		if total > MaxBundleBytes || len(b.Files) >= MaxBundleFiles {
			return fmt.Errorf("bundle %s: larger than %d bytes or %d files", p, MaxBundleBytes, MaxBundleFiles)
		}
		b.Files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, b.Check()
}

// Check validates paths and sizes and that exactly one TokenScript is present.
func (b *Bundle) Check() error {
	if len(b.Files) == 0 {
		return fmt.Errorf("%w: empty bundle", ErrMalformed)
	}
	if len(b.Files) > MaxBundleFiles {
		return fmt.Errorf("%w: %d files, limit %d", ErrMalformed, len(b.Files), MaxBundleFiles)
	}
	total := 0
	for name, data := range b.Files {
		if name == "" || path.IsAbs(name) || path.Clean(name) != name || strings.HasPrefix(name, "../") || name == ".." {
			return fmt.Errorf("%w: bad file path %q", ErrMalformed, name)
		}
		total += len(data)
	}
	if total > MaxBundleBytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, total, MaxBundleBytes)
	}
	_, err := b.scriptName()
	return err
}

func (b *Bundle) scriptName() (string, error) {
	var names []string
	for name := range b.Files {
		if ext := path.Ext(name); ext == ".xml" || ext == ".tsml" {
			names = append(names, name)
		}
	}
	if len(names) != 1 {
		sort.Strings(names)
		return "", fmt.Errorf("%w: want exactly one .xml or .tsml TokenScript in the bundle, found %d %v", ErrMalformed, len(names), names)
	}
	return names[0], nil
}

// Hash is keccak256 over the sorted (path, length, content) triples.
func (b *Bundle) Hash() BundleHash {
	names := make([]string, 0, len(b.Files))
	for n := range b.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := crypto.NewKeccakState()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b.Files[n]))
		h.Write(b.Files[n])
	}
	var out BundleHash
	h.Read(out[:])
	return out
}

// Manifest parses the bundle's TokenScript and resolves its module source.
func (b *Bundle) Manifest() (*Manifest, error) {
	name, err := b.scriptName()
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(b.Files[name])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if m.Service != nil && m.Service.Module != "" {
		src, ok := b.Files[path.Clean(path.Join(path.Dir(name), m.Service.Module))]
		if !ok {
			return nil, fmt.Errorf("%w: %s: module %q is not in the bundle", ErrMalformed, name, m.Service.Module)
		}
		m.Service.ModuleSource = src
	}
	return m, nil
}
