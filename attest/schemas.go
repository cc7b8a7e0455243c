package attest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// NetworkSchema is one of the schemas the network itself defines.
type NetworkSchema struct {
	Name      string
	Text      string
	Revocable bool
	Purpose   string
	Schema    *Schema
	UID       SchemaUID
	// TopicKey, when set, is the key template of the schema's topics: an
	// attestation is only valid on "<UID>/<key filled from its data>".
	TopicKey string
}

func networkSchema(name, text string, revocable bool, purpose string) NetworkSchema {
	s, err := ParseSchema(text)
	if err != nil {
		panic(fmt.Sprintf("attest: network schema %s: %v", name, err))
	}
	return NetworkSchema{Name: name, Text: text, Revocable: revocable, Purpose: purpose, Schema: s, UID: s.UID(common.Address{}, revocable)}
}

// The network's schemas, all with no resolver. docs/attestations.md lists
// them with their UIDs; a test keeps the two in step.
var (
	TicketSchema = networkSchema("ticket",
		"string flight,string date,string passenger,string seat", true,
		"an airline's flight ticket to its passenger; the example attestation-based token")
	FlightStatusSchema = withTopicKey(networkSchema("flight-status",
		"string flight,string date,uint32 delayMinutes,string status", true,
		"an airline's status update for one flight, gossiped on the flight's topic"), "{flight}/{date}")
	GrantSchema = networkSchema("grant",
		"bytes32 instance,address integration,string[] scopes,uint64 notAfter", true,
		"a token owner lets an integration use scopes (\"query:status\", \"query:*\", \"*\") of one instance until notAfter")
	BundleIssuerSchema = networkSchema("bundle-issuer",
		"bytes32 bundle", true,
		"a token's issuer vouches for a token bundle (by its hash): anchors accept a bundle only with it, and register an instance only against a bundle its attestation's signer vouched for")
	RevocationSchema = networkSchema("revocation",
		"bytes32 uid", false,
		"the signer of an off-chain attestation withdraws it (an off-chain stand-in for EAS revokeOffchain)")
	ReceiptSchema = networkSchema("execution-receipt",
		"bytes32 instance,bytes32 scriptHash,bytes32 stateRootBefore,bytes32 stateRootAfter,bytes32 transcriptRoot,uint64 fencing", false,
		"a service node vouches for one execution: the transcript root it ran to")
	FailureSchema = withTopicKey(networkSchema("failure",
		"bytes32 instance,string action,string request,bytes32 requestHash,string errorClass,uint16 attempts", false,
		"an anchor attests that an external call failed after its own attempts (request: its method and URL); only anchors sign it"), "{instance}")
	ActionResultSchema = withTopicKey(networkSchema("action-result",
		"bytes32 instance,string action,string idempotencyKey,uint64 fencing,bytes32 transcriptRoot,string patch,string result,string record", false,
		"an instance's executor publishes what one action changed (patch: the state's changed top-level fields) with the placement record that elected it"), "{instance}")
	FallbackVoteSchema = networkSchema("fallback-vote",
		"string mode,uint64 round", false,
		"an anchor's vote for the network's verification mode (normal, partial or full fallback) in a round")
	SlashingEvidenceSchema = networkSchema("slashing-evidence",
		"address node,bytes32 instance,bytes32 receiptUID,bytes32 claimedRoot,bytes32 replayedRoot,string reason", false,
		"an anchor's proof that a node's receipt does not match the replay of its transcript")
	ChainLogSchema = networkSchema("chain-log",
		"uint256 chainId,address contract,uint64 blockNumber,bytes32 blockHash,uint64 blockTime,uint32 logIndex,bytes32 txHash,bytes32[] topics,bytes data", false,
		"an anchor relays one confirmed event of a token's contract (a Transfer, a status change) to the instances that follow it; only anchors sign it, and every replica checks it against its own chain reads before applying it")
)

// NetworkSchemaOf returns the network schema with this UID.
func NetworkSchemaOf(uid SchemaUID) (NetworkSchema, bool) {
	for _, ns := range NetworkSchemas() {
		if ns.UID == uid {
			return ns, true
		}
	}
	return NetworkSchema{}, false
}

func withTopicKey(s NetworkSchema, key string) NetworkSchema {
	s.TopicKey = key
	return s
}

// NetworkSchemas lists the network's schemas.
func NetworkSchemas() []NetworkSchema {
	return []NetworkSchema{TicketSchema, FlightStatusSchema, GrantSchema, BundleIssuerSchema, RevocationSchema, ReceiptSchema, FailureSchema, SlashingEvidenceSchema, FallbackVoteSchema, ActionResultSchema, ChainLogSchema}
}

// SignGrant has a token's owner grant an integration scopes of one instance
// until notAfter (also the attestation's expiration time), as a version 2
// attestation to the integration.
func SignGrant(owner *ecdsa.PrivateKey, d Domain, instance [32]byte, integration common.Address, scopes []string, notAfter, now time.Time) (*Signed, error) {
	sc := make([]any, len(scopes))
	for i, s := range scopes {
		sc[i] = s
	}
	data, err := GrantSchema.Schema.Encode(map[string]any{
		"instance": hexutil.Encode(instance[:]), "integration": integration.Hex(),
		"scopes": sc, "notAfter": fmt.Sprint(notAfter.Unix()),
	})
	if err != nil {
		return nil, err
	}
	m := Message{
		Version: Version2, Schema: GrantSchema.UID, Recipient: integration,
		Time: uint64(now.Unix()), ExpirationTime: uint64(notAfter.Unix()), Revocable: true, Data: data,
	}
	if _, err := rand.Read(m.Salt[:]); err != nil {
		return nil, err
	}
	return Sign(owner, d, m)
}

// SignBundleIssuer signs an issuer's attestation for a token bundle, by
// its hash (tokenscript.BundleHash).
func SignBundleIssuer(issuer *ecdsa.PrivateKey, d Domain, bundle [32]byte, now time.Time) (*Signed, error) {
	return SignNetwork(issuer, d, BundleIssuerSchema, map[string]any{"bundle": common.Hash(bundle).Hex()}, now)
}

// SignRevocation withdraws an attestation uid its signer made.
func SignRevocation(signer *ecdsa.PrivateKey, d Domain, uid UID, now time.Time) (*Signed, error) {
	return SignNetwork(signer, d, RevocationSchema, map[string]any{"uid": uid.String()}, now)
}

// SignNetwork signs a version 2 attestation of one of the network's schemas,
// with no recipient, a random salt and now as its time.
func SignNetwork(signer *ecdsa.PrivateKey, d Domain, ns NetworkSchema, fields map[string]any, now time.Time) (*Signed, error) {
	data, err := ns.Schema.Encode(fields)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ns.Name, err)
	}
	m := Message{Version: Version2, Schema: ns.UID, Time: uint64(now.Unix()), Data: data}
	if _, err := rand.Read(m.Salt[:]); err != nil {
		return nil, err
	}
	return Sign(signer, d, m)
}
