package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/p2p"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/ticket"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// Errors of registration checks; the HTTP edge maps them to statuses.
var (
	ErrUnknownBundle   = errors.New("unknown bundle")
	ErrNotServiceToken = errors.New("bundle has no Smart Layer <service> element")
	ErrBadRegistration = ticket.ErrBadRegistration
)

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

// loadedBundle is a bundle ready to run: its manifest, module and schema.
type loadedBundle struct {
	hash     tokenscript.BundleHash
	bundle   *tokenscript.Bundle
	manifest *tokenscript.Manifest
	module   *sandbox.Module
	// script is the module as the token core runs it (wrapped by
	// Faults.WrapScript in tests).
	script token.Script
	schema *attest.Schema
	origin *tokenscript.AttestationDef
}

// bundleCache holds a node's bundles, in memory and in the store.
type bundleCache struct {
	n  *Node
	mu sync.Mutex
	m  map[tokenscript.BundleHash]*loadedBundle
}

func newBundleCache(n *Node) *bundleCache {
	return &bundleCache{n: n, m: map[tokenscript.BundleHash]*loadedBundle{}}
}

// prepare checks a bundle and compiles its module without storing it.
func (c *bundleCache) prepare(b *tokenscript.Bundle) (*loadedBundle, error) {
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
	lb := &loadedBundle{hash: b.Hash(), bundle: b, manifest: man}
	if man.Service.Schema != "" {
		if lb.schema, err = attest.ParseSchema(man.Service.Schema); err != nil {
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
		lb.origin = def
	}
	lim := sandbox.Limits{Timeout: man.Service.Timeout, MaxCallDepth: c.n.cfg.Sandbox.MaxCallDepth, MaxHeapGrowth: man.Service.Memory}
	if c.n.cfg.Sandbox.Timeout.Duration < lim.Timeout {
		lim.Timeout = c.n.cfg.Sandbox.Timeout.Duration
	}
	if lb.module, err = sandbox.Compile(man.Name+"/"+man.Service.Module, man.Service.ModuleSource, lim); err != nil {
		return nil, err
	}
	if err := checkDeclared(man.Service, lb.module); err != nil {
		return nil, err
	}
	lb.script = sandbox.TokenScript(lb.module)
	if w := c.n.cfg.Faults.WrapScript; w != nil {
		lb.script = w(lb.script)
	}
	return lb, nil
}

// add prepares, stores and caches a bundle.
func (c *bundleCache) add(b *tokenscript.Bundle) (*loadedBundle, error) {
	h := b.Hash()
	if lb, ok := c.get(h); ok {
		return lb, nil
	}
	lb, err := c.prepare(b)
	if err != nil {
		return nil, err
	}
	enc, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	if err := c.n.store.Put(bundleKey(h), enc); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[h] = lb
	c.mu.Unlock()
	return lb, nil
}

func (c *bundleCache) get(h tokenscript.BundleHash) (*loadedBundle, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lb, ok := c.m[h]
	return lb, ok
}

// load reads every stored bundle.
func (c *bundleCache) load() error {
	return c.n.store.Each(bundlesPrefix(), func(_, v []byte) error {
		var b tokenscript.Bundle
		if err := json.Unmarshal(v, &b); err != nil {
			return fmt.Errorf("stored bundle: %w", err)
		}
		lb, err := c.prepare(&b)
		if err != nil {
			c.n.log.Warn("stored bundle no longer loads", "bundle", b.Hash(), "err", err)
			return nil
		}
		c.mu.Lock()
		c.m[lb.hash] = lb
		c.mu.Unlock()
		return nil
	})
}

// fetch gets a bundle from a peer (an anchor) and adds it.
func (c *bundleCache) fetch(ctx context.Context, from p2p.PeerID, h tokenscript.BundleHash) (*loadedBundle, error) {
	if lb, ok := c.get(h); ok {
		return lb, nil
	}
	resp, err := p2p.Call[bundleReq, bundleResp](ctx, c.n.host, from, p2p.ProtoBundle, &bundleReq{Hash: h.String()})
	if err != nil {
		return nil, fmt.Errorf("fetch bundle %s: %w", h, err)
	}
	if resp.Bundle == nil || resp.Bundle.Hash() != h {
		return nil, fmt.Errorf("fetch bundle %s: peer sent different content", h)
	}
	return c.add(resp.Bundle)
}

// serve answers bundle requests.
func (c *bundleCache) serve(_ context.Context, _ p2p.PeerID, req *bundleReq) (*bundleResp, error) {
	h, err := tokenscript.ParseBundleHash(req.Hash)
	if err != nil {
		return nil, err
	}
	lb, ok := c.get(h)
	if !ok {
		return nil, fmt.Errorf("%w %s", ErrUnknownBundle, h)
	}
	return &bundleResp{Bundle: lb.bundle}, nil
}

// verifyRegistration checks a registration against a bundle and this
// network's domain (ticket.Verify).
func (n *Node) verifyRegistration(lb *loadedBundle, reg *Registration, now time.Time) (*ticket.Ticket, error) {
	return ticket.Verify(reg, lb.origin, lb.schema, n.domain, now)
}

// envOf is what the token core needs of a bundle and of this node to step
// one of its instances.
func (s *serviceRole) envOf(lb *loadedBundle) *token.Env {
	return &token.Env{Script: lb.script, Subscriptions: lb.manifest.Service.Subscriptions, Triggers: lb.manifest.Service.Triggers,
		Issuers: func(name string) []common.Address {
			if def, ok := lb.manifest.Attestation(name); ok {
				return def.Issuers
			}
			return nil
		}, IsAnchor: s.n.isAnchorAddress}
}
