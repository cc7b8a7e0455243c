// Package registry keeps a node's token bundles: checked (the TokenScript,
// its <service> element, the module exports every declared function),
// compiled in the sandbox, stored, cached, served to peers and fetched from
// them by content hash.
package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
	"github.com/smartlayer/smartlayer/transport"
)

// Errors of loading bundles.
var (
	ErrUnknownBundle   = errors.New("unknown bundle")
	ErrNotServiceToken = errors.New("bundle has no Smart Layer <service> element")
)

// PrefixBundle starts the store key of every bundle: b/ hash(32) ->
// tokenscript.Bundle JSON (node/keys.go lists it with the others).
const PrefixBundle = "b/"

func bundleKey(h tokenscript.BundleHash) []byte { return store.Key(PrefixBundle, h[:]) }

// Request asks a peer for a bundle by hash; Response carries it.
type Request struct {
	Hash string `json:"hash"`
}

// Response answers a Request.
type Response struct {
	Bundle *tokenscript.Bundle `json:"bundle"`
}

// checkDeclared makes sure the module has every function the TokenScript
// declares.
func checkDeclared(svc *tokenscript.Service, m *sandbox.Module) error {
	missing := func(kind, name string) error {
		return fmt.Errorf("%w: <service> declares %s %q but the module does not export it", tokenscript.ErrMalformed, kind, name)
	}
	for _, q := range svc.Queries {
		if !m.HasQuery(q.Name) {
			return missing("query", q.Name)
		}
	}
	for _, a := range svc.Actions {
		if !m.HasAction(a.Name) {
			return missing("action", a.Name)
		}
	}
	for _, t := range svc.Triggers {
		if !m.HasTrigger(t.When) {
			return missing("trigger", t.When)
		}
	}
	for _, sub := range svc.Subscriptions {
		if sub.Apply != "apply" || !m.HasApply() {
			return missing("apply function", sub.Apply)
		}
	}
	return nil
}

// Bundle is a token bundle ready to run: its manifest, module and schema.
type Bundle struct {
	Hash     tokenscript.BundleHash
	Bundle   *tokenscript.Bundle
	Manifest *tokenscript.Manifest
	Module   *sandbox.Module
	// Script is the module as the token core runs it (wrapped by
	// Deps.WrapScript in tests).
	Script token.Script
	Schema *attest.Schema // the instance attestation's data schema, if any
	Origin *tokenscript.AttestationDef
	// Issuer signed the bundle's issuer attestation, and is one of the
	// issuers its instance attestation declares: instances register only
	// against a bundle their attestation's signer vouched for.
	Issuer common.Address
}

// Deps is what a cache needs of its node, given once.
type Deps struct {
	Store *store.Store
	Host  transport.Transport
	Log   *slog.Logger
	// MaxCallDepth and MaxTimeout bound every module (a token may ask for
	// a shorter time, never a longer one).
	MaxCallDepth int
	MaxTimeout   time.Duration
	// WrapScript (tests) wraps every module as the token core runs it.
	WrapScript func(token.Script) token.Script
	// Issuers, when set, is the policy issuer attestations are checked
	// against (the network's domain): a bundle is taken only with its
	// issuer's attestation. Nil: not required (tools).
	Issuers *attest.Policy
}

// ErrNotOnChain refuses a bundle its issuer did not register on chain.
var ErrNotOnChain = errors.New("bundle not registered on chain by its issuer")

// Cache holds a node's bundles, in memory and in the store.
type Cache struct {
	d  Deps
	mu sync.Mutex
	m  map[tokenscript.BundleHash]*Bundle
}

// New makes a cache over the node's store; Load reads what it holds.
func New(d Deps) *Cache {
	return &Cache{d: d, m: map[tokenscript.BundleHash]*Bundle{}}
}

// Prepare checks a bundle and compiles its module without storing it.
func (c *Cache) Prepare(b *tokenscript.Bundle) (*Bundle, error) { return c.prepare(b, false) }

// prepare is Prepare; stored bundles were checked when they were taken:
// their issuer's attestation is checked again as of its own time (it may
// have expired since; the bundle stays), and one kept before issuers
// signed bundles loads with no issuer (no instance registers against it
// any more; those registered keep running).
func (c *Cache) prepare(b *tokenscript.Bundle, stored bool) (*Bundle, error) {
	if err := b.Check(); err != nil {
		return nil, err
	}
	man, err := b.Manifest()
	if err != nil {
		return nil, err
	}
	if man.Service == nil {
		return nil, ErrNotServiceToken
	}
	if !stored {
		if err := man.Service.CheckPrices(); err != nil {
			return nil, err
		}
	}
	lb := &Bundle{Hash: b.Hash(), Bundle: b, Manifest: man}
	if man.Service.Schema != "" {
		if lb.Schema, err = attest.ParseSchema(man.Service.Schema); err != nil {
			return nil, err
		}
	}
	if man.Service.InstanceOrigin != "" {
		def, ok := man.Attestation(man.Service.InstanceOrigin)
		if !ok {
			return nil, fmt.Errorf("%w: <instances origin=%q> names no <ts:attestation>", tokenscript.ErrMalformed, man.Service.InstanceOrigin)
		}
		if len(def.Issuers) == 0 {
			return nil, fmt.Errorf("%w: attestation %q has no <ts:key> issuer", tokenscript.ErrMalformed, def.Name)
		}
		lb.Origin = def
	}
	if c.d.Issuers != nil && !(stored && len(b.Issuer) == 0) {
		if lb.Issuer, err = c.checkIssuer(b, lb, stored); err != nil {
			return nil, err
		}
	}
	lim := sandbox.Limits{Timeout: man.Service.Timeout, MaxCallDepth: c.d.MaxCallDepth, MaxHeapGrowth: man.Service.Memory}
	if c.d.MaxTimeout < lim.Timeout {
		lim.Timeout = c.d.MaxTimeout
	}
	if lb.Module, err = sandbox.Compile(man.Name+"/"+man.Service.Module, man.Service.ModuleSource, lim); err != nil {
		return nil, err
	}
	if err := checkDeclared(man.Service, lb.Module); err != nil {
		return nil, err
	}
	lb.Script = sandbox.TokenScript(lb.Module)
	if w := c.d.WrapScript; w != nil {
		lb.Script = w(lb.Script)
	}
	return lb, nil
}

// ErrNotIssued refuses a bundle without a valid attestation by an issuer
// it declares.
var ErrNotIssued = errors.New("bundle not signed by its issuer")

// checkIssuer verifies the bundle's issuer attestation: the network's
// schema and domain, the bundle's own hash, and a signer the bundle names
// as an issuer of its instance attestation.
func (c *Cache) checkIssuer(b *tokenscript.Bundle, lb *Bundle, stored bool) (common.Address, error) {
	if lb.Origin == nil {
		return common.Address{}, fmt.Errorf("%w: the bundle declares no instance attestation (<sl:instances origin=...>) whose issuer could sign it", ErrNotIssued)
	}
	if len(b.Issuer) == 0 {
		return common.Address{}, fmt.Errorf("%w: send the issuer's %q attestation over the bundle hash %s with it (smartlayer token publish --issuer-key)",
			ErrNotIssued, attest.BundleIssuerSchema.Name, lb.Hash)
	}
	s, err := attest.Parse(b.Issuer)
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: %v", ErrNotIssued, err)
	}
	at := time.Now()
	if stored {
		at = time.Unix(int64(s.Message.Time), 0)
	}
	if err := c.d.Issuers.Check(s, attest.Use{Schemas: []attest.SchemaUID{attest.BundleIssuerSchema.UID}}, at); err != nil {
		return common.Address{}, fmt.Errorf("%w: %v", ErrNotIssued, err)
	}
	data, err := attest.BundleIssuerSchema.Schema.Decode(s.Message.Data)
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: %v", ErrNotIssued, err)
	}
	if h, _ := data["bundle"].(string); !strings.EqualFold(h, common.Hash(lb.Hash).Hex()) {
		return common.Address{}, fmt.Errorf("%w: the attestation is for bundle %s, not %s", ErrNotIssued, h, lb.Hash)
	}
	if !slices.Contains(lb.Origin.Issuers, s.Signer) {
		return common.Address{}, fmt.Errorf("%w: signed by %s, which the bundle does not name as an issuer of %q", ErrNotIssued, s.Signer, lb.Origin.Name)
	}
	return s.Signer, nil
}

// Add prepares, stores and caches a bundle.
func (c *Cache) Add(b *tokenscript.Bundle) (*Bundle, error) { return c.AddChecked(b, nil) }

// AddChecked is Add with one more check of a new bundle, once prepared
// (its issuer known), before it is kept: an anchor's check that a client's
// bundle is registered on chain.
func (c *Cache) AddChecked(b *tokenscript.Bundle, check func(*Bundle) error) (*Bundle, error) {
	h := b.Hash()
	if lb, ok := c.Get(h); ok {
		return lb, nil
	}
	lb, err := c.Prepare(b)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(lb); err != nil {
			return nil, err
		}
	}
	enc, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	if err := c.d.Store.Put(bundleKey(h), enc); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[h] = lb
	c.mu.Unlock()
	return lb, nil
}

// Get returns a loaded bundle.
func (c *Cache) Get(h tokenscript.BundleHash) (*Bundle, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lb, ok := c.m[h]
	return lb, ok
}

// All lists the loaded bundles.
func (c *Cache) All() []*Bundle {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Bundle, 0, len(c.m))
	for _, lb := range c.m {
		out = append(out, lb)
	}
	return out
}

// Load reads every stored bundle.
func (c *Cache) Load() error {
	return c.d.Store.Each([]byte(PrefixBundle), func(_, v []byte) error {
		var b tokenscript.Bundle
		if err := json.Unmarshal(v, &b); err != nil {
			return fmt.Errorf("stored bundle: %w", err)
		}
		lb, err := c.prepare(&b, true)
		if err != nil {
			c.d.Log.Warn("stored bundle no longer loads", "bundle", b.Hash(), "err", err)
			return nil
		}
		c.mu.Lock()
		c.m[lb.Hash] = lb
		c.mu.Unlock()
		return nil
	})
}

// Fetch gets a bundle from a peer (an anchor) and adds it.
func (c *Cache) Fetch(ctx context.Context, from transport.PeerID, h tokenscript.BundleHash) (*Bundle, error) {
	if lb, ok := c.Get(h); ok {
		return lb, nil
	}
	resp, err := transport.Call[Request, Response](ctx, c.d.Host, from, transport.ProtoBundle, &Request{Hash: h.String()})
	if err != nil {
		return nil, fmt.Errorf("fetch bundle %s: %w", h, err)
	}
	if resp.Bundle == nil || resp.Bundle.Hash() != h {
		return nil, fmt.Errorf("fetch bundle %s: peer sent different content", h)
	}
	return c.Add(resp.Bundle)
}

// Serve answers bundle requests.
func (c *Cache) Serve(_ context.Context, _ transport.PeerID, req *Request) (*Response, error) {
	h, err := tokenscript.ParseBundleHash(req.Hash)
	if err != nil {
		return nil, err
	}
	lb, ok := c.Get(h)
	if !ok {
		return nil, fmt.Errorf("%w %s", ErrUnknownBundle, h)
	}
	return &Response{Bundle: lb.Bundle}, nil
}
