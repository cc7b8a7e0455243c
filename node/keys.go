package node

import (
	"encoding/binary"

	"github.com/ethereum/go-ethereum/common"

	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/payments"
	"github.com/smartlayer/smartlayer/registry"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/wire"
)

// The node's Pebble keys. Every key it stores starts with one of these
// prefixes, and every key is built (and parsed) by a function of this file:
// no other file of the package spells a prefix (keys_test.go checks it, and
// that no prefix starts another, so no key space reaches into another).
// The bytes are on disk: changing one loses what stores hold.
const (
	prefixInstance     = "i/"                        // i/ id(32) -> a held instance (token.Instance JSON); service nodes
	prefixHistory      = "h/"                        // h/ id(32) n(8) -> the n-th attestation an instance applied (token.HistoryItem JSON)
	prefixAnswers      = "an/"                       // an/ id(32) keccak(entry uid)(32) uid(32) -> an executor's answers attestation to an entry's calls (attest.Signed JSON); service nodes
	prefixOutcome      = executor.PrefixOutcome      // ao/ id(32) action 0 key -> an action's outcome by idempotency key (executor.Outcome JSON); package executor's
	prefixBundle       = registry.PrefixBundle       // b/ hash(32) -> a token bundle (tokenscript.Bundle JSON); package registry's
	prefixRegistration = "r/"                        // r/ id(32) -> an instance registration (wire.Registration JSON); anchors
	prefixRecord       = "p/"                        // p/ id(32) -> an instance's placement record (placement.Record JSON); anchors
	prefixLevel        = sampling.PrefixLevel        // slo/ peer -> a service node's service level (placement.Level JSON); anchors; package sampling's
	prefixEvidence     = sampling.PrefixEvidence     // ev/ uid -> the execution behind this anchor's slashing evidence (sampling.Kept JSON); package sampling's
	prefixArchive      = sampling.PrefixArchive      // ka/ bucket(8) leaf(32) -> the execution behind a receipt this node signed, without its state (the archive's binary encoding), for the transcript retention; service nodes; package sampling's
	prefixArchiveState = sampling.PrefixArchiveState // ks/ bucket(8) root(32) -> a state archived executions of the bucket ran on; service nodes; package sampling's
	prefixVote         = "g/"                        // g/ round(8) anchor(20) -> an anchor's fallback-vote attestation; anchors
	prefixRevocation   = "v/"                        // v/ signer(20) uid(32) -> 1: an off-chain revocation this node was shown
	prefixRelay        = "cr/"                       // cr/ contract(20) -> block(8): the first block whose events of the contract this anchor has not relayed
	prefixChannel      = payments.PrefixAccount      // pc/ contract(20) channel(8) -> a payment channel's account (channel.Account JSON); anchors; package payments'
	prefixPayout       = payments.PrefixPending      // pd/ contract(20) channel(8) -> a distribution signed and not yet seen on chain (channel.Distribution JSON); anchors; package payments'
	prefixCommitOp     = "cm/"                       // cm/ contract(20) period(8) uid(32) -> instance(32), and for an action result the transcript root(32) of its execution: a key token operation kept for a period's commitment (30 days after the period); anchors
	prefixCommitUID    = "cu/"                       // cu/ contract(20) uid(32) -> period(8): the period an operation was kept in; anchors
	prefixCommitAtt    = "ca/"                       // ca/ contract(20) uid(32) -> a kept action result's or failure attestation's signed attestation (attest.Signed JSON); anchors
	prefixCommitExec   = "ce/"                       // ce/ contract(20) instance(32) transcriptRoot(32) -> uid(32): the kept action result that reports an execution; anchors
	// The attestation log's keys are package attengine's; listed here too.
	prefixEntry      = attengine.PrefixEntry      // L topic 0 publisher(20) seq(8) -> an attestation-log entry (attlog.Entry JSON)
	prefixHead       = attengine.PrefixHead       // H topic 0 publisher(20) -> a stream's head (attlog.Head JSON)
	prefixTopicIndex = attengine.PrefixTopicIndex // X topic 0 offset(8) -> publisher(20) seq(8): this node's delivery order of a topic
	prefixReplay     = attengine.PrefixReplay     // U signer/uid -> topic 0 publisher(20): the stream that holds an attestation
	prefixMeta       = attengine.PrefixMeta       // meta/name -> markers of one-time migrations
)

// keyspaces lists every prefix: the store holds nothing else.
var keyspaces = []string{
	prefixInstance, prefixHistory, prefixAnswers, prefixOutcome, prefixBundle, prefixRegistration, prefixRecord, prefixLevel,
	prefixVote, prefixRevocation, prefixRelay, prefixEvidence, prefixArchive, prefixArchiveState, prefixChannel, prefixPayout, prefixCommitOp, prefixCommitUID, prefixCommitAtt, prefixCommitExec, prefixEntry, prefixHead, prefixTopicIndex, prefixReplay, prefixMeta,
}

// with is store.Key.
func with(prefix string, parts ...[]byte) []byte { return store.Key(prefix, parts...) }

// relayNextKey holds the first block of a contract an anchor's relay of
// contract events has not read.
func relayNextKey(c common.Address) []byte { return with(prefixRelay, c[:]) }

// --- service nodes: instances and what they did ---

func instKey(id wire.InstanceID) []byte { return with(prefixInstance, id[:]) }

// instancesPrefix starts every instance key.
func instancesPrefix() []byte { return []byte(prefixInstance) }

// histKey is the key of an instance's n-th history item; histPrefix, of
// all of them.
func histKey(id wire.InstanceID, n uint64) []byte {
	return binary.BigEndian.AppendUint64(histPrefix(id), n)
}

func histPrefix(id wire.InstanceID) []byte { return with(prefixHistory, id[:]) }

// answersKey is the key of an answers attestation (its UID att) to the
// entry of instance id whose cause hashes to entry; answersPrefix, of all
// of that entry's; answersInstancePrefix, of all of the instance's.
func answersKey(id wire.InstanceID, entry, att common.Hash) []byte {
	return append(answersPrefix(id, entry), att[:]...)
}

func answersPrefix(id wire.InstanceID, entry common.Hash) []byte {
	return with(prefixAnswers, id[:], entry[:])
}

func answersInstancePrefix(id wire.InstanceID) []byte { return with(prefixAnswers, id[:]) }

// revocationKey is the key of a revocation: signer and the UID it revokes
// (revKey); revocationOf reads it back.
func revocationKey(k [52]byte) []byte { return with(prefixRevocation, k[:]) }

func revocationsPrefix() []byte { return []byte(prefixRevocation) }

func revocationOf(key []byte) (k [52]byte) {
	copy(k[:], key[len(prefixRevocation):])
	return k
}

// --- every node: bundles ---

// --- anchors: the registry, placement, service levels, votes ---

func regKey(id wire.InstanceID) []byte { return with(prefixRegistration, id[:]) }

func regsPrefix() []byte { return []byte(prefixRegistration) }

func recordKey(id wire.InstanceID) []byte { return with(prefixRecord, id[:]) }

func recordsPrefix() []byte { return []byte(prefixRecord) }

// voteKey is the key of an anchor's vote in a round: rounds in order.
func voteKey(round uint64, a common.Address) []byte {
	return with(prefixVote, binary.BigEndian.AppendUint64(nil, round), a[:])
}

func votesPrefix() []byte { return []byte(prefixVote) }

// commitOpKey is a key operation's key in a period of a Commitments
// contract (a new contract starts its periods afresh).
func commitOpKey(contract common.Address, period uint64, uid common.Hash) []byte {
	return with(prefixCommitOp, contract[:], binary.BigEndian.AppendUint64(nil, period), uid[:])
}

// commitPeriodPrefix starts every operation key of a period.
func commitPeriodPrefix(contract common.Address, period uint64) []byte {
	return with(prefixCommitOp, contract[:], binary.BigEndian.AppendUint64(nil, period))
}

// commitUIDKey is the key of the period an operation was kept in.
func commitUIDKey(contract common.Address, uid common.Hash) []byte {
	return with(prefixCommitUID, contract[:], uid[:])
}

// commitAttKey holds a kept operation's attestation.
func commitAttKey(contract common.Address, uid common.Hash) []byte {
	return with(prefixCommitAtt, contract[:], uid[:])
}

// commitExecKey finds the kept action result that reports the execution
// with the transcript root on the instance (what a receipt names).
func commitExecKey(contract common.Address, instance, transcriptRoot common.Hash) []byte {
	return with(prefixCommitExec, contract[:], instance[:], transcriptRoot[:])
}
