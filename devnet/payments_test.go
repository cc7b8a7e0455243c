package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/channel"
	"github.com/smartlayer/smartlayer/client"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/node"
	"github.com/smartlayer/smartlayer/payments"
	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// TestPaidCallsSettle (issue 14): on the devnet the flight ticket's status
// query (1) and rebook action (20) are priced. A call with no promise gets
// 402 with the price and how to pay, and so does a replayed promise; the
// demo integration's client pays from its channel for 1,000 queries and 10
// actions; once the anchor holds every promise (its account charges their
// exact sum), a settlement on demand cashes it on chain, burns a fifth
// (and the rounding dust) and pays the rest to the anchor and the nodes
// that served, by the calls the anchor counted.
func TestPaidCallsSettle(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain, opts.LoungePasses = 4, 3, true, 1
	opts.Configure = func(_ node.Role, _ int, cfg *node.Config) {
		cfg.Network.SettleInterval = node.Duration{} // on demand only: this test settles once
	}
	d := startDevnet(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pi := d.Info.Chain.Payment
	if pi == nil {
		t.Fatal("devnet.json names no payment channel")
	}
	service, err := contracts.NewServiceToken(d.Info.Chain.Contracts.ServiceToken, d.chainState.c)
	if err != nil {
		t.Fatal(err)
	}
	supply := func() *big.Int {
		s, err := service.TotalSupply(&bind.CallOpts{Context: ctx})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	supplyBefore := supply()

	// No promise: 402, saying what the call costs and how to pay.
	tk := d.Info.Tickets[0]
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
	url := rt.Replicas[0].HTTP + "/v1/tokens/" + tk.Instance + "/query/status"
	unpaid := tk.Header()
	unpaid.Set(wire.PaymentHeader, "none") // so Sign adds no promise
	hdr := d.Sign(unpaid, http.MethodPost, url, []byte("{}"))
	hdr.Del(wire.PaymentHeader)
	code, body, _ := postH(t, url, "{}", hdr)
	pay, _ := body["payment"].(map[string]any)
	if code != http.StatusPaymentRequired || !strings.HasSuffix(fmt.Sprint(body["type"]), ":payment-required") || pay == nil ||
		pay["price"] != "1" || pay["header"] != wire.PaymentHeader || !strings.EqualFold(fmt.Sprint(pay["contract"]), pi.Contract.Hex()) {
		t.Fatalf("an unpaid query: %d %v", code, body)
	}

	// A caller header does not make a call an inter-token one: only a
	// replica of the calling token, under its record, is not charged.
	forged := tk.Header()
	forged.Set(wire.PaymentHeader, "none")
	forged.Set(wire.CallerHeader, d.Info.LoungePasses[0].Instance)
	hdr = d.Sign(forged, http.MethodPost, url, []byte("{}"))
	hdr.Del(wire.PaymentHeader)
	if code, body, _ = postH(t, url, "{}", hdr); code != http.StatusPaymentRequired {
		t.Fatalf("an unpaid query claiming a calling token: %d %v", code, body)
	}
	// A lounge pass's entry (free) reads the ticket's status (priced): the
	// pass's node is not charged for it, the integration paid for nothing.
	passBefore, _ := d.Client.Payer.Promised()
	p := d.Info.LoungePasses[0]
	if _, _, err := d.Client.QueryReceipt(ctx, p.Instance, "entry", p.EntryArgs(), nil); err != nil {
		t.Fatalf("a lounge pass reading its ticket: %v", err)
	}
	if after, _ := d.Client.Payer.Promised(); after.Cmp(passBefore) != 0 {
		t.Fatalf("a free query cost %s", new(big.Int).Sub(after, passBefore))
	}

	// 1,000 queries over the tickets and 10 actions, paid by the client
	// (which paid for the devnet's own checks at its start already).
	const queries, actions = 1000, 10
	// The client's queries go on credit between promises; what the last
	// cost is covered by a promise sent to the anchor.
	if err := d.Client.Cover(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := d.Client.Payer.Promised()
	var st *wire.ChannelStatus
	// Every call so far counted: the highest promise can reach the anchor
	// from one node before another node's earlier calls do.
	waitUntil(t, time.Minute, "the anchor holds and counts the client's promises so far", func() bool {
		st, err = d.Client.Channel(ctx, pi.Channel)
		return err == nil && st.Promised == before.String() && st.Charged == before.String()
	})
	chargedBefore, _ := new(big.Int).SetString(st.Charged, 10)
	var wg sync.WaitGroup
	errs := make(chan error, queries+actions)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < queries; i += 4 {
				tk := d.Info.Tickets[i%len(d.Info.Tickets)]
				if _, err := d.Client.QueryWith(ctx, tk.Instance, "status", nil, tk.Header()); err != nil {
					errs <- fmt.Errorf("query %d: %w", i, err)
				}
			}
		}()
	}
	args := json.RawMessage(`{"hotel":"` + d.Info.Hotel.HTTP + `"}`)
	var result string             // an action result's attestation UID
	var resultRc *receipt.Receipt // and its executor's receipt
	for i := 0; i < actions; i++ {
		tk := d.Info.Tickets[i%len(d.Info.Tickets)]
		out, _, err := d.Client.Action(ctx, tk.Instance, "rebook", fmt.Sprintf("paid-%d", i), args, tk.Header())
		if err != nil {
			errs <- fmt.Errorf("action %d: %w", i, err)
		} else if result == "" {
			result, resultRc = out.Attestation, new(receipt.Receipt)
			if err := json.Unmarshal(out.Receipt, resultRc); err != nil {
				t.Fatalf("action %d's receipt: %v", i, err)
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := d.Client.Cover(ctx); err != nil {
		t.Fatal(err)
	}
	promised, _ := d.Client.Payer.Promised()
	if got := new(big.Int).Sub(promised, before).Int64(); got != queries*1+actions*20 {
		t.Fatalf("the client promised %d for calls costing %d", got, queries*1+actions*20)
	}
	total := promised.Int64()
	var taken, credit float64
	for _, ep := range d.Info.Services {
		taken += metricValue(t, ep.HTTP, `smartlayer_payments_total{result="taken"}`)
		credit += metricValue(t, ep.HTTP, `smartlayer_payments_total{result="credit"}`)
	}
	if credit < queries/2 {
		t.Fatalf("%v of %d queries went on credit", credit, queries)
	}
	taken += credit
	wantCharged := new(big.Int).Add(chargedBefore, big.NewInt(queries*1+actions*20)).String()
	waitUntil(t, time.Minute, "the anchor charges every call paid", func() bool {
		st, err = d.Client.Channel(ctx, pi.Channel)
		if err != nil {
			t.Logf("channel: %v", err)
			return false
		}
		if st.Charged != wantCharged || st.Promised != fmt.Sprint(total) {
			t.Logf("the anchor charged %s (want %s), holds %s (want %d)", st.Charged, wantCharged, st.Promised, total)
			return false
		}
		return true
	})
	var calls uint64
	for _, c := range st.Served {
		calls += c
	}
	if float64(calls) != taken || calls < queries+actions {
		t.Fatalf("the anchor counts %d calls served (%v); the nodes took %v", calls, st.Served, taken)
	}

	// A promise spent before is refused.
	integ := d.Info.Chain.key(t, "integration")
	replayed, _ := channel.Sign(integ, channel.Domain(d.Info.Chain.ChainID, pi.Contract), pi.Channel, big.NewInt(total+1), 1)
	withReplayed := tk.Header()
	withReplayed.Set(wire.PaymentHeader, replayed.Header())
	hdr = d.Sign(withReplayed, http.MethodPost, url, []byte("{}"))
	if code, body, _ = postH(t, url, "{}", hdr); code != http.StatusPaymentRequired || !strings.Contains(fmt.Sprint(body["detail"]), "already used") {
		t.Fatalf("a replayed promise: %d %v", code, body)
	}

	// Settled on demand: the highest promise cashed and paid out.
	settledAt := time.Now() // before the anchor's 10 s begin
	s, err := d.Client.Settle(ctx, pi.Channel)
	if err != nil {
		t.Fatal(err)
	}
	if s.Cashed != fmt.Sprint(total) || s.Distributed != fmt.Sprint(total) || len(s.Nodes) == 0 {
		t.Fatalf("settlement %+v", s)
	}
	var counted uint64
	for _, c := range s.Counts {
		counted += c
	}
	burnt := new(big.Int).Sub(supplyBefore, supply()).Int64()
	rest := total - total*2000/10_000
	var paid int64
	for i, a := range s.Nodes {
		b, err := service.BalanceOf(&bind.CallOpts{Context: ctx}, a)
		if err != nil {
			t.Fatal(err)
		}
		if want := rest * int64(s.Counts[i]) / int64(counted); b.Int64() != want {
			t.Fatalf("node %s got %s for %d of %d calls counted, want %d", a, b, s.Counts[i], counted, want)
		}
		paid += b.Int64()
	}
	if paid+burnt != total || burnt < total*2000/10_000 {
		t.Fatalf("paid %d, burnt %d, for calls costing %d", paid, burnt, total)
	}
	if s.Burnt != fmt.Sprint(burnt) {
		t.Fatalf("the settlement says %s burnt; the supply fell by %d", s.Burnt, burnt)
	}
	anchorAddr := crypto.PubkeyToAddress(d.Info.Chain.key(t, "anchor-0").PublicKey)
	if pi.Anchor != anchorAddr {
		t.Fatalf("the channel's anchor %s is not anchor 0 %s", pi.Anchor, anchorAddr)
	}
	t.Logf("settled %d: %d burnt, %d paid to %d payees (counts %v)", total, burnt, paid, len(s.Nodes), s.Counts)
	// One more paid call, counted, then settled again at once, on demand
	// (anyone may ask; each settlement costs the anchor gas): it sends
	// nothing and says when to ask again.
	settleURL := d.Info.Anchors[0].HTTP + "/v1/channels/" + fmt.Sprint(pi.Channel) + "/settle"
	if _, err := d.Client.QueryWith(ctx, tk.Instance, "status", nil, tk.Header()); err != nil {
		t.Fatal(err)
	}
	if err := d.Client.Cover(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, time.Minute, "the anchor counts the call after the settlement", func() bool {
		st, err := d.Client.Channel(ctx, pi.Channel)
		return err == nil && st.Promised != st.Cashed
	})
	code, body, hdr2 := post(t, settleURL, "{}")
	switch {
	case code == http.StatusOK && time.Since(settledAt) > 10*time.Second:
		t.Logf("the machine took %s to count one call: the settlement was due again", time.Since(settledAt))
	case code == http.StatusOK && fmt.Sprint(body["nodes"]) == "[]" && body["cashed"] == body["distributed"]:
		t.Logf("the anchor's schedule settled the call first: %v", body)
	case code != http.StatusTooManyRequests || !strings.HasSuffix(fmt.Sprint(body["type"]), ":settle-too-soon") || hdr2.Get("Retry-After") == "":
		t.Fatalf("a second settlement on demand at once: %d %v %v", code, body, hdr2)
	default:
		if st, err := d.Client.Channel(ctx, pi.Channel); err != nil || st.Cashed != fmt.Sprint(total) {
			t.Fatalf("a settlement refused as too soon cashed: %+v %v", st, err)
		}
	}

	// An action result is a key operation: once its period's commitment is
	// on chain, the anchor that wrote it proves it, the contract verifies
	// the proof, and a forged operation does not verify with it.
	uid, err := attest.ParseUID(result)
	if err != nil {
		t.Fatalf("action result %q: %v", result, err)
	}
	var pr wire.CommitmentProof
	var prover string // the anchor whose period is the one on chain
	waitUntil(t, 2*time.Minute, "the action result's period written on chain, with a proof", func() bool {
		for _, a := range d.Info.Anchors {
			if err := getJSON(ctx, a.HTTP+"/v1/commitments/proof/"+uid.String(), &pr); err == nil && pr.Written && pr.Root == pr.OnChainRoot {
				prover = a.HTTP
				return true
			}
		}
		return false
	})
	cm, err := contracts.NewCommitments(d.Info.Chain.Contracts.Commitments, d.chainState.c)
	if err != nil {
		t.Fatal(err)
	}
	words := make([][32]byte, len(pr.Proof))
	for i, h := range pr.Proof {
		words[i] = h
	}
	if ok, err := cm.Verify(&bind.CallOpts{Context: ctx}, pr.Period, common.Hash(uid), words); err != nil || !ok {
		t.Fatalf("the action result's proof does not verify on chain: %v %+v", err, pr)
	}
	// Anyone may ask for a proof by UID: it carries no attestation (an
	// action result's patch and result are the instance's history).
	if len(pr.Attestation) != 0 {
		t.Fatalf("a proof by UID carries the action result: %s", pr.Attestation)
	}
	// The same proof, found by what the action's receipt names, carries
	// the result's attestation.
	var byExec wire.CommitmentProof
	if resultRc == nil {
		t.Fatal("the action came with no receipt")
	}
	if err := getJSON(ctx, prover+"/v1/commitments/execution/"+resultRc.Instance+"/"+resultRc.TranscriptRoot.Hex(), &byExec); err != nil {
		t.Fatalf("the action result by its receipt: %v", err)
	}
	if att, err := attest.Parse(byExec.Attestation); err != nil || byExec.UID != common.Hash(uid) || att.UID != uid || att.Signer != resultRc.Node {
		t.Fatalf("the action result by its receipt: %+v (%v)", byExec, err)
	}
	forgedUID := crypto.Keccak256Hash([]byte("a result no executor signed"))
	if ok, _ := cm.Verify(&bind.CallOpts{Context: ctx}, pr.Period, forgedUID, words); ok {
		t.Fatal("a forged operation verified")
	}
}

// TestClientTopsUp (issue 14, item 4): a client paying from a small
// channel tops it up on chain by itself when nodes refuse a call for the
// deposit, within its limit, and no call fails.
func TestClientTopsUp(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain = 2, 2, true
	d := startDevnet(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	integ := d.Info.Chain.key(t, "integration")
	funder, err := payments.NewFunder(d.chainState.c, integ, big.NewInt(d.Info.Chain.ChainID), d.Info.Chain.Contracts)
	if err != nil {
		t.Fatal(err)
	}
	id, err := funder.Open(ctx, d.Info.Chain.Payment.Anchor, big.NewInt(10))
	if err != nil {
		t.Fatal(err)
	}
	var anchors []string
	for _, a := range d.Info.Anchors {
		anchors = append(anchors, a.HTTP)
	}
	c := client.New(anchors, nil)
	c.Key = integ
	c.Payer = &client.Payer{Key: integ, Channel: id, Domain: channel.Domain(d.Info.Chain.ChainID, d.Info.Chain.Payment.Contract),
		TopUp:   func(ctx context.Context, amount *big.Int) error { return funder.TopUp(ctx, id, amount) },
		TopUpBy: big.NewInt(20), TopUpLimit: big.NewInt(40)}
	// One replica takes every call (replicas learn of each other's charges
	// about a second late, through the anchor).
	tk := d.Info.Tickets[0]
	rt, _ := getRoute(t, d.Info.Anchors[0].HTTP, tk.Instance)
	replica := rt.Replicas[0].HTTP
	for i := 0; i < 35; i++ {
		if _, err := c.QueryReplica(ctx, replica, tk.Instance, "status", nil, tk.Header()); err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
	}
	ch, err := contracts.NewChannels(d.Info.Chain.Payment.Contract, d.chainState.c)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ch.ChannelOf(&bind.CallOpts{Context: ctx}, new(big.Int).SetUint64(id))
	if err != nil || st.Deposit.Int64() != 50 {
		t.Fatalf("deposit after the top-ups: %v %v (want 10 + 2 x 20)", st.Deposit, err)
	}
	// Past its limit it stops topping up: the call is refused.
	var last error
	for i := 0; i < 20 && last == nil; i++ {
		_, last = c.QueryReplica(ctx, replica, tk.Instance, "status", nil, tk.Header())
	}
	if !errors.Is(last, client.ErrTopUpLimit) && !strings.Contains(fmt.Sprint(last), "top-up limit") {
		t.Fatalf("past the top-up limit: %v", last)
	}
}

// TestPaymentsAfterRestartOnSameData: a devnet with its chain restarted on
// its data runs a new chain (its contracts land at the same addresses, the
// demo integration's channel is 1 again): paid calls go on, the client
// starting from the promises it signed before (the anchors kept them).
func TestPaymentsAfterRestartOnSameData(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain, opts.DataDir = 2, 2, true, t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d1, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	tk := d1.Info.Tickets[0]
	for i := 0; i < 30; i++ {
		if _, err := d1.Client.QueryWith(ctx, tk.Instance, "status", nil, tk.Header()); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, time.Minute, "the anchor holds the old channel's promises", func() bool {
		st, err := d1.Client.Channel(ctx, d1.Info.Chain.Payment.Channel)
		return err == nil && st.Charged != "0"
	})
	if err := d1.Close(); err != nil {
		t.Fatal(err)
	}
	d2 := startDevnet(t, opts) // its start queries every ticket, paying
	if _, err := d2.Client.QueryWith(ctx, tk.Instance, "status", nil, tk.Header()); err != nil {
		t.Fatalf("a paid query after the restart: %v", err)
	}
}

// TestAnchorDutiesOnSchedule (issue 14): with no one asking, the channel's
// anchor settles on its schedule (network.settle_interval): the calls the
// client paid for are cashed and paid out on chain. And when the anchor on
// duty for a period is down, the next anchor in the period's rotation
// writes the period's commitment once its grace has passed.
func TestAnchorDutiesOnSchedule(t *testing.T) {
	opts := DefaultOptions()
	opts.Tickets, opts.Services, opts.Chain = 2, 2, true
	opts.Configure = func(_ node.Role, _ int, cfg *node.Config) {
		cfg.Network.SettleInterval = node.Duration{Duration: 2 * time.Second}
	}
	d := startDevnet(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	pi := d.Info.Chain.Payment
	ch, err := contracts.NewChannels(pi.Contract, d.chainState.c)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		tk := d.Info.Tickets[i%len(d.Info.Tickets)]
		if _, err := d.Client.QueryWith(ctx, tk.Instance, "status", nil, tk.Header()); err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
	}
	if err := d.Client.Cover(ctx); err != nil {
		t.Fatal(err)
	}
	promised, _ := d.Client.Payer.Promised()
	waitUntil(t, time.Minute, "the anchor settling on its own: every promised call cashed and paid out", func() bool {
		st, err := ch.ChannelOf(&bind.CallOpts{Context: ctx}, new(big.Int).SetUint64(pi.Channel))
		return err == nil && st.Cashed.Cmp(promised) == 0 && st.Distributed.Cmp(promised) == 0
	})

	// The anchor on duty for the period now goes down before the period
	// ends; the next one in the rotation writes it.
	cm, err := contracts.NewCommitments(d.Info.Chain.Contracts.Commitments, d.chainState.c)
	if err != nil {
		t.Fatal(err)
	}
	opts2 := &bind.CallOpts{Context: ctx}
	p, err := cm.CurrentPeriod(opts2)
	if err != nil {
		t.Fatal(err)
	}
	// Two periods ahead: the chain's time runs ahead of the clock in a
	// burst of blocks, and the period must not end before the anchor stops.
	p += 2
	rot, err := cm.Rotation(opts2, p)
	if err != nil || len(rot.Order) < 2 {
		t.Fatalf("period %d's rotation: %v %v", p, rot.Order, err)
	}
	down := -1
	for i := range d.Info.Anchors {
		if crypto.PubkeyToAddress(d.Info.Chain.key(t, fmt.Sprint("anchor-", i)).PublicKey) == rot.Order[0] {
			down = i
		}
	}
	if down < 0 {
		t.Fatalf("the anchor on duty %s is not the devnet's", rot.Order[0])
	}
	if err := d.KillAnchor(down); err != nil {
		t.Fatal(err)
	}
	var c contracts.CommitmentsCommitment
	waitUntil(t, 2*time.Minute, fmt.Sprintf("period %d written without its anchor on duty", p), func() bool {
		c, err = cm.CommitmentOf(opts2, p)
		return err == nil && c.Written
	})
	// (A new epoch in between would give the period another rotation.)
	if c.Anchor == rot.Order[0] || c.Epoch == rot.Epoch && c.Anchor != rot.Order[1] {
		t.Fatalf("period %d written by %s in epoch %d; on duty %s (down), next %s in epoch %d", p, c.Anchor, c.Epoch, rot.Order[0], rot.Order[1], rot.Epoch)
	}
}
