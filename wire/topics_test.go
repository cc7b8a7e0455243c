package wire_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/wire"
)

// The schema UIDs wire keeps are attest's, and its topics are the ones the
// token core follows and the network checks (schema UID / key).
func TestTopicsAreTheNetworks(t *testing.T) {
	for _, c := range []struct {
		name string
		wire string
		ns   attest.NetworkSchema
	}{
		{"action-result", wire.ActionResultSchemaUID, attest.ActionResultSchema},
		{"chain-log", wire.ChainLogSchemaUID, attest.ChainLogSchema},
		{"failure", wire.FailureSchemaUID, attest.FailureSchema},
		{"slashing-evidence", wire.SlashingEvidenceSchemaUID, attest.SlashingEvidenceSchema},
		{"revocation", wire.RevocationSchemaUID, attest.RevocationSchema},
	} {
		if c.wire != c.ns.UID.String() {
			t.Errorf("%s: wire has schema UID %s, attest %s", c.name, c.wire, c.ns.UID)
		}
	}
	id := wire.InstanceID{1, 2, 3}
	if got, want := wire.ResultTopic(id), attest.ActionResultSchema.UID.String()+"/"+id.String(); got != want {
		t.Errorf("ResultTopic %s, want %s", got, want)
	}
	if got, want := wire.FailureTopic(id), attest.FailureSchema.UID.String()+"/"+id.String(); got != want {
		t.Errorf("FailureTopic %s, want %s", got, want)
	}
	addr := common.HexToAddress("0x00000000000000000000000000000000000000Ab")
	if got, want := wire.SlashingTopic(addr), attest.SlashingEvidenceSchema.UID.String()+"/0x00000000000000000000000000000000000000ab"; got != want {
		t.Errorf("SlashingTopic %s, want %s", got, want)
	}
}
