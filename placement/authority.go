package placement

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// ErrNotResponsible marks a record signed by an anchor that was not the
// instance's responsible anchor when it signed it.
var ErrNotResponsible = errors.New("placement record not signed by the responsible anchor")

// MaxTakeoverVotes caps the down votes one record may carry (an anchor
// attaches, per anchor ahead of it, only enough for a majority).
const MaxTakeoverVotes = 1024

// DownVote is one anchor's signed statement that another anchor of the set
// has missed its heartbeats, at AtMs, in an epoch. Votes from anchors
// holding more than half of the anchor stake, each made within VoteTTLMs
// before a time, certify the anchor down at that time: a record that
// carries such a certificate at its issue time for every anchor ranked
// before its signer is a takeover, and counts.
type DownVote struct {
	Down      string         `json:"down"` // peer ID of the anchor held down
	Epoch     uint64         `json:"epoch"`
	AtMs      int64          `json:"atMs"`
	Voter     common.Address `json:"voter"`
	Signature hexutil.Bytes  `json:"signature,omitempty"`
}

const downVoteDomain = "smartlayer/anchor-down/v1\n"

// signedDigest is keccak256 of a domain tag and v's JSON; v has its
// signature field cleared by the caller.
func signedDigest(domain string, v any) [32]byte {
	b, _ := json.Marshal(v)
	return crypto.Keccak256Hash([]byte(domain), b)
}

// Digest is keccak256 of the domain tag and the vote's JSON without its
// signature.
func (v *DownVote) Digest() [32]byte {
	c := *v
	c.Signature = nil
	return signedDigest(downVoteDomain, &c)
}

// Sign signs the vote and sets Voter.
func (v *DownVote) Sign(key *ecdsa.PrivateKey) error {
	v.Voter = crypto.PubkeyToAddress(key.PublicKey)
	d := v.Digest()
	sig, err := crypto.Sign(d[:], key)
	if err != nil {
		return fmt.Errorf("sign down vote: %w", err)
	}
	v.Signature = sig
	return nil
}

// signer recovers the address that signed v.
func (v *DownVote) signer() (common.Address, error) {
	if len(v.Signature) != 65 {
		return common.Address{}, fmt.Errorf("down vote: %d-byte signature", len(v.Signature))
	}
	d := v.Digest()
	pub, err := crypto.SigToPub(d[:], v.Signature)
	if err != nil {
		return common.Address{}, fmt.Errorf("down vote: %v", err)
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// Authority says who may sign an instance's placement record: the anchor
// of the set closest to the instance's DHT key, or the next one when every
// anchor before it is certified down by the record's takeover votes. It is
// the same on every node of a network (the anchor set, stakes, seeds and
// VoteTTLMs are network configuration and the registry's epochs), so a
// check gives one answer on every node that knows the record's epoch.
type Authority struct {
	// Anchors maps each anchor's peer ID to its address.
	Anchors map[string]common.Address
	// Stake weighs anchors' down votes; nil weighs each anchor 1.
	Stake map[common.Address]uint64
	// EpochStake, when set, weighs the votes of an epoch with that epoch's
	// stakes (a network that follows the registry's epochs: the set is the
	// same, its stakes may not be); nil for an epoch, or unset, is Stake.
	EpochStake func(epoch uint64) map[common.Address]uint64
	// Seed is the seed of an epoch the network knows.
	Seed func(epoch uint64) ([32]byte, bool)
	// VoteTTLMs is how far from its time a down vote counts.
	VoteTTLMs int64
}

// IsAnchor reports whether addr is an anchor of the set.
func (au *Authority) IsAnchor(addr common.Address) bool {
	for _, a := range au.Anchors {
		if a == addr {
			return true
		}
	}
	return false
}

func (au *Authority) stake(epoch uint64, addr common.Address) uint64 {
	st := au.Stake
	if au.EpochStake != nil {
		if e := au.EpochStake(epoch); e != nil {
			st = e
		}
	}
	if st == nil {
		if au.IsAnchor(addr) {
			return 1
		}
		return 0
	}
	return st[addr]
}

func (au *Authority) totalStake(epoch uint64) uint64 {
	var t uint64
	for _, a := range au.Anchors {
		t += au.stake(epoch, a)
	}
	return t
}

// Counts reports whether a vote bears on the time atMs in epoch: made in
// that epoch, at most VoteTTLMs before atMs and not after it.
func (au *Authority) Counts(v *DownVote, epoch uint64, atMs int64) bool {
	return v.Epoch == epoch && v.AtMs <= atMs && v.AtMs >= atMs-au.VoteTTLMs
}

// Certified returns the anchors that votes certify down in epoch at atMs:
// valid votes that count at atMs, by distinct anchors other than the one
// held down, whose stake is more than half the anchor set's.
func (au *Authority) Certified(votes []DownVote, epoch uint64, atMs int64) map[string]bool {
	weight := map[string]map[common.Address]uint64{}
	for i := range votes {
		v := &votes[i]
		if !au.Counts(v, epoch, atMs) || au.VoteValid(*v) != nil {
			continue
		}
		if weight[v.Down] == nil {
			weight[v.Down] = map[common.Address]uint64{}
		}
		weight[v.Down][v.Voter] = au.stake(epoch, v.Voter)
	}
	total := au.totalStake(epoch)
	out := map[string]bool{}
	for d, by := range weight {
		var sum uint64
		for _, s := range by {
			sum += s
		}
		if 2*sum > total {
			out[d] = true
		}
	}
	return out
}

// VoteValid checks that a down vote is signed by the voter it names, an
// anchor with stake, on another anchor of the set.
func (au *Authority) VoteValid(v DownVote) error {
	down, ok := au.Anchors[v.Down]
	if !ok {
		return fmt.Errorf("down vote on %.64q: not an anchor of the set", v.Down)
	}
	if v.Voter == down {
		return fmt.Errorf("down vote by %s on itself", v.Voter)
	}
	if !au.IsAnchor(v.Voter) || au.stake(v.Epoch, v.Voter) == 0 {
		return fmt.Errorf("down vote by %s: not an anchor with stake", v.Voter)
	}
	if got, err := v.signer(); err != nil {
		return err
	} else if got != v.Voter {
		return fmt.Errorf("down vote signed by %s, names voter %s", got, v.Voter)
	}
	return nil
}

// Live is the anchor set without the anchors in down, sorted.
func (au *Authority) Live(down map[string]bool) []string {
	out := make([]string, 0, len(au.Anchors))
	for p := range au.Anchors {
		if !down[p] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Ahead lists the anchors of the set closer to k than self: the ones a
// takeover by self must certify down.
func (au *Authority) Ahead(k Key, self string) []string {
	var out []string
	me := crypto.Keccak256Hash([]byte(self))
	for p := range au.Anchors {
		if p != self && closer(k, crypto.Keccak256Hash([]byte(p)), p, me, self) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// closer reports whether position a (of anchor ida) is closer to k than
// position b (of idb), ties broken by ID as Responsible breaks them.
func closer(k Key, a [32]byte, ida string, b [32]byte, idb string) bool {
	for i := range k {
		da, db := a[i]^k[i], b[i]^k[i]
		if da != db {
			return da < db
		}
	}
	return ida < idb
}

// Check verifies a record's signature and that its signer was entitled to
// sign it: an anchor of the set, named by its peer ID too, responsible for
// the instance in the record's epoch among the anchors its takeover votes
// do not certify down at the record's issue time.
func (au *Authority) Check(r *Record) error {
	_, err := au.check(r)
	return err
}

// check is Check, also saying whether the record is a takeover (anchors
// of the set rank before its signer).
func (au *Authority) check(r *Record) (takeover bool, err error) {
	if len(r.Takeover) > MaxTakeoverVotes {
		return false, fmt.Errorf("%w: %d takeover votes, limit %d", ErrRecordMalformed, len(r.Takeover), MaxTakeoverVotes)
	}
	if err := r.Verify(au.IsAnchor); err != nil {
		return false, err
	}
	if addr, ok := au.Anchors[r.AnchorPeer]; !ok || addr != r.Anchor {
		return false, fmt.Errorf("%w: anchorPeer %.64q is not the signer %s", ErrRecordSigner, r.AnchorPeer, r.Anchor)
	}
	seed, ok := au.Seed(r.Epoch)
	if !ok {
		return false, fmt.Errorf("%w %d", ErrEpochUnknown, r.Epoch)
	}
	ahead := au.Ahead(DHTKey(seed, r.Instance), r.AnchorPeer)
	if len(ahead) == 0 {
		return false, nil
	}
	// Only votes on the anchors ahead are checked (each costs a recovery).
	var votes []DownVote
	for _, v := range r.Takeover {
		if slices.Contains(ahead, v.Down) {
			votes = append(votes, v)
		}
	}
	down := au.Certified(votes, r.Epoch, r.IssuedMs)
	for _, p := range ahead {
		if !down[p] {
			return true, fmt.Errorf("%w: signed by %s; %s is ranked before it and its takeover votes do not certify that anchor down at the record's time", ErrNotResponsible, shortPeer(r.AnchorPeer), shortPeer(p))
		}
	}
	return true, nil
}

// CheckFresh is Check for a record seen for the first time at nowMs: a
// takeover must also have been issued within VoteTTLMs of now (either
// way), so votes from an old outage cannot back a record signed today.
func (au *Authority) CheckFresh(r *Record, nowMs int64) error {
	takeover, err := au.check(r)
	if err != nil {
		return err
	}
	if d := nowMs - r.IssuedMs; takeover && (d > au.VoteTTLMs || d < -au.VoteTTLMs) {
		return fmt.Errorf("%w: a takeover issued %d ms from now; a new one must be within %d ms", ErrNotResponsible, d, au.VoteTTLMs)
	}
	return nil
}

// Minimal picks from votes, for each anchor ahead, the newest that count at
// atMs until they certify it down (nil for an anchor they cannot certify).
func (au *Authority) Minimal(votes []DownVote, epoch uint64, atMs int64, ahead []string) []DownVote {
	var out []DownVote
	total := au.totalStake(epoch)
	for _, p := range ahead {
		var on []DownVote
		for _, v := range votes {
			if v.Down == p && au.Counts(&v, epoch, atMs) && au.VoteValid(v) == nil {
				on = append(on, v)
			}
		}
		sort.Slice(on, func(i, j int) bool { return on[i].AtMs > on[j].AtMs })
		var sum uint64
		seen := map[common.Address]bool{}
		for _, v := range on {
			if 2*sum > total {
				break
			}
			if !seen[v.Voter] {
				seen[v.Voter] = true
				sum += au.stake(epoch, v.Voter)
				out = append(out, v)
			}
		}
	}
	return out
}

func shortPeer(p string) string {
	if len(p) > 12 {
		return p[len(p)-8:]
	}
	return p
}
