// Package hotel is the demo hotel API the flight ticket rebooks through: a
// real HTTP service that honours Idempotency-Key, counts rebookings and
// can be told to fail, for demos and tests of actions and failure handling.
package hotel

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Modes of POST /faults.
const (
	ModeOK      = "ok"
	ModeTimeout = "timeout" // hold the request until the client gives up
	ModeError   = "error"   // answer 503
)

// SetFaults sets the mode and the delay of each booking's answer, as POST
// /faults does; count above 0 applies the mode to that many requests only.
func (s *Server) SetFaults(mode string, delay time.Duration, count int) {
	s.mu.Lock()
	s.mode, s.delay, s.failNext = mode, delay, count
	s.mu.Unlock()
}

// Server is a running demo hotel.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	URL  string
	mu   sync.Mutex
	mode string
	// delay holds each booking's answer after it is made (a slow hotel).
	delay time.Duration
	// failNext, when above 0, limits mode to that many more requests; then
	// the mode goes back to ok.
	failNext int
	// bookings by idempotency key: a repeated request books once.
	bookings map[string]booking
	repeats  int
	hold     chan struct{}
	// onBook, when set, is told of each new booking as it is made, before
	// its answer (tests: kill the caller mid-call).
	onBook func(key string)
}

// OnBook sets a function told of each new booking as it is made, before
// the answer is sent (nil: none).
func (s *Server) OnBook(f func(key string)) {
	s.mu.Lock()
	s.onBook = f
	s.mu.Unlock()
}

type booking struct {
	ID   string          `json:"id"`
	Body json.RawMessage `json:"request"`
}

// Start listens on addr ("127.0.0.1:0" picks a port).
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, URL: "http://" + ln.Addr().String(), mode: ModeOK, bookings: map[string]booking{}, hold: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /bookings", s.book)
	mux.HandleFunc("GET /stats", s.stats)
	mux.HandleFunc("POST /faults", s.faults)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	close(s.hold)
	return s.srv.Close()
}

// Bookings returns the booking ID made under each idempotency key.
func (s *Server) Bookings() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.bookings))
	for k, b := range s.bookings {
		out[k] = b.ID
	}
	return out
}

// Repeats is how many booking requests repeated a key already booked (a
// retried or failed-over action): answered with the first booking.
func (s *Server) Repeats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repeats
}

// Rebookings is how many distinct bookings were made.
func (s *Server) Rebookings() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bookings)
}

func (s *Server) book(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		http.Error(w, `{"error":"Idempotency-Key is required"}`, http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	s.mu.Lock()
	mode, delay := s.mode, s.delay
	if s.failNext > 0 {
		if s.failNext--; s.failNext == 0 {
			s.mode = ModeOK
		}
	}
	s.mu.Unlock()
	switch mode {
	case ModeTimeout:
		select {
		case <-r.Context().Done():
		case <-s.hold:
		}
		return
	case ModeError:
		http.Error(w, `{"error":"the hotel system is down"}`, http.StatusServiceUnavailable)
		return
	}
	s.mu.Lock()
	b, ok := s.bookings[key]
	status := http.StatusOK
	onBook := s.onBook
	if !ok {
		b = booking{ID: fmt.Sprintf("bk-%d", len(s.bookings)+1), Body: body}
		s.bookings[key] = b
		status = http.StatusCreated
	} else {
		s.repeats++
	}
	s.mu.Unlock()
	if !ok && onBook != nil {
		onBook(key)
	}
	if delay > 0 {
		select {
		case <-r.Context().Done():
			return // booked all the same: a retry with the key finds it
		case <-s.hold:
		case <-time.After(delay):
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": b.ID, "idempotencyKey": key})
}

func (s *Server) stats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"rebookings": s.Rebookings(), "mode": s.currentMode()})
}

func (s *Server) currentMode() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode
}

func (s *Server) faults(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Mode    string `json:"mode"`
		DelayMs int    `json:"delayMs"`
		Count   int    `json:"count"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil ||
		(req.Mode != ModeOK && req.Mode != ModeTimeout && req.Mode != ModeError) || req.DelayMs < 0 || req.DelayMs > 60_000 || req.Count < 0 {
		http.Error(w, `{"error":"want {\"mode\": \"ok\" | \"timeout\" | \"error\", \"delayMs\": 0..60000, \"count\": N (0: until changed)}"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.mode, s.delay, s.failNext = req.Mode, time.Duration(req.DelayMs)*time.Millisecond, req.Count
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"mode": req.Mode, "delayMs": req.DelayMs, "count": req.Count})
}
