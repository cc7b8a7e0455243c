package placement

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/wire"
)

// Record errors; callers test them with errors.Is.
var (
	ErrRecordMalformed = errors.New("malformed placement record")
	ErrRecordSignature = errors.New("placement record signature invalid")
	ErrRecordSigner    = errors.New("placement record not signed by a known anchor")
	// ErrEpochUnknown: the record's epoch is not one this node knows (yet:
	// it may learn it); it is also ErrRecordMalformed.
	ErrEpochUnknown = fmt.Errorf("%w: unknown epoch", ErrRecordMalformed)
)

// Record says which service nodes hold an instance and which one executes its
// actions. The responsible anchor signs it; the fencing number grows with
// every change, so a stale executor can be told from the current one.
type Record struct {
	Instance wire.InstanceID `json:"instance"`
	Bundle   string          `json:"bundle"`
	Epoch    uint64          `json:"epoch"`
	Fencing  uint64          `json:"fencing"`
	Replicas []string        `json:"replicas"`
	Executor string          `json:"executor"`
	Anchor   common.Address  `json:"anchor"`
	// AnchorPeer is the libp2p peer ID of the signing anchor.
	AnchorPeer string `json:"anchorPeer"`
	IssuedMs   int64  `json:"issuedMs"`
	// Takeover, on a record signed by an anchor that is not the first of
	// the whole set for the instance, certifies the anchors before it down
	// (Authority.Check).
	Takeover  []DownVote    `json:"takeover,omitempty"`
	Signature hexutil.Bytes `json:"signature,omitempty"`
}

const recordDomain = "smartlayer/placement-record/v1\n"

// Digest is keccak256 of the domain tag and the record's JSON without its
// signature.
func (r *Record) Digest() [32]byte {
	c := *r
	c.Signature = nil
	return signedDigest(recordDomain, &c)
}

// Sign signs the record with the anchor's key and sets Anchor.
func (r *Record) Sign(key *ecdsa.PrivateKey) error {
	r.Anchor = crypto.PubkeyToAddress(key.PublicKey)
	d := r.Digest()
	sig, err := crypto.Sign(d[:], key)
	if err != nil {
		return fmt.Errorf("sign placement record: %w", err)
	}
	r.Signature = sig
	return nil
}

// Verify checks the signature against r.Anchor and that the anchor is in the
// allowed set (nil allows any signer).
func (r *Record) Verify(allowed func(common.Address) bool) error {
	if len(r.Signature) != 65 {
		return fmt.Errorf("%w: %d-byte signature", ErrRecordSignature, len(r.Signature))
	}
	d := r.Digest()
	pub, err := crypto.SigToPub(d[:], r.Signature)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRecordSignature, err)
	}
	if got := crypto.PubkeyToAddress(*pub); got != r.Anchor {
		return fmt.Errorf("%w: signed by %s, claims %s", ErrRecordSignature, got, r.Anchor)
	}
	if allowed != nil && !allowed(r.Anchor) {
		return fmt.Errorf("%w: %s", ErrRecordSigner, r.Anchor)
	}
	return nil
}

// Holds reports whether peer is one of the replicas.
func (r *Record) Holds(peer string) bool {
	for _, p := range r.Replicas {
		if p == peer {
			return true
		}
	}
	return false
}

// Newer reports whether r supersedes o: a later epoch, then a higher fencing
// number, then a later issue time.
func (r *Record) Newer(o *Record) bool {
	if o == nil {
		return true
	}
	if r.Epoch != o.Epoch {
		return r.Epoch > o.Epoch
	}
	if r.Fencing != o.Fencing {
		return r.Fencing > o.Fencing
	}
	return r.IssuedMs > o.IssuedMs
}

// DecodeRecord reads a record's JSON.
func DecodeRecord(b []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecordMalformed, err)
	}
	if len(r.Replicas) == 0 || r.Executor == "" || !r.Holds(r.Executor) {
		return nil, fmt.Errorf("%w: no replicas, or the executor is not a replica", ErrRecordMalformed)
	}
	return &r, nil
}

// DHTPath is the namespaced DHT key under which the record for k is stored.
func DHTPath(k Key) string { return "/" + Namespace + "/" + hexutil.Encode(k[:]) }

// Namespace is the DHT namespace of placement records.
const Namespace = "slplace"

// Validator checks placement records for go-libp2p-kad-dht: signed by the
// anchor Authority says may sign it, stored under the key of its own
// instance.
type Validator struct {
	Authority *Authority
}

// Validate implements record.Validator.
func (v Validator) Validate(key string, value []byte) error {
	r, err := DecodeRecord(value)
	if err != nil {
		return err
	}
	if err := v.Authority.Check(r); err != nil {
		return err
	}
	seed, _ := v.Authority.Seed(r.Epoch) // Check knew it
	if want := DHTPath(DHTKey(seed, r.Instance)); key != want {
		return fmt.Errorf("%w: stored under %s, belongs under %s", ErrRecordMalformed, key, want)
	}
	return nil
}

// Select implements record.Validator: the newest valid record wins.
func (v Validator) Select(_ string, values [][]byte) (int, error) {
	best, bi := (*Record)(nil), -1
	for i, b := range values {
		r, err := DecodeRecord(b)
		if err != nil {
			continue
		}
		if r.Newer(best) {
			best, bi = r, i
		}
	}
	if bi < 0 {
		return 0, errors.New("no valid placement record")
	}
	return bi, nil
}
