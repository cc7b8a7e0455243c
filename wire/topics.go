package wire

import (
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// UIDs of the network schemas whose topics the node, the SDK and the tools
// build. Package attest derives them from the schemas' text (and lists
// them in docs/attestations.md); wire imports nothing of this module, so it
// keeps them as constants, and topics_test.go checks they are attest's.
const (
	ActionResultSchemaUID     = "0xc0dc0a9808086b50f874225153cf1f8f1787d6061a3b0bebe7ad542297b4adbe"
	FailureSchemaUID          = "0x6474ea389394c5d8509d6dccbf9e0926b4b27fa37cd4bfe4bf1100bd5e7be1cd"
	SlashingEvidenceSchemaUID = "0x766d37b545eda828f949e91301c2b80c8b85a9e126f12a9408a7f4d5d9a46725"
	RevocationSchemaUID       = "0x9c44695c2332f266d265f5ba38c3f60fe5162945443f1e82e3fb6f41ff33a33a"
	ChainLogSchemaUID         = "0xe4ddbc4591c201cdff39721f855ce6784791b7d7523c28388d78a10a7aaaf701"
)

// Topic is the attestation-log topic of a schema (its UID in 0x hex) and a
// key: "<schema>/<key>" (attlog.CheckTopic is the grammar).
func Topic(schema, key string) string { return schema + "/" + key }

// ResultTopic is the topic of an instance's action results (the same as
// token.ResultTopic).
func ResultTopic(id InstanceID) string { return Topic(ActionResultSchemaUID, id.String()) }

// InstanceOfTopic reports whether a topic is one of an instance's own (its
// action results, its failure attestations: what changed in its state),
// and which instance.
func InstanceOfTopic(topic string) (InstanceID, bool) {
	schema, key, ok := strings.Cut(topic, "/")
	if !ok || !strings.EqualFold(schema, ActionResultSchemaUID) && !strings.EqualFold(schema, FailureSchemaUID) {
		return InstanceID{}, false
	}
	id, err := ParseInstanceID(key)
	return id, err == nil
}

// FailureTopic is the topic of the anchors' failure attestations for an
// instance's external calls (the same as token.FailureTopic).
func FailureTopic(id InstanceID) string { return Topic(FailureSchemaUID, id.String()) }

// ChainTopic is the topic on which anchors relay a contract's events of
// one key: "<chain-log UID>/<contract, lower-case hex>/<key>", the key
// filled from the event's fields by a subscription's template (such as
// "{flight}/{date}").
func ChainTopic(contract common.Address, key string) string {
	return Topic(ChainLogSchemaUID, strings.ToLower(contract.Hex())+"/"+key)
}

// TransferTopic is the topic of the ERC-721 Transfers of the token whose
// ID is an instance's ID.
func TransferTopic(contract common.Address, id InstanceID) string {
	return ChainTopic(contract, "transfer/"+id.String())
}

// RevocationTopic is the topic of the off-chain revocations one signer
// (a token owner) made, keyed by its address in lower-case hex: every
// service node holding one of the owner's instances follows it.
func RevocationTopic(signer common.Address) string {
	return Topic(RevocationSchemaUID, strings.ToLower(signer.Hex()))
}

// IsRevocationTopic reports whether t is a signer's revocation topic.
func IsRevocationTopic(t string) bool {
	return strings.HasPrefix(t, RevocationSchemaUID+"/")
}

// SlashingTopic is the topic of the slashing evidence against one node,
// keyed by its address in lower-case hex.
func SlashingTopic(node common.Address) string {
	return Topic(SlashingEvidenceSchemaUID, strings.ToLower(node.Hex()))
}
