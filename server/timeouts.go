package server

import (
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Timeouts are the deadlines a worker holds its clients to, so that slow,
// stalled or silent clients cost a goroutine for a bounded time and never
// the worker.
//
// http.Server's own ReadTimeout and WriteTimeout are not used: they bound
// a whole request or response, which cuts off large uploads, long
// downloads and streams, and once ReadTimeout passes while a handler runs,
// net/http cancels the request's context. gocorn bounds each read of a
// body and each write instead, restarting the count whenever the client
// makes progress.
type Timeouts struct {
	Header time.Duration // the request head (http.Server.ReadHeaderTimeout)
	Body   time.Duration // each read of a request body (Handler)
	Write  time.Duration // each write of at most writeChunk bytes (Conn)
	Idle   time.Duration // between requests (http.Server.IdleTimeout)
}

// Apply sets srv's timeouts: ReadHeaderTimeout (which also bounds the TLS
// handshake) and IdleTimeout (keep-alive, and idle HTTP/2 connections).
// With keep-alive off an idle HTTP/2 connection still needs a bound, so
// the header timeout serves. ReadTimeout and WriteTimeout are left at 0:
// see Timeouts.
func (t Timeouts) Apply(srv *http.Server) {
	srv.ReadHeaderTimeout = t.Header
	srv.IdleTimeout = t.Idle
	if t.Idle <= 0 {
		srv.IdleTimeout = t.Header
	}
	srv.ReadTimeout, srv.WriteTimeout = 0, 0
}

// Handler makes every read of a request body that next makes fail after
// t.Body without data; the connection is then closed. Reads that receive
// data restart the count. It returns next itself when the timeout is off.
//
// The deadline is set through http.ResponseController, on the connection
// for HTTP/1 and on the stream for HTTP/2, and only while the handler
// reads the body: it is cleared when the body ends or fails. It must not
// outlive the body: on HTTP/1, net/http then reads the connection in the
// background to notice a client going away, and a timeout there would
// cancel the request's context.
func (t Timeouts) Handler(next http.Handler) http.Handler {
	if t.Body <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &bodyReader{ReadCloser: r.Body, rc: http.NewResponseController(w), idle: t.Body}
		}
		next.ServeHTTP(w, r)
	})
}

// bodyReader puts a fresh read deadline on each read of a request body.
type bodyReader struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	done bool // the body ended or failed: no more deadlines
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.done {
		return b.ReadCloser.Read(p)
	}
	// An error means the writer cannot take deadlines (a test's
	// ResponseRecorder); the read is then as net/http made it.
	b.rc.SetReadDeadline(time.Now().Add(b.idle))
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// writeChunk is the most a single deadline covers: a client that reads
// at least this much per write_timeout is never cut off.
const writeChunk = 64 << 10

// Conn wraps c so that each write, in pieces of at most writeChunk bytes,
// must complete within t.Write: a client that stops reading is dropped
// once the kernel's send buffer is full and stays full that long, however
// long the response as a whole runs. It returns c itself when the timeout
// is off.
//
// A write deadline set on the connection (by net/http for the TLS
// handshake, by a handler through http.ResponseController, by HTTP/2's
// WriteByteTimeout) replaces the per-write one until it is cleared;
// net/http clears it after every request.
//
// Wrap the accepted connection, under TLS: tls.Conn writes through it.
func (t Timeouts) Conn(c net.Conn) net.Conn {
	if t.Write <= 0 {
		return c
	}
	return &deadlineConn{Conn: c, idle: t.Write}
}

// deadlineConn is the connection of Timeouts.Conn.
type deadlineConn struct {
	net.Conn
	idle time.Duration

	mu  sync.Mutex
	own time.Time // write deadline set from outside; zero: idle applies
}

// arm sets the write deadline for the next piece.
func (c *deadlineConn) arm() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.own.IsZero() {
		c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	}
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c.arm()
		m, err := c.Conn.Write(p[:min(len(p), writeChunk)])
		n += m
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// ReadFrom keeps the kernel's sendfile and splice paths, a piece at a time.
func (c *deadlineConn) ReadFrom(r io.Reader) (int64, error) {
	rf, ok := c.Conn.(io.ReaderFrom)
	if !ok {
		return io.Copy(struct{ io.Writer }{c}, r)
	}
	var total int64
	for {
		c.arm()
		n, err := rf.ReadFrom(&io.LimitedReader{R: r, N: writeChunk})
		total += n
		if err != nil || n < writeChunk { // n short of the piece: r is at its end
			return total, err
		}
	}
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.own = t
	return c.Conn.SetWriteDeadline(t)
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.own = t
	return c.Conn.SetDeadline(t)
}

// CloseWrite keeps net/http's half-close (see slotConn.CloseWrite).
func (c *deadlineConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// NetConn returns the wrapped connection (see slotConn.NetConn).
func (c *deadlineConn) NetConn() net.Conn { return c.Conn }
