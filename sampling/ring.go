// Package sampling is execution verification: service nodes keep their
// recent executions (transcript, the state it ran on, a receipt) in a Ring;
// anchors sample them (ProtoSample), replay each in their own sandbox and,
// on a divergence a second replay reproduces, sign and publish
// slashing-evidence. A Verifier keeps each service node's service level
// (placement.Level: sampling, strikes, evidence, probation), durably, and
// says which nodes are excluded from placement.
package sampling

import (
	"encoding/json"
	"sync"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/transport"
)

// RingSize is how many recent executions a service node keeps by default
// (service.max_kept_executions), for anchors
// to sample and for whoever holds a receipt to fetch (Find).
const RingSize = 4096

// Kept is one recent execution: its transcript and the state it ran on, so
// an anchor can replay it, the node's receipt over it and the bundle it ran.
type Kept struct {
	Transcript *sandbox.Transcript `json:"transcript"`
	State      json.RawMessage     `json:"state"`
	Receipt    *receipt.Receipt    `json:"receipt,omitempty"`
	Bundle     string              `json:"bundle,omitempty"`
}

// Ring keeps the last executions, oldest overwritten first, and finds one
// by its receipt.
type Ring struct {
	mu     sync.Mutex
	buf    []Kept
	leaves []common.Hash // buf[i]'s receipt leaf (zero without a receipt)
	next   int
	byRec  map[common.Hash]int // receipt leaf -> index in buf
}

// NewRing makes a ring of n executions.
func NewRing(n int) *Ring {
	return &Ring{buf: make([]Kept, 0, n), leaves: make([]common.Hash, 0, n), byRec: map[common.Hash]int{}}
}

// Len is how many executions the ring holds.
func (r *Ring) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.buf)
}

// Add keeps an execution, and returns its receipt's leaf (zero without a
// receipt), hashed once here for whoever else files it.
func (r *Ring) Add(k Kept) common.Hash {
	var leaf common.Hash
	if k.Receipt != nil {
		leaf = k.Receipt.Leaf()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i := len(r.buf)
	if i < cap(r.buf) {
		r.buf, r.leaves = append(r.buf, k), append(r.leaves, leaf)
	} else {
		i = r.next
		// Not if the leaf now points at a later copy of the execution.
		if r.buf[i].Receipt != nil && r.byRec[r.leaves[i]] == i {
			delete(r.byRec, r.leaves[i])
		}
		r.buf[i], r.leaves[i] = k, leaf
		r.next = (r.next + 1) % len(r.buf)
	}
	if k.Receipt != nil {
		r.byRec[leaf] = i
	}
	return leaf
}

// Find is the kept execution a receipt (its leaf) vouches for.
func (r *Ring) Find(leaf common.Hash) (Kept, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.byRec[leaf]
	if !ok {
		return Kept{}, false
	}
	return r.buf[i], true
}

// Rand is the random source a sample is drawn with.
type Rand interface {
	Perm(n int) []int
	Float64() float64
}

// Sample takes each kept execution with probability share, at most max.
func (r *Ring) Sample(rng Rand, share float64, max int) []Kept {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Kept
	for _, i := range rng.Perm(len(r.buf)) {
		if len(out) >= max {
			break
		}
		if rng.Float64() < share {
			out = append(out, r.buf[i])
		}
	}
	return out
}

// ProtoSample carries Request, anchor to service node.
const ProtoSample = transport.ProtocolPrefix + "/sample/1.0.0"

// Request asks a service node for a share of its recent executions.
type Request struct {
	Share float64 `json:"share"`
	Max   int     `json:"max"`
}

// Response is a service node's sample.
type Response struct {
	Items []Kept `json:"items"`
}

// MaxItems caps one sample answer.
const MaxItems = 32
