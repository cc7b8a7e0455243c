// Package chain is the network's side of its contracts (package contracts)
// on an EVM chain: Deploy puts them on a chain, Reader reads the registry,
// the epochs and the token types, Watcher keeps an anchor's confirmed view
// of the admitted service nodes and the anchor set, Rent a service node's
// view of its token types, and SlashBook collects anchors' signatures to
// slash a node (package devchain runs a local chain).
//
// Reader.Epoch reads an epoch the registry started (its seed, anchor set
// and stakes), which nodes run on.
package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	neturl "net/url"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/smartlayer/smartlayer/contracts"
)

// Roles in the registry (Registry.Role).
const (
	RoleAnchor  uint8 = 1
	RoleService uint8 = 2
)

// Contracts are the addresses of a network's contracts.
type Contracts struct {
	StakeToken   common.Address `json:"stakeToken"`
	ServiceToken common.Address `json:"serviceToken"`
	Epochs       common.Address `json:"epochs"`
	Registry     common.Address `json:"registry"`
	TokenTypes   common.Address `json:"tokenTypes"`
	// FlightTickets is the example flight ticket's ERC-721 twin, which
	// the devnet's airline deploys and owns (not a network contract).
	FlightTickets common.Address `json:"flightTickets,omitempty"`
	// Channels holds the payment channels integrations pay for calls
	// through (zero: calls are not paid for).
	Channels common.Address `json:"channels,omitempty"`
	// Commitments holds the anchors' periodic commitments of key token
	// operations.
	Commitments common.Address `json:"commitments,omitempty"`
}

// Params are the contracts' deployment parameters.
type Params struct {
	Supply          *big.Int // of each token, to the deployer
	MinAnchorStake  *big.Int
	MinServiceStake *big.Int
	MaxAnchors      int64
	Unbonding       time.Duration
	EpochBlocks     uint64
	RentPerEpoch    *big.Int
	// BurnShare is the part of every channel payout burnt, in basis
	// points; ChallengeWindow how long an anchor has to answer a payer's
	// unilateral close with a higher promise.
	BurnShare       uint16
	ChallengeWindow time.Duration
	// CommitPeriod is how long a commitment period lasts; CommitGrace how
	// long each anchor of the rotation waits after the one before.
	CommitPeriod time.Duration
	CommitGrace  time.Duration
}

// DefaultParams are a local network's: token amounts in whole units (the
// tokens have 18 decimals), epochs of 240 blocks.
func DefaultParams() Params {
	return Params{
		Supply:          Units(1_000_000_000),
		MinAnchorStake:  Units(10_000),
		MinServiceStake: Units(1_000),
		MaxAnchors:      16,
		Unbonding:       7 * 24 * time.Hour,
		EpochBlocks:     240,
		RentPerEpoch:    Units(10),
		BurnShare:       2000,
		ChallengeWindow: time.Hour,
		CommitPeriod:    time.Hour,
		CommitGrace:     10 * time.Minute,
	}
}

// Units is n whole tokens (18 decimals).
func Units(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

// Backend is what deploying and transacting need of a chain.
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
}

// Wait waits until every transaction is mined, polling, and fails if one
// reverted, saying how much gas it used of its limit and, when the chain
// tells, why. It waits as long as ctx lets it: give it a deadline.
func Wait(ctx context.Context, b Backend, txs ...*types.Transaction) error {
	for _, tx := range txs {
		if _, err := WaitReceipt(ctx, b, tx); err != nil {
			return err
		}
	}
	return nil
}

// WaitReceipt waits for tx to be mined and returns its receipt; a
// transaction that reverted is an error that says why.
func WaitReceipt(ctx context.Context, b Backend, tx *types.Transaction) (*types.Receipt, error) {
	for {
		r, err := b.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			if r.Status != types.ReceiptStatusSuccessful {
				return nil, fmt.Errorf("transaction %s (to %v) reverted after %d of %d gas: %v", tx.Hash(), tx.To(), r.GasUsed, tx.Gas(), why(ctx, b, tx, r))
			}
			return r, nil
		}
		// Not found, "indexing in progress" and a failing endpoint all
		// look alike here: keep asking until the deadline, then say
		// what the last answer was.
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("transaction %s not mined: %w (last answer: %v)", tx.Hash(), ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Sender sends transactions from one key with nonces it counts itself, so
// many can go out before a block is made.
type Sender struct {
	key     *ecdsa.PrivateKey
	chainID *big.Int
	nonce   uint64
}

// NewSender starts counting at the account's pending nonce.
func NewSender(ctx context.Context, b Backend, key *ecdsa.PrivateKey, chainID *big.Int) (*Sender, error) {
	n, err := b.PendingNonceAt(ctx, crypto.PubkeyToAddress(key.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return &Sender{key: key, chainID: chainID, nonce: n}, nil
}

// Address is the sender's.
func (s *Sender) Address() common.Address { return crypto.PubkeyToAddress(s.key.PublicKey) }

// Opts are the options of the next transaction. GasLimit, when not zero,
// skips estimation (estimates taken at the latest block can fall short of
// what a transaction costs in the next: the caller's margin).
func (s *Sender) Opts(ctx context.Context, gasLimit uint64) (*bind.TransactOpts, error) {
	o, err := bind.NewKeyedTransactorWithChainID(s.key, s.chainID)
	if err != nil {
		return nil, err
	}
	o.Context, o.GasLimit = ctx, gasLimit
	o.Nonce = new(big.Int).SetUint64(s.nonce)
	return o, nil
}

// Sent counts a transaction that went out (its nonce is taken).
func (s *Sender) Sent(tx *types.Transaction, err error) (*types.Transaction, error) {
	if err == nil {
		s.nonce++
	}
	return tx, err
}

// Pay sends amount of ether to an account (gas money for a test account)
// and returns the transaction without waiting for it.
func (s *Sender) Pay(ctx context.Context, b Backend, to common.Address, amount *big.Int) (*types.Transaction, error) {
	tip, err := b.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, err
	}
	head, err := b.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, err
	}
	feeCap := new(big.Int).Set(tip)
	if head.BaseFee != nil {
		feeCap.Add(feeCap, new(big.Int).Mul(head.BaseFee, big.NewInt(2)))
	}
	tx, err := types.SignTx(types.NewTx(&types.DynamicFeeTx{ChainID: s.chainID, Nonce: s.nonce, GasTipCap: tip, GasFeeCap: feeCap,
		Gas: 21_000, To: &to, Value: amount}), types.LatestSignerForChainID(s.chainID), s.key)
	if err != nil {
		return nil, err
	}
	if err := b.SendTransaction(ctx, tx); err != nil {
		return nil, Explain(err)
	}
	s.nonce++
	return tx, nil
}

// why re-runs a reverted transaction on the state before its block to read
// the revert's reason.
func why(ctx context.Context, b Backend, tx *types.Transaction, r *types.Receipt) error {
	from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
	if err != nil {
		return err
	}
	msg := ethereum.CallMsg{From: from, To: tx.To(), Gas: tx.Gas(), Value: tx.Value(), Data: tx.Data()}
	_, err = b.CallContract(ctx, msg, new(big.Int).Sub(r.BlockNumber, big.NewInt(1)))
	if err == nil {
		return errors.New("the call succeeds on the state before its block (out of gas, or an earlier transaction of the block changed the state)")
	}
	return err
}

// deployGas bounds a contract's deployment (the largest, the stake token,
// needs about 2.5 M).
const deployGas = 6_000_000

// Deploy deploys the contracts from key and waits until they are mined.
func Deploy(ctx context.Context, b Backend, key *ecdsa.PrivateKey, chainID *big.Int, p Params) (*Contracts, error) {
	s, err := NewSender(ctx, b, key, chainID)
	if err != nil {
		return nil, err
	}
	var c Contracts
	var txs []*types.Transaction
	step := func(name string, deploy func(*bind.TransactOpts) (common.Address, *types.Transaction, error)) error {
		o, err := s.Opts(ctx, deployGas)
		if err != nil {
			return err
		}
		addr, tx, err := deploy(o)
		if _, err = s.Sent(tx, err); err != nil {
			return fmt.Errorf("deploy %s: %w", name, err)
		}
		txs = append(txs, tx)
		switch name {
		case "StakeToken":
			c.StakeToken = addr
		case "ServiceToken":
			c.ServiceToken = addr
		case "Epochs":
			c.Epochs = addr
		case "Registry":
			c.Registry = addr
		case "TokenTypes":
			c.TokenTypes = addr
		case "Channels":
			c.Channels = addr
		case "Commitments":
			c.Commitments = addr
		}
		return nil
	}
	owner := s.Address()
	steps := []struct {
		name string
		f    func(*bind.TransactOpts) (common.Address, *types.Transaction, error)
	}{
		{"StakeToken", func(o *bind.TransactOpts) (common.Address, *types.Transaction, error) {
			a, tx, _, err := contracts.DeployStakeToken(o, b, owner, p.Supply)
			return a, tx, err
		}},
		{"ServiceToken", func(o *bind.TransactOpts) (common.Address, *types.Transaction, error) {
			a, tx, _, err := contracts.DeployServiceToken(o, b, owner, p.Supply)
			return a, tx, err
		}},
		{"Epochs", func(o *bind.TransactOpts) (common.Address, *types.Transaction, error) {
			// Only the registry, deployed next, may advance epochs: it
			// takes each epoch's anchor set with its seed.
			registry := crypto.CreateAddress(owner, o.Nonce.Uint64()+1)
			a, tx, _, err := contracts.DeployEpochs(o, b, p.EpochBlocks, registry)
			return a, tx, err
		}},
		{"Registry", func(o *bind.TransactOpts) (common.Address, *types.Transaction, error) {
			a, tx, _, err := contracts.DeployRegistry(o, b, c.StakeToken, p.MinAnchorStake, p.MinServiceStake, big.NewInt(p.MaxAnchors), uint64(p.Unbonding/time.Second), c.Epochs)
			return a, tx, err
		}},
		{"TokenTypes", func(o *bind.TransactOpts) (common.Address, *types.Transaction, error) {
			a, tx, _, err := contracts.DeployTokenTypes(o, b, c.ServiceToken, c.Epochs, p.RentPerEpoch)
			return a, tx, err
		}},
		{"Channels", func(o *bind.TransactOpts) (common.Address, *types.Transaction, error) {
			a, tx, _, err := contracts.DeployChannels(o, b, c.ServiceToken, c.Registry, p.BurnShare, uint64(p.ChallengeWindow/time.Second))
			return a, tx, err
		}},
		{"Commitments", func(o *bind.TransactOpts) (common.Address, *types.Transaction, error) {
			a, tx, _, err := contracts.DeployCommitments(o, b, c.Registry, uint64(p.CommitPeriod/time.Second), uint64(p.CommitGrace/time.Second))
			return a, tx, err
		}},
	}
	for _, st := range steps {
		if err := step(st.name, st.f); err != nil {
			return nil, err
		}
	}
	if err := Wait(ctx, b, txs...); err != nil {
		return nil, err
	}
	return &c, nil
}

// RegisterSignature is a node key's signature letting operator register it
// (Registry.registerDigest, signed without a prefix, V as 27 or 28).
func RegisterSignature(ctx context.Context, reg *contracts.Registry, node *ecdsa.PrivateKey, operator common.Address, role uint8, peerID string) ([]byte, error) {
	d, err := reg.RegisterDigest(&bind.CallOpts{Context: ctx}, crypto.PubkeyToAddress(node.PublicKey), operator, role, peerID)
	if err != nil {
		return nil, err
	}
	return SignDigest(node, d)
}

// maxRPCResponse bounds one JSON-RPC answer read from an endpoint.
const maxRPCResponse = 32 << 20

// Dial connects to a JSON-RPC endpoint whose every HTTP exchange is bounded
// in time (30 s) and its answers in size (32 MiB), so a slow or hostile
// endpoint cannot hang or flood the caller.
func Dial(ctx context.Context, url string) (*ethclient.Client, error) {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: limitedTransport{http.DefaultTransport}}
	c, err := rpc.DialOptions(ctx, url, rpc.WithHTTPClient(hc), rpc.WithWebsocketMessageSizeLimit(maxRPCResponse))
	if err != nil {
		return nil, err
	}
	return ethclient.NewClient(c), nil
}

type limitedTransport struct{ http.RoundTripper }

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.RoundTripper.RoundTrip(r)
	if err == nil {
		resp.Body = limitedBody{io.LimitReader(resp.Body, maxRPCResponse), resp.Body}
	}
	return resp, err
}

type limitedBody struct {
	io.Reader
	io.Closer
}

// Redact is a JSON-RPC URL without its path, query and credentials, for
// logs and errors (providers put API keys there).
func Redact(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil || u.Host == "" {
		return "(the configured endpoint)"
	}
	return u.Scheme + "://" + u.Host
}

// ErrNoContract is returned for an address with no code.
var ErrNoContract = errors.New("no contract at this address")

// Explain names the contracts' custom error a refused call or transaction
// carries (as in "StillUnbonding(1796040351)"), or returns err as it is.
func Explain(err error) error {
	var de interface{ ErrorData() interface{} }
	if err == nil || !errors.As(err, &de) {
		return err
	}
	s, _ := de.ErrorData().(string)
	data := common.FromHex(s)
	if len(data) < 4 {
		return err
	}
	for _, md := range []*bind.MetaData{contracts.RegistryMetaData, contracts.TokenTypesMetaData, contracts.EpochsMetaData, contracts.StakeTokenMetaData, contracts.FlightTicketsMetaData, contracts.ChannelsMetaData, contracts.CommitmentsMetaData} {
		a, aerr := md.GetAbi()
		if aerr != nil {
			continue
		}
		for name, e := range a.Errors {
			if string(e.ID[:4]) != string(data[:4]) {
				continue
			}
			args, uerr := e.Inputs.Unpack(data[4:])
			if uerr != nil {
				return fmt.Errorf("refused by the contract: %s", name)
			}
			parts := make([]string, len(args))
			for i, v := range args {
				parts[i] = fmt.Sprint(v)
			}
			return fmt.Errorf("refused by the contract: %s(%s)", name, strings.Join(parts, ", "))
		}
	}
	return err
}

// Open dials url, checks that it is chain wantID (0: any) and binds the
// contracts at c. Its errors name the endpoint without path or
// credentials (Redact); the caller closes the client.
func Open(ctx context.Context, url string, wantID int64, c Contracts) (*ethclient.Client, *big.Int, *Reader, error) {
	where := Redact(url)
	cl, err := Dial(ctx, url)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	id, err := cl.ChainID(ctx)
	if err != nil {
		cl.Close()
		return nil, nil, nil, fmt.Errorf("%s does not answer: %w", where, err)
	}
	if wantID != 0 && id.Int64() != wantID {
		cl.Close()
		return nil, nil, nil, fmt.Errorf("%s is chain %v, not chain %d", where, id, wantID)
	}
	r, err := NewReader(ctx, cl, c)
	if err != nil {
		cl.Close()
		return nil, nil, nil, fmt.Errorf("chain %v: %w", id, err)
	}
	return cl, id, r, nil
}

// Send sends one transaction made by f from the sender, waits until it is
// mined, and names the contract's refusal if there is one. Its gas limit
// is the estimate with half again as margin: the state the estimate ran on
// (a vote checkpoint, a sort's order) can cost more in the next block.
func (s *Sender) Send(ctx context.Context, b Backend, f func(*bind.TransactOpts) (*types.Transaction, error)) error {
	return s.SendGas(ctx, b, 0, f)
}

// SendGas is Send with a fixed gas limit (0: the estimate and half again),
// for a call whose cost the latest block does not tell (Registry.advance:
// AdvanceGas).
func (s *Sender) SendGas(ctx context.Context, b Backend, gasLimit uint64, f func(*bind.TransactOpts) (*types.Transaction, error)) error {
	_, err := s.SendReceipt(ctx, b, gasLimit, f)
	return err
}

// SendReceipt is SendGas that returns the mined transaction's receipt (its
// logs say what the call did).
func (s *Sender) SendReceipt(ctx context.Context, b Backend, gasLimit uint64, f func(*bind.TransactOpts) (*types.Transaction, error)) (*types.Receipt, error) {
	if gasLimit == 0 {
		o, err := s.Opts(ctx, 0)
		if err != nil {
			return nil, err
		}
		o.NoSend = true
		est, err := f(o)
		if err != nil {
			return nil, Explain(err)
		}
		gasLimit = est.Gas() + est.Gas()/2
	}
	o, err := s.Opts(ctx, gasLimit)
	if err != nil {
		return nil, err
	}
	tx, err := s.Sent(f(o))
	if err != nil {
		return nil, Explain(err)
	}
	return WaitReceipt(ctx, b, tx)
}

// PollEvery runs poll every interval until ctx ends: each run within the
// interval (at least 5 s, at most 30 s), and after a failed one the next
// within a second. A failure is logged with what.
func PollEvery(ctx context.Context, interval time.Duration, log *slog.Logger, what string, poll func(context.Context) error) {
	limit := min(max(interval, 5*time.Second), 30*time.Second)
	wait := interval
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		pctx, cancel := context.WithTimeout(ctx, limit)
		err := poll(pctx)
		cancel()
		wait = interval
		if err != nil && ctx.Err() == nil {
			log.Warn(what+" failed; it stays as last read", "err", err)
			wait = min(interval, time.Second)
		}
	}
}
