package attest

import (
	"runtime"
	"sync"
)

// VerifyBatch verifies attestations on workers goroutines (GOMAXPROCS when
// workers <= 0) and returns each one's error, in order.
func VerifyBatch(batch []*Signed, workers int) []error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, len(batch))
	if workers == 1 || len(batch) < 2 {
		for i, s := range batch {
			errs[i] = s.Verify()
		}
		return errs
	}
	var wg sync.WaitGroup
	chunk := (len(batch) + workers - 1) / workers
	for start := 0; start < len(batch); start += chunk {
		end := min(start+chunk, len(batch))
		wg.Add(1)
		go func(part []*Signed, out []error) {
			defer wg.Done()
			for i, s := range part {
				out[i] = s.Verify()
			}
		}(batch[start:end], errs[start:end])
	}
	wg.Wait()
	return errs
}
