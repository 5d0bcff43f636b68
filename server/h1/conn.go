package h1

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// state is what a connection expects next from its client.
type state uint8

const (
	stHead        state = iota // a request head
	stPreface                  // the first bytes: maybe the HTTP/2 preface (PassHTTP2Preface)
	stChunkLine                // a chunk-size line
	stChunkEnd                 // the CRLF after a chunk's data
	stTrailer                  // the trailer section after the last chunk
	stUpgradeWait              // after a request that may switch protocols: Hijacked or the next head
	stRefused                  // the next request is refused: its page waits for net/http to ask
	stEnded                    // no more requests on this connection
	stBroken                   // a body failed: net/http gets the error until it closes
	stTunnel                   // hijacked or HTTP/2: bytes pass untouched
)

// Timings of the refusal page written at Close.
const (
	pageWriteTimeout = 5 * time.Second
	lingerTime       = 250 * time.Millisecond // reading what the client still sends, so closing does not reset the page away
	lingerBytes      = 256 << 10
)

// errWriteRefused fails the handler's writes after its request turned out
// bad in a way that gets a page instead of its response.
var errWriteRefused = errors.New("h1: the request was refused; its error page replaces the response")

// Conn is a connection whose reads give net/http only requests h1
// checked, normalised; see the package documentation.
type Conn struct {
	net.Conn
	o   *Options
	log func(string)

	rmu sync.Mutex // serialises reads; guards everything up to mu
	p   parser

	in   []byte // raw bytes read; in[r:w] are not handled yet
	r, w int
	inp  *[]byte // in's pooled buffer, while in is one
	outp *[]byte // p.out's pooled buffer
	op   int     // p.out[op:] is normalised input not delivered yet
	pass int64   // raw body bytes to deliver as they are, before anything else is parsed
	st   state

	cur      head   // the request being delivered
	last     bool   // the request ends once p.out and pass are delivered
	boundary bool   // the last byte delivered ended a request: the next read starts the next one
	fail     *Error // the refusal waiting in stRefused
	bodyErr  error  // the error reads return in stBroken
	readErr  error  // an error that came with data, for the next raw read
	released bool   // Close has returned the buffers

	headPending bool  // the current request's head has not started going out
	headWritten int64 // bytes written when it did

	fieldsArr  [16]field
	scratchArr [256]byte

	mu       sync.Mutex // guards the fields below
	deadline time.Time  // read deadline, for parked reads
	wake     chan struct{}
	closed   bool
	hijacked bool
	wclosed  bool
	page     *Error // the page Close writes

	written    atomic.Int64 // bytes written, to tell whether a response began
	failWrites atomic.Bool
	closeOnce  sync.Once
	closeErr   error
}

// tlsConn is a Conn over a connection that reports a TLS state, which
// net/http reads to fill Request.TLS.
type tlsConn struct{ *Conn }

func (c tlsConn) ConnectionState() tls.ConnectionState {
	return c.Conn.Conn.(interface{ ConnectionState() tls.ConnectionState }).ConnectionState()
}

// NetConn returns the *Conn itself, so that code walking down the
// wrappers (NetConn after NetConn) meets h1's connection too.
func (c tlsConn) NetConn() net.Conn { return c.Conn }

var (
	inPool  = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}
	outPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}
)

// Wrap returns c checked by h1 with o (nil means Defaults). log gets
// one line per refused request, as gunicorn's warning words it; nil
// discards them. The result is a *Conn, or wraps one when c reports a TLS
// state (As finds it).
func Wrap(c net.Conn, o *Options, log func(msg string)) net.Conn {
	if o == nil {
		o = Defaults
	}
	if log == nil {
		log = func(string) {}
	}
	hc := &Conn{Conn: c, o: o, log: log}
	hc.p = newParser(o, c) // RemoteAddr only when needed: a PROXY protocol conn may read to answer it
	hc.p.fields = hc.fieldsArr[:0]
	hc.p.scratch = hc.scratchArr[:0]
	if o.PassHTTP2Preface {
		hc.st = stPreface
	}
	if _, ok := c.(interface{ ConnectionState() tls.ConnectionState }); ok {
		return tlsConn{hc}
	}
	return hc
}

// As returns the *Conn inside c, or nil if Wrap did not make c.
func As(c net.Conn) *Conn {
	switch c := c.(type) {
	case *Conn:
		return c
	case tlsConn:
		return c.Conn
	}
	return nil
}

// Listener wraps every connection its listener accepts.
type Listener struct {
	net.Listener
	Options *Options
	Log     func(msg string)
}

func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return Wrap(c, l.Options, l.Log), nil
}

// Read gives net/http the connection's requests, checked and normalised,
// one request per call at most, so that net/http always finishes with a
// request before it sees the next. See the package documentation.
func (c *Conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.released {
		return 0, net.ErrClosed
	}
	if len(b) == 0 {
		return 0, nil
	}
	if c.in == nil {
		c.inp = inPool.Get().(*[]byte)
		c.outp = outPool.Get().(*[]byte)
		c.in, c.p.out = *c.inp, (*c.outp)[:0]
	}
	n := 0
	for n < len(b) {
		if c.op < len(c.p.out) {
			if c.headPending {
				c.headPending = false
				c.headWritten = c.written.Load()
			}
			m := copy(b[n:], c.p.out[c.op:])
			c.op += m
			n += m
			if c.op == len(c.p.out) {
				c.p.out, c.op = c.p.out[:0], 0
				if c.pass == 0 && c.last {
					c.endRequest()
				}
			}
			continue
		}
		if c.pass > 0 {
			if c.r < c.w {
				m := int(min(c.pass, int64(c.w-c.r), int64(len(b)-n)))
				copy(b[n:], c.in[c.r:c.r+m])
				c.r += m
				c.pass -= int64(m)
				n += m
			} else {
				if n > 0 {
					break
				}
				// Nothing buffered: the body goes straight into b.
				m, err := c.rawRead(b[:min(c.pass, int64(len(b)))])
				n += m
				c.pass -= int64(m)
				if err == io.EOF {
					c.breakBody(io.ErrUnexpectedEOF, false)
					return n, io.ErrUnexpectedEOF
				}
				if err != nil {
					return n, err
				}
			}
			if c.pass == 0 && c.last {
				c.endRequest()
			}
			continue
		}
		if c.boundary {
			if n > 0 {
				break
			}
			c.boundary = false
		}
		switch c.st {
		case stTunnel:
			if c.r < c.w {
				m := copy(b[n:], c.in[c.r:c.w])
				c.r += m
				n += m
				continue
			}
			if n > 0 {
				return n, nil
			}
			return c.rawRead(b)
		case stBroken:
			if n > 0 {
				return n, nil
			}
			return 0, c.bodyErr
		case stEnded, stRefused, stUpgradeWait:
			if n > 0 {
				return n, nil
			}
			if len(b) == 1 {
				// net/http's background read while a handler runs: what
				// follows is not for it yet. Waiting (until net/http
				// aborts the read) instead of failing keeps the request
				// context alive, as with any quiet client.
				return 0, c.park()
			}
			switch c.st {
			case stUpgradeWait:
				c.st = stHead // no hijack: net/http reads the next request
				continue
			case stRefused:
				c.handOver()
			}
			return 0, io.EOF
		}
		progress, err := c.parse()
		if err != nil {
			c.failed(err)
			continue
		}
		if progress {
			continue
		}
		if n > 0 {
			return n, nil
		}
		if err := c.fill(); err != nil {
			if err == io.EOF && c.inBody() {
				c.breakBody(io.ErrUnexpectedEOF, false)
				return 0, io.ErrUnexpectedEOF
			}
			if c.st == stHead && c.r < c.w && len(b) > 1 && errors.Is(err, os.ErrDeadlineExceeded) {
				// Part of a head, then nothing until net/http's header
				// timeout: a slow or hostile client. It gets a 408 as
				// the connection closes; a client that sent nothing
				// (an idle or preconnected one) is closed silently.
				// (A one-byte read is net/http's background read while
				// a handler runs, which it ends with a past deadline.)
				c.log("Request timeout from ip=" + peerIP(c.Conn.RemoteAddr()) + ": " + errHeadTimeout.Error())
				c.mu.Lock()
				c.page = errHeadTimeout
				c.mu.Unlock()
				c.st = stEnded
			}
			return 0, err
		}
	}
	return n, nil
}

// parse handles the next unit of input (a head, a chunk line, the CRLF
// after a chunk, the trailers) if in holds it all. It reports whether it
// did; false means more input is needed.
func (c *Conn) parse() (bool, *Error) {
	buf := c.in[c.r:c.w]
	switch c.st {
	case stPreface:
		const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
		k := min(len(buf), len(preface))
		switch {
		case string(buf[:k]) != preface[:k]:
			c.st = stHead
		case k == len(preface):
			c.st = stTunnel
		default:
			return false, nil
		}
		return true, nil
	case stHead:
		if len(buf) == 0 {
			return false, nil
		}
		n, h, err := c.p.parseHead(buf)
		if err != nil || n == 0 {
			return false, err
		}
		c.r += n
		c.p.reset()
		c.cur, c.headPending = h, true
		switch h.body {
		case bodyNone:
			c.last = true
		case bodyLength:
			c.pass, c.last = h.length, true
		case bodyChunked:
			c.st = stChunkLine
		}
		return true, nil
	case stChunkLine:
		n, size, err := c.p.parseChunkLine(buf)
		if err != nil || n == 0 {
			return false, err
		}
		c.r += n
		if size == 0 {
			c.st = stTrailer
		} else {
			c.pass, c.st = size, stChunkEnd
		}
		return true, nil
	case stChunkEnd:
		n, err := c.p.parseChunkEnd(buf)
		if err != nil || n == 0 {
			return false, err
		}
		c.r += n
		c.st = stChunkLine
		return true, nil
	case stTrailer:
		n, err := c.p.parseTrailers(buf)
		if err != nil || n == 0 {
			return false, err
		}
		c.r += n
		c.last = true
		return true, nil
	}
	panic("h1: parse in state " + string('0'+rune(c.st)))
}

// endRequest runs once the last byte of a request went to net/http.
func (c *Conn) endRequest() {
	c.last, c.boundary = false, true
	if c.cur.upgrade {
		c.st = stUpgradeWait
	} else {
		c.st = stHead
	}
	if c.inp == nil && c.r == c.w {
		// A large head grew the buffer: keep that memory only while
		// such a head needs it.
		c.inp = inPool.Get().(*[]byte)
		c.in, c.r, c.w = *c.inp, 0, 0
	}
}

// failed handles a refused head or a failed body.
func (c *Conn) failed(err *Error) {
	c.p.out, c.op = c.p.out[:0], 0
	c.p.reset()
	if c.st == stHead || c.st == stPreface {
		// Nothing of this request reached net/http: it finishes the
		// requests before it, then asks for this one and is told the
		// connection ended; the page goes out when it closes.
		c.st, c.fail = stRefused, err
		return
	}
	c.logRefusal(err)
	c.breakBody(err, err.Status() != 0)
}

// breakBody ends a request whose body cannot be read to its end: a chunk
// error, bad trailers, or a client that left. The handler gets err from
// the body; what it answers is not sent, as gunicorn sends nothing then:
// the connection closes, with the page of a page-worthy error if no
// response had begun.
func (c *Conn) breakBody(err error, page bool) {
	c.st, c.bodyErr, c.pass, c.last = stBroken, err, 0, false
	c.failWrites.Store(true)
	if e, ok := err.(*Error); ok && page && c.written.Load() == c.headWritten {
		c.mu.Lock()
		c.page = e
		c.mu.Unlock()
	}
}

// inBody tells whether the request being delivered still has body bytes
// to come.
func (c *Conn) inBody() bool {
	return c.pass > 0 || c.st == stChunkLine || c.st == stChunkEnd || c.st == stTrailer
}

// handOver runs when net/http asks for the refused request: it logs the
// refusal and arranges its page.
func (c *Conn) handOver() {
	c.logRefusal(c.fail)
	c.mu.Lock()
	c.page = c.fail
	c.mu.Unlock()
	c.st = stEnded
}

func (c *Conn) logRefusal(err *Error) {
	c.log("Invalid request from ip=" + peerIP(c.Conn.RemoteAddr()) + ": " + err.Error())
}

// peerIP is the address as gunicorn's log shows it: the IP of a TCP peer,
// nothing for a unix socket.
func peerIP(a net.Addr) string {
	switch a := a.(type) {
	case nil:
		return ""
	case *net.TCPAddr:
		return a.IP.String()
	case *net.UnixAddr:
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// fill reads more raw input into in, making room first.
func (c *Conn) fill() error {
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	if c.r > 0 && len(c.in)-c.w < 1024 {
		c.w = copy(c.in, c.in[c.r:c.w])
		c.r = 0
	}
	if c.w == len(c.in) {
		// A large head: grow, up to what the limits allow. parse
		// refuses a head before it fills the largest buffer.
		limit := MaxHeadBytes(c.o) + 16
		if len(c.in) >= limit {
			return errNoRoom
		}
		grown := make([]byte, min(2*len(c.in), limit))
		copy(grown, c.in[:c.w])
		if c.inp != nil {
			inPool.Put(c.inp)
			c.inp = nil
		}
		c.in = grown
	}
	m, err := c.rawRead(c.in[c.w:])
	c.w += m
	if m > 0 {
		return nil
	}
	return err
}

// errNoRoom would mean a bug: parse let a unit grow past every limit.
var errNoRoom = errors.New("h1: input buffer full")

// rawRead reads from the connection. An error that comes with data is
// kept for the next call.
func (c *Conn) rawRead(b []byte) (int, error) {
	if err := c.readErr; err != nil {
		c.readErr = nil
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if n > 0 && err != nil {
		c.readErr, err = err, nil
	}
	return n, err
}

// park blocks a read that must not be answered yet until its deadline
// passes or the connection closes.
func (c *Conn) park() error {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return net.ErrClosed
		}
		if c.wake == nil {
			c.wake = make(chan struct{})
		}
		wake, d := c.wake, c.deadline
		c.mu.Unlock()
		if d.IsZero() {
			<-wake
			continue
		}
		left := time.Until(d)
		if left <= 0 {
			return os.ErrDeadlineExceeded
		}
		t := time.NewTimer(left)
		select {
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// wakeLocked wakes a parked read; c.mu is held.
func (c *Conn) wakeLocked() {
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
}

func (c *Conn) SetDeadline(t time.Time) error {
	c.setReadDeadline(t)
	return c.Conn.SetDeadline(t)
}

func (c *Conn) SetReadDeadline(t time.Time) error {
	c.setReadDeadline(t)
	return c.Conn.SetReadDeadline(t)
}

func (c *Conn) setReadDeadline(t time.Time) {
	c.mu.Lock()
	c.deadline = t
	c.wakeLocked()
	c.mu.Unlock()
}

// Hijacked tells the connection that a handler took it over
// (http.StateHijacked): from now on its bytes pass untouched, so a
// WebSocket or a CONNECT tunnel gets its client's bytes as sent.
func (c *Conn) Hijacked() {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.mu.Lock()
	c.hijacked, c.page = true, nil
	c.mu.Unlock()
	c.failWrites.Store(false)
	c.st, c.pass, c.last, c.boundary = stTunnel, 0, false, false
}

// Write writes a response. After a request's trailers turned out bad
// before its response began, writes fail: the page replaces the response.
func (c *Conn) Write(b []byte) (int, error) {
	if c.failWrites.Load() {
		return 0, errWriteRefused
	}
	n, err := c.Conn.Write(b)
	c.written.Add(int64(n))
	return n, err
}

// ReadFrom keeps the kernel's sendfile and splice paths for responses.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if c.failWrites.Load() {
		return 0, errWriteRefused
	}
	var n int64
	var err error
	if rf, ok := c.Conn.(io.ReaderFrom); ok && !c.o.NoSendfile {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(struct{ io.Writer }{c.Conn}, r)
	}
	c.written.Add(n)
	return n, err
}

// CloseWrite shuts the write side, which net/http does before closing
// after some errors: a page due goes out first.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	page := c.takePageLocked()
	c.wclosed = true
	c.mu.Unlock()
	if page != nil {
		c.writePage(page, false)
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close writes the page of a refused request if net/http asked for it,
// then closes the connection.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		page := c.takePageLocked()
		c.wakeLocked()
		c.mu.Unlock()
		if page != nil {
			c.writePage(page, true)
		}
		c.closeErr = c.Conn.Close()
		c.rmu.Lock()
		c.release()
		c.rmu.Unlock()
	})
	return c.closeErr
}

// takePageLocked returns the page to write now, once; c.mu is held.
func (c *Conn) takePageLocked() *Error {
	page := c.page
	c.page = nil
	if c.hijacked || c.wclosed {
		return nil
	}
	return page
}

// writePage writes the page. With linger it then shuts the write side
// and reads for a moment what the client may still be sending, so that
// closing with unread input does not reset the connection before the
// client has read the page.
func (c *Conn) writePage(e *Error, linger bool) {
	c.Conn.SetWriteDeadline(time.Now().Add(pageWriteTimeout))
	if _, err := c.Conn.Write(e.Page()); err != nil || !linger {
		return
	}
	cw, ok := c.Conn.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	c.Conn.SetReadDeadline(time.Now().Add(lingerTime))
	io.CopyN(io.Discard, c.Conn, lingerBytes)
}

// release returns the buffers to their pools; c.rmu is held.
func (c *Conn) release() {
	c.released = true
	if c.inp != nil {
		inPool.Put(c.inp)
	}
	if c.outp != nil && cap(c.p.out) <= 16<<10 {
		*c.outp = c.p.out[:0]
		outPool.Put(c.outp)
	}
	c.in, c.p.out, c.inp, c.outp = nil, nil, nil, nil
}

// NetConn returns the wrapped connection, so code looking for a wrapper
// below (the PROXY protocol's) can reach it, as with tls.Conn.
func (c *Conn) NetConn() net.Conn { return c.Conn }
