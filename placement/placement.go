package placement

import (
	"encoding/binary"
	"math"
	"sort"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/wire"
)

// Key is a position in the placement key space.
type Key [32]byte

// DHTKey is keccak256(epochSeed || instanceID). The seed changes every epoch
// and comes from a source no node can grind, so no node can choose an ID next
// to a token it wants to capture.
func DHTKey(seed [32]byte, id wire.InstanceID) Key {
	return Key(crypto.Keccak256Hash(seed[:], id[:]))
}

// Candidate is a service node that may hold replicas.
type Candidate struct {
	ID     string  // libp2p peer ID
	Weight float64 // capacity times SLO score; <= 0 is never chosen
}

// Replicas ranks candidates by weighted rendezvous hashing and returns the
// top r IDs, best first. Removing a candidate moves only the instances it held.
func Replicas(k Key, cands []Candidate, r int) []string {
	var sc scorer
	return sc.top(k, cands, r)
}

type scored struct {
	id    string
	score float64
}

// better orders scores, best first; equal scores by ID.
func (a scored) better(b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.id < b.id
}

// scorer computes rendezvous scores. A candidate's score for key k mixes
// the first 64 bits of k (itself keccak256 of the epoch seed and the
// instance) with a keccak256 digest of the candidate's ID, computed once per
// candidate and cached: two multiply-xorshift rounds per pair instead of a
// keccak256 per pair. Grinding a peer ID that ranks high costs a key
// generation per try either way, and the seed is unknown before its epoch.
type scorer struct {
	ids map[string]uint64
}

// candHash is a candidate ID's digest for rendezvous scoring.
func candHash(id string) uint64 {
	return binary.BigEndian.Uint64(crypto.Keccak256([]byte("smartlayer/rendezvous\n"), []byte(id))[:8])
}

func (sc *scorer) cand(id string) uint64 {
	if v, ok := sc.ids[id]; ok {
		return v
	}
	if sc.ids == nil {
		sc.ids = map[string]uint64{}
	}
	v := candHash(id)
	sc.ids[id] = v
	return v
}

// mix64 is a 64-bit finaliser (splitmix64's).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// score is a candidate's weighted rendezvous score for k.
func (sc *scorer) score(k Key, c Candidate) scored {
	kh := binary.BigEndian.Uint64(k[:8])
	x := mix64(kh ^ mix64(sc.cand(c.ID)+kh))
	// u in (0, 1); -w/ln(u) picks each node with probability w/sum(w).
	u := (float64(x>>11) + 0.5) / float64(uint64(1)<<53)
	return scored{c.ID, -c.Weight / math.Log(u)}
}

// top keeps the r best candidates by insertion: O(len(cands) * r).
func (sc *scorer) top(k Key, cands []Candidate, r int) []string {
	if r > 16 { // a long ranking (partial mode ranks every candidate): sort
		all := make([]scored, 0, len(cands))
		for _, c := range cands {
			if c.Weight > 0 {
				all = append(all, sc.score(k, c))
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].better(all[j]) })
		out := make([]string, min(r, len(all)))
		for i := range out {
			out[i] = all[i].id
		}
		return out
	}
	best := make([]scored, 0, r+1)
	for _, c := range cands {
		if c.Weight <= 0 {
			continue
		}
		s := sc.score(k, c)
		if len(best) == r && (r == 0 || !s.better(best[r-1])) {
			continue
		}
		i := sort.Search(len(best), func(i int) bool { return s.better(best[i]) })
		best = append(best, scored{})
		copy(best[i+1:], best[i:])
		best[i] = s
		if len(best) > r {
			best = best[:r]
		}
	}
	out := make([]string, len(best))
	for i := range best {
		out[i] = best[i].id
	}
	return out
}

// Responsible returns the anchor whose position, keccak256(anchor ID), is
// closest to k by XOR distance. ok is false when there are no anchors.
func Responsible(k Key, anchors []string) (id string, ok bool) {
	return responsible(k, positions(anchors)), len(anchors) > 0
}

// Diverse picks r of the ranked candidates so that as many platforms as
// possible are represented (partial fallback mode): best-ranked first per
// new platform, then the best of the rest.
func Diverse(ranked []string, platform func(id string) string, r int) []string {
	out := make([]string, 0, r)
	used := map[string]bool{}
	taken := map[string]bool{}
	for _, id := range ranked {
		if len(out) == r {
			return out
		}
		if p := platform(id); !used[p] {
			used[p], taken[id] = true, true
			out = append(out, id)
		}
	}
	for _, id := range ranked {
		if len(out) == r {
			break
		}
		if !taken[id] {
			out = append(out, id)
		}
	}
	return out
}
