package channel

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestCredit: a credit's header reads back; its MAC is bound to the
// channel, nonce, price, instance and call, and only the payer and the
// anchor derive its key; an account takes calls on credit at a node that
// took a promise, up to CreditCalls of their price since, each nonce once;
// a promise sent with no call (Accept) covers them.
func TestCredit(t *testing.T) {
	payerKey, _ := crypto.GenerateKey()
	anchorKey, _ := crypto.GenerateKey()
	stranger, _ := crypto.GenerateKey()
	key, err := CreditKey(payerKey, &anchorKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if back, _ := CreditKey(anchorKey, &payerKey.PublicKey); back != key {
		t.Fatal("the two sides derive different keys")
	}
	if other, _ := CreditKey(stranger, &anchorKey.PublicKey); other == key {
		t.Fatal("a stranger derives the payer's key")
	}
	c := SignCredit(key, 7, 3, 2, "0x01", "query:status")
	back, err := ParseCredit(c.Header())
	if err != nil || back.Channel != 7 || back.Nonce != 3 || back.Price != 2 || !back.Valid(key, "0x01", "query:status") || !IsCredit(c.Header()) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	for _, bad := range []struct {
		price          uint64
		instance, call string
	}{{3, "0x01", "query:status"}, {2, "0x02", "query:status"}, {2, "0x01", "query:other"}, {2, "0x0", "1query:status"}} {
		if o := (Credit{Channel: 7, Nonce: 3, Price: bad.price, MAC: c.MAC}); o.Valid(key, bad.instance, bad.call) {
			t.Fatalf("a credit valid for %+v", bad)
		}
	}
	mac := "0x" + strings.Repeat("00", 32)
	for _, h := range []string{"c;0;1;1;" + mac, "c;1;x;1;" + mac, "c;1;1;0;" + mac, "1;1;1;" + mac, "c;1;1;1;" + mac[2:],
		"c;1;1;1;0x00", "c;1;1;1;0x" + strings.Repeat("zz", 32), "c;" + strings.Repeat("1", MaxHeader+1)} {
		if _, err := ParseCredit(h); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%q parsed: %v", h, err)
		}
	}

	payer := crypto.PubkeyToAddress(payerKey.PublicKey)
	node := common.Address{1}
	a := Open(7, payer, big.NewInt(1000))
	p, _ := Sign(payerKey, testDomain, 7, big.NewInt(10), 1)
	if err := a.Pay(p, payer, 10, node); err != nil {
		t.Fatal(err)
	}
	nonce := uint64(1)
	for range CreditCalls {
		nonce++
		if err := a.PayCredit(Credit{Channel: 7, Nonce: nonce, Price: 2}, node); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.PayCredit(Credit{Channel: 7, Nonce: nonce + 1, Price: 2}, node); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("past CreditCalls: %v", err)
	}
	if err := a.PayCredit(Credit{Channel: 7, Nonce: nonce, Price: 1}, node); !errors.Is(err, ErrReplayed) {
		t.Fatalf("a nonce twice: %v", err)
	}
	if err := a.PayCredit(Credit{Channel: 8, Nonce: nonce + 1, Price: 1}, node); !errors.Is(err, ErrOtherChannel) {
		t.Fatalf("another channel: %v", err)
	}
	cover, _ := Sign(payerKey, testDomain, 7, a.Charged(), nonce+1)
	forged, _ := Sign(stranger, testDomain, 7, big.NewInt(999), nonce+2)
	if err := a.Accept(forged, crypto.PubkeyToAddress(stranger.PublicKey)); !errors.Is(err, ErrNotPayer) {
		t.Fatalf("a stranger's cover: %v", err)
	}
	if err := a.Accept(cover, payer); err != nil || a.Best.Cumulative.Cmp(a.Charged()) != 0 || a.LastSpent() != nonce+1 {
		t.Fatalf("cover: %v, best %s, charged %s", err, a.Best.Cumulative, a.Charged())
	}
	if err := a.Accept(cover, payer); !errors.Is(err, ErrReplayed) {
		t.Fatalf("a cover twice: %v", err)
	}
	// The cover is not a promise the node took: its credit stays used up
	// until it takes one (it decides alone, and the anchor as it did).
	if err := a.PayCredit(Credit{Channel: 7, Nonce: nonce + 2, Price: 2}, node); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("credit after the cover: %v", err)
	}
	again, _ := Sign(payerKey, testDomain, 7, new(big.Int).Add(a.Charged(), big.NewInt(2)), nonce+2)
	if err := a.Pay(again, payer, 2, node); err != nil {
		t.Fatal(err)
	}
	if err := a.PayCredit(Credit{Channel: 7, Nonce: nonce + 3, Price: 2}, node); err != nil {
		t.Fatalf("credit after a promise: %v", err)
	}
	if err := a.PayCredit(Credit{Channel: 7, Nonce: nonce + 4, Price: 2}, common.Address{2}); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("credit at a node that took no promise: %v", err)
	}
	huge := Credit{Channel: 7, Nonce: nonce + 5, Price: ^uint64(0)}
	if err := a.PayCredit(huge, node); !errors.Is(err, ErrOverdrawn) {
		t.Fatalf("a price past the deposit: %v", err)
	}

	// Calls on credit sent after a promise can reach a node before it:
	// node A takes P1, the credits n2..n6, then n8..n12 (sent after P7),
	// then P7, which resets its count though n8..n12 are not covered; a
	// promise node B took, signed as early as P7, is still taken: a payer
	// using credit may be up to CreditCalls calls of its price behind.
	b := Open(9, payer, big.NewInt(1000))
	nodeA, nodeB := common.Address{0xa}, common.Address{0xb}
	sign := func(cum int64, n uint64) Promise { p, _ := Sign(payerKey, testDomain, 9, big.NewInt(cum), n); return p }
	if err := b.Pay(sign(2, 1), payer, 2, nodeA); err != nil {
		t.Fatal(err)
	}
	for _, n := range []uint64{2, 3, 4, 5, 6, 8, 9, 10, 11, 12} {
		if err := b.PayCredit(Credit{Channel: 9, Nonce: n, Price: 2}, nodeA); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Pay(sign(14, 7), payer, 2, nodeA); err != nil {
		t.Fatalf("P7 after credits sent later: %v", err)
	}
	if err := b.Pay(sign(16, 13), payer, 2, nodeB); err != nil {
		t.Fatalf("a promise signed early, taken late: %v", err)
	}
	// Without calls on credit the promises must cover every call.
	strict := Open(10, payer, big.NewInt(1000))
	s1, _ := Sign(payerKey, testDomain, 10, big.NewInt(2), 1)
	s2, _ := Sign(payerKey, testDomain, 10, big.NewInt(2), 2)
	if err := strict.Pay(s1, payer, 2, nodeA); err != nil {
		t.Fatal(err)
	}
	if err := strict.Pay(s2, payer, 2, nodeA); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("a promise that does not raise the amount, no credit used: %v", err)
	}
}

// TestCreditPropertyHonestPayerAlwaysCounted: a payer that follows the
// client's rule (a promise to a node every 32 calls to it once it answered
// the last, covering every call sent so far; queries on credit between),
// over random calls to three nodes at prices 1 and 20, with calls reaching
// their node up to 8 calls after they were made (concurrent requests), and each
// node's stream reaching the anchor interleaved at random with the
// others': every node takes every call, the anchor counts every one, and a
// last promise covering them all leaves the best promise at their exact
// sum. Many seeds.
func TestCreditPropertyHonestPayerAlwaysCounted(t *testing.T) {
	payerKey, _ := crypto.GenerateKey()
	payer := crypto.PubkeyToAddress(payerKey.PublicKey)
	nodes := []common.Address{{1}, {2}, {3}}
	type call struct {
		node    int
		price   uint64
		promise *Promise
		credit  *Credit
	}
	for seed := uint64(0); seed < 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		type arrival struct {
			at int
			c  call
		}
		var pending []arrival
		var total int64
		var nonce uint64
		streams := make([][]call, len(nodes))
		gates := make([]Account, len(nodes))
		for i := range gates {
			gates[i] = Open(1, payer, big.NewInt(1_000_000))
		}
		take := func(a *Account, c call, node common.Address) error {
			if c.promise != nil {
				return a.Pay(*c.promise, payer, c.price, node)
			}
			return a.PayCredit(*c.credit, node)
		}
		since := map[int]int{} // the client's count of calls on credit since the node took its last promise
		deliver := func(upTo int) {
			slices.SortStableFunc(pending, func(x, y arrival) int { return x.at - y.at })
			for len(pending) > 0 && pending[0].at <= upTo {
				c := pending[0].c
				pending = pending[1:]
				if err := take(&gates[c.node], c, nodes[c.node]); err != nil {
					t.Fatalf("seed %d: node %d refused an honest call: %v", seed, c.node, err)
				}
				streams[c.node] = append(streams[c.node], c)
				if c.promise != nil {
					since[c.node] = 0 // the answer says it took it
				}
			}
		}
		for j := range 400 {
			deliver(j)
			at := rng.IntN(len(nodes))
			price := uint64(1)
			if rng.IntN(10) == 0 {
				price = 20
			}
			total += int64(price)
			nonce++
			c := call{node: at, price: price}
			if n, ok := since[at]; ok && n < DefaultEveryForTest-1 && price == 1 {
				since[at] = n + 1
				c.credit = &Credit{Channel: 1, Nonce: nonce, Price: price}
			} else {
				p, _ := Sign(payerKey, testDomain, 1, big.NewInt(total), nonce)
				c.promise = &p
			}
			// Concurrent requests: a call reaches its node up to 8 steps
			// after it was made.
			pending = append(pending, arrival{j + rng.IntN(9), c})
		}
		deliver(1 << 30)
		anchor := Open(1, payer, big.NewInt(1_000_000))
		for {
			var left []int
			for i, s := range streams {
				if len(s) > 0 {
					left = append(left, i)
				}
			}
			if len(left) == 0 {
				break
			}
			i := left[rng.IntN(len(left))]
			k := min(len(streams[i]), 1+rng.IntN(40)) // a batch
			for _, c := range streams[i][:k] {
				if err := take(&anchor, c, nodes[i]); err != nil {
					t.Fatalf("seed %d: the anchor refused an honest call from node %d: %v", seed, i, err)
				}
			}
			streams[i] = streams[i][k:]
		}
		if anchor.Charged().Int64() != total {
			t.Fatalf("seed %d: the anchor charged %s, the calls cost %d", seed, anchor.Charged(), total)
		}
		cover, _ := Sign(payerKey, testDomain, 1, big.NewInt(total), nonce+1)
		if err := anchor.Accept(cover, payer); err != nil || anchor.Best.Cumulative.Int64() != total {
			t.Fatalf("seed %d: cover %v, best %s, want %d", seed, err, anchor.Best.Cumulative, total)
		}
	}
}

// DefaultEveryForTest is the Go client's DefaultEvery (client.Payer): a
// promise to a node every 32 calls to it.
const DefaultEveryForTest = 32
