package chain

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/contracts"
)

// Reader reads a network's contracts.
type Reader struct {
	b        bind.ContractBackend
	c        Contracts
	Registry *contracts.Registry
	Epochs   *contracts.Epochs
	Types    *contracts.TokenTypes
}

// NewReader binds the contracts at c, after checking that each has code.
// The registry is required; the epochs and token types contracts are bound
// when their addresses are given (Status needs the epochs).
func NewReader(ctx context.Context, b bind.ContractBackend, c Contracts) (*Reader, error) {
	checks := map[string]common.Address{"registry": c.Registry}
	if c.Epochs != (common.Address{}) {
		checks["epochs"] = c.Epochs
	}
	if c.TokenTypes != (common.Address{}) {
		checks["token types"] = c.TokenTypes
	}
	for name, a := range checks {
		code, err := b.CodeAt(ctx, a, nil)
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", name, a, err)
		}
		if len(code) == 0 {
			return nil, fmt.Errorf("%s at %s: %w", name, a, ErrNoContract)
		}
	}
	r := &Reader{b: b, c: c}
	var err error
	if r.Registry, err = contracts.NewRegistry(c.Registry, b); err != nil {
		return nil, err
	}
	if c.Epochs != (common.Address{}) {
		if r.Epochs, err = contracts.NewEpochs(c.Epochs, b); err != nil {
			return nil, err
		}
	}
	if c.TokenTypes != (common.Address{}) {
		if r.Types, err = contracts.NewTokenTypes(c.TokenTypes, b); err != nil {
			return nil, err
		}
		if r.Epochs == nil { // the token types contract names its epochs
			if c.Epochs, err = r.Types.Epochs(&bind.CallOpts{Context: ctx}); err != nil {
				return nil, fmt.Errorf("token types' epochs: %w", err)
			}
			if r.Epochs, err = contracts.NewEpochs(c.Epochs, b); err != nil {
				return nil, err
			}
			r.c = c
		}
	}
	return r, nil
}

var errNoEpochs = fmt.Errorf("no epochs contract given")

// Node is a registered node as the registry has it.
type Node struct {
	Address  common.Address `json:"address"`
	PeerID   string         `json:"peerId"`
	HTTP     string         `json:"http"`
	Stake    *big.Int       `json:"stake"`
	Admitted bool           `json:"admitted"`
}

// Status is what `smartlayer chain status` prints.
type Status struct {
	Block      uint64         `json:"block"`
	Epoch      uint64         `json:"epoch"`
	SeedEpoch  uint64         `json:"seedEpoch"`
	Seed       common.Hash    `json:"seed"`
	Anchors    []Node         `json:"anchors"`
	Services   []Node         `json:"services"`
	Contracts  Contracts      `json:"contracts"`
	MinStake   map[string]any `json:"minStake"`
	MaxAnchors int64          `json:"maxAnchors"`
}

// Status reads the chain's block, epoch and seed, the anchor set with its
// stakes, and the registered service nodes.
func (r *Reader) Status(ctx context.Context) (*Status, error) {
	opts := &bind.CallOpts{Context: ctx}
	st := &Status{Contracts: r.c}
	if r.Epochs == nil {
		return nil, fmt.Errorf("status: %w", errNoEpochs)
	}
	h, err := r.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("latest block: %w", err)
	}
	st.Block = h.Number.Uint64()
	if st.Epoch, err = r.Epochs.Current(opts); err != nil {
		return nil, fmt.Errorf("epoch: %w", err)
	}
	if st.SeedEpoch, err = r.Epochs.LastSeeded(opts); err != nil {
		return nil, err
	}
	if st.Seed, err = r.Epochs.SeedOf(opts, st.SeedEpoch); err != nil {
		return nil, err
	}
	set, err := r.Registry.AnchorSet(opts)
	if err != nil {
		return nil, fmt.Errorf("anchor set: %w", err)
	}
	for _, a := range set.Set {
		n, err := r.node(opts, a, RoleAnchor)
		if err != nil {
			return nil, err
		}
		st.Anchors = append(st.Anchors, n)
	}
	svcs, err := r.Registry.Services(opts)
	if err != nil {
		return nil, err
	}
	for _, a := range svcs {
		n, err := r.node(opts, a, RoleService)
		if err != nil {
			return nil, err
		}
		st.Services = append(st.Services, n)
	}
	minA, err := r.Registry.MinAnchorStake(opts)
	if err != nil {
		return nil, err
	}
	minS, err := r.Registry.MinServiceStake(opts)
	if err != nil {
		return nil, err
	}
	st.MinStake = map[string]any{"anchor": minA, "service": minS}
	maxA, err := r.Registry.MaxAnchors(opts)
	if err != nil {
		return nil, err
	}
	st.MaxAnchors = maxA.Int64()
	return st, nil
}

func (r *Reader) node(opts *bind.CallOpts, a common.Address, role uint8) (Node, error) {
	n, err := r.Registry.NodeOf(opts, a)
	if err != nil {
		return Node{}, err
	}
	ok, err := r.Registry.Admitted(opts, a, role)
	if err != nil {
		return Node{}, err
	}
	return Node{Address: a, PeerID: n.PeerId, HTTP: n.HttpUrl, Stake: n.Stake, Admitted: ok}, nil
}
