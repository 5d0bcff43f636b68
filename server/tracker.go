package server

import (
	"cmp"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of what a worker is doing, for its heartbeat.
type Stats struct {
	InFlight int           // requests in the worker now (running or waiting for a thread)
	Oldest   time.Duration // age of the oldest of them
	Requests uint64        // requests started since boot
	Longest  []Request     // the oldest requests in flight, oldest first (at most maxLongest)
}

// Request is a request in flight, as a hung worker's report shows it.
type Request struct {
	Method string        `json:"method"`
	Path   string        `json:"path"`
	Age    time.Duration `json:"age"`
}

// maxLongest bounds Stats.Longest: enough to show what a hung worker was
// doing, small enough for a heartbeat.
const maxLongest = 10

// tracker is the worker's view of every request: it counts them,
// remembers the ones in flight, recycles the worker after max_requests,
// turns a handler's panic into a 500, and writes the access log.
type tracker struct {
	mu       sync.Mutex
	inFlight map[*exchange]struct{}
	requests atomic.Uint64

	maxRequests uint64 // 0 = never retire
	retiring    atomic.Bool
	draining    atomic.Bool // the worker is stopping: no more keep-alive
	onRetire    func()

	log    *slog.Logger
	access *accessLogger // nil when the access log is off

	preRequest  func(*http.Request) http.Header // nil: none
	postRequest func(*http.Request, Done)       // nil: none
}

func newTracker(o Options, access *accessLogger) *tracker {
	onRetire := o.OnRetire
	if onRetire == nil {
		onRetire = func() {}
	}
	return &tracker{
		inFlight:    make(map[*exchange]struct{}),
		maxRequests: uint64(max(o.MaxRequests, 0)),
		onRetire:    onRetire,
		log:         o.ErrorLog,
		access:      access,
		preRequest:  o.PreRequest,
		postRequest: o.PostRequest,
	}
}

func (t *tracker) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := &exchange{ResponseWriter: w, req: r, start: time.Now(), t: t}
		t.begin(e)
		defer t.end(e)
		n := t.requests.Add(1)
		if t.maxRequests > 0 && n >= t.maxRequests {
			// From here on every response closes its connection, so
			// keep-alive clients move to other workers while this one
			// waits for its replacement.
			e.last = true
			if t.retiring.CompareAndSwap(false, true) {
				t.onRetire()
			}
		}
		defer t.recoverPanic(e)
		if t.preRequest != nil {
			// The one way pre_request changes a request: headers it
			// returns are set on the response.
			maps.Copy(e.ResponseWriter.Header(), t.preRequest(r))
		}
		next.ServeHTTP(e, r)
		e.finish()
	})
}

func (t *tracker) begin(e *exchange) {
	t.mu.Lock()
	t.inFlight[e] = struct{}{}
	t.mu.Unlock()
}

func (t *tracker) end(e *exchange) {
	t.mu.Lock()
	delete(t.inFlight, e)
	t.mu.Unlock()
	if t.access != nil {
		t.access.write(e)
	}
	if t.postRequest != nil {
		t.postRequest(e.req, Done{
			Status: e.status, Header: e.ResponseWriter.Header(), Bytes: e.bytes, Duration: time.Since(e.start),
		})
	}
}

// recoverPanic answers 500 for a handler that panicked before sending its
// headers, logs the panic with its stack, and keeps the worker serving.
// After the headers, the connection is cut (http.ErrAbortHandler), since
// the response cannot be taken back.
func (t *tracker) recoverPanic(e *exchange) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	t.log.Error(fmt.Sprintf("Error handling request %s %s: panic: %v\n%s", e.req.Method, e.req.RequestURI, p, debug.Stack()))
	if e.status != 0 {
		panic(http.ErrAbortHandler)
	}
	h := e.ResponseWriter.Header()
	clear(h)
	h.Set("Connection", "close")
	http.Error(e, "Internal Server Error", http.StatusInternalServerError)
}

// stats takes a snapshot.
func (t *tracker) stats() Stats {
	now := time.Now()
	s := Stats{Requests: t.requests.Load()}
	t.mu.Lock()
	s.InFlight = len(t.inFlight)
	for e := range t.inFlight {
		s.Longest = append(s.Longest, Request{Method: e.req.Method, Path: e.req.URL.Path, Age: now.Sub(e.start)})
	}
	t.mu.Unlock()
	slices.SortFunc(s.Longest, func(a, b Request) int { return cmp.Compare(b.Age, a.Age) })
	s.Longest = s.Longest[:min(len(s.Longest), maxLongest)]
	if len(s.Longest) > 0 {
		s.Oldest = s.Longest[0].Age
	}
	return s
}

// threads bounds how many handlers run at once (gthread's thread pool;
// sync's single handler) with the slots of pool.
func threads(pool chan struct{}, next http.Handler) http.Handler {
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
