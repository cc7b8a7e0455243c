package sim

import (
	"bytes"
	"math/bits"
	"sort"

	"github.com/ethereum/go-ethereum/crypto"
)

// kad models Kademlia record lookup over the DHT's members: each member
// keeps k-buckets of others by XOR distance of keccak256(peer ID); a lookup
// asks the alpha closest it knows, in parallel (one hop per round), learns
// their k closest, and ends at a member among the k closest to the key,
// which store the record.
type kad struct {
	k, alpha int
	ids      [][32]byte
	tables   [][]int // member -> known members
}

func newKad(peers []string, k, alpha int, pick func(n int) int) *kad {
	kd := &kad{k: k, alpha: alpha, ids: make([][32]byte, len(peers)), tables: make([][]int, len(peers))}
	for i, p := range peers {
		kd.ids[i] = crypto.Keccak256Hash([]byte(p))
	}
	for i := range peers {
		buckets := map[int][]int{}
		for j := range peers {
			if j != i {
				b := commonPrefix(kd.ids[i], kd.ids[j])
				buckets[b] = append(buckets[b], j)
			}
		}
		for _, members := range buckets {
			// Up to k per bucket, a seeded choice among the candidates.
			for len(members) > k {
				x := pick(len(members))
				members[x] = members[len(members)-1]
				members = members[:len(members)-1]
			}
			kd.tables[i] = append(kd.tables[i], members...)
		}
		sort.Ints(kd.tables[i])
	}
	return kd
}

func commonPrefix(a, b [32]byte) int {
	for i := range a {
		if x := a[i] ^ b[i]; x != 0 {
			return i*8 + bits.LeadingZeros8(x)
		}
	}
	return 256
}

func distLess(key, a, b [32]byte) bool {
	var x, y [32]byte
	for i := range key {
		x[i], y[i] = a[i]^key[i], b[i]^key[i]
	}
	return bytes.Compare(x[:], y[:]) < 0
}

// closest sorts members by distance to key and keeps n.
func (kd *kad) closest(key [32]byte, members []int, n int) []int {
	out := append([]int(nil), members...)
	sort.Slice(out, func(i, j int) bool { return distLess(key, kd.ids[out[i]], kd.ids[out[j]]) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// lookup returns the rounds (hops) a lookup of key from member `from`
// takes until it queries one of the k closest members of all.
func (kd *kad) lookup(from int, key [32]byte) int {
	all := make([]int, len(kd.ids))
	for i := range all {
		all[i] = i
	}
	holders := map[int]bool{}
	for _, h := range kd.closest(key, all, kd.k) {
		holders[h] = true
	}
	if holders[from] {
		return 0
	}
	known := map[int]bool{}
	for _, m := range kd.tables[from] {
		known[m] = true
	}
	asked := map[int]bool{}
	for hops := 1; hops <= 64; hops++ {
		var cand []int
		for m := range known {
			if !asked[m] {
				cand = append(cand, m)
			}
		}
		sort.Ints(cand)
		next := kd.closest(key, cand, kd.alpha)
		if len(next) == 0 {
			return hops
		}
		for _, m := range next {
			asked[m] = true
			if holders[m] {
				return hops
			}
		}
		for _, m := range next {
			for _, c := range kd.closest(key, kd.tables[m], kd.k) {
				known[c] = true
			}
		}
	}
	return 64
}
