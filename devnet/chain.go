package devnet

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"path/filepath"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/nodekey"
)

// ChainInfo is devnet.json's "chain": the local chain and what is on it.
type ChainInfo struct {
	RPC       string          `json:"rpc"`
	ChainID   int64           `json:"chainId"`
	Contracts chain.Contracts `json:"contracts"`
	// Accounts are the devnet's funded accounts with their keys (test keys,
	// made for this devnet): the treasury that deployed the contracts, the
	// airline (issuer of the flight ticket's type) and every node, each
	// staked and registered with its node key.
	Accounts []ChainAccount `json:"accounts"`
	// TicketType is the flight ticket's type ID in TokenTypes.
	TicketType common.Hash `json:"ticketType"`
}

// ChainAccount is one funded account.
type ChainAccount struct {
	Address common.Address `json:"address"`
	Key     string         `json:"key"` // hex, a test key
	Role    string         `json:"role"`
}

// startChain runs the local chain, deploys the contracts, stakes and
// registers every node and registers the flight ticket's type with a year
// of rent. The nodes do not read it yet (the chain issue's next step).
func (d *Devnet) startChain(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	treasury, _, err := nodekey.LoadOrCreate(filepath.Join(d.dir, "treasury.key"))
	if err != nil {
		return err
	}
	type party struct {
		key    *nodekey.Key
		role   string
		peer   string
		http   string
		regAs  uint8
		amount *big.Int
	}
	p := chain.DefaultParams()
	parties := []party{{key: treasury, role: "treasury"}, {key: d.airline, role: "airline"}}
	for i, ep := range d.Info.Anchors {
		k, err := nodekey.Load(filepath.Join(d.nodeDir(node.RoleAnchor, i), "node.key"))
		if err != nil {
			return err
		}
		parties = append(parties, party{key: k, role: fmt.Sprintf("anchor-%d", i), peer: ep.Peer, http: ep.HTTP, regAs: chain.RoleAnchor, amount: p.MinAnchorStake})
	}
	for i, ep := range d.Info.Services {
		k, err := nodekey.Load(filepath.Join(d.nodeDir(node.RoleService, i), "node.key"))
		if err != nil {
			return err
		}
		parties = append(parties, party{key: k, role: fmt.Sprintf("service-%d", i), peer: ep.Peer, http: ep.HTTP, regAs: chain.RoleService, amount: p.MinServiceStake})
	}
	balances := map[common.Address]*big.Int{}
	for _, pt := range parties {
		balances[pt.key.Address()] = chain.Units(1000) // ether, for gas
	}
	if d.chain, err = chain.StartDev(balances); err != nil {
		return err
	}
	c := d.chain.Client()
	id := big.NewInt(chain.DevChainID)
	cs, err := chain.Deploy(ctx, c, treasury.ECDSA, id, p)
	if err != nil {
		return err
	}
	stake, err := contracts.NewStakeToken(cs.StakeToken, c)
	if err != nil {
		return err
	}
	service, err := contracts.NewServiceToken(cs.ServiceToken, c)
	if err != nil {
		return err
	}
	r, err := chain.NewReader(ctx, c, *cs)
	if err != nil {
		return err
	}
	// The treasury funds: stake for every node, service tokens for the airline.
	ts, err := chain.NewSender(ctx, c, treasury.ECDSA, id)
	if err != nil {
		return err
	}
	var txs []*types.Transaction
	send := func(s *chain.Sender, f func(o *bind.TransactOpts) (*types.Transaction, error)) error {
		o, err := s.Opts(ctx, 0)
		if err != nil {
			return err
		}
		tx, err := s.Sent(f(o))
		if err != nil {
			return err
		}
		txs = append(txs, tx)
		return nil
	}
	rent := new(big.Int).Mul(p.RentPerEpoch, big.NewInt(int64(365*24*time.Hour/time.Second)/int64(p.EpochBlocks)))
	for _, pt := range parties[2:] {
		if err := send(ts, func(o *bind.TransactOpts) (*types.Transaction, error) {
			return stake.Transfer(o, pt.key.Address(), pt.amount)
		}); err != nil {
			return fmt.Errorf("stake for %s: %w", pt.role, err)
		}
	}
	if err := send(ts, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return service.Transfer(o, d.airline.Address(), rent)
	}); err != nil {
		return err
	}
	if err := chain.Wait(ctx, c, txs...); err != nil {
		return err
	}
	// Every node approves its stake and the airline its rent; then every
	// node registers itself (its key signs) and the airline the flight
	// ticket's type.
	txs = nil
	senders := map[string]*chain.Sender{}
	for _, pt := range parties[2:] {
		s, err := chain.NewSender(ctx, c, pt.key.ECDSA, id)
		if err != nil {
			return err
		}
		senders[pt.role] = s
		if err := send(s, func(o *bind.TransactOpts) (*types.Transaction, error) {
			return stake.Approve(o, cs.Registry, pt.amount)
		}); err != nil {
			return err
		}
	}
	as, err := chain.NewSender(ctx, c, d.airline.ECDSA, id)
	if err != nil {
		return err
	}
	if err := send(as, func(o *bind.TransactOpts) (*types.Transaction, error) { return service.Approve(o, cs.TokenTypes, rent) }); err != nil {
		return err
	}
	if err := chain.Wait(ctx, c, txs...); err != nil {
		return err
	}
	txs = nil
	for _, pt := range parties[2:] {
		sig, err := chain.RegisterSignature(ctx, r.Registry, pt.key.ECDSA, pt.key.Address(), pt.regAs, pt.peer)
		if err != nil {
			return err
		}
		if err := send(senders[pt.role], func(o *bind.TransactOpts) (*types.Transaction, error) {
			return r.Registry.Register(o, pt.key.Address(), pt.regAs, pt.peer, pt.http, pt.amount, sig)
		}); err != nil {
			return fmt.Errorf("register %s: %w", pt.role, err)
		}
	}
	if err := send(as, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return r.Types.Register(o, "flight-ticket", common.HexToHash(d.Info.Bundle), rent)
	}); err != nil {
		return fmt.Errorf("register the flight ticket's type: %w", err)
	}
	if err := chain.Wait(ctx, c, txs...); err != nil {
		return err
	}
	info := &ChainInfo{RPC: d.chain.RPC, ChainID: chain.DevChainID, Contracts: *cs}
	if info.TicketType, err = r.Types.TypeId(nil, d.airline.Address(), "flight-ticket"); err != nil {
		return err
	}
	for _, pt := range parties {
		info.Accounts = append(info.Accounts, ChainAccount{Address: pt.key.Address(), Key: keyHex(pt.key.ECDSA), Role: pt.role})
	}
	d.Info.Chain = info
	d.progress("chain %s: contracts deployed, %d anchors and %d service nodes staked and registered, the flight ticket's type registered",
		d.chain.RPC, len(d.Info.Anchors), len(d.Info.Services))
	return nil
}

func keyHex(k *ecdsa.PrivateKey) string { return hexutil.Encode(crypto.FromECDSA(k)) }
