package attengine

import (
	"errors"
	"testing"
	"time"

	"github.com/smartlayer/smartlayer/attest"
)

// TestOldResultsRefused: an action result signed more than maxResultAge ago
// is refused by anchors (a replaced executor cannot date results back into
// its time); other old attestations are not (found in review).
func TestOldResultsRefused(t *testing.T) {
	now := time.Now()
	old := &attest.Signed{Message: attest.Message{Schema: attest.ActionResultSchema.UID, Time: uint64(now.Add(-maxResultAge - time.Minute).Unix())}}
	if err := FreshResult(old, now); !errors.Is(err, ErrTooOld) {
		t.Fatalf("an old result: %v", err)
	}
	recent := &attest.Signed{Message: attest.Message{Schema: attest.ActionResultSchema.UID, Time: uint64(now.Add(-time.Minute).Unix())}}
	if err := FreshResult(recent, now); err != nil {
		t.Fatalf("a recent result: %v", err)
	}
	status := &attest.Signed{Message: attest.Message{Schema: attest.FlightStatusSchema.UID, Time: uint64(now.Add(-time.Hour).Unix())}}
	if err := FreshResult(status, now); err != nil {
		t.Fatalf("an old status: %v", err)
	}
}
