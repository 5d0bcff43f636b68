package server

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
)

// Stats is a snapshot of what a worker is doing, for its heartbeat.
type Stats struct {
	InFlight int           // requests in the worker now (running or waiting for a thread)
	Oldest   time.Duration // age of the oldest of them
	Requests uint64        // requests started since boot

	// Handlers is how many handlers may run at once (the class's
	// concurrency), Running how many run now: those of requests in flight
	// and those still running past request_timeout after their request
	// was answered (Stuck and others not yet stuck).
	Handlers, Running int

	// AllBusyFor is how long every handler slot has been held by the same
	// requests: the age of the youngest of the Handlers oldest running
	// handlers, or 0 while a slot is free. A worker whose AllBusyFor
	// passes timeout makes no progress.
	AllBusyFor time.Duration

	Longest []Request // the oldest running handlers, oldest first (at most maxLongest)

	// Stuck are the handlers still running request_timeout after their
	// deadline: they ignore their context, and hold a goroutine and a
	// handler slot for nothing.
	Stuck []Request

	// DeadlinesHit counts the requests that reached request_timeout since
	// boot (answered 504, or cut off).
	DeadlinesHit uint64
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
// remembers the ones in flight, runs their handlers within the class's
// handler slots and by their deadline, recycles the worker after
// max_requests, turns a handler's panic into a 500, and writes the access
// log.
type tracker struct {
	mu       sync.Mutex
	inFlight map[*exchange]struct{} // arrived, response not finished
	strays   map[*exchange]struct{} // answered at their deadline, handler still running
	requests atomic.Uint64
	overdue  atomic.Uint64 // requests that reached their deadline

	handlers int           // how many may run at once
	pool     chan struct{} // their slots, when fewer than connections; else nil
	deadline time.Duration // request_timeout; 0: none

	maxRequests uint64 // 0 = never retire
	retiring    atomic.Bool
	draining    atomic.Bool // the worker is stopping: no more keep-alive
	onRetire    func()

	log    *slog.Logger
	access *accessLogger // nil when the access log is off

	preRequest  func(*http.Request) http.Header // nil: none
	postRequest func(*http.Request, Done)       // nil: none
	observe     func(int, time.Duration)        // nil: none
}

func newTracker(o Options, access *accessLogger) *tracker {
	onRetire := o.OnRetire
	if onRetire == nil {
		onRetire = func() {}
	}
	t := &tracker{
		inFlight:    make(map[*exchange]struct{}),
		strays:      make(map[*exchange]struct{}),
		handlers:    o.Class.Concurrency(),
		deadline:    o.RequestTimeout,
		maxRequests: uint64(max(o.MaxRequests, 0)),
		onRetire:    onRetire,
		log:         o.ErrorLog,
		access:      access,
		preRequest:  o.PreRequest,
		postRequest: o.PostRequest,
		observe:     o.Observe,
	}
	if o.Class.pooled() {
		t.pool = make(chan struct{}, o.Class.Handlers)
	}
	return t
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
		if t.deadline > 0 {
			t.serveByDeadline(e, next)
			return
		}
		if !t.acquire(e, r.Context()) {
			return // the client left while waiting for a handler slot
		}
		defer t.release(e)
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
	if t.observe == nil && t.postRequest == nil {
		return
	}
	d := time.Since(e.start)
	if t.observe != nil {
		t.observe(e.status, d)
	}
	if t.postRequest != nil {
		t.postRequest(e.req, Done{
			Status: e.status, Header: e.ResponseWriter.Header(), Bytes: e.bytes.Load(), Duration: d,
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
	t.logPanic(e, p)
	if e.status != 0 {
		panic(http.ErrAbortHandler)
	}
	answer500(e)
}

// logPanic logs a handler's panic with the stack of the goroutine that
// panicked, at errlog.LevelException: what gunicorn logs with
// log.exception, and counts in gunicorn.log.exception.
func (t *tracker) logPanic(e *exchange, p any) {
	t.log.Log(context.Background(), errlog.LevelException,
		fmt.Sprintf("Error handling request %s %s: panic: %v\n%s", e.req.Method, e.req.RequestURI, p, debug.Stack()))
}

// answer500 is the answer to a handler that panicked before its headers.
func answer500(w http.ResponseWriter) {
	h := w.Header()
	clear(h)
	h.Set("Connection", "close")
	http.Error(w, "Internal Server Error", http.StatusInternalServerError)
}

// stats takes a snapshot.
func (t *tracker) stats() Stats {
	now := time.Now()
	s := Stats{Requests: t.requests.Load(), Handlers: t.handlers, DeadlinesHit: t.overdue.Load()}
	var running []*exchange
	t.mu.Lock()
	s.InFlight = len(t.inFlight)
	for e := range t.inFlight {
		s.Oldest = max(s.Oldest, now.Sub(e.start))
		if e.running() {
			running = append(running, e)
		}
	}
	for e := range t.strays {
		running = append(running, e)
		if now.Sub(e.start) > 2*t.deadline {
			s.Stuck = append(s.Stuck, e.describe(now))
		}
	}
	t.mu.Unlock()
	s.Running = len(running)
	slices.SortFunc(running, func(a, b *exchange) int { return a.start.Compare(b.start) })
	if len(running) >= t.handlers && t.handlers > 0 {
		s.AllBusyFor = now.Sub(running[t.handlers-1].runSince())
	}
	for _, e := range running[:min(len(running), maxLongest)] {
		s.Longest = append(s.Longest, e.describe(now))
	}
	return s
}

// acquire waits for a handler slot, as long as ctx lasts, and marks e as
// running.
func (t *tracker) acquire(e *exchange, ctx context.Context) bool {
	if t.pool != nil {
		select {
		case t.pool <- struct{}{}:
		case <-ctx.Done():
			return false
		}
	}
	e.ran.Store(time.Now().UnixNano())
	return true
}

// release gives e's handler slot back.
func (t *tracker) release(e *exchange) {
	if t.pool != nil {
		<-t.pool
	}
}
