package attest

import (
	"math/big"
	"runtime"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

func benchAttestations(b testing.TB, n int) []*Signed {
	key, _ := crypto.ToECDSA(crypto.Keccak256([]byte("bench key")))
	d := Domain{Name: DomainName, Version: "1.3.0", ChainID: big.NewInt(1337), VerifyingContract: common.Address{1}}
	data, _ := FlightStatusSchema.Schema.EncodeJSON([]byte(`{"flight":"BA117","date":"2026-12-01","delayMinutes":190,"status":"delayed"}`))
	out := make([]*Signed, n)
	for i := range out {
		m := Message{Version: Version2, Schema: FlightStatusSchema.UID, Time: 1700000000 + uint64(i), Data: data, Revocable: true}
		s, err := Sign(key, d, m)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = s
	}
	return out
}

// BenchmarkVerifyVsEcrecover measures one-core verification of version 2
// attestations against raw crypto.Ecrecover of the same signatures, in the
// same run. Target: verify at least 80% of the ecrecover rate.
func BenchmarkVerifyVsEcrecover(b *testing.B) {
	batch := benchAttestations(b, 256)
	type pair struct{ dg, sig []byte }
	raw := make([]pair, len(batch))
	for i, s := range batch {
		dg, _ := Digest(s.Domain, s.Struct, &s.Message)
		sig := append([]byte(nil), s.Sig[:]...)
		sig[64] -= 27
		raw[i] = pair{dg[:], sig}
	}
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		p := raw[i%len(raw)]
		if _, err := crypto.Ecrecover(p.dg, p.sig); err != nil {
			b.Fatal(err)
		}
	}
	ecr := time.Since(t0)
	t1 := time.Now()
	for i := 0; i < b.N; i++ {
		if err := batch[i%len(batch)].Verify(); err != nil {
			b.Fatal(err)
		}
	}
	ver := time.Since(t1)
	b.ReportMetric(float64(b.N)/ecr.Seconds(), "ecrecover/s")
	b.ReportMetric(float64(b.N)/ver.Seconds(), "verify/s")
	b.ReportMetric(ecr.Seconds()/ver.Seconds(), "verify/ecrecover")
}

// BenchmarkVerifyBatch measures batch verification on one core and on all
// cores, in the same run, and reports the speed-up.
func BenchmarkVerifyBatch(b *testing.B) {
	batch := benchAttestations(b, 1024)
	cores := runtime.GOMAXPROCS(0)
	b.ResetTimer()
	var one, all time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		for _, err := range VerifyBatch(batch, 1) {
			if err != nil {
				b.Fatal(err)
			}
		}
		one += time.Since(t0)
		t1 := time.Now()
		for _, err := range VerifyBatch(batch, cores) {
			if err != nil {
				b.Fatal(err)
			}
		}
		all += time.Since(t1)
	}
	n := float64(b.N * len(batch))
	b.ReportMetric(n/one.Seconds(), "verify/s-1core")
	b.ReportMetric(n/all.Seconds(), "verify/s-allcores")
	b.ReportMetric(one.Seconds()/all.Seconds(), "speedup")
	b.ReportMetric(float64(cores), "cores")
}

func TestVerifyBatch(t *testing.T) {
	batch := benchAttestations(t, 33)
	batch[7] = func() *Signed { c := *batch[7]; c.UID[0] ^= 1; return &c }()
	for _, w := range []int{1, 2, 5, 0} {
		errs := VerifyBatch(batch, w)
		for i, err := range errs {
			if (i == 7) != (err != nil) {
				t.Fatalf("workers %d: item %d: %v", w, i, err)
			}
		}
	}
}
