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

// Heads asks a node for the heads of a topic's streams.
func (c *Client) Heads(ctx context.Context, nodeURL, topic string) ([]attlog.StreamHead, error) {
	var out struct {
		Heads []attlog.StreamHead `json:"heads"`
	}
	if err := c.do(ctx, http.MethodGet, nodeURL+"/v1/topics/"+url.PathEscape(topic)+"/heads", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Heads, nil
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
			heads, err := p.c.Heads(ctx, p.anchor, topic)
			if err != nil {
				return nil, err
			}
			h = attlog.Head{}
			for _, sh := range heads {
				if sh.Publisher == me {
					h = sh.Head
				}
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
