// Package receipt makes and checks execution receipts: a node's signature,
// alone or over a Merkle batch, binding an answer to the transcript it came
// from. An Attester signs; the software one is a node key, a TEE one would
// add its quote.
package receipt

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// Errors of receipt checks.
var (
	ErrProof     = errors.New("receipt proof does not lead to the signed root")
	ErrSignature = errors.New("receipt not signed by the node")
	ErrMalformed = errors.New("malformed receipt")
)

// Receipt vouches for one execution: what was asked (Request), what was
// answered (Output), the script, the state it ran on and the state it left,
// the transcript of everything in between, the fencing number of the
// record the node held, and the node.
type Receipt struct {
	Instance       string         `json:"instance"`
	Function       string         `json:"function"`
	Request        common.Hash    `json:"request"` // RequestHash of the call
	Output         common.Hash    `json:"output"`  // OutputHash of the answer
	ScriptHash     common.Hash    `json:"scriptHash"`
	StateBefore    common.Hash    `json:"stateBefore"`
	StateRoot      common.Hash    `json:"stateRoot"` // the state after
	TranscriptRoot common.Hash    `json:"transcriptRoot"`
	Fencing        uint64         `json:"fencing"`
	Node           common.Address `json:"node"`
	// AtMs is when the execution ran (its transcript's clock, Unix ms):
	// the node must produce the execution for whoever holds the receipt
	// until AtMs plus the network's transcript retention. Zero in receipts
	// made before it existed (leaf v2).
	AtMs int64 `json:"atMs,omitempty"`
	// Batch signing: the leaf's path to the signed root.
	Index uint64        `json:"index,omitempty"`
	Proof []common.Hash `json:"proof,omitempty"`
	Root  common.Hash   `json:"root"`
	Sig   hexutil.Bytes `json:"signature"`
	Quote hexutil.Bytes `json:"quote,omitempty"` // a TEE attester's evidence over Root
	Kind  string        `json:"attester"`        // "software", "sgx", ...
}

// Leaf is the receipt's Merkle leaf: domain smartlayer/receipt/v3 with the
// execution's time last, or v2 without it for a receipt with no time.
func (r *Receipt) Leaf() common.Hash {
	var f [8]byte
	binary.BigEndian.PutUint64(f[:], r.Fencing)
	parts := [][]byte{[]byte("smartlayer/receipt/v2"), {byte(len(r.Instance))}, []byte(r.Instance),
		{byte(len(r.Function))}, []byte(r.Function), r.Request[:], r.Output[:], r.ScriptHash[:],
		r.StateBefore[:], r.StateRoot[:], r.TranscriptRoot[:], f[:], r.Node[:]}
	if r.AtMs != 0 {
		parts[0] = []byte("smartlayer/receipt/v3")
		parts = append(parts, binary.BigEndian.AppendUint64(nil, uint64(r.AtMs)))
	}
	return crypto.Keccak256Hash(parts...)
}

// MaxSkew is how far from a client's clock a receipt's time may be: clocks
// differ, and an action's answer comes when its calls are done, after the
// time it started. Anchors blame a node for an execution it cannot produce
// only while the receipt is younger than the retention less MaxSkew.
const MaxSkew = 5 * time.Minute

// Fresh reports whether the receipt's time is within skew of now: a node
// cannot date an answer back past the time it must keep the execution.
func (r *Receipt) Fresh(now time.Time, skew time.Duration) error {
	at := time.UnixMilli(r.AtMs)
	if r.AtMs <= 0 || at.Before(now.Add(-skew)) || at.After(now.Add(skew)) {
		return fmt.Errorf("%w: the receipt is dated %s, %s from this clock (at most %s)", ErrMismatch, at.UTC().Format(time.RFC3339Nano), at.Sub(now).Round(time.Millisecond), skew)
	}
	return nil
}

// canonicalJSON is JSON as encoding/json writes a raw message (compact,
// HTML-escaped): the form hashed, so the bytes a client sent or received
// hash the same as the bytes the node read or wrote whatever spacing either
// used. Text that is not JSON is hashed as it is.
func canonicalJSON(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	if out, err := json.Marshal(json.RawMessage(b)); err == nil {
		return out
	}
	return b
}

// RequestHash is what a receipt says was asked: the function
// ("query:status", "action:rebook"), the instance (lower-case hex), an
// action's idempotency key and the arguments (an empty body counts as {}).
func RequestHash(function, instance, key string, args []byte) common.Hash {
	if len(args) == 0 {
		args = []byte("{}")
	}
	instance = strings.ToLower(instance)
	return crypto.Keccak256Hash([]byte("smartlayer/request/v1"), lenPrefixed(function), lenPrefixed(instance), lenPrefixed(key), canonicalJSON(args))
}

// OutputHash is what a receipt says was answered: a query's body, an
// action's result.
func OutputHash(out []byte) common.Hash {
	return crypto.Keccak256Hash([]byte("smartlayer/output/v1"), canonicalJSON(out))
}

func lenPrefixed(s string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...)
}

// Execution is what a receipt names of one execution: the fields of its
// transcript (package sandbox) that the receipt commits to.
type Execution struct {
	Instance, Function, Key string // Key: an action's idempotency key
	Args, Output            []byte
	ScriptHash              common.Hash
	StateBefore, StateAfter common.Hash
	TranscriptRoot          common.Hash
	AtMs                    int64 // when it ran (the transcript's clock)
}

// For is the receipt that names an execution under a fencing number,
// unsigned (Batcher.Seal signs it).
func For(e Execution, fencing uint64) *Receipt {
	return &Receipt{Instance: e.Instance, Function: e.Function,
		Request: RequestHash(e.Function, e.Instance, e.Key, e.Args), Output: OutputHash(e.Output),
		ScriptHash: e.ScriptHash, StateBefore: e.StateBefore, StateRoot: e.StateAfter, TranscriptRoot: e.TranscriptRoot, Fencing: fencing,
		AtMs: e.AtMs}
}

// Names checks that the receipt names this very execution (ErrMismatch,
// saying what differs). The transcript root covers the script, the
// function and the instance too.
func (r *Receipt) Names(e Execution) error {
	switch {
	case r.TranscriptRoot != e.TranscriptRoot:
		return fmt.Errorf("%w: another transcript (root)", ErrMismatch)
	case r.Request != RequestHash(e.Function, e.Instance, e.Key, e.Args):
		return fmt.Errorf("%w: another request", ErrMismatch)
	case r.Output != OutputHash(e.Output):
		return fmt.Errorf("%w: another answer", ErrMismatch)
	case r.StateBefore != e.StateBefore || r.StateRoot != e.StateAfter:
		return fmt.Errorf("%w: other states", ErrMismatch)
	case r.AtMs != 0 && r.AtMs != e.AtMs:
		return fmt.Errorf("%w: another time", ErrMismatch)
	}
	return nil
}

// ErrMismatch marks an answer the receipt does not vouch for.
var ErrMismatch = errors.New("receipt does not cover this call or answer")

// Binds checks that the receipt vouches for this call (function,
// instance, idempotency key, arguments as sent) and this answer (the bytes
// received): a node cannot return one body under a receipt for another.
func (r *Receipt) Binds(function, instance, key string, args, output []byte) error {
	switch {
	case !strings.EqualFold(r.Instance, instance) || r.Function != function:
		return fmt.Errorf("%w: for %s %s, asked %s %s", ErrMismatch, r.Instance, r.Function, instance, function)
	case r.Request != RequestHash(function, instance, key, args):
		return fmt.Errorf("%w: the request it names is not the one sent", ErrMismatch)
	case r.Output != OutputHash(output):
		return fmt.Errorf("%w: the answer's bytes are not the ones it names", ErrMismatch)
	}
	return nil
}

// MaxHeader bounds a receipt header read from an answer (a batched
// receipt's proof is a few hundred bytes).
const MaxHeader = 16 << 10

// CheckAnswer reads an answer's receipt header (wire.ReceiptHeader:
// base64url, unpadded, of the receipt's JSON) and checks that the answering
// node (address answerer) signed it for this call (function, instance, key
// and the body sent) and for these output bytes.
func CheckAnswer(header string, answerer common.Address, function, instance, key string, sent, output []byte) (*Receipt, error) {
	if header == "" {
		return nil, fmt.Errorf("%w: the answer has none", ErrMalformed)
	}
	if len(header) > MaxHeader {
		return nil, fmt.Errorf("%w: a %d-byte receipt header, limit %d", ErrMalformed, len(header), MaxHeader)
	}
	b, err := base64.RawURLEncoding.DecodeString(header)
	var rc Receipt
	if err == nil {
		err = json.Unmarshal(b, &rc)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := rc.Binds(function, instance, key, sent, output); err != nil {
		return nil, err
	}
	if err := rc.Verify(answerer); err != nil {
		return nil, err
	}
	return &rc, nil
}

func node(a, b common.Hash) common.Hash { return crypto.Keccak256Hash([]byte{1}, a[:], b[:]) }

// Verify checks that the receipt is signed by want, directly or through its
// batch proof.
func (r *Receipt) Verify(want common.Address) error {
	if r.Node != want {
		return fmt.Errorf("%w: receipt names %s, the answering node is %s", ErrSignature, r.Node, want)
	}
	h, idx := r.Leaf(), r.Index
	for _, p := range r.Proof {
		if idx&1 == 0 {
			h = node(h, p)
		} else {
			h = node(p, h)
		}
		idx >>= 1
	}
	if h != r.Root {
		return ErrProof
	}
	pub, err := crypto.SigToPub(rootDigest(r.Root).Bytes(), r.Sig)
	if err != nil || crypto.PubkeyToAddress(*pub) != want {
		return ErrSignature
	}
	return nil
}

func rootDigest(root common.Hash) common.Hash {
	return crypto.Keccak256Hash([]byte("smartlayer/receipt-root/v1"), root[:])
}

// Attester signs receipt roots. A TEE attester (SGX, TDX, SEV) would return
// its quote over the same digest as evidence, bound to the node's key.
type Attester interface {
	Address() common.Address
	Kind() string
	Sign(digest common.Hash) (sig []byte, quote []byte, err error)
}

// Software is the development attester: the node's key, no quote.
type Software struct{ Key *ecdsa.PrivateKey }

// Address is the signing key's address.
func (s Software) Address() common.Address { return crypto.PubkeyToAddress(s.Key.PublicKey) }

// Kind names the attester.
func (Software) Kind() string { return "software" }

// Sign signs the digest.
func (s Software) Sign(d common.Hash) ([]byte, []byte, error) {
	sig, err := crypto.Sign(d[:], s.Key)
	return sig, nil, err
}

// Batcher signs receipts in Merkle batches: whoever arrives while a
// signature is being made joins the next batch, so a lone request is signed
// at once and a busy node makes one signature for many answers.
type Batcher struct {
	a      Attester
	addr   common.Address // a's, derived once
	kind   string
	single bool
	// Signed and Batches count receipts and signatures, for metrics.
	Signed, Batches atomic.Uint64
	// Window, when set, is how long a batch's first receipt waits for
	// others before the batch is signed.
	Window  time.Duration
	mu      sync.Mutex
	pending []*waiter
	signing bool
}

type waiter struct {
	r    *Receipt
	done chan error
}

// NewBatcher signs with a; single disables batching (one signature each).
func NewBatcher(a Attester, single bool) *Batcher {
	return &Batcher{a: a, addr: a.Address(), kind: a.Kind(), single: single}
}

// Seal fills r's node, root, proof and signature.
func (b *Batcher) Seal(r *Receipt) error {
	r.Node, r.Kind = b.addr, b.kind
	if b.single {
		return b.sign([]*waiter{{r: r}})
	}
	w := &waiter{r: r, done: make(chan error, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, w)
	if b.signing {
		b.mu.Unlock()
		return <-w.done
	}
	b.signing = true
	if b.Window > 0 {
		// Gather the answers that finish within the window into this batch.
		b.mu.Unlock()
		time.Sleep(b.Window)
		b.mu.Lock()
	}
	var mine error
	for len(b.pending) > 0 {
		batch := b.pending
		b.pending = nil
		b.mu.Unlock()
		err := b.sign(batch)
		for _, x := range batch {
			if x == w {
				mine = err
			} else {
				x.done <- err
			}
		}
		b.mu.Lock()
	}
	b.signing = false
	b.mu.Unlock()
	return mine
}

// sign builds the tree over the batch, signs its root once and gives each
// receipt its proof.
func (b *Batcher) sign(batch []*waiter) error {
	level := make([]common.Hash, len(batch))
	for i, w := range batch {
		level[i] = w.r.Leaf()
		w.r.Index, w.r.Proof = uint64(i), nil
	}
	idx := make([]int, len(batch))
	for i := range idx {
		idx[i] = i
	}
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		for i, w := range batch {
			sib := idx[i] ^ 1
			w.r.Proof = append(w.r.Proof, level[sib])
			idx[i] /= 2
		}
		next := make([]common.Hash, len(level)/2)
		for i := range next {
			next[i] = node(level[2*i], level[2*i+1])
		}
		level = next
	}
	root := level[0]
	sig, quote, err := b.a.Sign(rootDigest(root))
	if err != nil {
		return err
	}
	b.Signed.Add(uint64(len(batch)))
	b.Batches.Add(1)
	for _, w := range batch {
		w.r.Root, w.r.Sig, w.r.Quote = root, sig, quote
	}
	return nil
}
