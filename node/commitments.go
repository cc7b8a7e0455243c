package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/commitment"
	"github.com/smartlayer/smartlayer/contracts"
	"github.com/smartlayer/smartlayer/store"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// committing is an anchor's part in the periodic commitments of key token
// operations (network.commitments): it keeps each period's operations (the
// action results and failure attestations it delivers, the registrations
// it takes; by its clock at that moment), and in its turn of the rotation
// writes the period's Merkle root, count and bitmap to the contract.
type committing struct {
	n                      *Node
	c                      *contracts.Commitments
	addr                   common.Address
	genesis, period, grace uint64 // seconds
	results                *prometheus.CounterVec
	// ahead is how far the chain's time is ahead of this node's clock
	// (seconds, read each round): periods are the chain's.
	ahead    atomic.Int64
	lastFail string // the last reason a round could not run (logged once)
	trees    treeCache
}

// treeCache keeps the trees of the last periods asked for: a proof asked
// for (GET /v1/commitments/proof/..., by anyone) read and hashed the
// period's every operation each time. An operation kept in a period drops
// its tree; builds run one at a time.
type treeCache struct {
	build   sync.Mutex // one build at a time
	mu      sync.Mutex // the maps
	seq     uint64     // the last generation given out: only grows
	resetAt uint64     // the generation of a period not in gen (the last reset's)
	clock   uint64     // orders the entries' last use
	gen     map[uint64]uint64
	entries map[uint64]treeEntry
}

type treeEntry struct {
	gen       uint64
	tree      *commitment.Tree
	instances []common.Hash
	used      uint64
}

// maxCachedTrees bounds the periods whose trees are kept.
const maxCachedTrees = 4

// genOf is period p's generation (c.mu held).
func (c *treeCache) genOf(p uint64) uint64 {
	if g, ok := c.gen[p]; ok {
		return g
	}
	return c.resetAt
}

// changed drops period p's tree: an operation was kept in it.
func (c *treeCache) changed(p uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == nil || len(c.gen) > 64*maxCachedTrees {
		// All dropped: a period not in gen now has a generation past any
		// a build began with, so no build begun before is kept.
		c.gen, c.entries = map[uint64]uint64{}, map[uint64]treeEntry{}
		c.seq++
		c.resetAt = c.seq
	}
	// A new generation from one counter that only grows: counting per
	// period again after the reset above could give a build begun before
	// it the generation it started with, and keep its stale tree.
	c.seq++
	c.gen[p] = c.seq
	delete(c.entries, p)
}

// get is period p's tree, built by build when it is not kept or stale.
func (c *treeCache) get(p uint64, build func() (*commitment.Tree, []common.Hash, error)) (*commitment.Tree, []common.Hash, error) {
	lookup := func() (treeEntry, uint64, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.gen == nil {
			c.gen, c.entries = map[uint64]uint64{}, map[uint64]treeEntry{}
		}
		e, ok := c.entries[p]
		if ok = ok && e.gen == c.genOf(p); ok {
			c.clock++
			e.used = c.clock
			c.entries[p] = e
		}
		return e, c.genOf(p), ok
	}
	if e, _, ok := lookup(); ok {
		return e.tree, e.instances, nil
	}
	c.build.Lock()
	defer c.build.Unlock()
	e, g, ok := lookup() // built while this one waited?
	if ok {
		return e.tree, e.instances, nil
	}
	tr, instances, err := build()
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.genOf(p) == g { // nothing kept in p since the build began
		if len(c.entries) >= maxCachedTrees {
			var oldest uint64
			first := true
			for q, e := range c.entries {
				if first || e.used < c.entries[oldest].used {
					oldest, first = q, false
				}
			}
			delete(c.entries, oldest)
		}
		c.clock++
		c.entries[p] = treeEntry{gen: g, tree: tr, instances: instances, used: c.clock}
	}
	return tr, instances, nil
}

// commitRecent is how many ended periods an anchor looks back at for one
// not yet written.
const commitRecent = 8

func newCommitting(ctx context.Context, n *Node, c *contracts.Commitments, addr common.Address) (*committing, error) {
	opts := &bind.CallOpts{Context: ctx}
	cm := &committing{n: n, c: c, addr: addr}
	var err error
	if cm.genesis, err = c.Genesis(opts); err != nil {
		return nil, fmt.Errorf("commitments: %w", err)
	}
	if cm.period, err = c.Period(opts); err != nil {
		return nil, err
	}
	if cm.period == 0 {
		return nil, fmt.Errorf("commitments: the contract at %s has no period", addr)
	}
	if cm.grace, err = c.Grace(opts); err != nil {
		return nil, err
	}
	cm.results = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "smartlayer_commitments_total",
		Help: "Periodic commitments of key token operations: operations kept, periods written by this anchor, found written by another, failed; action results refused (not signed by the executor their record names); operations pruned after 30 days."}, []string{"result"})
	return cm, nil
}

// chainNow is the chain's time now, by this node's clock and the last
// reading of the chain's head.
func (cm *committing) chainNow() int64 { return cm.n.now().Unix() + cm.ahead.Load() }

// periodAt is the period a chain time falls in.
func (cm *committing) periodAt(t int64) uint64 {
	s := uint64(max(t, 0))
	if s < cm.genesis {
		return 0
	}
	return (s - cm.genesis) / cm.period
}

// keep records one key operation (uid, on instance) in the period now,
// with its attestation (att; nil for a registration) and, for an action
// result, the transcript root of the execution it reports (exec; zero
// otherwise) and the fencing number of the record it was signed under.
func (cm *committing) keep(uid, instance common.Hash, att []byte, exec common.Hash, fencing uint64) {
	// An operation is kept once, in the period it first came in: what came
	// first is not replaced (another signature over the same message has
	// the same UID).
	if _, err := cm.n.store.Get(commitUIDKey(cm.addr, uid)); !errors.Is(err, store.ErrNotFound) {
		return
	}
	// Another result may name the same execution: a replaced executor
	// copying its successor's result under its own, older record. The
	// execution is found from the result of the highest fencing number,
	// so a stale executor that gets its copy in first cannot keep the
	// real one's receipt from being proved.
	if exec != (common.Hash{}) {
		if had, err := cm.execOf(instance, exec); err == nil && had.fencing >= fencing {
			exec = common.Hash{}
		}
	}
	p := cm.periodAt(cm.chainNow())
	op := instance[:]
	if exec != (common.Hash{}) {
		op = append(slices.Clone(instance[:]), exec[:]...) // the exec key is found from here when the period is pruned
	}
	err := cm.n.store.Batch(false, func(w store.Writes) {
		w.Set(commitOpKey(cm.addr, p, uid), op)
		w.Set(commitUIDKey(cm.addr, uid), binary.BigEndian.AppendUint64(nil, p))
		if att != nil {
			w.Set(commitAttKey(cm.addr, uid), att)
		}
		if exec != (common.Hash{}) {
			w.Set(commitExecKey(cm.addr, instance, exec), binary.BigEndian.AppendUint64(slices.Clone(uid[:]), fencing))
		}
	})
	cm.trees.changed(p)
	if err != nil {
		cm.n.log.Warn("keeping an operation for the period's commitment failed", "err", err)
		return
	}
	cm.results.WithLabelValues("kept").Inc()
}

// execIndex is what an execution's key holds: the UID of the result that
// reports it and that result's fencing number.
type execIndex struct {
	uid     common.Hash
	fencing uint64
}

// execOf reads an execution's key (a value of 32 bytes, written before
// fencing numbers were kept, reads as fencing 0); store.ErrNotFound when
// there is none.
func (cm *committing) execOf(instance, transcriptRoot common.Hash) (execIndex, error) {
	b, err := cm.n.store.Get(commitExecKey(cm.addr, instance, transcriptRoot))
	switch {
	case err != nil:
		return execIndex{}, err
	case len(b) == common.HashLength:
		return execIndex{uid: common.BytesToHash(b)}, nil
	case len(b) == common.HashLength+8:
		return execIndex{uid: common.BytesToHash(b[:32]), fencing: binary.BigEndian.Uint64(b[32:])}, nil
	}
	return execIndex{}, store.ErrNotFound
}

// delivered keeps the action results and failure attestations an anchor
// delivers (their topic ends in the instance), each with its attestation,
// and an action result also by the execution it reports (the transcript
// root its executor's receipt names).
func (cm *committing) delivered(d attengine.Delivered) {
	if d.Att == nil || d.Entry == nil {
		return
	}
	s := d.Att.Message.Schema
	if s != attest.ActionResultSchema.UID && s != attest.FailureSchema.UID {
		return
	}
	_, key, ok := strings.Cut(d.Entry.Topic, "/")
	if !ok {
		return
	}
	id, err := wire.ParseInstanceID(key)
	if err != nil {
		return
	}
	uid := common.Hash(d.Att.UID)
	var exec common.Hash
	var fencing uint64
	if s == attest.ActionResultSchema.UID {
		// Anyone may publish an attestation of the action-result schema;
		// only the executor the anchor-signed record it carries names is
		// the instance's (replicas apply no other).
		data, err := attest.ActionResultSchema.Schema.Decode(d.Att.Message.Data)
		if err != nil {
			return
		}
		rec, err := token.ResultRecord(id, data, d.Att, cm.n.authority.Check)
		if err != nil {
			cm.results.WithLabelValues("refused").Inc()
			return
		}
		fencing = rec.Fencing
		root, _ := data["transcriptRoot"].(string)
		if b, err := hexutil.Decode(root); err == nil && len(b) == common.HashLength {
			exec = common.BytesToHash(b)
		}
	}
	att, err := json.Marshal(d.Att)
	if err != nil {
		return
	}
	cm.keep(uid, common.Hash(id), att, exec, fencing)
}

// tree is a period's operations as this anchor kept them.
func (cm *committing) tree(p uint64) (*commitment.Tree, []common.Hash, error) {
	return cm.trees.get(p, func() (*commitment.Tree, []common.Hash, error) { return cm.buildTree(p) })
}

// buildTree reads and hashes a period's operations.
func (cm *committing) buildTree(p uint64) (*commitment.Tree, []common.Hash, error) {
	var leaves, instances []common.Hash
	prefix := commitPeriodPrefix(cm.addr, p)
	err := cm.n.store.Each(prefix, func(k, v []byte) error {
		if len(k) == len(prefix)+32 && (len(v) == 32 || len(v) == 64) {
			leaves = append(leaves, commitment.Leaf(common.BytesToHash(k[len(prefix):])))
			instances = append(instances, common.BytesToHash(v[:32]))
		}
		return nil
	})
	return commitment.Build(leaves), instances, err
}

// round writes, in this anchor's turn, the recent ended periods not yet
// written.
func (cm *committing) round() {
	ctx, cancel := context.WithTimeout(cm.n.ctx, time.Minute)
	defer cancel()
	head, err := cm.n.eth.HeaderByNumber(ctx, nil)
	if err != nil {
		cm.fail("reading the chain's head: " + err.Error())
		return
	}
	cm.ahead.Store(int64(head.Time) - cm.n.now().Unix())
	now := int64(head.Time)
	cur := cm.periodAt(now)
	opts := &bind.CallOpts{Context: ctx}
	for p := cur - min(cur, commitRecent); p < cur; p++ {
		c, err := cm.c.CommitmentOf(opts, p)
		if err != nil {
			cm.fail("reading a commitment: " + err.Error())
			return
		}
		if c.Written {
			continue
		}
		rot, err := cm.c.Rotation(opts, p)
		if err != nil {
			cm.fail("reading the rotation (has the registry started an epoch?): " + err.Error())
			return
		}
		turn := -1
		for i, a := range rot.Order {
			if a == cm.n.Address() {
				turn = i
			}
		}
		end := cm.genesis + (p+1)*cm.period
		if turn < 0 || uint64(max(now, 0)) < end+uint64(turn)*cm.grace {
			continue
		}
		if err := cm.write(ctx, p); err != nil {
			cm.results.WithLabelValues("failed").Inc()
			cm.n.log.Warn("writing a period's commitment failed", "period", p, "err", err)
			continue
		}
	}
	if n, err := cm.prune(cur, commitPruneBatch); err != nil {
		cm.n.log.Warn("pruning old periods' operations failed", "err", err)
	} else if n > 0 {
		cm.results.WithLabelValues("pruned").Add(float64(n))
	}
}

// commitPruneBatch is how many old operations a round forgets at most.
const commitPruneBatch = 10_000

// commitKeep is how long an anchor keeps a period's operations, to prove
// them, after the period ends.
const commitKeep = 30 * 24 * time.Hour

// keptPeriods is how many periods before the current one are kept, so
// that each is kept at least commitKeep after it ended (rounded up: at
// least one, the period that just ended, whose commitment may still be
// written by the anchor on duty or, past its grace, the next one in the
// rotation).
func (cm *committing) keptPeriods() uint64 {
	per := time.Duration(cm.period) * time.Second
	return uint64((commitKeep + per - 1) / per)
}

// prune forgets the operations of the periods that ended more than
// commitKeep before period cur, oldest first, at most limit of them a call
// (the rest the next round): their keys by period, by UID, their
// attestations and their executions. It returns how many it forgot.
func (cm *committing) prune(cur uint64, limit int) (int, error) {
	keep := cm.keptPeriods()
	if cur <= keep {
		return 0, nil
	}
	before := cur - keep // the first period kept
	all := with(prefixCommitOp, cm.addr[:])
	end := commitPeriodPrefix(cm.addr, before)
	var ops, drops [][]byte
	periods := map[uint64]bool{}
	errEnough := errors.New("enough")
	err := cm.n.store.Each(all, func(k, v []byte) error {
		if bytes.Compare(k, end) >= 0 || len(ops) >= limit {
			return errEnough
		}
		if len(k) != len(all)+8+32 {
			return nil
		}
		uid := common.BytesToHash(k[len(all)+8:])
		periods[binary.BigEndian.Uint64(k[len(all):])] = true
		ops = append(ops, slices.Clone(k))
		drops = append(drops, commitUIDKey(cm.addr, uid), commitAttKey(cm.addr, uid))
		if len(v) == 64 {
			// The execution's key goes with the result it names (a result
			// of a higher fencing number may have taken it since).
			instance, root := common.BytesToHash(v[:32]), common.BytesToHash(v[32:])
			if had, err := cm.execOf(instance, root); err == nil && had.uid == uid {
				drops = append(drops, commitExecKey(cm.addr, instance, root))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return 0, err
	}
	if len(ops) == 0 {
		return 0, nil
	}
	err = cm.n.store.Batch(false, func(w store.Writes) {
		for _, k := range drops {
			w.Delete(k)
		}
		for _, k := range ops {
			w.Delete(k)
		}
	})
	for p := range periods {
		cm.trees.changed(p)
	}
	if err != nil {
		return 0, err
	}
	return len(ops), nil
}

// fail logs why a round could not run, once until the reason changes.
func (cm *committing) fail(why string) {
	if why != cm.lastFail {
		cm.lastFail = why
		cm.n.log.Warn("commitments: a round could not run", "why", why)
	}
}

// write sends period p's commitment from this anchor's key.
func (cm *committing) write(ctx context.Context, p uint64) error {
	tr, instances, err := cm.tree(p)
	if err != nil {
		return err
	}
	unlock, err := cm.n.txLock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	s, err := chainSender(ctx, cm.n)
	if err != nil {
		return err
	}
	err = s.Send(ctx, cm.n.eth, func(o *bind.TransactOpts) (*types.Transaction, error) {
		return cm.c.Commit(o, p, tr.Root(), uint32(tr.Len()), commitment.Bitmap(instances))
	})
	if err != nil && strings.Contains(err.Error(), "AlreadyCommitted") {
		cm.results.WithLabelValues("written-by-another").Inc()
		return nil
	}
	if err != nil {
		return err
	}
	cm.results.WithLabelValues("written").Inc()
	cm.n.log.Info("wrote a period's commitment", "period", p, "root", tr.Root(), "operations", tr.Len())
	return nil
}

// Proof is an operation's inclusion proof in its period's commitment, as
// this anchor kept the period (GET /v1/commitments/proof/{uid}, which
// anyone may ask). It leaves the operation's attestation out: an action
// result's patch and result, a failure's action, are what an instance's
// history says, which needs its owner's grant (ProofOfExecution, asked by
// whoever holds the execution's receipt, has it).
func (cm *committing) Proof(ctx context.Context, uid common.Hash) (*wire.CommitmentProof, error) {
	return cm.proof(ctx, uid, false)
}

// proof is Proof, with the operation's attestation when withAtt and it is
// an action result or a failure attestation.
func (cm *committing) proof(ctx context.Context, uid common.Hash, withAtt bool) (*wire.CommitmentProof, error) {
	b, err := cm.n.store.Get(commitUIDKey(cm.addr, uid))
	if errors.Is(err, store.ErrNotFound) || err == nil && len(b) != 8 {
		return nil, fmt.Errorf("%w: %s", api.ErrUnknownOperation, uid)
	}
	if err != nil {
		return nil, err
	}
	p := binary.BigEndian.Uint64(b)
	tr, _, err := cm.tree(p)
	if err != nil {
		return nil, err
	}
	leaf := commitment.Leaf(uid)
	proof, ok := tr.Proof(leaf)
	if !ok {
		return nil, fmt.Errorf("%w: %s", api.ErrUnknownOperation, uid)
	}
	if proof == nil {
		proof = []common.Hash{} // a period of one operation: its leaf is the root
	}
	out := &wire.CommitmentProof{Period: p, UID: uid, Leaf: leaf, Proof: proof, Root: tr.Root(), Count: tr.Len()}
	if withAtt {
		switch att, err := cm.n.store.Get(commitAttKey(cm.addr, uid)); {
		case err == nil:
			out.Attestation = att
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	c, err := cm.c.CommitmentOf(&bind.CallOpts{Context: ctx}, p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", api.ErrChainUnavailable, err)
	}
	if c.Written {
		out.Written, out.Anchor, out.OnChainRoot = true, c.Anchor, common.Hash(c.Root)
	}
	return out, nil
}

// ProofOfExecution is Proof for the action result that reports the
// execution with the transcript root on the instance (what an action's
// receipt names; GET /v1/commitments/execution/{instance}/{transcriptRoot}).
func (cm *committing) ProofOfExecution(ctx context.Context, instance, transcriptRoot common.Hash) (*wire.CommitmentProof, error) {
	had, err := cm.execOf(instance, transcriptRoot)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: no action result of %s reports transcript %s", api.ErrUnknownOperation, instance, transcriptRoot)
	}
	if err != nil {
		return nil, err
	}
	return cm.proof(ctx, had.uid, true)
}
