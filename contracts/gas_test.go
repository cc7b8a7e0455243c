package contracts

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/commitment"
)

// TestSettlementAndCommitmentGas reports (go test -v -run Gas
// ./contracts/) the gas of a settlement and of a commitment as the calls,
// payees, operations and changed instances of a period grow, and holds the
// issue's bound: neither grows with the number of calls (or operations).
// A settlement is one cash of the highest promise and one distribution by
// the calls each payee served; a commitment is a period's root, count and
// 256-byte bitmap. docs/benchmarks.md has the table.
func TestSettlementAndCommitmentGas(t *testing.T) {
	cs := newChannels(t)
	cs.ok(cs.service.Transfer(cs.auth(0), cs.chain.addr(4), big.NewInt(200_000))) // the test supply is 1,000,000
	var table strings.Builder
	fmt.Fprintf(&table, "\n| calls | payees | cash gas | distribute gas |\n| --- | --- | --- | --- |\n")
	settle := func(calls int64, payees int) (cash, dist uint64) {
		id := cs.open(4, calls)
		cash = cs.ok(cs.cash(cs.promise(4, id, calls, 1))).GasUsed
		accounts := make([]int, payees)
		counts := make([]uint64, payees)
		for i := range accounts {
			accounts[i] = 1 + i%3 // the anchor and the two service nodes, again and again
			counts[i] = uint64(calls) / uint64(payees)
		}
		counts[0] += uint64(calls) % uint64(payees)
		dist = cs.ok(cs.distribute(1, id, calls, accounts, counts)).GasUsed
		fmt.Fprintf(&table, "| %d | %d | %d | %d |\n", calls, payees, cash, dist)
		return cash, dist
	}
	c0, d0 := settle(100, 6) // (with fewer calls than payees some are paid nothing: no transfer)
	for _, calls := range []int64{1_000, 100_000} {
		c, d := settle(calls, 6)
		if c > c0+c0/50 || d > d0+d0/50 {
			t.Errorf("a settlement of %d calls costs %d + %d gas, of 100 calls %d + %d: it grows with the calls", calls, c, d, c0, d0)
		}
	}
	for _, payees := range []int{1, 16, 64} {
		settle(1_000, payees)
	}

	// Commitments: one period each, written by its anchor on duty.
	const periodSec, graceSec = 100, 30
	ch := cs.chain
	ch.register(5, roleAnchor, 200)
	ch.startEpoch(0)
	_, tx, c, err := DeployCommitments(ch.auth(0), ch.c, ch.regAddr, periodSec, graceSec)
	ch.must(err)
	ch.include(tx)
	idx := map[common.Address]int{ch.addr(1): 1, ch.addr(5): 5}
	fmt.Fprintf(&table, "\n| operations | instances changed | commit gas |\n| --- | --- | --- |\n")
	var p uint64
	commit := func(ops uint32, changed int) uint64 {
		ch.adjustTime(periodSec * time.Second)
		ch.b.Commit()
		rot, err := c.Rotation(nil, p)
		ch.must(err)
		var ids []common.Hash
		for i := 0; i < changed; i++ {
			ids = append(ids, crypto.Keccak256Hash([]byte(fmt.Sprint("instance ", i))))
		}
		root := crypto.Keccak256Hash([]byte(fmt.Sprint("root ", p)))
		gas := ch.ok(c.Commit(ch.auth(idx[rot.Order[0]]), p, root, ops, commitment.Bitmap(ids))).GasUsed
		fmt.Fprintf(&table, "| %d | %d | %d |\n", ops, changed, gas)
		p++
		return gas
	}
	g0 := commit(10, 10)
	for _, ops := range []uint32{1_000, 100_000, 10_000_000} {
		if g := commit(ops, 10); g > g0+g0/50 {
			t.Errorf("a commitment of %d operations costs %d gas, of 10 %d: it grows with the operations", ops, g, g0)
		}
	}
	for _, changed := range []int{0, 100, 1_000, 100_000} {
		commit(1_000, changed)
	}
	t.Log(table.String())
}
