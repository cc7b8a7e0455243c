package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attengine"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/client"
)

// manyHeads is a topic with n publishers' streams.
type manyHeads struct {
	refusing
	heads []attlog.StreamHead // sorted by publisher
}

func (m manyHeads) TopicHeadsPage(topic string, after *attlog.StreamID, limit int) ([]attlog.StreamHead, bool) {
	i := 0
	if after != nil {
		i = sort.Search(len(m.heads), func(k int) bool { return m.heads[k].Publisher.Cmp(after.Publisher) > 0 })
	}
	page := m.heads[i:]
	if len(page) > limit {
		return page[:limit], true
	}
	return page, false
}

func (m manyHeads) Head(id attlog.StreamID) attlog.Head {
	for _, h := range m.heads {
		if h.Publisher == id.Publisher {
			return h.Head
		}
	}
	return attlog.Head{}
}

// TestHeadsPaged: a topic's heads are answered a page (1,024) at a time,
// the client pages through them all, and one publisher's head is asked for
// alone (the whole list was answered at once, however many publishers
// anyone had made).
func TestHeadsPaged(t *testing.T) {
	const topic, n = "0x1111111111111111111111111111111111111111111111111111111111111111/BA117", 2*attengine.MaxHeadsPage + 100
	m := manyHeads{}
	for i := 0; i < n; i++ {
		pub := common.BytesToAddress(crypto.Keccak256([]byte{byte(i), byte(i >> 8)}))
		m.heads = append(m.heads, attlog.StreamHead{Topic: topic, Publisher: pub, Head: attlog.Head{Seq: uint64(i + 1)}})
	}
	sort.Slice(m.heads, func(i, j int) bool { return m.heads[i].Publisher.Cmp(m.heads[j].Publisher) < 0 })
	mux := http.NewServeMux()
	Register(mux, Deps{MaxBody: 1 << 10, Limit: func(h http.HandlerFunc) http.HandlerFunc { return h },
		Health: func() any { return nil }, Network: func() any { return nil }, Metrics: http.NotFoundHandler(),
		Topics: m, Tokens: refusing{}, Done: make(chan struct{})})
	s := httptest.NewServer(mux)
	defer s.Close()
	var page struct {
		Heads []attlog.StreamHead `json:"heads"`
		More  bool                `json:"more"`
	}
	resp, err := http.Get(s.URL + "/v1/topics/" + url.PathEscape(topic) + "/heads")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil || len(page.Heads) != attengine.MaxHeadsPage || !page.More {
		t.Fatalf("the first page: %d heads, more %v, %v", len(page.Heads), page.More, err)
	}
	c := client.New([]string{s.URL}, nil)
	all, err := c.Heads(context.Background(), s.URL, topic)
	if err != nil || len(all) != n {
		t.Fatalf("the client paged %d of %d heads: %v", len(all), n, err)
	}
	want := m.heads[77]
	h, err := c.Head(context.Background(), s.URL, topic, want.Publisher)
	if err != nil || h.Seq != want.Seq {
		t.Fatalf("one publisher's head: %+v %v, want %+v", h, err, want.Head)
	}
	resp, err = http.Get(s.URL + "/v1/topics/" + url.PathEscape(topic) + "/heads?after=nope")
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a bad after: %v %v", resp, err)
	}
	resp.Body.Close()
}
