package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/contracts"
)

// Reader reads a network's contracts.
type Reader struct {
	b           bind.ContractBackend
	c           Contracts
	Registry    *contracts.Registry
	Epochs      *contracts.Epochs
	Types       *contracts.TokenTypes
	Channels    *contracts.Channels    // when the payment channels' address is given
	Commitments *contracts.Commitments // when the commitments' address is given
}

// NewReader binds the contracts at c, after checking that each has code.
// The registry is required; the token types contract is bound when its
// address is given; the epochs contract is the one given, or else the
// registry's.
func NewReader(ctx context.Context, b bind.ContractBackend, c Contracts) (*Reader, error) {
	checks := map[string]common.Address{"registry": c.Registry}
	if c.Epochs != (common.Address{}) {
		checks["epochs"] = c.Epochs
	}
	if c.TokenTypes != (common.Address{}) {
		checks["token types"] = c.TokenTypes
	}
	if c.Channels != (common.Address{}) {
		checks["channels"] = c.Channels
	}
	if c.Commitments != (common.Address{}) {
		checks["commitments"] = c.Commitments
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
	if c.Channels != (common.Address{}) {
		if r.Channels, err = contracts.NewChannels(c.Channels, b); err != nil {
			return nil, err
		}
	}
	if c.Commitments != (common.Address{}) {
		if r.Commitments, err = contracts.NewCommitments(c.Commitments, b); err != nil {
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
	if r.Epochs == nil { // so does the registry
		if c.Epochs, err = r.Registry.Epochs(&bind.CallOpts{Context: ctx}); err != nil {
			return nil, fmt.Errorf("registry's epochs: %w", err)
		}
		if r.Epochs, err = contracts.NewEpochs(c.Epochs, b); err != nil {
			return nil, err
		}
		r.c = c
	}
	return r, nil
}

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
	Block     uint64      `json:"block"`
	Epoch     uint64      `json:"epoch"`
	SeedEpoch uint64      `json:"seedEpoch"`
	Seed      common.Hash `json:"seed"`
	// Started is the last epoch the registry started: the seed and anchor
	// set nodes run on (nil: none started yet).
	Started    *EpochView     `json:"started,omitempty"`
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
		if !strings.Contains(Explain(err).Error(), "NotSeeded") {
			return nil, err
		}
		st.Seed = common.Hash{} // no epoch seeded yet
	}
	last, err := r.Registry.LastEpoch(opts)
	if err != nil {
		return nil, err
	}
	if st.Started, err = r.Epoch(ctx, opts, last); err != nil && !errors.Is(err, ErrEpochNotStarted) {
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

// EpochView is a started epoch as the registry fixed it: its seed and
// anchor set with stakes and peer IDs. Every node that reads the same
// epoch gets the same view.
type EpochView struct {
	Epoch   uint64      `json:"epoch"`
	Seed    common.Hash `json:"seed"`
	Anchors []Node      `json:"anchors"`
}

// ErrEpochNotStarted: the registry has not started that epoch (smartlayer
// chain advance starts the current one).
var ErrEpochNotStarted = errors.New("epoch not started in the registry")

// Epoch reads a started epoch's view at the block opts name (nil: latest).
func (r *Reader) Epoch(ctx context.Context, opts *bind.CallOpts, epoch uint64) (*EpochView, error) {
	if opts == nil {
		opts = &bind.CallOpts{Context: ctx}
	}
	ok, err := r.Registry.EpochStarted(opts, epoch)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrEpochNotStarted, epoch)
	}
	ea, err := r.Registry.EpochAnchors(opts, epoch)
	if err != nil {
		return nil, fmt.Errorf("registry epoch %d anchors: %w", epoch, err)
	}
	// An endpoint is not trusted to answer in shape.
	if n := len(ea.Set); n != len(ea.Stakes) || n != len(ea.PeerIds) || n > 64 {
		return nil, fmt.Errorf("registry epoch %d anchors: %d addresses, %d stakes and %d peer IDs (at most 64 each, as many of each)", epoch, n, len(ea.Stakes), len(ea.PeerIds))
	}
	v := &EpochView{Epoch: epoch, Seed: ea.Seed}
	for i, a := range ea.Set {
		v.Anchors = append(v.Anchors, Node{Address: a, PeerID: ea.PeerIds[i], Stake: ea.Stakes[i], Admitted: true})
	}
	return v, nil
}

// AdvanceGas is the gas limit to send Registry.advance with when the
// anchor set can be maxAnchors long: an estimate runs on the latest block,
// and the next may start an epoch, which sorts the (at most 64) candidates
// and writes the set. Within go-ethereum's per-transaction cap.
func AdvanceGas(maxAnchors int64) uint64 {
	return min(5_000_000+150_000*uint64(min(max(maxAnchors, 0), 64)), 16_000_000)
}

// WaitBlock returns once the chain's head is at block n or later. mine,
// when not nil, makes a block (a local chain); otherwise it waits for the
// chain's, asking every 200 ms.
func WaitBlock(ctx context.Context, b Backend, n uint64, mine func()) error {
	for {
		h, err := b.HeaderByNumber(ctx, nil)
		if err != nil {
			return err
		}
		if h.Number.Uint64() >= n {
			return nil
		}
		if mine != nil {
			mine()
			continue
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for block %d (head at %d): %w", n, h.Number.Uint64(), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// StartEpoch calls Registry.advance from s until the current epoch has
// started (fixing its anchor set, then, SEED_DELAY blocks later, its seed),
// and returns the view. mine, when not nil, makes a block (a local chain);
// otherwise it waits for the chain's.
func StartEpoch(ctx context.Context, s *Sender, b Backend, r *Reader, mine func()) (*EpochView, error) {
	maxA, err := r.Registry.MaxAnchors(&bind.CallOpts{Context: ctx})
	if err != nil {
		return nil, err
	}
	delay, err := r.Registry.SEEDDELAY(&bind.CallOpts{Context: ctx})
	if err != nil {
		return nil, err
	}
	for {
		cur, err := r.Epochs.Current(&bind.CallOpts{Context: ctx})
		if err != nil {
			return nil, err
		}
		ok, err := r.Registry.EpochStarted(&bind.CallOpts{Context: ctx}, cur)
		if err != nil {
			return nil, err
		}
		if ok {
			return r.Epoch(ctx, nil, cur)
		}
		at, err := r.Registry.SetFixedAt(&bind.CallOpts{Context: ctx}, cur)
		if err != nil {
			return nil, err
		}
		if at != 0 {
			// The seeding call must come more than delay blocks after the fixing one.
			if err := WaitBlock(ctx, b, at+delay, mine); err != nil {
				return nil, err
			}
		}
		if err := s.SendGas(ctx, b, AdvanceGas(maxA.Int64()), r.Registry.Advance); err != nil {
			return nil, fmt.Errorf("advance: %w", err)
		}
	}
}
