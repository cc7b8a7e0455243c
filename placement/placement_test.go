package placement

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/wire"
)

func ids(rng *rand.Rand, n int) []wire.InstanceID {
	out := make([]wire.InstanceID, n)
	for i := range out {
		for j := range out[i] {
			out[i][j] = byte(rng.UintN(256))
		}
	}
	return out
}

func cands(n int) []Candidate {
	c := make([]Candidate, n)
	for i := range c {
		c[i] = Candidate{ID: fmt.Sprintf("node-%d", i), Weight: 1}
	}
	return c
}

func TestReplicasStableUnderRemoval(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	seed := [32]byte{9}
	all := cands(8)
	moved := 0
	for _, id := range ids(rng, 2000) {
		k := DHTKey(seed, id)
		before := Replicas(k, all, 3)
		if len(before) != 3 {
			t.Fatalf("want 3 replicas, got %v", before)
		}
		// Remove node-3: only the instances it held change replicas, and
		// the survivors keep their order.
		var rest []Candidate
		for _, c := range all {
			if c.ID != "node-3" {
				rest = append(rest, c)
			}
		}
		after := Replicas(k, rest, 3)
		held := false
		for _, p := range before {
			held = held || p == "node-3"
		}
		if !held {
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatalf("instance not on node-3 moved: %v -> %v", before, after)
			}
			continue
		}
		moved++
		kept := 0
		for _, p := range before {
			if p != "node-3" {
				if after[kept] != p {
					t.Fatalf("survivor order changed: %v -> %v", before, after)
				}
				kept++
			}
		}
	}
	// node-3 holds 3/8 of the instances on average.
	if moved < 600 || moved > 900 {
		t.Fatalf("node-3 held %d of 2000 instances, want about 750", moved)
	}
}

func TestReplicasWeighted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := []Candidate{{"heavy", 3}, {"a", 1}, {"b", 1}, {"c", 1}, {"zero", 0}}
	first := map[string]int{}
	for _, id := range ids(rng, 6000) {
		r := Replicas(DHTKey([32]byte{}, id), c, 1)
		first[r[0]]++
	}
	if first["zero"] != 0 {
		t.Fatal("zero-weight node chosen")
	}
	// heavy should win about half the time (3 of 6).
	if first["heavy"] < 2700 || first["heavy"] > 3300 {
		t.Fatalf("heavy first %d of 6000, want about 3000 (%v)", first["heavy"], first)
	}
}

func TestResponsibleDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	anchors := []string{"a1", "a2", "a3"}
	count := map[string]int{}
	for _, id := range ids(rng, 3000) {
		k := DHTKey([32]byte{1}, id)
		a, ok := Responsible(k, anchors)
		b, _ := Responsible(k, []string{"a3", "a1", "a2"})
		if !ok || a != b {
			t.Fatalf("order-dependent: %s vs %s", a, b)
		}
		count[a]++
	}
	for _, a := range anchors {
		if count[a] < 700 {
			t.Fatalf("uneven: %v", count)
		}
	}
	if _, ok := Responsible(Key{}, nil); ok {
		t.Fatal("responsible with no anchors")
	}
}

func TestRecordSignVerify(t *testing.T) {
	key, _ := crypto.GenerateKey()
	seed := [32]byte{7}
	r := &Record{Instance: wire.InstanceID{1}, Bundle: "0xab", Fencing: 2, Replicas: []string{"p1", "p2"}, Executor: "p1", AnchorPeer: "a1"}
	if err := r.Sign(key); err != nil {
		t.Fatal(err)
	}
	me := crypto.PubkeyToAddress(key.PublicKey)
	v := Validator{&Authority{Anchors: map[string]common.Address{"a1": me}, Seed: func(uint64) ([32]byte, bool) { return seed, true }}}
	enc := mustJSON(t, r)
	path := DHTPath(DHTKey(seed, r.Instance))
	if err := v.Validate(path, enc); err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(DHTPath(Key{}), enc); !errors.Is(err, ErrRecordMalformed) {
		t.Fatalf("wrong key: %v", err)
	}
	r2 := *r
	r2.Replicas = []string{"p1", "evil"}
	if err := v.Validate(path, mustJSON(t, &r2)); !errors.Is(err, ErrRecordSignature) {
		t.Fatalf("tampered: %v", err)
	}
	other, _ := crypto.GenerateKey()
	r3 := *r
	_ = r3.Sign(other)
	if err := v.Validate(path, mustJSON(t, &r3)); !errors.Is(err, ErrRecordSigner) {
		t.Fatalf("stranger: %v", err)
	}
	newer := *r
	newer.Fencing = 3
	_ = newer.Sign(key)
	i, err := v.Select(path, [][]byte{enc, mustJSON(t, &newer), []byte("junk")})
	if err != nil || i != 1 {
		t.Fatalf("select: %d %v", i, err)
	}
}

func TestDiverse(t *testing.T) {
	plat := map[string]string{"a": "sgx", "b": "sgx", "c": "sev", "d": "sgx", "e": "tdx"}
	got := Diverse([]string{"a", "b", "c", "d", "e"}, func(id string) string { return plat[id] }, 3)
	if fmt.Sprint(got) != "[a c e]" {
		t.Fatalf("got %v", got)
	}
	got = Diverse([]string{"a", "b", "d"}, func(id string) string { return plat[id] }, 2)
	if fmt.Sprint(got) != "[a b]" {
		t.Fatalf("one platform: %v", got)
	}
}

// The insertion ranking and the full sort agree.
func TestReplicasTopMatchesSort(t *testing.T) {
	var cands []Candidate
	for i := 0; i < 200; i++ {
		cands = append(cands, Candidate{ID: fmt.Sprintf("n%03d", i), Weight: float64(1 + i%7)})
	}
	for i := 0; i < 50; i++ {
		k := Key{byte(i), 9}
		all := Replicas(k, cands, len(cands))
		if got := Replicas(k, cands, 5); !slices.Equal(got, all[:5]) {
			t.Fatalf("top 5 %v, sorted %v", got, all[:5])
		}
	}
}
