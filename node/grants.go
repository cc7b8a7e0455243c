package node

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/nodekey"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/wire"
)

// Grant refusals beyond the attestation policy's own (package grant's).
var (
	ErrGrantMissing  = grant.ErrMissing
	ErrGrantNotOwner = grant.ErrNotOwner
	ErrGrantInstance = grant.ErrInstance
	ErrGrantScope    = grant.ErrScope
	ErrGrantExpired  = grant.ErrExpired
	ErrGrantTooLarge = grant.ErrTooLarge
)

// maxGrantHeader bounds a grant header: a grant in any form is well under
// it (compact, about 700 bytes; the URL form, about 1.5 KB).
const maxGrantHeader = 8 << 10

// grants verifies grant headers, caching what verified so a repeated grant
// costs a map lookup; revocation and expiry are checked on every use.
type grants struct {
	n      *Node
	policy *attest.Policy
	mu     sync.Mutex
	cache  map[[32]byte]*grant.Grant // by the header's hash: bounded in bytes too
	revs   *revocations
	nmu    sync.Mutex
	nonces *grant.Nonces // request proofs taken, so none is taken twice
	// sessions: callers that may prove calls by a session MAC
	sessions *grant.Sessions
}

const grantCacheMax = 10000

func newGrants(n *Node, revs *revocations) *grants {
	return &grants{
		n: n, revs: revs, cache: map[[32]byte]*grant.Grant{}, nonces: grant.NewNonces(), sessions: grant.NewSessions(n.key.ECDSA),
		policy: n.policy(revs),
	}
}

// check returns nil when a call may go through on instance id (owned by
// owner) for scope at now: either it presents a grant by the owner that
// covers scope and is signed (the proof) by the integration the grant
// names, or it is signed by the owner itself. Each proof is taken once.
func (g *grants) check(p grant.Presented, owner common.Address, id wire.InstanceID, scope string, now time.Time) error {
	_, _, err := g.checkCall(p, owner, id, scope, now)
	return err
}

// checkCall is check, and returns who proved the call (the integration or
// the owner, or the replica of a calling token) and whether the call was a
// token's (an inter-token call under a grant the owner gave that token,
// signed by a replica of it under its record).
func (g *grants) checkCall(p grant.Presented, owner common.Address, id wire.InstanceID, scope string, now time.Time) (caller common.Address, byToken bool, err error) {
	byToken, err = g.checkProof(p, owner, id, scope, now, &caller)
	return caller, byToken, err
}

// provedBy checks that a call that needs no grant was proved by want (a
// call on a payment channel's credit must be its payer's); its proof is
// taken once like a grant's, and only when it is want's (a stranger's
// proofs fill no nonce or session table).
func (g *grants) provedBy(p grant.Presented, want common.Address, now time.Time) error {
	if p.Proof == "" {
		return fmt.Errorf("the call carries no %s", wire.SignatureHeader)
	}
	signer, pr, err := p.Signer(now, g.sessions)
	if err != nil {
		return err
	}
	if signer != want {
		return fmt.Errorf("proved by %s", signer)
	}
	return g.useNonce(signer, signer, pr, now)
}

// learn takes a signed proof of a call no grant check took (a paid query
// that needs no grant), so that its signer's next calls may be proved by a
// session MAC: its nonce is taken once, and a session opened. A MAC proof,
// or one that does not check, is left alone.
func (g *grants) learn(p grant.Presented, now time.Time) {
	pr, err := grant.ParseProof(p.Proof)
	if err != nil || pr.MAC != nil {
		return
	}
	if signer, pr, err := p.Signer(now, g.sessions); err == nil {
		_ = g.useNonce(signer, signer, pr, now)
	}
}

func (g *grants) checkProof(p grant.Presented, owner common.Address, id wire.InstanceID, scope string, now time.Time, caller *common.Address) (byToken bool, err error) {
	header := p.Grant
	if header == "" {
		if p.Proof == "" {
			return false, ErrGrantMissing
		}
		// No grant: the owner's own signed call, or nothing.
		signer, pr, err := p.Signer(now, g.sessions)
		if err != nil {
			return false, err
		}
		if signer != owner {
			return false, fmt.Errorf("%w (a signed call without a grant must be the owner's; signed by %s)", ErrGrantMissing, signer)
		}
		*caller = signer
		return false, g.useNonce(signer, owner, pr, now)
	}
	gr, cached, err := g.parsed(header, now)
	if err != nil {
		return false, err
	}
	signer, pr, err := p.Signer(now, g.sessions)
	if err != nil {
		return false, err
	}
	if signer != gr.Integration {
		// The grant's own checks first: a forged caller costs the node
		// nothing more than a grant that does not apply anyway.
		if err := gr.Check(owner, id, scope, now, g.revs.Revoked(gr.Signer, gr.UID)); err != nil {
			return false, err
		}
		if err := g.tokenCaller(p.Caller, gr.Integration, signer, strings.HasPrefix(scope, "action:")); err != nil {
			return false, fmt.Errorf("%w: signed by %s, the grant is for %s (%w)", grant.ErrNotHolder, signer, gr.Integration, err)
		}
		byToken = true
	}
	if err := gr.Check(owner, id, scope, now, g.revs.Revoked(gr.Signer, gr.UID)); err != nil {
		return false, err
	}
	*caller = signer
	if err := g.useNonce(signer, owner, pr, now); err != nil {
		return false, err
	}
	if !cached {
		// Kept only once a call under it went through: a stranger's
		// self-signed grants, which check as attestations and then fail,
		// cannot push the grants in use out.
		g.mu.Lock()
		if len(g.cache) >= grantCacheMax {
			for k := range g.cache {
				delete(g.cache, k)
				break
			}
		}
		g.cache[crypto.Keccak256Hash([]byte(header))] = gr
		g.mu.Unlock()
	}
	return byToken, nil
}

// parsed is a grant header's grant, from the cache (cached) or verified
// now.
func (g *grants) parsed(header string, now time.Time) (gr *grant.Grant, cached bool, err error) {
	if len(header) > maxGrantHeader {
		return nil, false, fmt.Errorf("%w: %d bytes, limit %d", ErrGrantTooLarge, len(header), maxGrantHeader)
	}
	key := crypto.Keccak256Hash([]byte(header))
	g.mu.Lock()
	gr, cached = g.cache[key]
	g.mu.Unlock()
	if cached {
		return gr, true, nil
	}
	gr, err = g.verify(header, now)
	return gr, false, err
}

// useNonce takes the proof's nonce (or a numbered session call's counter),
// the last check of a call let through: a signed one also opens a session
// with its signer.
func (g *grants) useNonce(signer, owner common.Address, pr *grant.Proof, now time.Time) error {
	if pr.Counted {
		// A numbered session call: its session's window takes it.
		return g.sessions.Use(pr)
	}
	g.nmu.Lock()
	err := g.nonces.Use(signer, owner, pr, now)
	g.nmu.Unlock()
	if err == nil {
		g.sessions.Learn(pr)
	}
	return err
}

func (g *grants) verify(header string, now time.Time) (*grant.Grant, error) {
	s, err := attest.Parse([]byte(header))
	if err != nil {
		return nil, err
	}
	if err := g.policy.Check(s, attest.Use{Schemas: []attest.SchemaUID{attest.GrantSchema.UID}}, now); err != nil {
		return nil, err
	}
	return grant.Parse(s)
}

// revocations are the off-chain revocations this node has been shown, kept
// in its store: (signer, uid) pairs.
type revocations struct {
	n  *Node
	mu sync.RWMutex
	m  map[[52]byte]bool
}

func revKey(signer common.Address, uid attest.UID) (k [52]byte) {
	copy(k[:20], signer[:])
	copy(k[20:], uid[:])
	return k
}

func newRevocations(n *Node) (*revocations, error) {
	rv := &revocations{n: n, m: map[[52]byte]bool{}}
	err := n.store.Each(revocationsPrefix(), func(k, _ []byte) error {
		rv.m[revocationOf(k)] = true
		return nil
	})
	return rv, err
}

// Revoked implements attest.Revocations.
func (rv *revocations) Revoked(signer common.Address, uid attest.UID) bool {
	rv.mu.RLock()
	defer rv.mu.RUnlock()
	return rv.m[revKey(signer, uid)]
}

// add verifies a revocation attestation and records (signer, uid).
func (rv *revocations) add(body []byte, now time.Time) (*attest.Signed, attest.UID, error) {
	s, err := attest.Parse(body)
	if err != nil {
		return nil, attest.UID{}, err
	}
	if err := rv.n.policy(nil).Check(s, attest.Use{Schemas: []attest.SchemaUID{attest.RevocationSchema.UID}}, now); err != nil {
		return nil, attest.UID{}, err
	}
	uid, err := rv.record(s)
	return s, uid, err
}

// record records a verified revocation attestation: (signer, uid).
func (rv *revocations) record(s *attest.Signed) (attest.UID, error) {
	if s.Message.Schema != attest.RevocationSchema.UID {
		return attest.UID{}, fmt.Errorf("%w: not a revocation", attest.ErrSchema)
	}
	data, err := attest.RevocationSchema.Schema.Decode(s.Message.Data)
	if err != nil {
		return attest.UID{}, err
	}
	uid, err := attest.ParseUID(data["uid"].(string))
	if err != nil {
		return attest.UID{}, err
	}
	k := revKey(s.Signer, uid)
	if err := rv.n.store.Put(revocationKey(k), []byte{1}); err != nil {
		return attest.UID{}, err
	}
	rv.mu.Lock()
	rv.m[k] = true
	rv.mu.Unlock()
	return uid, nil
}

// maxCallerRecord bounds a caller's record header (a record with its
// takeover votes is a few KB).
const maxCallerRecord = 32 << 10

// tokenCaller checks a call made by a token under a grant to the token
// (integration wire.TokenAddress(caller)): the request is signed by a node
// the caller's placement record, signed by a responsible anchor, names as
// a replica. It does not tell whether that record is still the newest: a
// node that held the caller once can call as it until the grant expires or
// is revoked (docs/protocols.md, "Inter-token calls").
func (g *grants) tokenCaller(c grant.Caller, integration, signer common.Address, action bool) error {
	if c.Instance == "" {
		return errors.New("no calling token presented")
	}
	id, err := wire.ParseInstanceID(c.Instance)
	if err != nil {
		return fmt.Errorf("calling token: %w", err)
	}
	if wire.TokenAddress(id) != integration {
		return fmt.Errorf("the grant is not to token %s", id)
	}
	return g.callerNode(c, signer, action)
}

// errCallerRecord: a calling token's record could not be checked here (its
// epoch is one this node has not learnt yet): the call may go later.
var errCallerRecord = errors.New("caller record")

// callerNode checks that signer is a replica (for an action, the
// executor) of the calling token c, by its placement record.
func (g *grants) callerNode(c grant.Caller, signer common.Address, action bool) error {
	id, err := wire.ParseInstanceID(c.Instance)
	if err != nil {
		return fmt.Errorf("calling token: %w", err)
	}
	if len(c.Record) > maxCallerRecord {
		return fmt.Errorf("caller record of %d bytes, limit %d", len(c.Record), maxCallerRecord)
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Record)
	if err != nil {
		return fmt.Errorf("caller record: %w", err)
	}
	rec, err := g.n.records.DecodeChecked(raw)
	if errors.Is(err, placement.ErrEpochUnknown) {
		return fmt.Errorf("%w: %w", errCallerRecord, err)
	}
	if err != nil {
		return fmt.Errorf("caller record: %w", err)
	}
	if rec.Instance != id {
		return errors.New("the caller record is another instance's")
	}
	// A token's query may come from any replica of it; its action only
	// from its executor (only an action may start one, and only the
	// executor runs actions).
	callers := rec.Replicas
	if action {
		callers = []string{rec.Executor}
	}
	for _, r := range callers {
		if pid, err := peer.Decode(r); err == nil {
			if a, err := nodekey.AddressOfPeer(pid); err == nil && a == signer {
				return nil
			}
		}
	}
	if action {
		return fmt.Errorf("%s is not the calling token %s's executor", signer, id)
	}
	return fmt.Errorf("%s is no replica of the calling token %s", signer, id)
}
