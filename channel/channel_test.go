package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

var testDomain = Domain(1337, common.HexToAddress("0x00000000000000000000000000000000000000c4"))

func TestHeaderRoundTrip(t *testing.T) {
	key, _ := crypto.GenerateKey()
	p, err := Sign(key, testDomain, 3, big.NewInt(1500), 9)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseHeader(p.Header())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := Signer(back.Digest(testDomain), back.Sig)
	if err != nil || signer != crypto.PubkeyToAddress(key.PublicKey) || back.Nonce != 9 || back.Cumulative.Int64() != 1500 {
		t.Fatalf("read back %+v, signer %s (%v)", back, signer, err)
	}
	sig := p.Header()[strings.LastIndex(p.Header(), ";")+1:]
	for _, bad := range []string{
		"", "1;2;3", "0;1;1;" + sig, "x;1;1;" + sig, "1;-1;1;" + sig, "1;1e3;1;" + sig,
		"1;" + strings.Repeat("9", 78) + ";1;" + sig, // more than a uint256
		"1;1;18446744073709551616;" + sig, "1;1;1;" + sig[2:], "1;1;1;0x00", "1;1;1;0x" + strings.Repeat("zz", 65),
		strings.Repeat("1", MaxHeader+1),
	} {
		if _, err := ParseHeader(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseHeader(%.40q) = %v, want ErrMalformed", bad, err)
		}
	}
	// A signature with v as 0 or 1, or cut short, does not recover (the
	// contract refuses both).
	dg := p.Digest(testDomain)
	raw, _ := crypto.Sign(dg[:], key)
	if _, err := Signer(p.Digest(testDomain), raw); !errors.Is(err, ErrBadSignature) {
		t.Errorf("v in {0,1}: %v", err)
	}
	if _, err := Signer(p.Digest(testDomain), p.Sig[:64]); !errors.Is(err, ErrBadSignature) {
		t.Errorf("64 bytes: %v", err)
	}
}

// account is a channel of payer with a deposit of 100, and promises signed
// by the payer.
func account(t *testing.T) (Account, func(cum int64, nonce uint64) Promise, common.Address) {
	t.Helper()
	key, _ := crypto.GenerateKey()
	payer := crypto.PubkeyToAddress(key.PublicKey)
	sign := func(cum int64, nonce uint64) Promise {
		p, err := Sign(key, testDomain, 1, big.NewInt(cum), nonce)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	return Open(1, payer, big.NewInt(100)), sign, payer
}

var nodeA, nodeB = common.HexToAddress("0xa"), common.HexToAddress("0xb")

func TestPayRefusals(t *testing.T) {
	a, sign, payer := account(t)
	if err := a.Pay(sign(10, 1), payer, 10, nodeA); err != nil {
		t.Fatal(err)
	}
	other := sign(20, 2)
	other.Channel = 2
	for name, c := range map[string]struct {
		p      Promise
		signer common.Address
		want   error
	}{
		"replayed":             {sign(10, 1), payer, ErrReplayed},
		"not raised":           {sign(10, 2), payer, ErrInsufficient},
		"raised by too little": {sign(19, 2), payer, ErrInsufficient},
		"another signer":       {sign(20, 2), nodeA, ErrNotPayer},
		"another channel":      {other, payer, ErrOtherChannel},
		"no amount":            {Promise{Channel: 1, Nonce: 2}, payer, ErrMalformed},
	} {
		before, _ := json.Marshal(a)
		if err := a.Pay(c.p, c.signer, 10, nodeA); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
		if after, _ := json.Marshal(a); string(after) != string(before) {
			t.Errorf("%s: a refused promise changed the account:\n%s\n%s", name, before, after)
		}
	}
	// Late and early promises both pay while the highest covers them all.
	if err := a.Pay(sign(40, 4), payer, 10, nodeB); err != nil {
		t.Fatal(err)
	}
	if err := a.Pay(sign(30, 3), payer, 10, nodeA); err != nil {
		t.Fatalf("a late promise covered by a higher one: %v", err)
	}
	if err := a.Pay(sign(35, 2), payer, 10, nodeA); err != nil {
		t.Fatalf("a fourth call, within the promise of 40: %v", err)
	}
	if err := a.Pay(sign(40, 5), payer, 10, nodeA); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("a fifth call, within the promise of 40: %v", err)
	}
	// A promise over the deposit pays only up to the deposit.
	if err := a.Pay(sign(500, 6), payer, 61, nodeA); !errors.Is(err, ErrOverdrawn) {
		t.Fatalf("calls over the deposit: %v", err)
	}
	if err := a.Pay(sign(500, 6), payer, 60, nodeA); err != nil || a.Cover().Int64() != 100 {
		t.Fatalf("up to the deposit: %v, cover %s", err, a.Cover())
	}
	if d, ok := a.Distribution(nil, big.NewInt(100), false); !ok || len(d.Nodes) != 2 || d.Nodes[0] != nodeA || d.Counts[0] != 4 || d.Counts[1] != 1 || d.UpTo.Int64() != 100 {
		t.Fatalf("distribution %+v", d)
	}
	a.Observe(Chain{Deposit: big.NewInt(100), Closed: true})
	if err := a.Pay(sign(600, 7), payer, 1, nodeA); !errors.Is(err, ErrClosed) {
		t.Fatalf("closing channel: %v", err)
	}
}

// TestDepositFalls: after the deposit on chain falls (a withdrawal
// announced), no call is taken until the charges fit in it again, and a
// promise held above it covers only the deposit.
func TestDepositFalls(t *testing.T) {
	a, sign, payer := account(t)
	if err := a.Pay(sign(100, 1), payer, 10, nodeA); err != nil {
		t.Fatal(err)
	}
	a.Observe(Chain{Deposit: big.NewInt(100), Withdrawing: big.NewInt(90)})
	for n := uint64(2); n <= 5; n++ {
		if err := a.Pay(sign(100, n), payer, 10, nodeA); !errors.Is(err, ErrOverdrawn) {
			t.Fatalf("call %d with 10 left: %v", n, err)
		}
	}
	if a.Charged().Int64() != 10 || a.Cover().Int64() != 10 {
		t.Fatalf("charged %s, cover %s", a.Charged(), a.Cover())
	}
}

// TestMergeCountsEveryNode: a payer who reuses amounts at two nodes (each
// sees enough for its own calls) owes for both once their views meet, and
// the copies taken do not follow the caller's values.
func TestMergeCountsEveryNode(t *testing.T) {
	nodeView, sign, payer := account(t)
	other := Open(1, payer, big.NewInt(100))
	for n := uint64(1); n <= 3; n++ {
		if err := nodeView.Pay(sign(int64(10*n), n), payer, 10, nodeA); err != nil {
			t.Fatal(err)
		}
		if err := other.Pay(sign(int64(10*n), 10+n), payer, 10, nodeB); err != nil {
			t.Fatal(err)
		}
	}
	nodeView.Merge(&other)
	if nodeView.Charged().Int64() != 60 {
		t.Fatalf("charged %s after the merge, want 60", nodeView.Charged())
	}
	if err := nodeView.Pay(sign(40, 20), payer, 10, nodeA); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("a 7th call at 40: %v", err)
	}
	p := sign(70, 21)
	if err := nodeView.Pay(p, payer, 10, nodeA); err != nil {
		t.Fatal(err)
	}
	p.Cumulative.SetInt64(1)
	p.Sig[0] ^= 1
	if nodeView.Best.Cumulative.Int64() != 70 || nodeView.Best.Sig[0] == p.Sig[0] {
		t.Fatal("the account holds the caller's promise, not a copy")
	}
	// A spent nonce of the other view is spent here too.
	if err := nodeView.Pay(sign(80, 11), payer, 10, nodeA); !errors.Is(err, ErrReplayed) {
		t.Fatalf("a nonce spent at the other node: %v", err)
	}
	// Another payer's view is not merged.
	stranger, _, _ := account(t)
	stranger.Charges = map[common.Address]*big.Int{nodeB: big.NewInt(99)}
	nodeView.Merge(&stranger)
	if nodeView.Charged().Int64() != 70 {
		t.Fatalf("merged another payer's account: charged %s", nodeView.Charged())
	}
}

// TestSeenIsBounded: past MaxSeen nonces the oldest half is forgotten and
// refused as replayed; the nonces not used above the floor stay free, and
// all of it survives a JSON round trip (a restart) and a merge past the
// bound.
func TestSeenIsBounded(t *testing.T) {
	a, _, payer := account(t)
	a.Deposit = big.NewInt(1 << 40)
	// Even nonces only: the odd ones between are never used.
	for n := uint64(2); n <= 2*(MaxSeen+1); n += 2 {
		// Signatures are the caller's: the account takes the signer as given.
		if err := a.Pay(Promise{Channel: 1, Cumulative: big.NewInt(int64(n)), Nonce: n}, payer, 0, nodeA); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal(a)
	var back Account
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*Account{&a, &back} {
		if len(x.Seen) > MaxSeen || x.Floor == 0 || x.Floor%2 != 0 {
			t.Fatalf("floor %d, %d seen", x.Floor, len(x.Seen))
		}
		for n := uint64(1); n <= 2*(MaxSeen+2); n++ {
			want := n <= x.Floor || n%2 == 0 && n <= 2*(MaxSeen+1)
			if x.Spent(n) != want {
				t.Fatalf("nonce %d spent %v, want %v (floor %d)", n, x.Spent(n), want, x.Floor)
			}
		}
	}
	// Merging two views whose spent nonces together pass the bound.
	c, _, _ := account(t)
	c.Payer = payer
	for n := uint64(1); n <= 2*MaxSeen; n += 2 {
		c.Seen = append(c.Seen, n)
	}
	c.Seen = c.Seen[len(c.Seen)-MaxSeen:]
	back.Merge(&c)
	if len(back.Seen) != MaxSeen || back.Floor <= a.Floor || !back.Spent(back.Floor) || !back.Spent(2*MaxSeen-1) {
		t.Fatalf("after the merge: floor %d, %d seen", back.Floor, len(back.Seen))
	}
}

// TestDistributionPaysManyNodesInParts: with more nodes than a
// distribution may name, the first part pays its nodes their share and the
// rest is left for the next.
func TestDistributionPaysManyNodesInParts(t *testing.T) {
	a, _, _ := account(t)
	a.Served = map[common.Address]uint64{}
	for i := 0; i < 2*MaxPayees; i++ {
		a.Served[common.BigToAddress(big.NewInt(int64(i+1)))] = 1
	}
	d, ok := a.Distribution(big.NewInt(100), big.NewInt(100+256), false)
	if !ok || len(d.Nodes) != MaxPayees-1 || d.UpTo.Int64() != 100+256*(MaxPayees-1)/(2*MaxPayees) {
		t.Fatalf("first part: %d nodes up to %s", len(d.Nodes), d.UpTo)
	}
	a.Distributed(d)
	d2, ok := a.Distribution(d.UpTo, big.NewInt(100+256), false)
	if !ok || len(d2.Nodes) != MaxPayees-1 || d2.From.Cmp(d.UpTo) != 0 {
		t.Fatalf("second part: %+v", d2)
	}
	a.Distributed(d2)
	d3, ok := a.Distribution(d2.UpTo, big.NewInt(100+256), false)
	if !ok || len(d3.Nodes) != 2 || d3.UpTo.Int64() != 356 {
		t.Fatalf("last part: %+v", d3)
	}
}

// TestDistributionPaysOnlyCalls: a distribution pays the calls the amount
// cashed covers, no more and no fewer. Calls served beyond it (promises not
// cashed yet) wait, each node paid the same share of its calls; an amount
// cashed beyond the calls (a promise ahead of its calls) waits for them,
// unless the channel is final. Before, every call counted went with
// whatever was cashed, and what was cashed after them had no call left to
// pay: it stayed in the contract.
func TestDistributionPaysOnlyCalls(t *testing.T) {
	a, _, _ := account(t)
	for i := 0; i < 24; i++ {
		node := nodeB
		if i < 2 {
			node = nodeA
		}
		a.charge(uint64(i+1), 1, node)
	}
	d, ok := a.Distribution(nil, big.NewInt(4), false) // 4 of the 24 calls cashed
	if !ok || d.UpTo.Int64() > 4 || len(d.Nodes) != 1 || d.Nodes[0] != nodeB || d.Counts[0] != 3 || d.Owed[0].Int64() != 3 || d.UpTo.Int64() != 3 {
		t.Fatalf("4 of 24 calls cashed: %+v", d)
	}
	a.Distributed(d)
	if a.Served[nodeA] != 2 || a.Served[nodeB] != 19 || a.Owed[nodeB].Int64() != 19 {
		t.Fatalf("left after the first part: %v %v", a.Served, a.Owed)
	}
	d, ok = a.Distribution(d.UpTo, big.NewInt(24), false) // the rest cashed
	if !ok || d.UpTo.Int64() != 24 || d.Counts[0] != 2 || d.Counts[1] != 19 {
		t.Fatalf("the rest cashed: %+v", d)
	}
	a.Distributed(d)
	if len(a.Served) != 0 || len(a.Owed) != 0 {
		t.Fatalf("left after all was paid: %v %v", a.Served, a.Owed)
	}

	// A promise ahead of its calls: 30 cashed, 6 calls counted.
	for i := 0; i < 6; i++ {
		a.charge(uint64(100+i), 1, nodeA)
	}
	d, ok = a.Distribution(big.NewInt(24), big.NewInt(30+24), false)
	if !ok || d.UpTo.Int64() != 30 || d.Counts[0] != 6 {
		t.Fatalf("a promise ahead of its calls: %+v", d)
	}
	a.Distributed(d)
	if _, ok := a.Distribution(d.UpTo, big.NewInt(54), false); ok {
		t.Fatal("a distribution with no call served")
	}
	a.charge(200, 1, nodeB)
	if d, ok = a.Distribution(big.NewInt(30), big.NewInt(54), true); !ok || d.UpTo.Int64() != 54 || d.Nodes[0] != nodeB {
		t.Fatalf("final: the rest goes with the last calls: %+v", d)
	}

	// An account kept before costs were: the whole amount, by counts.
	old := Account{Channel: 1, Served: map[common.Address]uint64{nodeA: 1, nodeB: 3}}
	if d, ok := old.Distribution(big.NewInt(0), big.NewInt(8), false); !ok || d.UpTo.Int64() != 8 || d.Counts[1] != 3 {
		t.Fatalf("an old account: %+v", d)
	}
	old.charge(300, 5, nodeA) // a node with calls kept without costs gets none
	if _, known := old.owed(); known {
		t.Fatal("an old account's costs known after one more call")
	}
}

// TestDistributionTakesTurns: with more nodes than one distribution names,
// the nodes take turns, so nodes past the first MaxPayees-1 addresses are
// paid even while the first ones keep serving (each part took the first
// addresses, and they waited as long as those served). The turn survives
// a restart (the account's JSON).
func TestDistributionTakesTurns(t *testing.T) {
	a, _, _ := account(t)
	node := func(i int) common.Address { return common.BigToAddress(big.NewInt(int64(i + 1))) }
	nonce := uint64(0)
	serve := func(from, to int) {
		for i := from; i < to; i++ {
			nonce++
			a.charge(nonce, 1, node(i))
		}
	}
	serve(0, 2*MaxPayees)
	cashed := int64(2 * MaxPayees)
	d, ok := a.Distribution(nil, big.NewInt(cashed), false)
	if !ok || len(d.Nodes) != MaxPayees-1 {
		t.Fatalf("first part: %+v", d)
	}
	a.Distributed(d)
	b, _ := json.Marshal(a)
	a = Account{}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	// The first nodes serve again.
	serve(0, MaxPayees-1)
	cashed += MaxPayees - 1
	d, ok = a.Distribution(d.UpTo, big.NewInt(cashed), false)
	if !ok {
		t.Fatal("no second part")
	}
	for _, n := range d.Nodes {
		if n.Big().Int64() <= MaxPayees-1 {
			t.Fatalf("node %s, paid in the first part, paid again before the others: %v", n, d.Nodes)
		}
	}
	if slices.IsSortedFunc(d.Nodes, func(x, y common.Address) int { return bytes.Compare(x[:], y[:]) }) == false {
		t.Fatalf("payees not sorted: %v", d.Nodes)
	}
}

// TestFinalDistributionPaysEverything: once the channel is closing, every
// amount cashed is paid out, in turns when there are many nodes, however
// small each node's share (a share that rounded to no call left it in the
// contract for good), and the anchor's share row takes no call of a node
// with its address.
func TestFinalDistributionPaysEverything(t *testing.T) {
	for _, c := range []struct {
		name          string
		nodes, calls  int
		price, cashed int64
	}{
		{"two calls, one paid", 2, 1, 1, 1},
		{"an action, one unit short", 1, 1, 20, 19},
		{"100 nodes, 3 calls each", 100, 3, 7, 1000},
		{"100 nodes, less cashed than nodes", 100, 1, 1, 30},
	} {
		a, _, _ := account(t)
		nonce := uint64(0)
		for i := 0; i < c.nodes; i++ {
			for k := 0; k < c.calls; k++ {
				nonce++
				a.charge(nonce, uint64(c.price), common.BigToAddress(big.NewInt(int64(i+1))))
			}
		}
		from := new(big.Int)
		for parts := 0; ; parts++ {
			d, ok := a.Distribution(from, big.NewInt(c.cashed), true)
			if !ok {
				break
			}
			if parts > c.nodes || d.UpTo.Cmp(from) <= 0 || d.UpTo.Int64() > c.cashed || len(d.Nodes) > MaxPayees-1 {
				t.Fatalf("%s: part %d: %+v", c.name, parts, d)
			}
			a.Distributed(d)
			from = d.UpTo
		}
		if from.Int64() != c.cashed {
			t.Errorf("%s: paid out %s of %d cashed", c.name, from, c.cashed)
		}
	}

	// Amounts past int64 (tokens of 18 decimals): 70 nodes owed a token
	// each, 100 tokens cashed; the first 63 take 63/70 of it.
	one := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	big70 := Open(1, common.HexToAddress("0xaa"), new(big.Int).Lsh(big.NewInt(1), 100))
	big70.Served, big70.Owed = map[common.Address]uint64{}, map[common.Address]*big.Int{}
	for i := 1; i <= 70; i++ {
		n := common.BigToAddress(big.NewInt(int64(i)))
		big70.Served[n], big70.Owed[n] = 1, new(big.Int).Set(one)
	}
	cashed := new(big.Int).Mul(big.NewInt(100), one)
	d, ok := big70.Distribution(new(big.Int), cashed, true)
	want := new(big.Int).Mul(cashed, big.NewInt(63))
	if want.Quo(want, big.NewInt(70)); !ok || d.UpTo.Cmp(want) != 0 {
		t.Fatalf("70 nodes, 100 tokens: the first part pays %v, want %s", d.UpTo, want)
	}
	big70.Distributed(d)
	if d, ok = big70.Distribution(want, cashed, true); !ok || d.UpTo.Cmp(cashed) != 0 || len(d.Nodes) != 7 {
		t.Fatalf("70 nodes, 100 tokens: the second part: %+v", d)
	}

	// A share row (no cost) leaves the calls of its address alone.
	a, _, _ := account(t)
	a.charge(1, 10, nodeA)
	a.charge(2, 10, nodeB)
	a.Distributed(Distribution{Nodes: []common.Address{nodeA, nodeB}, Counts: []uint64{1, 5}, Owed: []*big.Int{big.NewInt(10), new(big.Int)}})
	if a.Served[nodeA] != 0 || a.Served[nodeB] != 1 || a.Owed[nodeB].Int64() != 10 {
		t.Fatalf("after a distribution with a share row: %v %v", a.Served, a.Owed)
	}
}
