package payments

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/store"
)

// TestAccountingAcrossAnchorCrashes is the property test of the channel
// accounting with the anchor's real ledger on a store that crashes (what
// was not synced is lost, as in a power cut): over random sequences of an
// honest payer's calls at three nodes, promises forwarded in random order
// and batches, replayed promises, batches lost on their way (the node sends
// them again), and crashes of the anchor at random points, including after
// a batch was recorded and before the node heard so:
//   - the highest cumulative amount the anchor holds never decreases, not
//     even across a crash;
//   - a replayed promise pays nothing: shown again to the node that took
//     it, it is refused; forwarded again by another node, the anchor
//     charges and counts nothing more; the anchor charges the payer
//     exactly what its honest calls cost and counts each node's calls once;
//   - the contract pays out what the promises signed: cashed and
//     distributed equal the sum of the calls' prices, and the nodes'
//     payouts plus what the settlement burnt (the supply's fall) equal it.
func TestAccountingAcrossAnchorCrashes(t *testing.T) {
	seeds := 10
	if testing.Short() {
		seeds = 3
	}
	n := newNet(t, 1_000_000)
	ctx := context.Background()
	anchor := crypto.PubkeyToAddress(n.anchor.PublicKey)
	nodes := []common.Address{common.HexToAddress("0x5e01"), common.HexToAddress("0x5e02"), common.HexToAddress("0x5e03")}
	for seed := 0; seed < seeds; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			const deposit = 4_000
			id, err := n.channels.NextChannel(nil)
			must(t, err)
			n.payerSends(t, func(o *bind.TransactOpts) (*types.Transaction, error) {
				return n.channels.Open(o, anchor, big.NewInt(deposit))
			})
			rng := rand.New(rand.NewPCG(uint64(seed), 99))
			clk := &clock{t: time.Unix(1_800_000_000, 0)}
			gates := map[common.Address]*Gate{}
			for _, a := range nodes {
				gates[a] = NewGate(n.domain, n.chain(), a, clk.now, n.isAnchor)
			}
			cs, err := store.OpenCrashable()
			must(t, err)
			defer func() { cs.Close() }()
			l := NewLedger(n.domain, n.chain(), n.anchor, cs.Store, priceOf)
			pay := &payer{n: n, id: id.Uint64()}

			var total int64
			served := map[common.Address]uint64{}
			var spent []string
			var spentAt []common.Address
			best := big.NewInt(0)
			crashes := 0
			crash := func() {
				must(t, cs.Crash())
				l = NewLedger(n.domain, n.chain(), n.anchor, cs.Store, priceOf)
				crashes++
			}
			// check: the anchor's highest promise never decreases.
			check := func() {
				t.Helper()
				a, err := l.Account(ctx, id.Uint64())
				must(t, err)
				if a == nil {
					return // nothing recorded yet
				}
				if a.Best.Cumulative.Cmp(best) < 0 {
					t.Fatalf("the anchor's highest promise fell from %s to %s", best, a.Best.Cumulative)
				}
				best = new(big.Int).Set(a.Best.Cumulative)
			}
			// flush forwards the gates' batches in a random order; each
			// batch may be lost on its way (returned, sent again later), or
			// recorded and then the anchor crashes before the node hears.
			flush := func(lossy bool) {
				order := slices.Clone(nodes)
				rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
				for _, at := range order {
					g := gates[at]
					for _, b := range g.Take() {
						switch r := rng.IntN(10); {
						case lossy && r == 0: // lost before the anchor
							g.Return(b)
						case lossy && r == 1: // recorded, then the anchor crashed
							_, _, err := l.Record(ctx, at, b.Items, b.Channels)
							must(t, err)
							crash()
							g.Return(b)
						default:
							views, _, err := l.Record(ctx, at, b.Items, b.Channels)
							must(t, err)
							g.Delivered(b)
							g.Merge(b.Anchor, views)
							if r == 2 && len(b.Items) > 0 {
								// The same promises forwarded by another
								// node: nothing more is charged or counted.
								other := nodes[(slices.Index(nodes, at)+1)%len(nodes)]
								was, err := l.Account(ctx, id.Uint64())
								must(t, err)
								charged, count := was.Charged().Int64(), was.Served[other]
								_, tally, err := l.Record(ctx, other, b.Items, nil)
								must(t, err)
								now, err := l.Account(ctx, id.Uint64())
								must(t, err)
								if tally.Taken != 0 || now.Charged().Int64() != charged || now.Served[other] != count {
									t.Fatalf("promises replayed by another node: %+v, charged %d then %v, its calls %d then %d", tally, charged, now.Charged(), count, now.Served[other])
								}
							}
						}
						check()
					}
				}
			}
			for step := 0; step < 250; step++ {
				switch r := rng.IntN(20); {
				case r < 13: // an honest call
					price := int64(1)
					if rng.IntN(6) == 0 {
						price = 20
					}
					if total+price > deposit {
						continue
					}
					h := pay.next(price)
					at := nodes[rng.IntN(len(nodes))]
					must(t, gates[at].Pay(ctx, h, uint64(price), testInstance, callOf(uint64(price)), nil))
					total += price
					served[at]++
					spent, spentAt = append(spent, h), append(spentAt, at)
				case r < 15 && len(spent) > 0: // a spent promise shown again where it was spent
					i := rng.IntN(len(spent))
					if err := gates[spentAt[i]].Pay(ctx, spent[i], 1, testInstance, callOf(1), nil); !errors.Is(err, channel.ErrReplayed) {
						t.Fatalf("a promise shown again: %v", err)
					}
				case r < 19:
					flush(true)
				default:
					crash()
					check()
				}
			}
			for i := 0; i < 8; i++ {
				flush(false)
			}
			crash() // what the anchor holds at the end is what it synced
			a, err := l.Account(ctx, id.Uint64())
			must(t, err)
			if a == nil || a.Charged().Int64() != total || a.Best.Cumulative.Int64() != pay.cum {
				t.Fatalf("after %d crashes: charged %v, best %v; the honest calls cost %d, promised %d", crashes, a.Charged(), a.Best.Cumulative, total, pay.cum)
			}
			for _, at := range nodes {
				if a.Served[at] != served[at] {
					t.Fatalf("after %d crashes the anchor counts %v calls served, the nodes took %v", crashes, a.Served, served)
				}
			}

			supply, err := n.service.TotalSupply(nil)
			must(t, err)
			before := map[common.Address]int64{anchor: n.balance(anchor)}
			for _, at := range nodes {
				before[at] = n.balance(at)
			}
			res, err := l.Settle(ctx, id.Uint64(), n.anchor, 1000, n.cashier)
			must(t, err)
			var paid int64
			for who, b := range before {
				paid += n.balance(who) - b
			}
			after, err := n.service.TotalSupply(nil)
			must(t, err)
			burnt := new(big.Int).Sub(supply, after)
			if res.Cashed != fmt.Sprint(total) || res.Distributed != res.Cashed || res.Burnt != burnt.String() || paid+burnt.Int64() != total {
				t.Fatalf("settled %+v: paid %d, supply fell by %s, for calls costing %d", res, paid, burnt, total)
			}
			t.Logf("%d calls costing %d, %d crashes: paid %d, burnt %s", len(spent), total, crashes, paid, burnt)
		})
	}
}
