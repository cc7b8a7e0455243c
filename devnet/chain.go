package devnet

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/chain"
	"github.com/smartlayer/smartlayer/chain/devchain"
	"github.com/smartlayer/smartlayer/contracts"
	flightticket "github.com/smartlayer/smartlayer/examples/flight-ticket"
	loungepass "github.com/smartlayer/smartlayer/examples/lounge-pass"
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
	// airline (issuer of the flight ticket's type), every node, each
	// staked and registered with its node key, and the demo integration
	// (the payer of its payment channel).
	Accounts []ChainAccount `json:"accounts"`
	// TicketType is the flight ticket's type ID in TokenTypes.
	TicketType common.Hash `json:"ticketType"`
	// Payment is the demo integration's payment channel.
	Payment *PaymentInfo `json:"payment,omitempty"`
}

// PaymentInfo is a payment channel the devnet opened: the demo
// integration (the payer, key in integration.key) pays for its calls
// through it; Deposit is in the service token's smallest unit.
type PaymentInfo struct {
	Channel  uint64         `json:"channel"`
	Contract common.Address `json:"contract"`
	Payer    common.Address `json:"payer"`
	Anchor   common.Address `json:"anchor"`
	Deposit  string         `json:"deposit"`
}

// channelDeposit is what the devnet's demo integration deposits: 100
// service tokens, far more than the devnet's calls cost (1 a query, 20 an
// action, in the token's smallest unit).
var channelDeposit = chain.Units(100)

// openChannel has the treasury give the demo integration service tokens,
// and the integration open a payment channel to anchor with half of them.
func (d *Devnet) openChannel(ctx context.Context, b *batch, ts *chain.Sender, c chain.Backend, id *big.Int, cs *chain.Contracts,
	service *contracts.ServiceToken, integ *nodekey.Key, anchor common.Address) (*PaymentInfo, error) {
	channels, err := contracts.NewChannels(cs.Channels, c)
	if err != nil {
		return nil, err
	}
	is, err := chain.NewSender(ctx, c, integ.ECDSA, id)
	if err != nil {
		return nil, err
	}
	// As much again stays with the integration, for channels of its own.
	b.send(ts, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return service.Transfer(o, integ.Address(), new(big.Int).Mul(channelDeposit, big.NewInt(2)))
	})
	if err := b.wait(); err != nil {
		return nil, err
	}
	b.send(is, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return service.Approve(o, cs.Channels, channelDeposit)
	})
	if err := b.wait(); err != nil {
		return nil, err
	}
	next, err := channels.NextChannel(&bind.CallOpts{Context: ctx})
	if err != nil {
		return nil, err
	}
	b.send(is, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return channels.Open(o, anchor, channelDeposit)
	})
	if err := b.wait(); err != nil {
		return nil, err
	}
	return &PaymentInfo{Channel: next.Uint64(), Contract: cs.Channels, Payer: integ.Address(), Anchor: anchor, Deposit: channelDeposit.String()}, nil
}

// ChainAccount is one funded account.
type ChainAccount struct {
	Address common.Address `json:"address"`
	Key     string         `json:"key"` // hex, a test key
	Role    string         `json:"role"`
}

// chainParty is an account the devnet's chain funds.
type chainParty struct {
	key    *nodekey.Key
	role   string
	peer   string
	regAs  uint8 // 0: not a node
	amount *big.Int
}

// MineBlocks makes n blocks on the devnet's chain at once (tests: moving
// epochs on); nothing without Options.Chain.
func (d *Devnet) MineBlocks(n int) {
	if d.chain != nil {
		d.chain.Mine(n)
	}
}

// chainState is what startChain leaves for finishChain.
type chainState struct {
	tickets *contracts.FlightTickets // the airline's, at cs.FlightTickets
	airline *chain.Sender
	cs      *chain.Contracts
	r       *chain.Reader
	parties []chainParty
	p       chain.Params
	c       chain.Backend
	id      *big.Int
}

// fundOnExternalChain dials Options.ChainRPC and sends each account its
// balance from Options.ChainFunder.
func (d *Devnet) fundOnExternalChain(ctx context.Context, balances map[common.Address]*big.Int) (chain.Backend, *big.Int, error) {
	cl, err := chain.Dial(ctx, d.opts.ChainRPC)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", chain.Redact(d.opts.ChainRPC), err)
	}
	d.ext = cl
	id, err := cl.ChainID(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%s does not answer: %w", chain.Redact(d.opts.ChainRPC), err)
	}
	from := crypto.PubkeyToAddress(d.opts.ChainFunder.PublicKey)
	nonce, err := cl.PendingNonceAt(ctx, from)
	if err != nil {
		return nil, nil, err
	}
	tip, err := cl.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, nil, err
	}
	head, err := cl.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(2)))
	var txs []*types.Transaction
	for a, v := range balances {
		to := a
		tx, err := types.SignNewTx(d.opts.ChainFunder, types.LatestSignerForChainID(id),
			&types.DynamicFeeTx{ChainID: id, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: 21_000, To: &to, Value: v})
		if err == nil {
			err = cl.SendTransaction(ctx, tx)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("funding the devnet's accounts from %s: %w", from, err)
		}
		nonce++
		txs = append(txs, tx)
	}
	if err := chain.Wait(ctx, cl, txs...); err != nil {
		return nil, nil, fmt.Errorf("funding the devnet's accounts from %s: %w", from, err)
	}
	return cl, id, nil
}

// startChain runs the local chain before the nodes start, deploys the
// contracts and stakes and registers every node with its own key (but the
// last Options.UnstakedServices service nodes): anchors admit the service
// nodes staked on chain.
func (d *Devnet) startChain(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	treasury, _, err := nodekey.LoadOrCreate(filepath.Join(d.dir, "treasury.key"))
	if err != nil {
		return err
	}
	airline, _, err := nodekey.LoadOrCreate(filepath.Join(d.dir, "airline.key"))
	if err != nil {
		return err
	}
	p := chain.DefaultParams()
	// Commitment periods short enough to watch: one every 20 s, the next
	// anchor of the rotation 10 s after the one before.
	p.CommitPeriod, p.CommitGrace = 20*time.Second, 10*time.Second
	parties := []chainParty{{key: treasury, role: "treasury"}, {key: airline, role: "airline"}}
	for i := 0; i < d.opts.Anchors; i++ {
		k, err := nodekey.Load(filepath.Join(d.nodeDir(node.RoleAnchor, i), "node.key"))
		if err != nil {
			return err
		}
		parties = append(parties, chainParty{key: k, role: fmt.Sprintf("anchor-%d", i), peer: k.PeerID().String(), regAs: chain.RoleAnchor, amount: p.MinAnchorStake})
	}
	for i := 0; i < d.opts.Services; i++ {
		k, err := nodekey.Load(filepath.Join(d.nodeDir(node.RoleService, i), "node.key"))
		if err != nil {
			return err
		}
		pt := chainParty{key: k, role: fmt.Sprintf("service-%d", i), peer: k.PeerID().String(), amount: p.MinServiceStake}
		if i < d.opts.Services-d.opts.UnstakedServices {
			pt.regAs = chain.RoleService
		}
		parties = append(parties, pt)
	}
	var lounge *nodekey.Key
	if d.opts.LoungePasses > 0 {
		// The lounge registers the lounge pass's type, as the airline the
		// flight ticket's (it stakes nothing: not a node).
		if lounge, _, err = nodekey.LoadOrCreate(filepath.Join(d.dir, "lounge.key")); err != nil {
			return err
		}
		parties = append(parties, chainParty{key: lounge, role: "lounge"})
	}
	// The demo integration pays for its calls from a payment channel.
	integ, _, err := nodekey.LoadOrCreate(filepath.Join(d.dir, "integration.key"))
	if err != nil {
		return err
	}
	parties = append(parties, chainParty{key: integ, role: "integration"})
	balances := map[common.Address]*big.Int{}
	for _, pt := range parties {
		balances[pt.key.Address()] = chain.Units(1000) // ether, for gas
	}
	var c chain.Backend
	var id *big.Int
	rpcURL := d.opts.ChainRPC
	if rpcURL != "" {
		if c, id, err = d.fundOnExternalChain(ctx, balances); err != nil {
			return err
		}
		d.cfgBase.Network.ChainID = id.Int64() // the attestations' domain too
	} else {
		if d.chain, err = devchain.StartDev(balances); err != nil {
			return err
		}
		c, id, rpcURL = d.chain.Client(), big.NewInt(devchain.DevChainID), d.chain.RPC
	}
	cs, err := chain.Deploy(ctx, c, treasury.ECDSA, id, p)
	if err != nil {
		return err
	}
	r, err := chain.NewReader(ctx, c, *cs)
	if err != nil {
		return err
	}
	stake, err := contracts.NewStakeToken(cs.StakeToken, c)
	if err != nil {
		return err
	}
	b := &batch{ctx: ctx, c: c}
	// The treasury funds every node's stake, each node approves it, then
	// registers itself (its key signs).
	ts, err := chain.NewSender(ctx, c, treasury.ECDSA, id)
	if err != nil {
		return err
	}
	nodes := parties[2:]
	for _, pt := range nodes {
		if pt.regAs != 0 {
			b.send(ts, func(o *bind.TransactOpts) (*types.Transaction, error) {
				return stake.Transfer(o, pt.key.Address(), pt.amount)
			})
		}
	}
	if err := b.wait(); err != nil {
		return fmt.Errorf("stake for the nodes: %w", err)
	}
	senders := map[string]*chain.Sender{}
	for _, pt := range nodes {
		if pt.regAs == 0 {
			continue
		}
		if senders[pt.role], err = chain.NewSender(ctx, c, pt.key.ECDSA, id); err != nil {
			return err
		}
		b.send(senders[pt.role], func(o *bind.TransactOpts) (*types.Transaction, error) {
			return stake.Approve(o, cs.Registry, pt.amount)
		})
	}
	if err := b.wait(); err != nil {
		return fmt.Errorf("approvals: %w", err)
	}
	for _, pt := range nodes {
		if pt.regAs == 0 {
			continue
		}
		sig, err := chain.RegisterSignature(ctx, r.Registry, pt.key.ECDSA, pt.key.Address(), pt.regAs, pt.peer)
		if err != nil {
			return err
		}
		b.send(senders[pt.role], func(o *bind.TransactOpts) (*types.Transaction, error) {
			return r.Registry.Register(o, pt.key.Address(), pt.regAs, pt.peer, "", pt.amount, sig)
		})
	}
	if err := b.wait(); err != nil {
		return fmt.Errorf("registrations: %w", err)
	}
	// The airline deploys the tickets' ERC-721 twin, which it owns: the
	// bundle names it, and anchors relay its events for the airline's
	// bundle only.
	as, err := chain.NewSender(ctx, c, airline.ECDSA, id)
	if err != nil {
		return err
	}
	o, err := as.Opts(ctx, 0)
	if err != nil {
		return err
	}
	ftAddr, tx, ft, err := contracts.DeployFlightTickets(o, c, airline.Address())
	if _, err = as.Sent(tx, err); err != nil {
		return fmt.Errorf("deploy FlightTickets: %w", err)
	}
	if err := chain.Wait(ctx, c, tx); err != nil {
		return fmt.Errorf("deploy FlightTickets: %w", err)
	}
	cs.FlightTickets = ftAddr
	// The airline registers the flight ticket's type for the bundle it
	// will publish (the hash covers the files only, its key among them),
	// with about a year of rent from the treasury.
	bundle, err := flightticket.IssuedOn(airline.ECDSA, attest.NetworkDomain(d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS)), ftAddr, time.Now())
	if err != nil {
		return err
	}
	service, err := contracts.NewServiceToken(cs.ServiceToken, c)
	if err != nil {
		return err
	}
	epochs := int64(365*24*time.Hour/time.Second) / int64(p.EpochBlocks)
	if d.opts.TicketRentEpochs > 0 {
		epochs = int64(d.opts.TicketRentEpochs)
	}
	rent := new(big.Int).Mul(p.RentPerEpoch, big.NewInt(epochs))
	// registerType has the treasury pay issuer the rent, and the issuer
	// register its type for the bundle.
	registerType := func(issuer *chain.Sender, addr common.Address, name string, hash common.Hash) error {
		b.send(ts, func(o *bind.TransactOpts) (*types.Transaction, error) { return service.Transfer(o, addr, rent) })
		if err := b.wait(); err != nil {
			return err
		}
		b.send(issuer, func(o *bind.TransactOpts) (*types.Transaction, error) { return service.Approve(o, cs.TokenTypes, rent) })
		if err := b.wait(); err != nil {
			return err
		}
		b.send(issuer, func(o *bind.TransactOpts) (*types.Transaction, error) { return r.Types.Register(o, name, hash, rent) })
		if err := b.wait(); err != nil {
			return fmt.Errorf("the %s type: %w", name, err)
		}
		return nil
	}
	if err := registerType(as, airline.Address(), "flight-ticket", common.Hash(bundle.Hash())); err != nil {
		return err
	}
	if lounge != nil {
		ls, err := chain.NewSender(ctx, c, lounge.ECDSA, id)
		if err != nil {
			return err
		}
		lb, err := loungepass.Issued(lounge.ECDSA, attest.NetworkDomain(d.cfgBase.Network.ChainID, common.HexToAddress(d.cfgBase.Network.EAS)), time.Now())
		if err != nil {
			return err
		}
		if err := registerType(ls, lounge.Address(), "lounge-pass", common.Hash(lb.Hash())); err != nil {
			return err
		}
	}
	pay, err := d.openChannel(ctx, b, ts, c, id, cs, service, integ, parties[2].key.Address())
	if err != nil {
		return fmt.Errorf("the demo integration's payment channel: %w", err)
	}
	if err := d.startEpoch(ctx, ts, c, r); err != nil {
		return err
	}
	d.chainState = &chainState{cs: cs, r: r, parties: parties, p: p, c: c, id: id, tickets: ft, airline: as}
	d.Info.Chain = &ChainInfo{RPC: rpcURL, ChainID: id.Int64(), Contracts: *cs, Payment: pay}
	for _, pt := range parties {
		d.Info.Chain.Accounts = append(d.Info.Chain.Accounts, ChainAccount{Address: pt.key.Address(), Key: keyHex(pt.key.ECDSA), Role: pt.role})
	}
	if d.Info.Chain.TicketType, err = r.Types.TypeId(nil, airline.Address(), "flight-ticket"); err != nil {
		return err
	}
	staked := d.opts.Services - d.opts.UnstakedServices
	d.progress("chain %s: contracts deployed, %d anchors and %d service nodes staked and registered, the flight ticket's type registered by the airline",
		chain.Redact(rpcURL), d.opts.Anchors, staked)
	return nil
}

// devnetConfirmations is how deep the devnet's nodes read the chain: its
// chain mines a block a second at least, so a couple of seconds.
const devnetConfirmations = 2

// startEpoch has the registry start the current epoch, its seed and
// anchor set (the devnet's anchors, staked by now), and runs the nodes on
// it: they read the seed, the anchor set and the anchors' stakes from the
// chain. A restart on the same data runs a new chain (the embedded one
// lives in memory; an external one gets new contracts), whose epoch seed
// differs from the one the stored placement records were made under: it
// runs on the epoch and seed network.json kept, from configuration.
func (d *Devnet) startEpoch(ctx context.Context, s *chain.Sender, c chain.Backend, r *chain.Reader) error {
	if d.reloaded {
		d.cfgBase.Network.EpochFromChain = false
		d.progress("restarted on the same data: the nodes run epoch %d with the seed network.json kept, not the new chain's (a node added to this devnet needs network.epoch_seed %s)",
			d.cfgBase.Network.Epoch, d.cfgBase.Network.EpochSeed)
		return nil
	}
	var mine func()
	if d.chain != nil {
		mine = func() { d.chain.Mine(1) }
	}
	v, err := chain.StartEpoch(ctx, s, c, r, mine)
	if err != nil {
		return fmt.Errorf("starting the epoch: %w", err)
	}
	// Nodes read the epoch devnetConfirmations blocks deep.
	started, err := c.HeaderByNumber(ctx, nil)
	if err != nil {
		return err
	}
	if err := chain.WaitBlock(ctx, c, started.Number.Uint64()+devnetConfirmations, mine); err != nil {
		return fmt.Errorf("the epoch's start %d blocks deep: %w", devnetConfirmations, err)
	}
	nf := netFile{EpochSeed: v.Seed.Hex(), Epoch: v.Epoch}
	b, _ := json.MarshalIndent(nf, "", "  ")
	if err := os.WriteFile(filepath.Join(d.dir, "network.json"), b, 0o644); err != nil {
		return err
	}
	d.cfgBase.Network.EpochFromChain = true
	d.cfgBase.Network.Epoch, d.cfgBase.Network.EpochSeed = v.Epoch, nf.EpochSeed
	d.Info.EpochSeed = nf.EpochSeed
	return nil
}

// mintTickets has the airline issue every ticket as an ERC-721 token of
// FlightTickets to its passenger (token ID = the ticket's UID): anchors
// relay the mints, and each instance's owner is then its token's holder.
func (d *Devnet) mintTickets(ctx context.Context, tickets []Ticket) error {
	st := d.chainState
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	b := &batch{ctx: ctx, c: st.c}
	for i, t := range tickets {
		uid, err := attest.ParseUID(t.Instance)
		if err != nil {
			return err
		}
		holder := common.HexToAddress(t.Holder)
		b.send(st.airline, func(o *bind.TransactOpts) (*types.Transaction, error) { return st.tickets.Issue(o, holder, uid) })
		if (i+1)%64 == 0 || i+1 == len(tickets) {
			if err := b.wait(); err != nil {
				return fmt.Errorf("mint tickets: %w", err)
			}
		}
	}
	// Each passenger gets ether for gas, to move their ticket on chain.
	treasury, err := chain.NewSender(ctx, st.c, st.parties[0].key.ECDSA, st.id)
	if err != nil {
		return err
	}
	var paid []*types.Transaction
	for _, t := range tickets {
		tx, err := treasury.Pay(ctx, st.c, common.HexToAddress(t.Holder), chain.Units(1))
		if err != nil {
			return fmt.Errorf("gas for passenger %s: %w", t.Holder, err)
		}
		paid = append(paid, tx)
	}
	if err := chain.Wait(ctx, st.c, paid...); err != nil {
		return fmt.Errorf("gas for the passengers: %w", err)
	}
	d.progress("the airline minted %d tickets as ERC-721 tokens of FlightTickets %s to their passengers, who have ether for gas", len(tickets), st.cs.FlightTickets)
	return nil
}

// finishChain, once the nodes run, records every node's HTTP URL in the
// registry.
func (d *Devnet) finishChain(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	st := d.chainState
	c, id := st.c, st.id
	b := &batch{ctx: ctx, c: c}
	urls := map[string]string{}
	for i, ep := range d.Info.Anchors {
		urls[fmt.Sprintf("anchor-%d", i)] = ep.HTTP
	}
	for i, ep := range d.Info.Services {
		urls[fmt.Sprintf("service-%d", i)] = ep.HTTP
	}
	var retry []chainParty
	for _, pt := range st.parties[2:] {
		if pt.regAs == 0 {
			continue
		}
		s, err := chain.NewSender(ctx, c, pt.key.ECDSA, id)
		if err != nil {
			return err
		}
		u := urls[pt.role]
		before := len(b.errs)
		b.send(s, func(o *bind.TransactOpts) (*types.Transaction, error) {
			return st.r.Registry.SetEndpoint(o, pt.key.Address(), u)
		})
		if len(b.errs) > before && nonceTaken(b.errs[len(b.errs)-1]) {
			// The node, running already, sent a transaction of its own
			// from its key with the nonce this one counted on: again, one
			// at a time, with the nonce after it.
			b.errs = b.errs[:before]
			retry = append(retry, pt)
		}
	}
	if err := b.wait(); err != nil {
		return fmt.Errorf("endpoints: %w", err)
	}
	for _, pt := range retry {
		u := urls[pt.role]
		var err error
		for try := 0; try < 5; try++ {
			var s *chain.Sender
			if s, err = chain.NewSender(ctx, c, pt.key.ECDSA, id); err != nil {
				break
			}
			if err = s.Send(ctx, c, func(o *bind.TransactOpts) (*types.Transaction, error) {
				return st.r.Registry.SetEndpoint(o, pt.key.Address(), u)
			}); err == nil || !nonceTaken(err) {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(try+1) * 200 * time.Millisecond):
			}
		}
		if err != nil {
			return fmt.Errorf("endpoint of %s: %w", pt.role, err)
		}
	}
	return nil
}

// nonceTaken reports whether a transaction was refused because another
// one from its key took its nonce first.
func nonceTaken(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "replacement transaction underpriced") || strings.Contains(m, "nonce too low") || strings.Contains(m, "already known")
}

// batch sends transactions, each estimated on the state the previous
// rounds left, and waits for a round.
type batch struct {
	ctx  context.Context
	c    chain.Backend
	txs  []*types.Transaction
	errs []error
}

func (b *batch) send(s *chain.Sender, f func(*bind.TransactOpts) (*types.Transaction, error)) {
	o, err := s.Opts(b.ctx, 0)
	if err == nil {
		var tx *types.Transaction
		if tx, err = s.Sent(f(o)); err == nil {
			b.txs = append(b.txs, tx)
			return
		}
	}
	b.errs = append(b.errs, chain.Explain(err))
}

func (b *batch) wait() error {
	txs, errs := b.txs, b.errs
	b.txs, b.errs = nil, nil
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return chain.Wait(b.ctx, b.c, txs...)
}

func keyHex(k *ecdsa.PrivateKey) string { return hexutil.Encode(crypto.FromECDSA(k)) }
