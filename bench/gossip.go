package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/devnet"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/wire"
)

// GossipResult holds the propagation and ingest figures.
type GossipResult struct {
	Updates        int           `json:"updates"`
	Nodes          int           `json:"nodes"`
	P50            time.Duration `json:"p50"`
	P99            time.Duration `json:"p99"`
	IngestPerSec   float64       `json:"ingestPerSecond"`
	VerifyPerSec   float64       `json:"rawVerifyPerSecond"`
	IngestVsVerify float64       `json:"ingestVsVerify"`
}

// Gossip measures, on a running in-process devnet, the time from publishing
// a flight status to its being applied on every replica of every ticket of
// the flight (p50, p99), and one service node's ingest rate of gossip
// messages against the raw verification rate of the same messages (entry
// signature plus attestation), measured in the same run.
func Gossip(ctx context.Context, d *devnet.Devnet, updates int, airlineKey string) (*GossipResult, error) {
	if len(d.Services) == 0 || d.Services[0] == nil {
		return nil, errors.New("bench: needs an in-process devnet")
	}
	airline, err := nodekey.Load(airlineKey)
	if err != nil {
		return nil, err
	}
	// How many instance applications each flight's update needs.
	want := map[string]int{}
	for _, t := range d.Info.Tickets {
		want[t.Topic] += 3
	}
	var mu sync.Mutex
	count := map[string]int{}
	done := map[string]chan struct{}{}
	for _, n := range d.Services {
		n.OnApplied(func(_ wire.InstanceID, e *attlog.Entry) {
			k := fmt.Sprintf("%s@%s#%d", e.Topic, e.Publisher.Hex(), e.Seq)
			mu.Lock()
			count[k]++
			if count[k] == want[e.Topic] {
				if ch, ok := done[k]; ok {
					close(ch)
				}
			}
			mu.Unlock()
		})
	}
	defer func() {
		for _, n := range d.Services {
			n.OnApplied(nil)
		}
	}()
	var topics []devnet.Ticket
	seen := map[string]bool{}
	for _, t := range d.Info.Tickets {
		if !seen[t.Topic] {
			seen[t.Topic] = true
			topics = append(topics, t)
		}
	}
	lat := make([]time.Duration, 0, updates)
	for i := 0; i < updates; i++ {
		t := topics[i%len(topics)]
		start := time.Now()
		e, err := d.PublishStatus(ctx, t.Flight, t.Date, 10+i%300, "delayed")
		if err != nil {
			return nil, err
		}
		k := fmt.Sprintf("%s@%s#%d", e.Topic, e.Publisher.Hex(), e.Seq)
		mu.Lock()
		ch := make(chan struct{})
		if count[k] >= want[e.Topic] {
			close(ch)
		} else {
			done[k] = ch
		}
		mu.Unlock()
		select {
		case <-ch:
			lat = append(lat, time.Since(start))
		case <-time.After(10 * time.Second):
			return nil, fmt.Errorf("update %d did not reach every replica in 10 s", i)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res := &GossipResult{Updates: updates, Nodes: len(d.Info.Anchors) + len(d.Info.Services),
		P50: lat[len(lat)/2], P99: lat[len(lat)*99/100]}

	// Ingest against raw verification, on messages of a topic no instance follows.
	msgs, err := benchEntries(airline, d, 2000)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	for _, m := range msgs {
		var e attlog.Entry
		if err := json.Unmarshal(m, &e); err != nil {
			return nil, err
		}
		if err := e.Verify(); err != nil {
			return nil, err
		}
		s, err := attest.Parse(e.Attestation)
		if err != nil {
			return nil, err
		}
		if err := s.Verify(); err != nil {
			return nil, err
		}
	}
	res.VerifyPerSec = float64(len(msgs)) / time.Since(t0).Seconds()
	t1 := time.Now()
	for _, m := range msgs {
		if err := d.Services[0].Ingest(m); err != nil {
			return nil, err
		}
	}
	res.IngestPerSec = float64(len(msgs)) / time.Since(t1).Seconds()
	res.IngestVsVerify = res.IngestPerSec / res.VerifyPerSec
	return res, nil
}

func benchEntries(airline *nodekey.Key, d *devnet.Devnet, n int) ([][]byte, error) {
	key, _ := crypto.GenerateKey()
	topic := devnet.FlightTopic("ZZ999", "2026-12-31")
	var prev common.Hash
	out := make([][]byte, 0, n)
	for i := 1; i <= n; i++ {
		att, err := devnet.SignStatus(airline, d.Info.ChainID, common.HexToAddress(d.Info.EASContract), "ZZ999", "2026-12-31", i%300, "delayed", time.Now().Add(time.Duration(i)))
		if err != nil {
			return nil, err
		}
		e := &attlog.Entry{Topic: topic, Seq: uint64(i), Prev: prev, Attestation: att}
		if err := e.Sign(key); err != nil {
			return nil, err
		}
		prev = e.Hash()
		b, _ := json.Marshal(e)
		out = append(out, b)
	}
	return out, nil
}

// Report formats the result.
func (r *GossipResult) Report() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "gossip benchmark: %d flight updates on a %d-node devnet\n\n", r.Updates, r.Nodes)
	fmt.Fprintf(&sb, "  publish -> applied on every replica   p50 %s   p99 %s   (target p99 < 100ms: %s)\n",
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), verdict(r.P99 < 100*time.Millisecond))
	fmt.Fprintf(&sb, "  ingest on one service node           %.0f/s\n", r.IngestPerSec)
	fmt.Fprintf(&sb, "  raw verify (entry + attestation)     %.0f/s\n", r.VerifyPerSec)
	fmt.Fprintf(&sb, "  ingest / raw verify                  %.2f (target >= 0.80: %s)\n", r.IngestVsVerify, verdict(r.IngestVsVerify >= 0.8))
	return sb.String()
}
