package node

import (
	"context"
	"fmt"
	"net/http"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/chain"
)

// Rent: a service node with network.token_types reads, every chain_poll,
// the token type of each bundle it holds instances of; an instance whose
// type's rent has run out answers 402 until someone pays
// (smartlayer issuer rent). Answering never waits on the chain.

// rentLoop reads the held bundles' types until the node stops.
func (s *serviceRole) rentLoop(ctx context.Context) {
	chain.PollEvery(ctx, s.n.cfg.Network.ChainPoll.Duration, s.n.log, "reading the token types of the bundles held",
		func(ctx context.Context) error { return s.n.rent.Poll(ctx, s.heldBundles()) })
}

// heldBundles lists the bundles of the instances this node holds.
func (s *serviceRole) heldBundles() []chain.BundleRef {
	seen := map[chain.BundleRef]bool{}
	var out []chain.BundleRef
	for _, id := range s.ids() {
		s.mu.RLock()
		in := s.inst[id]
		s.mu.RUnlock()
		if in == nil {
			continue
		}
		lb, ok := s.bundleOf(in)
		if !ok {
			continue
		}
		b := chain.BundleRef{Issuer: lb.Issuer, Hash: common.Hash(lb.Hash)}
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out
}

// dormant is the 402 answer for a bundle whose type's rent has run out
// (nil when it is paid for, not read yet, or the node reads no chain).
func (s *serviceRole) dormant(lb *loadedBundle) *api.Problem {
	if s.n.rent == nil {
		return nil
	}
	st, ok := s.n.rent.State(chain.BundleRef{Issuer: lb.Issuer, Hash: common.Hash(lb.Hash)})
	if !ok || st.Active {
		return nil
	}
	return &api.Problem{Status: http.StatusPaymentRequired, Code: "token-type-dormant",
		Detail: fmt.Sprintf("token type %s is dormant: its rent paid for epochs before %d and the chain is in epoch %d; anyone may pay it (smartlayer issuer rent --type %s)",
			st.Type, st.PaidUntil, st.Epoch, st.Type)}
}
