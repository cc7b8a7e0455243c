package wire

import (
	"encoding/json"

	"github.com/ethereum/go-ethereum/common"
)

// PaymentHeader carries a call's payment promise on a channel:
// "channel;cumulative;nonce;0xsignature" (package channel's header form).
const PaymentHeader = "X-Smartlayer-Payment"

// PaymentDue, on a 402, is what the call costs and how to pay it: a
// promise on a channel of the Channels contract at Contract on ChainID,
// raising the cumulative amount by at least Price (the service token's
// smallest unit), in PaymentHeader.
type PaymentDue struct {
	Price    string         `json:"price"`
	Header   string         `json:"header"`
	Contract common.Address `json:"contract"`
	ChainID  int64          `json:"chainId"`
	// Channel is the channel the refused promise named, as this node
	// knows it (none when no channel was named, or it is unknown).
	Channel *ChannelState `json:"channel,omitempty"`
}

// ChannelState is a payment channel as a node knows it: its deposit on
// chain (less a withdrawal announced), the prices of the calls charged to
// it, and the highest promise taken.
type ChannelState struct {
	ID       uint64         `json:"id"`
	Payer    common.Address `json:"payer"`
	Anchor   common.Address `json:"anchor"`
	Deposit  string         `json:"deposit"`
	Charged  string         `json:"charged"`
	Promised string         `json:"promised"`
	Nonce    uint64         `json:"nonce"` // the best promise's
	// Spent is the highest nonce spent that the node knows (promises and
	// calls on credit).
	Spent  uint64 `json:"spent"`
	Closed bool   `json:"closed"`
	// Best is the highest promise taken, in its header form: signed by the
	// payer, so a payer that lost count (a restart) can check it and go
	// on from there ("" when none). A service node shows the highest its
	// channel's anchor has taken, never one of its own not forwarded yet
	// (another node could forward that first); Promised and Nonce are its.
	Best string `json:"best,omitempty"`
}

// ChannelStatus is an anchor's answer about a channel opened to it
// (GET /v1/channels/{id}): the chain's state and the anchor's account.
type ChannelStatus struct {
	ChannelState
	Cashed      string `json:"cashed"`      // on chain
	Distributed string `json:"distributed"` // on chain
	Withdrawing string `json:"withdrawing"` // announced on chain
	Closing     bool   `json:"closing"`     // a unilateral close started
	// Served counts the calls each node served since the last payout.
	Served map[common.Address]uint64 `json:"served"`
	// AnchorKey is the answering anchor's public key (uncompressed,
	// 0x and 65 bytes of hex): a payer derives the key of its calls on
	// credit from it (package channel's CreditKey).
	AnchorKey string `json:"anchorKey"`
}

// Settlement is what one settlement of a channel did
// (POST /v1/channels/{id}/settle).
type Settlement struct {
	Channel     uint64 `json:"channel"`
	Cashed      string `json:"cashed"`
	Distributed string `json:"distributed"`
	// Burnt is what the payouts this settlement sent burnt (the network's
	// share and the rounding dust): gone from the token's supply.
	Burnt  string           `json:"burnt"`
	Nodes  []common.Address `json:"nodes"`
	Counts []uint64         `json:"counts"`
}

// ChannelClose asks an anchor for its half of a cooperative close
// (POST /v1/channels/{id}/close): the payer's signature over the close at
// FinalAmount, at least the highest promise the anchor holds. The anchor
// answers with its own signature, and takes no more calls on the channel.
type ChannelClose struct {
	FinalAmount     string `json:"finalAmount"`
	PayerSignature  string `json:"payerSignature"`
	AnchorSignature string `json:"anchorSignature,omitempty"`
}

// ChannelPromise is a promise a payer sends the channel's anchor with no
// call (POST /v1/channels/{id}/promise): the one that covers its last
// calls on credit, in the X-Smartlayer-Payment header form.
type ChannelPromise struct {
	Promise string `json:"promise"`
}

// CommitmentProof is an operation's place in its period's commitment as an
// anchor kept it (GET /v1/commitments/proof/{uid}): the leaf, the proof to
// the root it computed, and what the chain holds for the period.
type CommitmentProof struct {
	Period      uint64         `json:"period"`
	UID         common.Hash    `json:"uid"`
	Leaf        common.Hash    `json:"leaf"`
	Proof       []common.Hash  `json:"proof"`
	Root        common.Hash    `json:"root"`
	Count       int            `json:"count"`
	Written     bool           `json:"written"`
	Anchor      common.Address `json:"anchor,omitempty"`      // who wrote it
	OnChainRoot common.Hash    `json:"onChainRoot,omitempty"` // the written root
	// Attestation is the operation's signed attestation (attest.Signed
	// JSON) for an action result or a failure attestation, in the proof
	// found by an execution (its receipt's holder asks): whoever checks the
	// proof can check that the operation is the one they asked about. The
	// proof by UID, which anyone may ask, leaves it out.
	Attestation json.RawMessage `json:"attestation,omitempty"`
}
