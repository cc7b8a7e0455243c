package dashboard

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/smartlayer/smartlayer/httpapi"
)

//go:embed ui
var assets embed.FS

// Placement is one instance as this anchor placed it.
type Placement struct {
	Instance string   `json:"instance"`
	Executor string   `json:"executor"`
	Replicas []string `json:"replicas"`
	Fencing  uint64   `json:"fencing"`
}

// MaxPlacements bounds the placements one network event lists.
const MaxPlacements = 500

// Deps is what the dashboard needs of its anchor.
type Deps struct {
	Feed *Feed
	// Network is the anchor's GET /v1/network answer.
	Network func() any
	// Placements lists the instances the anchor placed (at most
	// MaxPlacements).
	Placements func() []Placement
	// Every is how often the network view is sent (1 s if zero).
	Every time.Duration
	// Done ends the streams when the node stops.
	Done <-chan struct{}
	// Streams counts the node's open streams; past MaxStreams a new one is
	// refused (503 too-many-streams).
	Streams    *httpapi.StreamCount
	MaxStreams int64
}

// Register adds GET /ui/ (the page) and GET /v1/events (its stream) to mux.
func Register(mux *http.ServeMux, d Deps) {
	if d.Every <= 0 {
		d.Every = time.Second
	}
	if d.Streams == nil {
		d.Streams = &httpapi.StreamCount{}
	}
	ui, _ := fs.Sub(assets, "ui")
	files := http.StripPrefix("/ui/", http.FileServerFS(ui))
	mux.HandleFunc("GET /ui", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/", http.StatusMovedPermanently)
	})
	mux.Handle("GET /ui/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src *; img-src 'self' data:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	}))
	snap := &snapshot{d: d}
	mux.HandleFunc("GET /v1/events", func(w http.ResponseWriter, r *http.Request) { d.events(w, r, snap) })
}

// snapshot is the network event, made at most once per d.Every whatever
// the number of streams that send it.
type snapshot struct {
	d    Deps
	mu   sync.Mutex
	at   time.Time
	data []byte
}

func (s *snapshot) get() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.data != nil && now.Sub(s.at) < s.d.Every {
		return s.data, nil
	}
	ev := NetworkEvent{AtMs: now.UnixMilli(), Network: s.d.Network(), Placements: []Placement{}}
	if s.d.Placements != nil {
		ev.Placements = s.d.Placements()
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	s.at, s.data = now, b
	return b, nil
}

// NetworkEvent is the "network" event's data.
type NetworkEvent struct {
	AtMs       int64       `json:"atMs"`
	Network    any         `json:"network"`
	Placements []Placement `json:"placements"`
}

// events streams "network" every d.Every and "activity" as it happens
// (id: the activity's Seq; resume with Last-Event-ID).
func (d Deps) events(w http.ResponseWriter, r *http.Request, snap *snapshot) {
	var after uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			httpapi.Error(w, r, http.StatusBadRequest, "bad-last-event-id", "Last-Event-ID must be an activity number")
			return
		}
		after = n
	}
	st, ok := httpapi.StartStream(w, r, d.Streams, d.MaxStreams, nil)
	if !ok {
		return
	}
	defer st.Release()
	fl := st.Flusher
	tick := time.NewTicker(d.Every)
	defer tick.Stop()
	sendNetwork := func() bool {
		b, err := snap.get()
		if err != nil {
			return false
		}
		httpapi.ExtendWrite(w, 0)
		_, err = fmt.Fprintf(w, "event: network\ndata: %s\n\n", b)
		return err == nil
	}
	if !sendNetwork() {
		return
	}
	fl.Flush()
	for {
		select {
		case <-st.Done:
			return // its place went to a client holding fewer, between batches too
		default:
		}
		httpapi.ExtendWrite(w, 0)
		as, wait := d.Feed.Since(after, 256)
		for _, a := range as {
			b, _ := json.Marshal(a)
			if _, err := fmt.Fprintf(w, "id: %d\nevent: activity\ndata: %s\n\n", a.Seq, b); err != nil {
				return
			}
			after = a.Seq
		}
		fl.Flush()
		if len(as) == 256 {
			continue
		}
		select {
		case <-r.Context().Done():
			return
		case <-st.Done:
			return // its place went to a client holding fewer
		case <-d.Done:
			return
		case <-wait:
		case <-tick.C:
			if !sendNetwork() {
				return
			}
			fl.Flush()
		}
	}
}
