package node

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/smartlayer/smartlayer/api"
	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/dashboard"
	"github.com/smartlayer/smartlayer/executor"
	"github.com/smartlayer/smartlayer/grant"
	"github.com/smartlayer/smartlayer/placement"
	"github.com/smartlayer/smartlayer/sampling"
	"github.com/smartlayer/smartlayer/sandbox"
	"github.com/smartlayer/smartlayer/token"
	"github.com/smartlayer/smartlayer/wire"
)

// The node's roles as the HTTP API (package api) sees them: small
// adapters, no HTTP code.

// registerAPI adds the integration API of this node's roles to mux.
func (n *Node) registerAPI(mux *http.ServeMux) {
	d := api.Deps{
		Log: n.log, MaxBody: n.cfg.HTTP.MaxBodyBytes, ActionTimeout: n.cfg.Service.ActionTimeout.Duration,
		Limit: n.limited, Refused: n.inputRefused, Done: n.done,
		MaxStreams: int64(n.cfg.HTTP.MaxStreams), Streams: &n.streams,
		MaxQueries: int64(n.cfg.Service.MaxQueries), Queries: &n.queries,
		Health: n.health, Network: n.networkView,
		Metrics: promhttp.HandlerFor(n.reg, promhttp.HandlerOpts{}),
		Topics:  topicsAPI{n},
	}
	if n.service != nil {
		d.Tokens = tokensAPI{n.service}
	}
	if n.anchor != nil {
		d.Anchor = n.anchor
		if n.pay != nil {
			d.Payments = paymentsAPI{n.pay}
		}
		if n.commit != nil {
			d.Commitments = n.commit
		}
		dashboard.Register(mux, dashboard.Deps{Feed: n.anchor.feed, Network: n.networkView, Placements: n.anchor.placements,
			Done: n.done, Streams: &n.streams, MaxStreams: int64(n.cfg.HTTP.MaxStreams)})
	}
	api.Register(mux, d)
}

// topicsAPI is the attestation log with this anchor's sequencing key.
type topicsAPI struct{ n *Node }

func (t topicsAPI) Publish(ctx context.Context, data []byte, fromClient bool) (*attlog.Entry, error) {
	return t.n.att.Publish(ctx, data, fromClient)
}

func (t topicsAPI) Sequence(topic string, att json.RawMessage) ([]byte, error) {
	if t.n.publisher == nil {
		return nil, api.ErrNotSequencing
	}
	return t.n.att.Sequence(t.n.publisher, topic, att)
}

func (t topicsAPI) TopicHeadsPage(topic string, after *attlog.StreamID, limit int) ([]attlog.StreamHead, bool) {
	return t.n.att.TopicHeadsPage(topic, after, limit)
}

func (t topicsAPI) Head(id attlog.StreamID) attlog.Head { return t.n.att.Head(id) }

func (t topicsAPI) WaitTopic(topic string) <-chan struct{} { return t.n.att.WaitTopic(topic) }

func (t topicsAPI) TopicEntries(topic string, from uint64, max int) ([]*attlog.Entry, []uint64, error) {
	return t.n.att.TopicEntries(topic, from, max)
}

// tokensAPI is a service node's instances.
type tokensAPI struct{ s *serviceRole }

func (t tokensAPI) Self() string { return t.s.n.peerStr }

func (t tokensAPI) Query(ctx context.Context, id wire.InstanceID, name string, args json.RawMessage, p grant.Presented) (*api.QueryOutcome, error) {
	return t.s.runQuery(ctx, id, name, args, p)
}

func (t tokensAPI) Action(ctx context.Context, id wire.InstanceID, name, key string, args json.RawMessage, p grant.Presented) (*executor.Outcome, error) {
	return t.s.action(ctx, id, name, key, args, p)
}

func (t tokensAPI) Read(id wire.InstanceID, what string, p grant.Presented) (*token.Instance, error) {
	return t.s.read(id, what, p)
}

func (t tokensAPI) Watch(id wire.InstanceID, what string, p grant.Presented) (func() error, error) {
	return t.s.watch(id, what, p)
}

func (t tokensAPI) History(id wire.InstanceID) ([]token.HistoryItem, error) { return t.s.history(id) }

func (t tokensAPI) Route(ctx context.Context, id wire.InstanceID) *wire.Route {
	return t.s.route(ctx, id)
}

func (t tokensAPI) Revoke(body []byte) (attest.UID, error) { return t.s.revoke(body) }

func (t tokensAPI) Counted(result string) { t.s.n.metric.queries.WithLabelValues(result).Inc() }

func (t tokensAPI) Transcript(leaf common.Hash, p grant.Presented) (*sampling.Kept, error) {
	k, ok := t.s.findKept(leaf)
	if !ok {
		return nil, api.ErrUnknownReceipt
	}
	id, err := wire.ParseInstanceID(k.Transcript.Instance)
	if err != nil {
		return nil, api.ErrUnknownReceipt
	}
	if _, err := t.s.read(id, "state", p); err != nil {
		return nil, err
	}
	if k.Transcript.Calls == nil { // never null: none is [] (a copy: the ring's is shared)
		tr := *k.Transcript
		tr.Calls = []sandbox.External{}
		k.Transcript = &tr
	}
	return &k, nil
}

// health is GET /v1/health.
func (n *Node) health() any {
	me := n.self()
	p2p := n.net.FullAddrs()
	if p2p == nil {
		p2p = []string{} // never null: none is []
	}
	return &wire.Health{Status: "ok", Role: string(me.Role), Peer: me.Peer, Address: me.Address,
		Version: Version, UptimeSeconds: int64(time.Since(n.started).Seconds()), Instances: me.Instances, P2P: p2p}
}

// networkView is GET /v1/network (api/openapi.json, "Network", says
// every member; a declared list is never null).
func (n *Node) networkView() any {
	anchors, services := n.network()
	if anchors == nil {
		anchors = []Member{}
	}
	if services == nil {
		services = []Member{}
	}
	out := map[string]any{
		"self":    n.peerStr,
		"anchors": anchors, "services": services,
	}
	if n.anchor != nil {
		out["mode"], out["modeRound"] = n.anchor.mode()
		out["certifiedDown"] = n.anchor.certifiedDown()
		out["nondeterministic"] = n.anchor.nondeterministic()
		out["sampling"] = map[string]any{
			"interval": n.cfg.Network.SampleInterval.String(), "share": n.cfg.Network.SampleShare,
			"excludeBelow": placement.LevelExclude, "nodes": n.anchor.verify.Snapshot(),
		}
		c := n.cfg.Network
		out["serviceLevels"] = map[string]any{
			"probeInterval": c.ProbeInterval.String(), "hotLatency": c.HotLatency.String(), "hold": c.SLAHold.String(),
			"nodes": n.anchor.probe.levels(),
		}
	}
	epoch, seed := n.epochs.now()
	out["epoch"] = epoch
	if e := n.refusedEpoch.Load(); e != 0 {
		// The registry's last epoch, not followed: its anchor set is another.
		out["epochNotFollowed"] = e
	}
	if st := n.epochs.stake(epoch); st != nil {
		// The epoch is the registry's: its anchors' stakes weigh votes.
		stakes := map[string]uint64{}
		for p, a := range n.anchors {
			stakes[p.String()] = st[a]
		}
		out["epochFromChain"] = map[string]any{"seed": common.Hash(seed).Hex(), "anchorStakes": stakes}
	}
	if n.staked != nil {
		block, admitted := n.staked.Snapshot()
		out["chain"] = map[string]any{"block": block, "admittedServices": admitted, "confirmations": n.cfg.Network.Confirmations,
			"openSlashCases": n.slash.cases(), "latestEpoch": n.staked.LatestEpoch()}
	}
	return out
}
