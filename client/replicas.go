package client

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/smartlayer/smartlayer/wire"
)

// probeEvery: one query in this many goes to an up replica chosen at
// random rather than the best scored one, so that a replica that was slow
// or failing is measured again and wins its share back once it recovers.
const probeEvery = 32

// failurePenalty is what a failed call counts as in a replica's mean
// answer time (a 503 with Retry-After counts that long, if longer).
const failurePenalty = time.Second

// replicaStats keeps, per replica (by peer ID), an exponentially weighted
// mean of its answer times and the calls in flight to it: the client's
// view of which replicas are fast and which are loaded.
type replicaStats struct {
	mu sync.Mutex
	m  map[string]*replicaStat
}

type replicaStat struct {
	mean     float64 // seconds; 0 until a first answer
	inflight int
	until    time.Time // a 503's Retry-After: not chosen before then
}

// meanWeight is how much one new answer moves the mean.
const meanWeight = 0.3

func (s *replicaStats) get(peer string) *replicaStat {
	if s.m == nil {
		s.m = map[string]*replicaStat{}
	}
	st := s.m[peer]
	if st == nil {
		if len(s.m) >= 10_000 { // a long-lived client meets many nodes: forget them all at worst
			s.m = map[string]*replicaStat{}
		}
		st = &replicaStat{}
		s.m[peer] = st
	}
	return st
}

// score orders replicas: lower is better. A replica never measured scores
// 0 (it is tried); otherwise its mean answer time, times the calls in
// flight to it plus one (load), and one that asked to be left alone for a
// while (503 Retry-After) scores as if it failed.
func (st *replicaStat) score(now time.Time) float64 {
	if now.Before(st.until) {
		return failurePenalty.Seconds() * float64(st.inflight+2)
	}
	return st.mean * float64(st.inflight+1)
}

// begin counts a call in flight to peer; the returned func ends it with
// its outcome: the answer time, the error (nil when it answered) and the
// answer's headers (a 503's Retry-After).
func (s *replicaStats) begin(peer string) func(time.Duration, error, http.Header) {
	s.mu.Lock()
	s.get(peer).inflight++
	s.mu.Unlock()
	return func(d time.Duration, err error, h http.Header) {
		s.mu.Lock()
		defer s.mu.Unlock()
		st := s.get(peer)
		st.inflight--
		x := d.Seconds()
		if err != nil {
			x = max(x, failurePenalty.Seconds())
			if wait := retryAfter(err, h); wait > 0 {
				st.until = time.Now().Add(wait)
				x = max(x, wait.Seconds())
			}
		}
		if st.mean == 0 {
			st.mean = x
		} else {
			st.mean += meanWeight * (x - st.mean)
		}
	}
}

// retryAfter is the wait a 503 answer asked for (its Retry-After in
// seconds, at most an hour; one second when it names none).
func retryAfter(err error, h http.Header) time.Duration {
	var p *wire.Problem
	if !errors.As(err, &p) || p.Status != http.StatusServiceUnavailable {
		return 0
	}
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 && s <= 3600 {
		return time.Duration(s) * time.Second
	}
	return time.Second
}

// pick chooses the replica for a query among those up and not yet tried
// by this call (all of them when every one was): of two chosen at random,
// the better scored (the power of two choices: load spreads over the fast
// replicas and a slow or loaded one is left alone), and one call in
// probeEvery a random one.
func (c *Client) pick(reps []wire.Replica, tried map[string]bool) wire.Replica {
	cands := reps
	if len(tried) > 0 {
		cands = make([]wire.Replica, 0, len(reps))
		for _, r := range reps {
			if !tried[r.Peer] {
				cands = append(cands, r)
			}
		}
		if len(cands) == 0 {
			cands = reps
		}
	}
	if len(cands) == 1 {
		return cands[0]
	}
	i := rand.IntN(len(cands))
	if c.next.Add(1)%probeEvery == 0 {
		return cands[i]
	}
	j := rand.IntN(len(cands) - 1)
	if j >= i {
		j++
	}
	now := time.Now()
	c.stats.mu.Lock()
	a, b := c.stats.get(cands[i].Peer).score(now), c.stats.get(cands[j].Peer).score(now)
	c.stats.mu.Unlock()
	if b < a {
		return cands[j]
	}
	return cands[i]
}
