package channel

import (
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
	price := big.NewInt(10)
	if err := a.Pay(sign(10, 1), payer, price, nodeA); err != nil {
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
		"over the deposit":     {sign(110, 2), payer, ErrOverdrawn},
		"another signer":       {sign(20, 2), nodeA, ErrNotPayer},
		"another channel":      {other, payer, ErrOtherChannel},
	} {
		before := a.Charged.Int64()
		if err := a.Pay(c.p, c.signer, price, nodeA); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
		if a.Charged.Int64() != before || len(a.Seen) != 1 || a.Served[nodeA] != 1 {
			t.Errorf("%s: a refused promise changed the account: %+v", name, a)
		}
	}
	// Late and early promises both pay while the highest covers them all.
	if err := a.Pay(sign(40, 4), payer, price, nodeB); err != nil {
		t.Fatal(err)
	}
	if err := a.Pay(sign(30, 3), payer, price, nodeA); err != nil {
		t.Fatalf("a late promise covered by a higher one: %v", err)
	}
	if err := a.Pay(sign(35, 2), payer, price, nodeA); err != nil {
		t.Fatalf("a fourth call, within the promise of 40: %v", err)
	}
	if err := a.Pay(sign(40, 5), payer, price, nodeA); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("a fifth call, within the promise of 40: %v", err)
	}
	a.Observe(Chain{Deposit: big.NewInt(100), Closed: true})
	if err := a.Pay(sign(50, 6), payer, price, nodeA); !errors.Is(err, ErrClosed) {
		t.Fatalf("closing channel: %v", err)
	}
	if d, ok := a.Distribution(big.NewInt(40)); !ok || len(d.Nodes) != 2 || d.Nodes[0] != nodeA || d.Counts[0] != 3 || d.Counts[1] != 1 {
		t.Fatalf("distribution %+v", d)
	}
}

// TestSeenIsBounded: past MaxSeen nonces the oldest half is forgotten and
// refused as replayed.
func TestSeenIsBounded(t *testing.T) {
	a, _, payer := account(t)
	a.Deposit = big.NewInt(1 << 40)
	zero := new(big.Int)
	for n := uint64(1); n <= MaxSeen+1; n++ {
		// Signatures are the caller's: the account takes the signer as given.
		if err := a.Pay(Promise{Channel: 1, Cumulative: big.NewInt(int64(n)), Nonce: n}, payer, zero, nodeA); err != nil {
			t.Fatal(err)
		}
	}
	if len(a.Seen) > MaxSeen || a.Floor == 0 || !a.Spent(1) || !a.Spent(a.Floor) || a.Spent(MaxSeen+2) {
		t.Fatalf("floor %d, %d seen", a.Floor, len(a.Seen))
	}
}

// TestMergeStopsReplayAcrossNodes: a promise spent at one node is refused
// at another once it merged the anchor's view, and the charge carries over.
func TestMergeStopsReplayAcrossNodes(t *testing.T) {
	anchor, sign, payer := account(t)
	nodeView, _, _ := account(t)
	nodeView.Payer = payer
	price := big.NewInt(10)
	p := sign(10, 1)
	if err := anchor.Pay(p, payer, price, nodeA); err != nil {
		t.Fatal(err)
	}
	nodeView.Merge(&anchor)
	if err := nodeView.Pay(p, payer, price, nodeB); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replayed at another node after merging: %v", err)
	}
	if err := nodeView.Pay(sign(15, 2), payer, price, nodeB); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("a promise that covers only its own call after merging: %v", err)
	}
	if err := nodeView.Pay(sign(20, 2), payer, price, nodeB); err != nil || nodeView.Served[nodeA] != 0 {
		t.Fatalf("%v, served %v", err, nodeView.Served)
	}
	// Another payer's view is not merged.
	stranger, _, _ := account(t)
	stranger.Charged = big.NewInt(99)
	nodeView.Merge(&stranger)
	if nodeView.Charged.Int64() != 20 {
		t.Fatalf("merged another payer's account: charged %s", nodeView.Charged)
	}
}
