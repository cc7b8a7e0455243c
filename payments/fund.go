package payments

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/contracts"
)

// Funder is an integration's side of its channels on chain: it opens them
// and tops them up from its key, approving the Channels contract to take
// the service tokens first when it may not yet. One transaction at a time.
type Funder struct {
	b        chain.Backend
	key      *ecdsa.PrivateKey
	chainID  *big.Int
	channels common.Address
	token    common.Address

	mu sync.Mutex
}

// NewFunder is the funder of key on the chain of the given contracts.
func NewFunder(b chain.Backend, key *ecdsa.PrivateKey, chainID *big.Int, cs chain.Contracts) (*Funder, error) {
	if cs.Channels == (common.Address{}) || cs.ServiceToken == (common.Address{}) {
		return nil, errors.New("payments: the Channels contract and the service token are needed")
	}
	return &Funder{b: b, key: key, chainID: chainID, channels: cs.Channels, token: cs.ServiceToken}, nil
}

// send approves amount when needed, then sends f, waiting for both.
func (p *Funder) send(ctx context.Context, amount *big.Int, f func(*contracts.Channels, *bind.TransactOpts) (*types.Transaction, error)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := chain.NewSender(ctx, p.b, p.key, p.chainID)
	if err != nil {
		return err
	}
	tok, err := contracts.NewServiceToken(p.token, p.b)
	if err != nil {
		return err
	}
	have, err := tok.Allowance(&bind.CallOpts{Context: ctx}, s.Address(), p.channels)
	if err != nil {
		return err
	}
	if have.Cmp(amount) < 0 {
		if err := s.Send(ctx, p.b, func(o *bind.TransactOpts) (*types.Transaction, error) {
			return tok.Approve(o, p.channels, amount)
		}); err != nil {
			return fmt.Errorf("approving the Channels contract: %w", err)
		}
	}
	ch, err := contracts.NewChannels(p.channels, p.b)
	if err != nil {
		return err
	}
	return s.Send(ctx, p.b, func(o *bind.TransactOpts) (*types.Transaction, error) { return f(ch, o) })
}

// Open opens a channel to anchor with amount deposited, and returns its ID.
func (p *Funder) Open(ctx context.Context, anchor common.Address, amount *big.Int) (uint64, error) {
	ch, err := contracts.NewChannels(p.channels, p.b)
	if err != nil {
		return 0, err
	}
	var id uint64
	err = p.send(ctx, amount, func(c *contracts.Channels, o *bind.TransactOpts) (*types.Transaction, error) {
		next, err := ch.NextChannel(&bind.CallOpts{Context: ctx})
		if err != nil {
			return nil, err
		}
		tx, err := c.Open(o, anchor, amount)
		if err == nil {
			id = next.Uint64() // ids are given in order; checked below
		}
		return tx, err
	})
	if err != nil {
		return 0, err
	}
	info, err := OnChain{C: ch}.Channel(ctx, id)
	if err != nil {
		return 0, err
	}
	if info.Payer != crypto.PubkeyToAddress(p.key.PublicKey) || info.Anchor != anchor {
		return 0, fmt.Errorf("channel %d is not the one opened (another was opened at the same time): look it up by its Opened event", id)
	}
	return id, nil
}

// TopUp adds amount to a channel's deposit (client.Payer.TopUp, with
// id bound: func(ctx, amount) error { return p.TopUp(ctx, id, amount) }).
func (p *Funder) TopUp(ctx context.Context, id uint64, amount *big.Int) error {
	return p.send(ctx, amount, func(c *contracts.Channels, o *bind.TransactOpts) (*types.Transaction, error) {
		return c.TopUp(o, new(big.Int).SetUint64(id), amount)
	})
}
