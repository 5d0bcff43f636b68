package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gocorn/gocorn/server/h1"
)

// serveByDeadline serves e with request_timeout: the handler runs on a
// goroutine of its own with a context that ends at the deadline, counted
// from the request's arrival (time spent waiting for a handler slot
// counts).
//
// At the deadline this goroutine answers for the handler: 504 Gateway
// Timeout when no response has started (the access log says 504), or a
// cut connection (HTTP/1) or stream (HTTP/2) when one has. The handler's
// later writes fail with http.ErrHandlerTimeout. A handler that ignores
// its context keeps its goroutine and its handler slot until it returns:
// the tracker keeps it among its strays, and once it has run
// request_timeout past the deadline the worker reports it as stuck.
//
// net/http's own TimeoutHandler is not used: it buffers the whole
// response, so nothing streams, and it frees nothing a stuck handler holds.
func (t *tracker) serveByDeadline(e *exchange, next http.Handler) {
	ctx, cancel := context.WithDeadline(e.req.Context(), e.start.Add(t.deadline))
	defer cancel()
	r := e.req.WithContext(ctx)
	g := newGuard(e)
	done := make(chan bool, 1) // true: cut the connection (the handler panicked after its headers)
	go t.runHandler(e, g, r, next, done)

	select {
	case abort := <-done:
		t.handlerDone(e, g, ctx, abort)
		return
	case <-ctx.Done():
	}
	if ctx.Err() != context.DeadlineExceeded {
		// The client left: the handler's context says so, and it is the
		// handler's to stop.
		t.handlerDone(e, g, ctx, <-done)
		return
	}
	t.stray(e)
	t.overdue.Add(1)
	if !g.timeOut(t.deadline) {
		panic(http.ErrAbortHandler)
	}
}

// handlerDone finishes the response of a handler that returned, or of a
// request whose deadline passed before its handler could start.
func (t *tracker) handlerDone(e *exchange, g *guard, ctx context.Context, abort bool) {
	switch {
	case abort:
		panic(http.ErrAbortHandler)
	case ctx.Err() == context.DeadlineExceeded && !e.running():
		t.overdue.Add(1)
		g.timeOut(t.deadline) // no response has started: a 504
	default:
		g.finish()
	}
}

// runHandler is the handler's goroutine under a deadline: it waits for a
// handler slot, serves, and says on done whether to cut the connection.
func (t *tracker) runHandler(e *exchange, g *guard, r *http.Request, next http.Handler, done chan<- bool) {
	e.goid.Store(goroutineID())
	abort := false
	defer func() {
		t.returned(e)
		done <- abort
	}()
	if !t.acquire(e, r.Context()) {
		return
	}
	defer t.release(e)
	defer func() {
		if p := recover(); p != nil {
			abort = t.handlerPanicked(e, g, p)
		}
	}()
	next.ServeHTTP(g, r)
}

// handlerPanicked is recoverPanic for a handler on its own goroutine: it
// logs the panic with its stack and answers 500 if it can; true asks the
// serving goroutine to cut the connection instead.
func (t *tracker) handlerPanicked(e *exchange, g *guard, p any) (abort bool) {
	if p == http.ErrAbortHandler {
		return true
	}
	t.logPanic(e, p)
	return !g.fail(answer500)
}

// stray keeps e, answered at its deadline, among the handlers still
// running, until its handler returns.
func (t *tracker) stray(e *exchange) {
	t.mu.Lock()
	if !e.done {
		t.strays[e] = struct{}{}
	}
	t.mu.Unlock()
}

// stuck lists the strays that have run request_timeout past their
// deadline, with their stacks, oldest first.
func (t *tracker) stuck() []StuckHandler {
	now := time.Now()
	var found []*exchange
	ids := map[uint64]bool{}
	t.mu.Lock()
	for e := range t.strays {
		if now.Sub(e.start) > 2*t.deadline {
			found = append(found, e)
			ids[e.goid.Load()] = true
		}
	}
	t.mu.Unlock()
	if len(found) == 0 {
		return nil
	}
	slices.SortFunc(found, func(a, b *exchange) int { return a.start.Compare(b.start) })
	stacks := goroutineStacks(GoroutineDump(), ids)
	out := make([]StuckHandler, len(found))
	for i, e := range found {
		out[i] = StuckHandler{Request: e.describe(now), Stack: stacks[e.goid.Load()]}
	}
	return out
}

// returned notes that e's handler has returned.
func (t *tracker) returned(e *exchange) {
	t.mu.Lock()
	e.done = true
	delete(t.strays, e)
	t.mu.Unlock()
}

// guard is the ResponseWriter of a handler running under a deadline. The
// handler and the serving goroutine share the response, so the guard
// serializes them: the handler has header map of its own until it writes
// its headers, and once the deadline has passed its writes fail with
// http.ErrHandlerTimeout.
type guard struct {
	e *exchange
	h http.Header // the handler's headers, until they are written

	mu       sync.Mutex
	cond     *sync.Cond // signalled when a write ends
	wrote    bool       // the headers went out
	writing  int        // writes in progress (they run without mu)
	timedOut bool
	hijacked bool
}

func newGuard(e *exchange) *guard {
	g := &guard{e: e, h: e.ResponseWriter.Header().Clone()} // pre_request's headers included
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *guard) Header() http.Header { return g.h }

// begin starts a write of the handler's, sending its headers first with
// code if they have not gone out; false means the deadline has passed.
func (g *guard) begin(code int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.timedOut || g.hijacked {
		return false
	}
	if !g.wrote {
		g.sendHeaders(code)
	}
	g.writing++
	return true
}

// sendHeaders sends the handler's headers with code; mu is held.
func (g *guard) sendHeaders(code int) {
	g.wrote = true
	real := g.e.ResponseWriter.Header()
	clear(real)
	maps.Copy(real, g.h)
	g.e.WriteHeader(code)
}

func (g *guard) end() {
	g.mu.Lock()
	g.writing--
	g.cond.Broadcast()
	g.mu.Unlock()
}

func (g *guard) WriteHeader(code int) {
	if code < 200 && code != http.StatusSwitchingProtocols {
		g.mu.Lock()
		defer g.mu.Unlock()
		if !g.timedOut && !g.wrote {
			g.e.WriteHeader(code) // an informational response (103) goes out as it is
		}
		return
	}
	if g.begin(code) {
		g.end()
	}
}

func (g *guard) Write(p []byte) (int, error) {
	if !g.begin(http.StatusOK) {
		return 0, http.ErrHandlerTimeout
	}
	defer g.end()
	return g.e.Write(p)
}

func (g *guard) ReadFrom(src io.Reader) (int64, error) {
	if !g.begin(http.StatusOK) {
		return 0, http.ErrHandlerTimeout
	}
	defer g.end()
	return g.e.ReadFrom(src)
}

// FlushError is what http.ResponseController.Flush calls.
func (g *guard) FlushError() error {
	if !g.begin(http.StatusOK) {
		return http.ErrHandlerTimeout
	}
	defer g.end()
	return http.NewResponseController(g.e).Flush()
}

func (g *guard) Flush() { g.FlushError() }

// Hijack hands the connection to the handler: from then on the deadline
// is the handler's business.
func (g *guard) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.timedOut {
		return nil, nil, http.ErrHandlerTimeout
	}
	c, rw, err := g.e.Hijack()
	g.hijacked = err == nil
	return c, rw, err
}

// Unwrap lets http.ResponseController reach the connection's other
// methods (deadlines, full duplex) while the request lasts; after its
// deadline it finds none.
func (g *guard) Unwrap() http.ResponseWriter {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.timedOut {
		return timedOutWriter{}
	}
	return g.e
}

// finish sends the headers of a handler that returned in time without
// writing, with a 200, as net/http would.
func (g *guard) finish() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.wrote && !g.hijacked && !g.timedOut {
		g.sendHeaders(http.StatusOK)
	}
}

// timeOut ends the handler's part in the response at the deadline. It
// answers 504 and returns true if no response has started; otherwise it
// returns false, and the caller cuts the connection (HTTP/1) or the
// stream (HTTP/2). On HTTP/1 it first closes the connection, so that a
// write of the handler's that the client holds up ends, and waits for
// the handler's writes to leave the response, which net/http then closes.
// On HTTP/2 the stream's reset ends such a write.
func (g *guard) timeOut(limit time.Duration) bool {
	if g.fail(answer504(limit)) {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hijacked || g.e.req.ProtoMajor != 1 {
		return g.hijacked // a hijacked connection is the handler's now
	}
	if c, ok := g.e.req.Context().Value(connKey{}).(net.Conn); ok && g.writing > 0 {
		c.Close()
	}
	for g.writing > 0 {
		g.cond.Wait()
	}
	return false
}

// fail stops the handler's writes and, if no response has started,
// answers with answer; it tells whether it did.
func (g *guard) fail(answer func(http.ResponseWriter)) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.timedOut = true
	if g.wrote || g.hijacked {
		return false
	}
	g.wrote = true
	answer(g.e)
	return true
}

// answer504 is the answer at the deadline: gunicorn's error page, and
// the connection closes.
func answer504(limit time.Duration) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		h1.ServeErrorPage(w, http.StatusGatewayTimeout,
			fmt.Sprintf("The request did not finish within request_timeout (%s).", limit))
	}
}

// timedOutWriter is what a handler past its deadline reaches through
// http.ResponseController: nothing.
type timedOutWriter struct{}

func (timedOutWriter) Header() http.Header       { return http.Header{} }
func (timedOutWriter) Write([]byte) (int, error) { return 0, http.ErrHandlerTimeout }
func (timedOutWriter) WriteHeader(int)           {}

// connKey is the request context's key for its connection, which a
// deadline closes to cut an HTTP/1 response short; only a server with
// request_timeout stores it (storeConn).
type connKey struct{}

// storeConn is an http.Server.ConnContext that keeps c in the context.
func storeConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}
