// Package dashboard is the anchors' live view of the network for people:
// the page at /ui (static files embedded in the binary, no build step at
// run time) and the Server-Sent Events it reads, GET /v1/events: the
// anchor's view of the network every second, and each attestation the
// anchor delivers as it happens (flight statuses, action results, failure
// attestations, slashing evidence, votes). The node feeds it (Feed.Add
// from its log's in-order delivery) and gives it its network view; the
// package holds no other state.
package dashboard

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/attlog"
	"github.com/smartlayer/smartlayer/wire"
)

// Activity is one thing that happened, as the dashboard shows it.
type Activity struct {
	Seq  uint64 `json:"seq"`  // this feed's order: the SSE event ID
	AtMs int64  `json:"atMs"` // when this anchor delivered it
	// Kind: "status" (a flight status), "action", "failure", "slashing",
	// "vote", "chain", "revocation" or "attestation" (any other schema).
	Kind      string `json:"kind"`
	Topic     string `json:"topic"`
	Publisher string `json:"publisher"`
	EntrySeq  uint64 `json:"entrySeq"`
	UID       string `json:"uid"`
	Schema    string `json:"schema"` // the network schema's name, or its UID
	// AttestedMs is the attestation's own time (whole seconds): AtMs less
	// it is how long it took to reach this anchor.
	AttestedMs int64             `json:"attestedMs"`
	Instance   string            `json:"instance,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"` // decoded data, each value cut to 120 bytes
}

// kinds names the dashboard's kind of each network schema.
var kinds = map[string]string{
	"flight-status": "status", "action-result": "action", "failure": "failure", "slashing-evidence": "slashing",
	"fallback-vote": "vote", "chain-log": "chain", "revocation": "revocation",
}

// ActivityOf describes a delivered entry and its attestation.
func ActivityOf(e *attlog.Entry, s *attest.Signed, now time.Time) Activity {
	a := Activity{AtMs: now.UnixMilli(), Kind: "attestation", Topic: e.Topic, Publisher: e.Publisher.Hex(), EntrySeq: e.Seq}
	id, own := wire.InstanceOfTopic(e.Topic)
	if own {
		a.Instance = id.String()
	}
	if s == nil {
		return a
	}
	a.UID, a.Schema, a.AttestedMs = s.UID.String(), s.Message.Schema.String(), int64(s.Message.Time)*1000
	for _, ns := range attest.NetworkSchemas() {
		if ns.UID != s.Message.Schema {
			continue
		}
		a.Schema = ns.Name
		if k, ok := kinds[ns.Name]; ok {
			a.Kind = k
		}
		// An instance's own topics (its action results and failures) say
		// what changed in its state: only callers that may read its
		// history see their data, so the open dashboard shows the kind,
		// the instance and the signer alone.
		if own {
			break
		}
		if data, err := ns.Schema.Decode(s.Message.Data); err == nil {
			a.Fields = make(map[string]string, len(data))
			for k, v := range data {
				str := fmt.Sprint(v)
				if len(str) > 120 {
					str = strings.ToValidUTF8(str[:117], "") + "..."
				}
				a.Fields[k] = str
			}
		}
		break
	}
	return a
}

// FeedSize is how many activities a feed keeps for streams that resume.
const FeedSize = 1024

// Feed is the last FeedSize activities, for the streams that follow them.
type Feed struct {
	mu   sync.Mutex
	ring [FeedSize]slot
	n    int    // activities held
	next uint64 // the next Seq
	wait chan struct{}
}

// slot is one activity, or the entry it is made from when a stream first
// reads it: delivering an entry costs the log nothing but a pointer, and
// its data is decoded only if someone watches.
type slot struct {
	a Activity
	e *attlog.Entry
	s *attest.Signed
}

// NewFeed returns an empty feed. Its numbers start from the time it was
// made (Unix ms × 1024), so a stream resuming after the anchor restarted,
// with a number from before, reads from the oldest activity held (a
// number from the future reads from the start too).
func NewFeed() *Feed { return newFeedAt(time.Now()) }

func newFeedAt(t time.Time) *Feed {
	return &Feed{next: uint64(t.UnixMilli())<<10 + 1, wait: make(chan struct{})}
}

// Add appends an activity (its Seq is set) and wakes the streams.
func (f *Feed) Add(a Activity) { f.add(slot{a: a}) }

// AddEntry appends the activity of an entry the log delivered at at (made
// by ActivityOf when a stream first reads it): a constant cost, on the
// log's delivery path.
func (f *Feed) AddEntry(e *attlog.Entry, s *attest.Signed, at time.Time) {
	f.add(slot{a: Activity{AtMs: at.UnixMilli()}, e: e, s: s})
}

func (f *Feed) add(sl slot) {
	f.mu.Lock()
	sl.a.Seq = f.next
	f.ring[f.next%FeedSize] = sl
	f.next++
	f.n = min(f.n+1, FeedSize)
	close(f.wait)
	f.wait = make(chan struct{})
	f.mu.Unlock()
}

// Since returns the activities after seq still held (at most max), and a
// channel closed when another arrives. A seq this feed never gave (a
// stream resuming from before the anchor restarted) reads as 0.
func (f *Feed) Since(seq uint64, max int) ([]Activity, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if seq >= f.next {
		seq = 0
	}
	first := f.next - uint64(f.n)
	if seq+1 > first {
		first = seq + 1
	}
	var out []Activity
	for s := first; s < f.next && len(out) < max; s++ {
		sl := &f.ring[s%FeedSize]
		if sl.e != nil {
			a := ActivityOf(sl.e, sl.s, time.UnixMilli(sl.a.AtMs))
			a.Seq = sl.a.Seq
			sl.a, sl.e, sl.s = a, nil, nil
		}
		out = append(out, sl.a)
	}
	return out, f.wait
}
