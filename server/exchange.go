package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// exchange is one request and its response as the worker sees them. It
// records what the access log, hooks and heartbeats need (start, status,
// bytes), and it decides at the moment the response headers go out whether
// the connection closes after this response: when the worker is draining
// or has reached max_requests. Deciding then, not when the request
// starts, means a request already in a handler when a drain begins still
// tells its client not to reuse the connection.
type exchange struct {
	http.ResponseWriter
	req    *http.Request
	start  time.Time
	status int          // 0 until the response headers are decided
	bytes  atomic.Int64 // body bytes written (atomic: an HTTP/2 write cut off at the deadline may still end)
	last   bool         // this response is the worker's last before retiring
	t      *tracker

	ran  atomic.Int64  // when its handler started (unix nanoseconds); 0 while it waits for a slot
	done bool          // its handler has returned (request_timeout only; guarded by t.mu)
	goid atomic.Uint64 // its handler's goroutine (request_timeout only), for its stack
}

// running tells whether e's handler has started.
func (e *exchange) running() bool { return e.ran.Load() != 0 }

// runSince is when e's handler started.
func (e *exchange) runSince() time.Time { return time.Unix(0, e.ran.Load()) }

// describe is e as a hung worker's report shows it.
func (e *exchange) describe(now time.Time) Request {
	return Request{Method: e.req.Method, Path: e.req.URL.Path, Age: now.Sub(e.start)}
}

// decide runs once, just before the response headers are written.
func (e *exchange) decide(code int) {
	if e.status != 0 {
		return
	}
	e.status = code
	if e.last || e.t.draining.Load() {
		e.ResponseWriter.Header().Set("Connection", "close")
	}
}

func (e *exchange) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		e.decide(code)
	}
	e.ResponseWriter.WriteHeader(code)
}

func (e *exchange) Write(p []byte) (int, error) {
	e.decide(http.StatusOK)
	n, err := e.ResponseWriter.Write(p)
	e.bytes.Add(int64(n))
	return n, err
}

// ReadFrom keeps net/http's sendfile path for io.Copy from a file.
func (e *exchange) ReadFrom(src io.Reader) (int64, error) {
	e.decide(http.StatusOK)
	var n int64
	var err error
	if rf, ok := e.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(struct{ io.Writer }{e.ResponseWriter}, src)
	}
	e.bytes.Add(n)
	return n, err
}

func (e *exchange) Flush() {
	e.decide(http.StatusOK)
	if f, ok := e.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (e *exchange) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(e.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection's own methods.
func (e *exchange) Unwrap() http.ResponseWriter { return e.ResponseWriter }

// finish is called after the handler returns: a handler that wrote
// nothing still sends a 200.
func (e *exchange) finish() { e.decide(http.StatusOK) }
