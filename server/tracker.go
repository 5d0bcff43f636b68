package server

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of what a worker is doing, for its heartbeat.
type Stats struct {
	InFlight int           // requests in a handler now
	Oldest   time.Duration // age of the oldest of them
	Requests uint64        // requests started since boot
}

// tracker counts requests, remembers the ones in flight and recycles the
// worker after max_requests.
type tracker struct {
	mu       sync.Mutex
	inFlight map[*request]struct{}
	requests atomic.Uint64

	maxRequests uint64 // 0 = never retire
	retiring    atomic.Bool
	draining    atomic.Bool // the worker is stopping: no more keep-alive
	onRetire    func()
}

// request is one request in flight.
type request struct {
	start time.Time
}

func newTracker(maxRequests int, onRetire func()) *tracker {
	if onRetire == nil {
		onRetire = func() {}
	}
	return &tracker{
		inFlight:    make(map[*request]struct{}),
		maxRequests: uint64(max(maxRequests, 0)),
		onRetire:    onRetire,
	}
}

func (t *tracker) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &request{start: time.Now()}
		t.mu.Lock()
		t.inFlight[req] = struct{}{}
		t.mu.Unlock()
		defer func() {
			t.mu.Lock()
			delete(t.inFlight, req)
			t.mu.Unlock()
		}()

		n := t.requests.Add(1)
		limit := t.maxRequests > 0 && n >= t.maxRequests
		if limit || t.draining.Load() {
			// This response is the last on its connection, so keep-alive
			// clients move to other workers while this one drains.
			w.Header().Set("Connection", "close")
		}
		if limit && t.retiring.CompareAndSwap(false, true) {
			t.onRetire()
		}
		next.ServeHTTP(w, r)
	})
}

// stats takes a snapshot.
func (t *tracker) stats() Stats {
	now := time.Now()
	s := Stats{Requests: t.requests.Load()}
	t.mu.Lock()
	defer t.mu.Unlock()
	s.InFlight = len(t.inFlight)
	for req := range t.inFlight {
		s.Oldest = max(s.Oldest, now.Sub(req.start))
	}
	return s
}

// threads bounds how many handlers run at once (gthread's thread pool).
func threads(n int, next http.Handler) http.Handler {
	pool := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case pool <- struct{}{}:
		case <-r.Context().Done():
			return // the client left while waiting for a thread
		}
		defer func() { <-pool }()
		next.ServeHTTP(w, r)
	})
}
