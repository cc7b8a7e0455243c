package channel

import (
	"encoding/json"
	"errors"
	"math/big"
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
	if d, ok := a.Distribution(nil, big.NewInt(40)); !ok || len(d.Nodes) != 2 || d.Nodes[0] != nodeA || d.Counts[0] != 4 || d.Counts[1] != 1 {
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
	d, ok := a.Distribution(big.NewInt(100), big.NewInt(100+256))
	if !ok || len(d.Nodes) != MaxPayees-1 || d.UpTo.Int64() != 100+256*(MaxPayees-1)/(2*MaxPayees) {
		t.Fatalf("first part: %d nodes up to %s", len(d.Nodes), d.UpTo)
	}
	a.Distributed(d)
	d2, ok := a.Distribution(d.UpTo, big.NewInt(100+256))
	if !ok || len(d2.Nodes) != MaxPayees-1 || d2.From.Cmp(d.UpTo) != 0 {
		t.Fatalf("second part: %+v", d2)
	}
	a.Distributed(d2)
	d3, ok := a.Distribution(d2.UpTo, big.NewInt(100+256))
	if !ok || len(d3.Nodes) != 2 || d3.UpTo.Int64() != 356 {
		t.Fatalf("last part: %+v", d3)
	}
}
