package channel

import (
	"errors"
	"math/big"
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
