package sampling

import (
	"github.com/ethereum/go-ethereum/common"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/transport"
)

// PrefixLevel starts the keys of service levels, on anchors:
// slo/ peer -> a service node's level (placement.Level JSON).
const PrefixLevel = "slo/"

// LevelKey is the key of a service node's level, by its peer ID.
func LevelKey(peer string) []byte { return store.Key(PrefixLevel, []byte(peer)) }

// levelPeer is the peer ID of a level key.
func levelPeer(key []byte) string { return string(key[len(PrefixLevel):]) }

// PrefixEvidence starts the keys of the executions behind this anchor's
// slashing evidence: ev/ uid -> Kept JSON (served to the other anchors).
const PrefixEvidence = "ev/"

// EvidenceKey is the key of the execution behind a piece of evidence.
func EvidenceKey(uid string) []byte { return store.Key(PrefixEvidence, []byte(uid)) }

// ProtoEvidence carries EvidenceRequest, anchor to anchor.
const ProtoEvidence = transport.ProtocolPrefix + "/evidence/1.0.0"

// EvidenceRequest asks an anchor for the execution behind its evidence.
type EvidenceRequest struct {
	UID string `json:"uid"`
}

// ProtoTranscript carries TranscriptRequest, anchor to service node: the
// execution one of the node's receipts vouches for (forwarded receipts).
const ProtoTranscript = transport.ProtocolPrefix + "/transcript/1.0.0"

// TranscriptRequest names a receipt by its leaf.
type TranscriptRequest struct {
	Leaf common.Hash `json:"leaf"`
}
