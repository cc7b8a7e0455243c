package node

import (
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/sandbox"
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
		MaxTimeout: n.cfg.Sandbox.Timeout.Duration, WrapScript: n.deps.WrapScript, Issuers: n.policy(nil)})
}

// verifyRegistration checks a registration against a bundle and this
// network's domain (ticket.Verify).
func (n *Node) verifyRegistration(lb *loadedBundle, reg *Registration, now time.Time) (*ticket.Ticket, error) {
	t, err := ticket.Verify(reg, lb.Origin, lb.Schema, n.domain, now)
	if err != nil {
		return nil, err
	}
	// The first registration must not win by naming another issuer's
	// bundle: the instance's attestation and the bundle have one signer.
	// (A bundle kept from before issuers signed bundles has none: its
	// instances keep their replicas; no new one registers, see Register.)
	if lb.Issuer != (common.Address{}) && common.HexToAddress(t.Attester) != lb.Issuer {
		return nil, fmt.Errorf("%w: the instance attestation is signed by %s, the bundle by its issuer %s: register against the bundle its issuer signed",
			ErrBadRegistration, t.Attester, lb.Issuer)
	}
	return t, nil
}

// envOf is what the token core needs of a bundle and of this node to step
// one of its instances.
func (s *serviceRole) envOf(lb *loadedBundle) *token.Env { return s.n.envOf(lb) }

// envOf is what the token core may know of a token type on this node.
func (n *Node) envOf(lb *loadedBundle) *token.Env {
	return &token.Env{Script: lb.Script, Subscriptions: lb.Manifest.Service.Subscriptions, Triggers: lb.Manifest.Service.Triggers,
		Issuers: func(name string) []common.Address {
			if def, ok := lb.Manifest.Attestation(name); ok {
				return def.Issuers
			}
			return nil
		}, IsAnchor: n.isAnchorAddress, CheckRecord: n.authority.Check, CheckChainLog: n.checkChainLog,
		CheckCalls: n.checkAnswers}
}

// checkAnswers checks an executor's recorded answers of calls to other
// tokens as sampling checks a transcript's: each answer carries the other
// token's anchor-signed record and a receipt by a replica it names (an
// action's: its executor) binding the call and the answer. A record this
// node cannot check now (an epoch it has not heard of yet) leaves the
// answers for a later step.
func (n *Node) checkAnswers(calls []token.CallRecord) error {
	tr := &sandbox.Transcript{Calls: make([]sandbox.External, len(calls))}
	for i, c := range calls {
		tr.Calls[i] = sandbox.External{Kind: c.Kind, Request: c.Request, Response: c.Response}
	}
	err := sampling.CheckCalls(tr, n.authority.Check)
	if errors.Is(err, sampling.ErrCallRecord) {
		return fmt.Errorf("%w: %v", token.ErrUnavailable, err)
	}
	return err
}
