package contracts

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
)

// The parameters the tests deploy with.
const (
	minAnchor    = 100
	minService   = 10
	maxAnchors   = 3
	unbondingSec = 3600
	epochBlocks  = 10
	rentPerEpoch = 5
)

// chain is a simulated chain with the contracts deployed by key 0.
type chain struct {
	t        *testing.T
	b        *simulated.Backend
	c        simulated.Client
	keys     []*ecdsa.PrivateKey
	stake    *StakeToken
	service  *ServiceToken
	epochs   *Epochs
	registry *Registry
	types    *TokenTypes
	regAddr  common.Address
	typeAddr common.Address
	epoAddr  common.Address
	svcAddr  common.Address
}

func newChain(t *testing.T, accounts int) *chain {
	t.Helper()
	return newChainMax(t, accounts, maxAnchors)
}

// newChainMax is newChain with an anchor set of at most maxSet.
func newChainMax(t *testing.T, accounts int, maxSet int64) *chain {
	t.Helper()
	ch := &chain{t: t}
	alloc := types.GenesisAlloc{}
	for i := 0; i < accounts; i++ {
		k, _ := crypto.GenerateKey()
		ch.keys = append(ch.keys, k)
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))}
	}
	ch.b = simulated.NewBackend(alloc)
	t.Cleanup(func() { ch.b.Close() })
	ch.c = ch.b.Client()
	deployer := ch.auth(0)
	supply := big.NewInt(1_000_000)
	var err error
	var stakeAddr, serviceAddr, epochsAddr common.Address
	// Explicit nonces: the registry's address is predicted from its, since
	// only it may advance the epochs deployed before it.
	at := func(n int64) *bind.TransactOpts { deployer.Nonce = big.NewInt(n); return deployer }
	var tx1, tx2, tx3, tx4, tx5 *types.Transaction
	stakeAddr, tx1, ch.stake, err = DeployStakeToken(at(0), ch.c, ch.addr(0), supply)
	ch.must(err)
	serviceAddr, tx2, ch.service, err = DeployServiceToken(at(1), ch.c, ch.addr(0), supply)
	ch.must(err)
	epochsAddr, tx3, ch.epochs, err = DeployEpochs(at(2), ch.c, epochBlocks, crypto.CreateAddress(ch.addr(0), 3))
	ch.must(err)
	ch.include(tx1, tx2, tx3)
	ch.epoAddr = epochsAddr
	ch.svcAddr = serviceAddr
	ch.regAddr, tx4, ch.registry, err = DeployRegistry(at(3), ch.c, stakeAddr, big.NewInt(minAnchor), big.NewInt(minService), big.NewInt(maxSet), unbondingSec, epochsAddr)
	ch.must(err)
	ch.typeAddr, tx5, ch.types, err = DeployTokenTypes(at(4), ch.c, serviceAddr, epochsAddr, big.NewInt(rentPerEpoch))
	ch.must(err)
	ch.include(tx4, tx5)
	deployer.Nonce = nil
	// Every other account gets stake and service tokens, and approves the
	// registry and the token types to take them.
	for i := 1; i < accounts; i++ {
		ch.ok(ch.stake.Transfer(deployer, ch.addr(i), big.NewInt(10_000)))
		ch.ok(ch.service.Transfer(deployer, ch.addr(i), big.NewInt(10_000)))
	}
	for i := 0; i < accounts; i++ {
		ch.ok(ch.stake.Approve(ch.auth(i), ch.regAddr, big.NewInt(1<<62)))
		ch.ok(ch.service.Approve(ch.auth(i), ch.typeAddr, big.NewInt(1<<62)))
	}
	return ch
}

func (ch *chain) must(err error) {
	ch.t.Helper()
	if err != nil {
		ch.t.Fatal(err)
	}
}

func (ch *chain) addr(i int) common.Address { return crypto.PubkeyToAddress(ch.keys[i].PublicKey) }

func (ch *chain) auth(i int) *bind.TransactOpts {
	a, err := bind.NewKeyedTransactorWithChainID(ch.keys[i], big.NewInt(1337))
	ch.must(err)
	return a
}

// advancer is account i's options for Registry.advance, with a fixed gas
// limit: an estimate runs on the latest block, and the next may start an
// epoch (the dear path: the anchor set is written).
func (ch *chain) advancer(i int) *bind.TransactOpts {
	o := ch.auth(i)
	o.GasLimit = 3_000_000
	return o
}

// ok mines a transaction and requires it to succeed.
func (ch *chain) ok(tx *types.Transaction, err error) *types.Receipt {
	ch.t.Helper()
	ch.must(err)
	r := ch.include(tx)[0]
	if r.Status != types.ReceiptStatusSuccessful {
		ch.t.Fatalf("transaction %s failed", tx.Hash())
	}
	return r
}

// include makes blocks until every transaction is in one (the simulated
// chain's pool takes a sent transaction in the background: a block made at
// once may miss it) and returns their receipts.
func (ch *chain) include(txs ...*types.Transaction) []*types.Receipt {
	ch.t.Helper()
	out := make([]*types.Receipt, len(txs))
	deadline := time.Now().Add(30 * time.Second)
	for {
		ch.b.Commit()
		missing := 0
		for i, tx := range txs {
			if out[i] == nil {
				if r, err := ch.c.TransactionReceipt(context.Background(), tx.Hash()); err == nil {
					out[i] = r
				} else {
					missing++
				}
			}
		}
		if missing == 0 {
			return out
		}
		if time.Now().After(deadline) {
			ch.t.Fatalf("%d transactions not in a block after 30 s", missing)
		}
		time.Sleep(time.Millisecond) // the pool's goroutine: ask again for the evidence
	}
}

// adjustTime moves the next block's time on by d. The simulated chain
// refuses while its pool still holds a transaction, which it drops from
// the pool in the background once mined: wait for that.
func (ch *chain) adjustTime(d time.Duration) {
	ch.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ch.b.AdjustTime(d)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			ch.t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // the pool's goroutine: ask again
	}
}

// reverts requires a transaction to be refused with the named custom error
// of the contracts: ch.reverts(call(...))("Name").
func (ch *chain) reverts(_ *types.Transaction, err error) func(want string) {
	return func(want string) {
		ch.t.Helper()
		if got := revertName(err); got != want {
			ch.t.Fatalf("want revert %s, got %q (%v)", want, got, err)
		}
	}
}

// revertName is the custom error a revert carries, by the contracts' ABIs.
func revertName(err error) string {
	var de interface{ ErrorData() interface{} }
	if err == nil || !errors.As(err, &de) {
		return ""
	}
	s, _ := de.ErrorData().(string)
	data, derr := hexutil.Decode(s)
	if derr != nil || len(data) < 4 {
		return ""
	}
	for _, md := range []*bind.MetaData{RegistryMetaData, TokenTypesMetaData, EpochsMetaData, StakeTokenMetaData, FlightTicketsMetaData, ChannelsMetaData, CommitmentsMetaData} {
		a, _ := md.GetAbi()
		for name, e := range a.Errors {
			if string(e.ID[:4]) == string(data[:4]) {
				return name
			}
		}
	}
	return "unknown " + hexutil.Encode(data[:4])
}

func (ch *chain) mine(blocks int) {
	for i := 0; i < blocks; i++ {
		ch.b.Commit()
	}
}

// nodeSig is node key k's signature letting operator register it.
func (ch *chain) nodeSig(k *ecdsa.PrivateKey, operator common.Address, role uint8, peerID string) []byte {
	ch.t.Helper()
	d, err := ch.registry.RegisterDigest(nil, crypto.PubkeyToAddress(k.PublicKey), operator, role, peerID)
	ch.must(err)
	return ch.signWith(k, d)
}

// register registers account i's own node (its key is the node key), with
// peer ID "peer-i".
func (ch *chain) register(i int, role uint8, stake int64) {
	ch.t.Helper()
	peerID := fmt.Sprintf("peer-%d", i)
	ch.ok(ch.registry.Register(ch.auth(i), ch.addr(i), role, peerID, "http://node", big.NewInt(stake), ch.nodeSig(ch.keys[i], ch.addr(i), role, peerID)))
}

const (
	roleAnchor  = 1
	roleService = 2
)

func (ch *chain) anchorSet() ([]common.Address, []int64) {
	ch.t.Helper()
	set, err := ch.registry.AnchorSet(nil)
	ch.must(err)
	var stakes []int64
	for _, s := range set.Stakes {
		stakes = append(stakes, s.Int64())
	}
	return set.Set, stakes
}

// TestRegistryJoinAndAnchorSet: nodes join with at least the minimum
// stake; the anchor set is the top three anchors by stake and changes as
// stakes do; every refusal of register, addStake, setEndpoint and unstake.
func TestRegistryJoinAndAnchorSet(t *testing.T) {
	ch := newChain(t, 7)
	ch.register(1, roleAnchor, 300)
	ch.register(2, roleAnchor, 200)
	ch.register(3, roleAnchor, 150)
	ch.register(4, roleAnchor, 100)
	ch.register(5, roleService, 10)
	set, stakes := ch.anchorSet()
	if len(set) != 3 || set[0] != ch.addr(1) || set[1] != ch.addr(2) || set[2] != ch.addr(3) || stakes[0] != 300 {
		t.Fatalf("anchor set %v %v", set, stakes)
	}
	// The fourth stakes more and enters; the third leaves.
	ch.ok(ch.registry.AddStake(ch.auth(4), ch.addr(4), big.NewInt(250)))
	if set, _ = ch.anchorSet(); set[0] != ch.addr(4) || set[2] != ch.addr(2) {
		t.Fatalf("after the fourth staked more: %v", set)
	}
	// Unstaking below the minimum leaves the set and admission at once.
	ch.ok(ch.registry.Unstake(ch.auth(1), ch.addr(1), big.NewInt(250)))
	if set, _ = ch.anchorSet(); len(set) != 3 || set[0] != ch.addr(4) || set[1] != ch.addr(2) || set[2] != ch.addr(3) {
		t.Fatalf("after the first unstaked: %v", set)
	}
	if ok, _ := ch.registry.Admitted(nil, ch.addr(1), roleAnchor); ok {
		t.Fatal("an anchor below the minimum is admitted")
	}
	if ok, _ := ch.registry.Admitted(nil, ch.addr(5), roleService); !ok {
		t.Fatal("the service node is not admitted")
	}
	page, err := ch.registry.AdmittedServices(nil, big.NewInt(0), big.NewInt(10))
	ch.must(err)
	if len(page.Nodes) != 1 || page.Nodes[0] != ch.addr(5) || page.Stakes[0].Int64() != 10 || page.Total.Int64() != 1 {
		t.Fatalf("admitted services: %+v", page)
	}
	if page, _ = ch.registry.AdmittedServices(nil, big.NewInt(1), big.NewInt(10)); len(page.Nodes) != 0 || page.Total.Int64() != 1 {
		t.Fatalf("a page past the end: %+v", page)
	}
	if ok, _ := ch.registry.Admitted(nil, ch.addr(5), roleAnchor); ok {
		t.Fatal("a service node is admitted as an anchor")
	}

	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), 0, "p", "u", big.NewInt(100), ch.nodeSig(ch.keys[6], ch.addr(6), 0, "p")))("BadRole")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(1), roleAnchor, "p", "u", big.NewInt(100), ch.nodeSig(ch.keys[1], ch.addr(6), roleAnchor, "p")))("AlreadyRegistered")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleAnchor, "p", "u", big.NewInt(99), ch.nodeSig(ch.keys[6], ch.addr(6), roleAnchor, "p")))("BelowMinimum")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleService, "p", "u", big.NewInt(9), ch.nodeSig(ch.keys[6], ch.addr(6), roleService, "p")))("BelowMinimum")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleService, strings.Repeat("p", 129), "u", big.NewInt(10), ch.nodeSig(ch.keys[6], ch.addr(6), roleService, strings.Repeat("p", 129))))("FieldTooLong")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleService, "p", strings.Repeat("u", 257), big.NewInt(10), ch.nodeSig(ch.keys[6], ch.addr(6), roleService, "p")))("FieldTooLong")
	ch.reverts(ch.registry.AddStake(ch.auth(6), ch.addr(6), big.NewInt(1)))("NotRegistered")
	ch.reverts(ch.registry.AddStake(ch.auth(6), ch.addr(1), big.NewInt(1)))("NotOperator")
	ch.reverts(ch.registry.AddStake(ch.auth(1), ch.addr(1), big.NewInt(0)))("ZeroAmount")
	ch.reverts(ch.registry.SetEndpoint(ch.auth(6), ch.addr(1), "http://evil"))("NotOperator")
	ch.reverts(ch.registry.SetEndpoint(ch.auth(1), ch.addr(1), strings.Repeat("u", 257)))("FieldTooLong")
	ch.reverts(ch.registry.Unstake(ch.auth(1), ch.addr(1), big.NewInt(0)))("ZeroAmount")
	ch.reverts(ch.registry.Unstake(ch.auth(1), ch.addr(1), big.NewInt(51)))("ExceedsStake")
	// The node key must sign, for this operator, role and peer ID; a peer
	// ID is one node's.
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleService, "p6", "u", big.NewInt(10), ch.nodeSig(ch.keys[5], ch.addr(6), roleService, "p6")))("BadNodeSignature")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleService, "p6", "u", big.NewInt(10), ch.nodeSig(ch.keys[6], ch.addr(5), roleService, "p6")))("BadNodeSignature")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleService, "p6", "u", big.NewInt(10), ch.nodeSig(ch.keys[6], ch.addr(6), roleAnchor, "p6")))("BadNodeSignature")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleService, "p6", "u", big.NewInt(10), []byte{1, 2}))("BadNodeSignature")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleService, "peer-1", "u", big.NewInt(10), ch.nodeSig(ch.keys[6], ch.addr(6), roleService, "peer-1")))("PeerIdTaken")
	ch.reverts(ch.registry.Register(ch.auth(6), ch.addr(6), roleService, "", "u", big.NewInt(10), ch.nodeSig(ch.keys[6], ch.addr(6), roleService, "")))("FieldTooLong")
	ch.ok(ch.registry.SetEndpoint(ch.auth(1), ch.addr(1), "http://new"))
	if n, _ := ch.registry.NodeOf(nil, ch.addr(1)); n.HttpUrl != "http://new" || n.PeerId != "peer-1" || n.Operator != ch.addr(1) || n.Since == 0 {
		t.Fatalf("node after setEndpoint: %+v", n)
	}
}

// TestAnchorCandidatesBounded: the 65th admitted anchor is refused (the
// set is computed on read over at most 64); an anchor that unstakes below
// the minimum frees its place.
func TestAnchorCandidatesBounded(t *testing.T) {
	ch := newChain(t, 2)
	var nodes []*ecdsa.PrivateKey
	// Many transactions go out before a block is made: their nonces are
	// counted here, not read from a pool that may not have taken the last.
	nonce, err := ch.c.PendingNonceAt(context.Background(), ch.addr(1))
	ch.must(err)
	reg := func(k *ecdsa.PrivateKey, i int) (*types.Transaction, error) {
		peerID := fmt.Sprintf("anchor-%d", i)
		auth := ch.auth(1)
		auth.Nonce = new(big.Int).SetUint64(nonce)
		tx, err := ch.registry.Register(auth, crypto.PubkeyToAddress(k.PublicKey), roleAnchor, peerID, "u", big.NewInt(minAnchor), ch.nodeSig(k, ch.addr(1), roleAnchor, peerID))
		if err == nil {
			nonce++
		}
		return tx, err
	}
	for i := 0; i < 65; i++ {
		k, _ := crypto.GenerateKey()
		nodes = append(nodes, k)
		if i < 64 {
			if _, err := reg(k, i); err != nil {
				t.Fatalf("registering anchor %d: %v (%s)", i, err, revertName(err))
			}
			if i%16 == 15 {
				ch.b.Commit()
			}
		}
	}
	ch.b.Commit()
	ch.reverts(reg(nodes[64], 64))("TooManyAnchorCandidates")
	if set, _ := ch.anchorSet(); len(set) != maxAnchors {
		t.Fatalf("anchor set of %d", len(set))
	}
	nonce++ // the unstake below
	ch.ok(ch.registry.Unstake(ch.auth(1), crypto.PubkeyToAddress(nodes[0].PublicKey), big.NewInt(1)))
	ch.ok(reg(nodes[64], 64))
	// The one below the minimum cannot come back while the list is full.
	ch.reverts(ch.registry.AddStake(ch.auth(1), crypto.PubkeyToAddress(nodes[0].PublicKey), big.NewInt(1)))("TooManyAnchorCandidates")
}

// TestUnbonding: unstaked stake is withdrawn only after the unbonding
// period, once, to the operator.
func TestUnbonding(t *testing.T) {
	ch := newChain(t, 3)
	ch.register(1, roleService, 50)
	ch.ok(ch.registry.Unstake(ch.auth(1), ch.addr(1), big.NewInt(30)))
	ch.reverts(ch.registry.Withdraw(ch.auth(1), ch.addr(1)))("StillUnbonding")
	ch.reverts(ch.registry.Withdraw(ch.auth(2), ch.addr(1)))("NotOperator")
	before, _ := ch.stake.BalanceOf(nil, ch.addr(1))
	ch.adjustTime(unbondingSec * time.Second)
	ch.b.Commit()
	ch.ok(ch.registry.Withdraw(ch.auth(1), ch.addr(1)))
	after, _ := ch.stake.BalanceOf(nil, ch.addr(1))
	if new(big.Int).Sub(after, before).Int64() != 30 {
		t.Fatalf("withdrew %v", new(big.Int).Sub(after, before))
	}
	ch.reverts(ch.registry.Withdraw(ch.auth(1), ch.addr(1)))("NothingToWithdraw")
	if n, _ := ch.registry.NodeOf(nil, ch.addr(1)); n.Stake.Int64() != 20 || n.Unbonding.Sign() != 0 {
		t.Fatalf("node after withdrawing: %+v", n)
	}
	// Withdrawing everything removes the node: its address and peer ID
	// may register again.
	ch.ok(ch.registry.Unstake(ch.auth(1), ch.addr(1), big.NewInt(20)))
	ch.adjustTime(unbondingSec * time.Second)
	ch.b.Commit()
	ch.ok(ch.registry.Withdraw(ch.auth(1), ch.addr(1)))
	if n, _ := ch.registry.NodeOf(nil, ch.addr(1)); n.Role != 0 {
		t.Fatalf("a node with nothing staked is still registered: %+v", n)
	}
	if svc, _ := ch.registry.Services(nil); len(svc) != 0 {
		t.Fatalf("services after the only one left: %v", svc)
	}
	ch.register(1, roleService, 10)
}

// sign makes anchor i's signature over a digest, as a node key signs
// (go-ethereum's V of 0 or 1 moved to 27 or 28 for ecrecover).
func (ch *chain) sign(i int, digest [32]byte) []byte { return ch.signWith(ch.keys[i], digest) }

func (ch *chain) signWith(k *ecdsa.PrivateKey, digest [32]byte) []byte {
	sig, err := crypto.Sign(digest[:], k)
	ch.must(err)
	sig[64] += 27
	return sig
}

// TestSlashing: evidence signed by anchors of the set with less than two
// thirds of its stake is refused, with exactly two thirds it slashes
// (stake, then unbonding stake, burnt), once per evidence; signers outside
// the set, or twice, are refused.
func TestSlashing(t *testing.T) {
	ch := newChain(t, 6)
	ch.register(1, roleAnchor, 300)
	ch.register(2, roleAnchor, 200)
	ch.register(3, roleAnchor, 100)
	ch.register(4, roleAnchor, 100) // fourth by address order or stake: outside the set of three
	ch.register(5, roleService, 40)
	set, stakes := ch.anchorSet()
	var total int64
	for _, s := range stakes {
		total += s
	}
	if total != 600 || len(set) != 3 {
		t.Fatalf("set %v %v", set, stakes)
	}
	outside := 4
	if set[2] == ch.addr(4) {
		outside = 3
	}
	inside := 7 - outside // the 100-stake anchor in the set
	// A burn writes the stake token's vote checkpoints, which cost more in
	// a new block than the estimate at the latest block says: successful
	// slashes carry a gas limit of their own (a chain client adds a margin).
	burner := ch.auth(0)
	burner.GasLimit = 1_000_000
	ch.ok(ch.registry.Unstake(ch.auth(5), ch.addr(5), big.NewInt(15)))
	evidence := crypto.Keccak256Hash([]byte("evidence-1"))
	amount := big.NewInt(30)
	digest, err := ch.registry.SlashDigest(nil, ch.addr(5), amount, evidence)
	ch.must(err)
	anyone := ch.auth(0)
	// 300 of 600: below two thirds.
	ch.reverts(ch.registry.Slash(anyone, ch.addr(5), amount, evidence, [][]byte{ch.sign(1, digest)}))("InsufficientSignedStake")
	// 300 + 100 (outside the set): the outsider is refused.
	ch.reverts(ch.registry.Slash(anyone, ch.addr(5), amount, evidence, [][]byte{ch.sign(1, digest), ch.sign(outside, digest)}))("SignerNotAnchor")
	ch.reverts(ch.registry.Slash(anyone, ch.addr(5), amount, evidence, [][]byte{ch.sign(1, digest), ch.sign(1, digest)}))("DuplicateSigner")
	// Signed over another amount: recovers to someone else.
	other, _ := ch.registry.SlashDigest(nil, ch.addr(5), big.NewInt(31), evidence)
	ch.reverts(ch.registry.Slash(anyone, ch.addr(5), amount, evidence, [][]byte{ch.sign(1, other), ch.sign(inside, digest)}))("SignerNotAnchor")
	ch.reverts(ch.registry.Slash(anyone, ch.addr(0), amount, evidence, nil))("NotRegistered")
	ch.reverts(ch.registry.Slash(anyone, ch.addr(5), big.NewInt(0), evidence, nil))("ZeroAmount")
	// 300 + 100 = 400 of 600: exactly two thirds. 25 from stake, 5 from
	// unbonding stake.
	supply, _ := ch.stake.TotalSupply(nil)
	ch.ok(ch.registry.Slash(burner, ch.addr(5), amount, evidence, [][]byte{ch.sign(1, digest), ch.sign(inside, digest)}))
	n, _ := ch.registry.NodeOf(nil, ch.addr(5))
	if n.Stake.Sign() != 0 || n.Unbonding.Int64() != 10 {
		t.Fatalf("slashed node: stake %v unbonding %v", n.Stake, n.Unbonding)
	}
	after, _ := ch.stake.TotalSupply(nil)
	if new(big.Int).Sub(supply, after).Int64() != 30 {
		t.Fatalf("burnt %v", new(big.Int).Sub(supply, after))
	}
	if ok, _ := ch.registry.Admitted(nil, ch.addr(5), roleService); ok {
		t.Fatal("a slashed node is still admitted")
	}
	ch.reverts(ch.registry.Slash(anyone, ch.addr(5), amount, evidence, [][]byte{ch.sign(1, digest), ch.sign(inside, digest)}))("EvidenceUsed")
	// Ten left in unbonding; then nothing to take.
	ev2 := crypto.Keccak256Hash([]byte("evidence-2"))
	d2, _ := ch.registry.SlashDigest(nil, ch.addr(5), big.NewInt(100), ev2)
	ch.ok(ch.registry.Slash(burner, ch.addr(5), big.NewInt(100), ev2, [][]byte{ch.sign(1, d2), ch.sign(inside, d2)}))
	ev3 := crypto.Keccak256Hash([]byte("evidence-3"))
	d3, _ := ch.registry.SlashDigest(nil, ch.addr(5), big.NewInt(1), ev3)
	ch.reverts(ch.registry.Slash(anyone, ch.addr(5), big.NewInt(1), ev3, [][]byte{ch.sign(1, d3), ch.sign(inside, d3)}))("NothingToSlash")

	// An accused anchor's stake leaves the set's total and its signature
	// does not count: the 300-stake anchor is slashed by the other two
	// (300 of 300), which alone hold less than two thirds of all 600.
	ev4 := crypto.Keccak256Hash([]byte("evidence-4"))
	d4, _ := ch.registry.SlashDigest(nil, ch.addr(1), big.NewInt(50), ev4)
	ch.ok(ch.registry.Slash(burner, ch.addr(1), big.NewInt(50), ev4, [][]byte{ch.sign(2, d4), ch.sign(inside, d4)}))
	ev5 := crypto.Keccak256Hash([]byte("evidence-5"))
	d5, _ := ch.registry.SlashDigest(nil, ch.addr(2), big.NewInt(50), ev5)
	ch.reverts(ch.registry.Slash(anyone, ch.addr(2), big.NewInt(50), ev5, [][]byte{ch.sign(2, d5)}))("InsufficientSignedStake")
}

// TestRent: a type is active for the epochs its rent pays, dormant after,
// and active again once rent is paid; a bundle belongs to one type; only
// its issuer moves it; every refusal.
func TestRent(t *testing.T) {
	ch := newChain(t, 3)
	bundle := crypto.Keccak256Hash([]byte("bundle-1"))
	id, err := ch.types.TypeId(nil, ch.addr(1), "flight-ticket")
	ch.must(err)
	ch.reverts(ch.types.Register(ch.auth(1), "flight-ticket", bundle, big.NewInt(rentPerEpoch-1)))("RentTooSmall")
	ch.reverts(ch.types.Register(ch.auth(1), "", bundle, big.NewInt(rentPerEpoch)))("NameInvalid")
	ch.reverts(ch.types.Register(ch.auth(1), strings.Repeat("n", 65), bundle, big.NewInt(rentPerEpoch)))("NameInvalid")
	ch.ok(ch.types.Register(ch.auth(1), "flight-ticket", bundle, big.NewInt(2*rentPerEpoch))) // two epochs
	ch.reverts(ch.types.Register(ch.auth(1), "flight-ticket", crypto.Keccak256Hash([]byte("b2")), big.NewInt(rentPerEpoch)))("TypeExists")
	ch.reverts(ch.types.Register(ch.auth(1), "copy", bundle, big.NewInt(rentPerEpoch)))("BundleTaken")
	// Another address registering the issuer's bundle hash takes nothing
	// from the issuer: bundles are looked up by issuer.
	ch.ok(ch.types.Register(ch.auth(2), "copy", bundle, big.NewInt(rentPerEpoch)))
	if got, _ := ch.types.TypeOfBundle(nil, ch.addr(1), bundle); got != id {
		t.Fatalf("type of the bundle %x, want %x", got, id)
	}
	active := func() bool {
		ok, err := ch.types.Active(nil, id)
		ch.must(err)
		return ok
	}
	if !active() {
		t.Fatal("a paid type is dormant")
	}
	ch.mine(2 * epochBlocks)
	if active() {
		t.Fatal("a type whose rent ran out is active")
	}
	ch.reverts(ch.types.PayRent(ch.auth(2), id, big.NewInt(1)))("RentTooSmall")
	ch.reverts(ch.types.PayRent(ch.auth(2), common.Hash{1}, big.NewInt(rentPerEpoch)))("UnknownType")
	// Anyone may pay; only whole epochs are charged.
	before, _ := ch.service.BalanceOf(nil, ch.addr(2))
	ch.ok(ch.types.PayRent(ch.auth(2), id, big.NewInt(rentPerEpoch+3)))
	after, _ := ch.service.BalanceOf(nil, ch.addr(2))
	if new(big.Int).Sub(before, after).Int64() != rentPerEpoch {
		t.Fatalf("charged %v for one epoch", new(big.Int).Sub(before, after))
	}
	if !active() {
		t.Fatal("a type paid again is dormant")
	}
	// The issuer moves the type to a new bundle; no one else can.
	b2 := crypto.Keccak256Hash([]byte("bundle-2"))
	ch.reverts(ch.types.UpdateBundle(ch.auth(2), id, b2))("NotIssuer")
	ch.reverts(ch.types.UpdateBundle(ch.auth(1), common.Hash{1}, b2))("UnknownType")
	ch.ok(ch.types.UpdateBundle(ch.auth(1), id, b2))
	ch.reverts(ch.types.UpdateBundle(ch.auth(1), id, b2))("BundleTaken")
	if got, _ := ch.types.TypeOfBundle(nil, ch.addr(1), bundle); got != (common.Hash{}) {
		t.Fatal("the old bundle still names the type")
	}
	if tt, _ := ch.types.TypeOf(nil, id); tt.Bundle != b2 || tt.Issuer != ch.addr(1) || tt.Name != "flight-ticket" {
		t.Fatalf("type after the update: %+v", tt)
	}
}

// startEpoch runs Registry.advance until the current epoch has started:
// the set is fixed, SEED_DELAY blocks pass, the seed is taken.
func (ch *chain) startEpoch(i int) uint64 {
	ch.t.Helper()
	ch.toEpochStart()
	ch.ok(ch.registry.Advance(ch.advancer(i)))
	ch.mine(2)
	ch.ok(ch.registry.Advance(ch.advancer(i)))
	e, _ := ch.epochs.Current(nil)
	if ok, err := ch.registry.EpochStarted(nil, e); err != nil || !ok {
		ch.t.Fatalf("epoch %d not started: %v", e, err)
	}
	return e
}

// toEpochStart mines until the next block is an epoch's first, so that a
// few steps fit in one epoch.
func (ch *chain) toEpochStart() {
	ch.t.Helper()
	g, err := ch.epochs.Genesis(nil)
	ch.must(err)
	for {
		n, err := ch.c.BlockNumber(context.Background())
		ch.must(err)
		if (n+1-g)%epochBlocks == 0 {
			return
		}
		ch.b.Commit()
	}
}

// TestEpochSeeds: an epoch has a seed only once the registry started it,
// from a block after its set was fixed (not before SEED_DELAY blocks), a
// different one each epoch, kept for good; no one but the registry may
// seed, and a registry must be the advancer of the epochs it is given.
func TestEpochSeeds(t *testing.T) {
	ch := newChain(t, 2)
	ch.reverts(func() (*types.Transaction, error) {
		_, tx, _, err := DeployEpochs(ch.auth(0), ch.c, 0, ch.addr(0))
		return tx, err
	}())("ZeroLength")
	ch.reverts(ch.epochs.Advance(ch.auth(1), [32]byte{1}))("NotAdvancer")
	ch.reverts(func() (*types.Transaction, error) {
		_, tx, _, err := DeployRegistry(ch.auth(0), ch.c, ch.addr(0), big.NewInt(1), big.NewInt(1), big.NewInt(3), 1, ch.epoAddr)
		return tx, err
	}())("WrongEpochs")
	ch.toEpochStart()
	ch.b.Commit()
	cur, _ := ch.epochs.Current(nil)
	if _, err := ch.epochs.SeedOf(nil, cur); revertName(err) != "NotSeeded" {
		t.Fatalf("seed of an epoch not started: %v", err)
	}
	fix := ch.ok(ch.registry.Advance(ch.advancer(1))) // fixes the set
	if ok, _ := ch.registry.EpochStarted(nil, cur); ok {
		t.Fatal("started in the block that fixed its set")
	}
	// The next call within SEED_DELAY blocks is refused: the seeding block
	// does not exist yet.
	ch.reverts(ch.registry.Advance(ch.auth(1)))("SeedNotReady")
	ch.mine(1)
	ch.reverts(ch.registry.Advance(ch.auth(1)))("SeedNotReady") // the block to come is the second after
	ch.mine(1)
	seedTx := ch.ok(ch.registry.Advance(ch.advancer(1)))
	sc, err := ch.epochs.SeedOf(nil, cur)
	ch.must(err)
	// The seed is the seeding block's beacon randomness, mixed; that block
	// came more than SEED_DELAY blocks after the set was fixed.
	h, err := ch.c.HeaderByNumber(context.Background(), seedTx.BlockNumber)
	ch.must(err)
	args := abi.Arguments{{Type: mustType("bytes32")}, {Type: mustType("uint64")}, {Type: mustType("address")}}
	enc, _ := args.Pack(h.MixDigest, cur, ch.epoAddr)
	if sc != crypto.Keccak256Hash(enc) || h.MixDigest == (common.Hash{}) || seedTx.BlockNumber.Uint64() <= fix.BlockNumber.Uint64()+2 {
		t.Fatalf("seed %x, want keccak(prevrandao of block %v, %d, epochs); set fixed in %v", sc, h.Number, cur, fix.BlockNumber)
	}
	next := ch.startEpoch(1) // the next epoch
	s1, err := ch.epochs.SeedOf(nil, next)
	ch.must(err)
	if next != cur+1 || s1 == sc {
		t.Fatalf("epoch %d seed %x, epoch %d %x", next, s1, cur, sc)
	}
	ch.ok(ch.registry.Advance(ch.advancer(1)))
	if again, _ := ch.epochs.SeedOf(nil, next); again != s1 {
		t.Fatal("an epoch's seed changed")
	}
}

func mustType(name string) abi.Type {
	t, err := abi.NewType(name, "", nil)
	if err != nil {
		panic(err)
	}
	return t
}

// TestEpochAnchors: an epoch's anchor set, with stakes and peer IDs, is the
// one when its set was fixed, for the whole epoch: stake moved later, even
// before the seed, and anchors leaving change the registry's set now but not
// the epoch's; a node's peer ID is bound to its address for good; an epoch
// not started has none.
func TestEpochAnchors(t *testing.T) {
	ch := newChain(t, 5)
	if _, err := ch.registry.EpochAnchors(nil, 0); revertName(err) != "EpochNotStarted" {
		t.Fatalf("anchors of an epoch not started: %v", err)
	}
	ch.register(1, roleAnchor, 300)
	ch.register(2, roleAnchor, 200)
	ch.toEpochStart()
	ch.ok(ch.registry.Advance(ch.advancer(4))) // fixes the set: 1 and 2
	ch.register(3, roleAnchor, 400)            // too late for this epoch
	ch.mine(2)
	ch.ok(ch.registry.Advance(ch.advancer(4)))
	e, _ := ch.registry.LastEpoch(nil)
	e0, err := ch.registry.EpochAnchors(nil, e)
	ch.must(err)
	seed, _ := ch.epochs.SeedOf(nil, e)
	if e0.Seed != seed || len(e0.Set) != 2 || e0.Set[0] != ch.addr(1) || e0.Stakes[0].Int64() != 300 || e0.PeerIds[1] != "peer-2" {
		t.Fatalf("epoch %d: %+v", e, e0)
	}
	// Anchor 2 leaves altogether: the epoch still names it, with its peer ID.
	ch.ok(ch.registry.Unstake(ch.auth(2), ch.addr(2), big.NewInt(200)))
	ch.adjustTime(unbondingSec * time.Second)
	ch.b.Commit()
	ch.ok(ch.registry.Withdraw(ch.auth(2), ch.addr(2)))
	if again, _ := ch.registry.EpochAnchors(nil, e); len(again.Set) != 2 || again.PeerIds[1] != "peer-2" || again.Stakes[1].Int64() != 200 {
		t.Fatalf("epoch %d after an anchor left: %+v", e, again)
	}
	// Its address stays bound to its peer ID: registering again under
	// another is refused.
	ch.reverts(ch.registry.Register(ch.auth(2), ch.addr(2), roleAnchor, "peer-other", "http://node", big.NewInt(200), ch.nodeSig(ch.keys[2], ch.addr(2), roleAnchor, "peer-other")))("PeerIdBound")
	e1 := ch.startEpoch(4) // the next epoch
	next, err := ch.registry.EpochAnchors(nil, e1)
	ch.must(err)
	if e1 <= e || len(next.Set) != 2 || next.Set[0] != ch.addr(3) || next.PeerIds[0] != "peer-3" || next.Seed == e0.Seed {
		t.Fatalf("epoch %d after %d: %+v", e1, e, next)
	}
}

// TestAdvanceGas: fixing a set with the most candidates, registered in the
// order the sort finds dearest, fits chain.AdvanceGas's limit for the
// largest set (the contracts' own copy of the formula: the chain package
// imports this one).
func TestAdvanceGas(t *testing.T) {
	const candidates = 64
	ch := newChainMax(t, candidates+1, candidates)
	for i := 1; i <= candidates; i++ {
		ch.register(i, roleAnchor, int64(100+i)) // ascending: every insertion walks the whole sorted prefix
	}
	o := ch.auth(0)
	o.GasLimit = 16_000_000
	r := ch.ok(ch.registry.Advance(o))
	if limit := uint64(5_000_000 + 150_000*candidates); r.GasUsed > limit*9/10 {
		t.Fatalf("fixing a set of %d candidates used %d gas; the limit sent is %d", candidates, r.GasUsed, limit)
	}
	t.Logf("fixing the set of %d candidates: %d gas", candidates, r.GasUsed)
}
