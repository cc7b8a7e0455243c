package node

import (
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/ticket"
	"github.com/smartlayer/smartlayer/token"
)

// Errors of bundles and registration checks; the HTTP edge maps them to
// statuses.
var (
	ErrUnknownBundle   = registry.ErrUnknownBundle
	ErrNotServiceToken = registry.ErrNotServiceToken
	ErrBadRegistration = ticket.ErrBadRegistration
)

// loadedBundle is a bundle ready to run (registry.Bundle).
type loadedBundle = registry.Bundle

// newBundleCache makes the node's bundle registry.
func newBundleCache(n *Node) *registry.Cache {
	return registry.New(registry.Deps{Store: n.store, Host: n.net, Log: n.log, MaxCallDepth: n.cfg.Sandbox.MaxCallDepth,
		MaxTimeout: n.cfg.Sandbox.Timeout.Duration, WrapScript: n.deps.WrapScript})
}

// verifyRegistration checks a registration against a bundle and this
// network's domain (ticket.Verify).
func (n *Node) verifyRegistration(lb *loadedBundle, reg *Registration, now time.Time) (*ticket.Ticket, error) {
	return ticket.Verify(reg, lb.Origin, lb.Schema, n.domain, now)
}

// envOf is what the token core needs of a bundle and of this node to step
// one of its instances.
func (s *serviceRole) envOf(lb *loadedBundle) *token.Env {
	return &token.Env{Script: lb.Script, Subscriptions: lb.Manifest.Service.Subscriptions, Triggers: lb.Manifest.Service.Triggers,
		Issuers: func(name string) []common.Address {
			if def, ok := lb.Manifest.Attestation(name); ok {
				return def.Issuers
			}
			return nil
		}, IsAnchor: s.n.isAnchorAddress}
}
