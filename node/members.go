package node

import (
	"fmt"
	"net/url"
	"sort"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/smartlayer/smartlayer/wire"
)

// Member is one node as the network sees it.
type Member struct {
	Peer      string `json:"peer"`
	Address   string `json:"address"`
	Role      Role   `json:"role"`
	HTTP      string `json:"http,omitempty"`
	Capacity  int    `json:"capacity,omitempty"`
	Instances int    `json:"instances"`
	// Full: the node is at its cap on topics followed and takes no new
	// instance (service.max_topics).
	Full       bool   `json:"full,omitempty"`
	Platform   string `json:"platform,omitempty"`
	Version    string `json:"version,omitempty"`
	State      string `json:"state"`
	LastSeenMs int64  `json:"lastSeenMs"`
}

// members is an anchor's view of the network, kept from heartbeats.
type members struct {
	mu      sync.Mutex
	m       map[string]*Member
	version uint64 // grows whenever a member appears or changes state
	// upEvents lists peers that came up since the last take.
	upEvents []string
}

func newMembers() *members { return &members{m: map[string]*Member{}} }

// seen records a heartbeat.
func (ms *members) seen(mb Member, now time.Time) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	mb.State = wire.StateUp
	mb.LastSeenMs = now.UnixMilli()
	old, ok := ms.m[mb.Peer]
	switch {
	case !ok || old.State != wire.StateUp:
		ms.version++
		ms.upEvents = append(ms.upEvents, mb.Peer)
	case old.Capacity != mb.Capacity || old.Role != mb.Role || old.Platform != mb.Platform || old.Full != mb.Full:
		// What placement weighs changed: a member expected from stored
		// state (capacity unknown) heard from at last, say. Without a new
		// version an anchor restarted among them kept the records it made
		// with the first one or two that answered (found by smartlayer
		// chaos: a ticket left on 2 replicas of 3).
		ms.version++
	}
	ms.m[mb.Peer] = &mb
}

// expect adds a peer known from stored state as up, so that it is judged by
// missed heartbeats from now rather than thought absent.
func (ms *members) expect(mb Member, now time.Time) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if _, ok := ms.m[mb.Peer]; ok {
		return
	}
	mb.State = wire.StateUp
	mb.LastSeenMs = now.UnixMilli()
	ms.m[mb.Peer] = &mb
	ms.version++
}

// sweep marks members down that missed their heartbeats.
func (ms *members) sweep(now time.Time, downAfter time.Duration) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	for _, mb := range ms.m {
		if mb.State == wire.StateUp && now.Sub(time.UnixMilli(mb.LastSeenMs)) > downAfter {
			mb.State = wire.StateDown
			ms.version++
		}
	}
}

// replace takes a whole view from an anchor's heartbeat answer.
func (ms *members) replace(list []Member) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.m = make(map[string]*Member, len(list))
	for i := range list {
		mb := list[i]
		ms.m[mb.Peer] = &mb
	}
	ms.version++
}

func (ms *members) takeUpEvents() []string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ev := ms.upEvents
	ms.upEvents = nil
	return ev
}

func (ms *members) snapshot() (list []Member, version uint64) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	list = make([]Member, 0, len(ms.m))
	for _, mb := range ms.m {
		list = append(list, *mb)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Role != list[j].Role {
			return list[i].Role < list[j].Role
		}
		return list[i].Peer < list[j].Peer
	})
	return list, ms.version
}

func (ms *members) get(p string) (Member, bool) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	mb, ok := ms.m[p]
	if !ok {
		return Member{}, false
	}
	return *mb, true
}

// Bounds on what a heartbeat may claim.
const (
	maxMemberField = 128 // peer ID, address, platform, version
	maxMemberURL   = 256
)

// checkMember bounds every field of a heartbeat's member and caps the
// capacity it claims; the anchor keeps and serves only what passes.
func checkMember(mb *Member, maxCapacity int) error {
	if mb.Role != RoleAnchor && mb.Role != RoleService {
		return fmt.Errorf("role %.32q: want %q or %q", mb.Role, RoleAnchor, RoleService)
	}
	for name, v := range map[string]string{"peer": mb.Peer, "address": mb.Address, "platform": mb.Platform, "version": mb.Version, "state": mb.State} {
		if len(v) > maxMemberField {
			return fmt.Errorf("%s of %d bytes, limit %d", name, len(v), maxMemberField)
		}
		if !printable(v) {
			return fmt.Errorf("%s has control or non-UTF-8 characters", name)
		}
	}
	if mb.HTTP != "" {
		u, err := url.Parse(mb.HTTP)
		if len(mb.HTTP) > maxMemberURL || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("http %.64q is not an http(s) URL of at most %d bytes", mb.HTTP, maxMemberURL)
		}
	}
	if mb.Capacity < 0 || mb.Instances < 0 {
		return fmt.Errorf("negative capacity or instance count")
	}
	if mb.Capacity > maxCapacity {
		mb.Capacity = maxCapacity
	}
	return nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
