package client

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/wire"
)

// Publisher appends attestations to its own streams: it numbers and chains
// entries, signs them and posts them to an anchor.
type Publisher struct {
	c      *Client
	key    *ecdsa.PrivateKey
	anchor string // one anchor, so that its head is the one we extend
	mu     sync.Mutex
	// heads of this publisher's streams, learned from the anchors.
	heads map[string]attlog.Head
}

// NewPublisher publishes with key through the client's anchors.
func (c *Client) NewPublisher(key *ecdsa.PrivateKey) *Publisher {
	return &Publisher{c: c, key: key, anchor: c.anchors[0], heads: map[string]attlog.Head{}}
}

// Heads asks a node for the heads of a topic's streams, page after page
// (a node answers 1,024 at most at once).
func (c *Client) Heads(ctx context.Context, nodeURL, topic string) ([]attlog.StreamHead, error) {
	var all []attlog.StreamHead
	after := ""
	for {
		var out struct {
			Heads []attlog.StreamHead `json:"heads"`
			More  bool                `json:"more"`
		}
		u := nodeURL + "/v1/topics/" + url.PathEscape(topic) + "/heads"
		if after != "" {
			u += "?after=" + after
		}
		if err := c.do(ctx, http.MethodGet, u, nil, nil, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Heads...)
		if !out.More || len(out.Heads) == 0 {
			return all, nil
		}
		after = out.Heads[len(out.Heads)-1].Publisher.Hex()
	}
}

// Head asks a node for the head of one publisher's stream on a topic
// (Seq 0: it has none).
func (c *Client) Head(ctx context.Context, nodeURL, topic string, publisher common.Address) (attlog.Head, error) {
	var out struct {
		Heads []attlog.StreamHead `json:"heads"`
	}
	if err := c.do(ctx, http.MethodGet, nodeURL+"/v1/topics/"+url.PathEscape(topic)+"/heads?publisher="+publisher.Hex(), nil, nil, &out); err != nil {
		return attlog.Head{}, err
	}
	for _, h := range out.Heads {
		if h.Publisher == publisher {
			return h.Head, nil
		}
	}
	return attlog.Head{}, nil
}

// Publish appends a signed attestation (eas-sdk JSON) to topic.
func (p *Publisher) Publish(ctx context.Context, topic string, attestation json.RawMessage) (*attlog.Entry, error) {
	// The entry signs the attestation's bytes in the form JSON carries them
	// (compact, HTML-escaped), so a pretty-printed file signs as it travels.
	canon, err := json.Marshal(attestation)
	if err != nil {
		return nil, fmt.Errorf("attestation: %w", err)
	}
	attestation = canon
	p.mu.Lock()
	defer p.mu.Unlock()
	me := crypto.PubkeyToAddress(p.key.PublicKey)
	for attempt := 0; attempt < 2; attempt++ {
		h, ok := p.heads[topic]
		if !ok || attempt > 0 {
			var err error
			if h, err = p.c.Head(ctx, p.anchor, topic, me); err != nil {
				return nil, err
			}
		}
		e := &attlog.Entry{Topic: topic, Seq: h.Seq + 1, Prev: h.Hash, Attestation: attestation}
		if err := e.Sign(p.key); err != nil {
			return nil, err
		}
		body, _ := json.Marshal(e)
		err := p.c.do(ctx, http.MethodPost, p.anchor+"/v1/attestations", nil, body, &struct{}{})
		var pr *wire.Problem
		if errors.As(err, &pr) && (pr.Status == http.StatusConflict || pr.Status == http.StatusBadRequest && attempt == 0) {
			continue // another writer or a stale head: learn the head again
		}
		if err != nil {
			return nil, err
		}
		p.heads[topic] = attlog.Head{Seq: e.Seq, Hash: e.Hash()}
		return e, nil
	}
	return nil, errors.New("publish: the stream's head kept moving")
}
