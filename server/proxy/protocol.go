package proxy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocorn/gocorn/server/h1"
)

// Mode is the proxy_protocol setting: which PROXY protocol headers a
// connection may start with. Its values are the setting's own names.
type Mode string

// The modes. The zero Mode is Off.
const (
	Off  Mode = "off"  // no PROXY header is read
	V1   Mode = "v1"   // the text header, "PROXY TCP4 ...\r\n"
	V2   Mode = "v2"   // the binary header
	Auto Mode = "auto" // either
)

func (m Mode) v1() bool { return m == V1 || m == Auto }
func (m Mode) v2() bool { return m == V2 || m == Auto }

// Header is what a PROXY protocol header said about a connection.
type Header struct {
	Version int // 1 or 2
	// Protocol is as gunicorn's PROXY_PROTOCOL: "TCP4" or "TCP6" when the
	// header names the client; "LOCAL" (a v2 LOCAL command, such as a
	// proxy's health check) or "UNSPEC" (a v2 PROXY command with an
	// unspecified family) when it does not, and the connection keeps its
	// real peer.
	Protocol string
	// Source is the client as the proxy saw it, Destination the address
	// the client connected to; both are invalid for LOCAL and UNSPEC.
	Source, Destination netip.AddrPort
}

// DefaultHeaderTimeout bounds the wait for a PROXY header when Protocol
// has no Timeout: net/http's header timeout in gocorn's worker.
const DefaultHeaderTimeout = 10 * time.Second

// Protocol reads PROXY protocol headers on the connections of listeners
// it wraps.
//
// A header is looked for only in the first bytes of a connection, never
// on a later keep-alive request, and it is optional: a connection whose
// first bytes cannot start a header is served as plain HTTP (as in
// gunicorn), so health checks and clients that bypass the proxy still
// work. The address a TCP4 or TCP6 header gives replaces the connection's
// RemoteAddr for the whole connection, every keep-alive request included
// (gunicorn applies it to the first request only).
//
// Failures, each answered as gunicorn does with its HTML error page and a
// closed connection, and logged as a warning:
//
//   - a header from a peer not in Allow: 403 "Request forbidden", before
//     the rest of the header is read;
//   - a malformed v1 line: 400 "Invalid PROXY line: '...'";
//   - a malformed v2 header: 400 "Invalid PROXY v2 header: ..." (gunicorn
//     answers 500 with no explanation).
//
// A connection that ends or stays silent (past Timeout, or an earlier read
// deadline net/http set) in the middle of a header is closed without an
// answer.
type Protocol struct {
	Mode    Mode
	Allow   *Trust        // proxy_allow_ips: peers that may send a header
	Timeout time.Duration // bound on reading the header; 0 means DefaultHeaderTimeout
	Log     *slog.Logger  // rejected headers, at warning level; nil discards
}

// Listener wraps l so that its connections are *Conn. With Mode Off it
// returns l unchanged. Accept does not read: the header is read in the
// connection's first Read, on the goroutine serving it, so a silent client
// cannot hold up accepting others.
func (p *Protocol) Listener(l net.Listener) net.Listener {
	if p == nil || !p.Mode.v1() && !p.Mode.v2() {
		return l
	}
	return &listener{Listener: l, p: p}
}

// Conn wraps one accepted connection; see Protocol.
func (p *Protocol) Conn(c net.Conn) *Conn { return &Conn{Conn: c, p: p} }

func (p *Protocol) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultHeaderTimeout
}

type listener struct {
	net.Listener
	p *Protocol
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.p.Conn(c), nil
}

// SetDeadline bounds Accept, when the wrapped listener can (TCP and unix
// listeners can); gocorn's worker uses it to empty a socket's queue.
func (l *listener) SetDeadline(t time.Time) error {
	if d, ok := l.Listener.(interface{ SetDeadline(time.Time) error }); ok {
		return d.SetDeadline(t)
	}
	return errors.New("proxy: the wrapped listener has no deadline")
}

// headerBufSize holds the longest v1 line (107 bytes) and the longest v2
// header before its TLVs (16 + 216 bytes for AF_UNIX), with room for the
// start of the request that may arrive in the same read.
const headerBufSize = 256

// Conn is a connection that may start with a PROXY header. It reads the
// header in its first Read, on the goroutine serving the connection, and
// then behaves as the connection it wraps, with RemoteAddr giving the
// client the header named.
type Conn struct {
	net.Conn
	p *Protocol

	once sync.Once
	done atomic.Bool // the header has been dealt with; deadlines pass through

	mu        sync.Mutex // guards the fields below while reading the header
	detecting bool
	readBy    time.Time // the header's own deadline
	userRead  time.Time // the read deadline the user of the conn asked for

	// Set once by detect: read after once, or after done is seen true.
	remote  net.Addr
	header  *Header
	err     error  // why the connection failed; Read returns it
	pending []byte // bytes read after the header, for Read to return first
	buf     [headerBufSize]byte
}

var (
	sigV2    = []byte("\r\n\r\n\x00\r\nQUIT\n")
	prefixV1 = []byte("PROXY ")
)

// maxV1 is the longest v1 line with its CRLF (the specification's 107).
const maxV1 = 107

// Read returns the bytes after the PROXY header, if any.
func (c *Conn) Read(p []byte) (int, error) {
	c.once.Do(c.detect)
	if c.err != nil {
		return 0, c.err
	}
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// RemoteAddr is the client a TCP4 or TCP6 header named, as a
// *net.TCPAddr, once the header has been read (by the first Read);
// before that, and without such a header (none, LOCAL, UNSPEC, rejected),
// it is the real peer. It never waits: wrappers and net/http call it from
// the accept loop. net/http takes it before the first Read, so
// http.Request.RemoteAddr shows the real peer unless ConnContext and
// Handler (which set it from the connection) are wired.
func (c *Conn) RemoteAddr() net.Addr {
	if c.done.Load() {
		return c.remote
	}
	return c.Conn.RemoteAddr()
}

// Peer is the real peer of the connection (the proxy, when a header was
// sent).
func (c *Conn) Peer() net.Addr { return c.Conn.RemoteAddr() }

// Header is the PROXY header the connection started with, or nil: none,
// or not read yet (it is read by the first Read).
func (c *Conn) Header() *Header {
	if c.done.Load() {
		return c.header
	}
	return nil
}

// NetConn is the wrapped connection, as tls.Conn's NetConn.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// SetReadDeadline sets the deadline of reads. While the header is being
// read it also holds, if earlier than the header's own deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.done.Load() {
		return c.Conn.SetReadDeadline(t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done.Load() {
		return c.Conn.SetReadDeadline(t)
	}
	c.userRead = t
	if c.detecting {
		return c.Conn.SetReadDeadline(earlier(t, c.readBy))
	}
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if c.done.Load() {
		return c.Conn.SetDeadline(t)
	}
	werr := c.Conn.SetWriteDeadline(t)
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return werr
}

// CloseWrite keeps net/http's half-close, so unread client bytes do not
// turn the close into a reset.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom keeps the kernel's sendfile/splice path for file responses.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// earlier is the earlier of a user deadline (zero: none) and ours.
func earlier(user, ours time.Time) time.Time {
	if !user.IsZero() && user.Before(ours) {
		return user
	}
	return ours
}

// errRejected ends a connection whose header was answered with an error
// page: net/http then closes it without a word (io.EOF).
var errRejected = io.EOF

// detect reads the header, under the header's deadline, and restores the
// user's read deadline afterwards.
func (c *Conn) detect() {
	c.remote = c.Conn.RemoteAddr()
	c.mu.Lock()
	c.detecting = true
	c.readBy = time.Now().Add(c.p.timeout())
	c.Conn.SetReadDeadline(earlier(c.userRead, c.readBy))
	c.mu.Unlock()

	c.err = c.readHeader()

	c.mu.Lock()
	c.detecting = false
	c.Conn.SetReadDeadline(c.userRead)
	c.done.Store(true)
	c.mu.Unlock()
}

// kind is what the first bytes of a connection turned out to be.
type kind int

const (
	undecided kind = iota
	plain
	headerV1
	headerV2
)

// classify tells what b, the first bytes of a connection, starts: a v1 or
// v2 header (as far as the mode allows), plain bytes, or not yet known.
func (c *Conn) classify(b []byte) kind {
	if len(b) == 0 {
		return undecided
	}
	maybe := false
	if c.p.Mode.v2() {
		switch full, possible := startsWith(b, sigV2); {
		case full:
			return headerV2
		case possible:
			maybe = true
		}
	}
	if c.p.Mode.v1() {
		switch full, possible := startsWith(b, prefixV1); {
		case full:
			return headerV1
		case possible:
			maybe = true
		}
	}
	if maybe {
		return undecided
	}
	return plain
}

// startsWith tells whether b starts with prefix (full), or is a shorter
// beginning of it (possible).
func startsWith(b, prefix []byte) (full, possible bool) {
	n := min(len(b), len(prefix))
	if !bytes.Equal(b[:n], prefix[:n]) {
		return false, false
	}
	return n == len(prefix), true
}

// readHeader reads as far as it takes to tell whether the connection
// starts with a header, and the header if it does.
func (c *Conn) readHeader() error {
	n := 0
	for {
		switch c.classify(c.buf[:n]) {
		case plain:
			c.pending = c.buf[:n]
			return nil
		case headerV1:
			return c.readV1(n)
		case headerV2:
			return c.readV2(n)
		}
		m, err := c.Conn.Read(c.buf[n:])
		n += m
		if err != nil {
			if c.classify(c.buf[:n]) == plain {
				c.pending = c.buf[:n] // the error comes again on the next Read
				return nil
			}
			return err
		}
	}
}

// readMore reads until at least want bytes are in buf, reading no further
// than limit. It returns the new count.
func (c *Conn) readMore(n, want, limit int) (int, error) {
	for n < want {
		m, err := c.Conn.Read(c.buf[n:limit])
		n += m
		if err != nil && n < want {
			return n, err
		}
	}
	return n, nil
}

// allowed checks the peer against proxy_allow_ips, answering 403 when it
// may not send a header.
func (c *Conn) allowed() bool {
	if c.p.Allow.Allows(c.remote) {
		return true
	}
	c.reject(403, "Request forbidden", "PROXY header from a peer not in proxy_allow_ips")
	return false
}

func (c *Conn) readV1(n int) error {
	if !c.allowed() {
		return errRejected
	}
	for {
		window := c.buf[:min(n, maxV1)]
		if i := bytes.IndexByte(window, '\n'); i >= 0 {
			if i == 0 || window[i-1] != '\r' {
				return c.rejectV1(window[:i])
			}
			h, err := parseV1(window[:i-1])
			if err != nil {
				return c.rejectV1(window[:i-1])
			}
			c.accept(h)
			c.pending = c.buf[i+1 : n]
			return nil
		}
		if n >= maxV1 {
			return c.rejectV1(window)
		}
		m, err := c.Conn.Read(c.buf[n:])
		n += m
		if err != nil && bytes.IndexByte(c.buf[:min(n, maxV1)], '\n') < 0 {
			return err
		}
	}
}

func (c *Conn) rejectV1(line []byte) error {
	c.reject(400, "'Invalid PROXY line: "+h1.Repr(line)+"'", "")
	return errRejected
}

// parseV1 parses a v1 line without its CRLF, as gunicorn accepts it:
// exactly "PROXY TCP4|TCP6 SRC DST SPORT DPORT" with single spaces,
// addresses of the named family and decimal ports 0 to 65535. UNKNOWN,
// which the specification allows, is rejected as in gunicorn.
func parseV1(line []byte) (*Header, error) {
	f := strings.Split(string(line), " ")
	if len(f) != 6 || f[0] != "PROXY" {
		return nil, errors.New("want 6 fields")
	}
	var want4 bool
	switch f[1] {
	case "TCP4":
		want4 = true
	case "TCP6":
	default:
		return nil, errors.New("unsupported protocol")
	}
	src, err1 := parseV1Addr(f[2], want4)
	dst, err2 := parseV1Addr(f[3], want4)
	sport, err3 := parsePort(f[4])
	dport, err4 := parsePort(f[5])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, err
	}
	return &Header{
		Version:     1,
		Protocol:    f[1],
		Source:      netip.AddrPortFrom(src, sport),
		Destination: netip.AddrPortFrom(dst, dport),
	}, nil
}

func parseV1Addr(s string, want4 bool) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return a, err
	case a.Zone() != "":
		return a, errors.New("zone in address")
	case want4 != a.Is4():
		return a, errors.New("address of the wrong family")
	}
	return a, nil
}

// parsePort reads a decimal port, 0 to 65535, without sign, blanks or
// leading zeros.
func parsePort(s string) (uint16, error) {
	if s == "" || len(s) > 5 || len(s) > 1 && s[0] == '0' {
		return 0, errors.New("bad port")
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("bad port")
		}
		n = n*10 + int(s[i]-'0')
	}
	if n > 65535 {
		return 0, errors.New("port out of range")
	}
	return uint16(n), nil
}

// v2 constants from the specification.
const (
	v2HeaderLen = 16

	cmdLocal = 0x0
	cmdProxy = 0x1

	famUnspec = 0x0
	famInet   = 0x1
	famInet6  = 0x2

	protoStream = 0x1

	addrLenInet  = 12
	addrLenInet6 = 36
)

func (c *Conn) readV2(n int) error {
	if !c.allowed() {
		return errRejected
	}
	n, err := c.readMore(n, v2HeaderLen, len(c.buf))
	if err != nil {
		return err
	}
	b := c.buf[:]
	verCmd, famProto := b[12], b[13]
	total := v2HeaderLen + int(binary.BigEndian.Uint16(b[14:16]))
	if verCmd>>4 != 2 {
		return c.rejectV2(fmt.Sprintf("version %d", verCmd>>4))
	}
	h := &Header{Version: 2}
	need := 0 // address bytes to read and parse
	switch verCmd & 0xf {
	case cmdLocal:
		h.Protocol = "LOCAL" // the family and addresses are ignored
	case cmdProxy:
		fam, proto := famProto>>4, famProto&0xf
		switch {
		case fam == famUnspec:
			h.Protocol = "UNSPEC"
		case fam != famInet && fam != famInet6:
			return c.rejectV2(fmt.Sprintf("unsupported address family %#x", fam))
		case proto != protoStream:
			return c.rejectV2(fmt.Sprintf("unsupported transport protocol %#x", proto))
		case fam == famInet:
			h.Protocol, need = "TCP4", addrLenInet
		default:
			h.Protocol, need = "TCP6", addrLenInet6
		}
	default:
		return c.rejectV2(fmt.Sprintf("unknown command %#x", verCmd&0xf))
	}
	if total < v2HeaderLen+need {
		return c.rejectV2(fmt.Sprintf("%d address bytes for %s, want %d", total-v2HeaderLen, h.Protocol, need))
	}
	if n, err = c.readMore(n, v2HeaderLen+need, min(total, len(c.buf))); err != nil {
		return err
	}
	a := b[v2HeaderLen:]
	switch h.Protocol {
	case "TCP4":
		h.Source = netip.AddrPortFrom(netip.AddrFrom4([4]byte(a[0:4])), binary.BigEndian.Uint16(a[8:10]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom4([4]byte(a[4:8])), binary.BigEndian.Uint16(a[10:12]))
	case "TCP6":
		h.Source = netip.AddrPortFrom(netip.AddrFrom16([16]byte(a[0:16])), binary.BigEndian.Uint16(a[32:34]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom16([16]byte(a[16:32])), binary.BigEndian.Uint16(a[34:36]))
	}
	c.accept(h)
	if total <= n {
		c.pending = c.buf[total:n]
		return nil
	}
	// Skip the TLVs, reading exactly up to the end of the header.
	for left := total - n; left > 0; {
		m, err := c.Conn.Read(c.buf[:min(left, len(c.buf))])
		left -= m
		if err != nil && left > 0 {
			return err
		}
	}
	return nil
}

func (c *Conn) rejectV2(why string) error {
	c.reject(400, "Invalid PROXY v2 header: "+why, "")
	return errRejected
}

// accept records a valid header; TCP4 and TCP6 replace the peer.
func (c *Conn) accept(h *Header) {
	c.header = h
	if h.Source.IsValid() {
		c.remote = &net.TCPAddr{IP: h.Source.Addr().AsSlice(), Port: int(h.Source.Port())}
	}
}

// rejectLinger bounds writing the error page and reading what the client
// sent after the header, so the close does not turn into a reset that
// destroys the page before the client reads it.
const (
	rejectLinger = 500 * time.Millisecond
	rejectDrain  = 64 << 10
)

// reject answers with gunicorn's error page (h1's, as for a bad
// request), logs, and shuts the connection down. logMsg, if set, is what the log says instead of msg.
func (c *Conn) reject(code int, msg, logMsg string) {
	if logMsg == "" {
		logMsg = msg
	}
	if c.p.Log != nil {
		c.p.Log.Warn(fmt.Sprintf("Invalid request from ip=%s: %s", hostOf(c.remote), logMsg))
	}
	c.Conn.SetWriteDeadline(time.Now().Add(rejectLinger))
	c.Conn.Write(h1.ErrorPage(code, msg))
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.Conn.SetReadDeadline(time.Now().Add(rejectLinger))
	for drained := 0; drained < rejectDrain; {
		m, err := c.Conn.Read(c.buf[:])
		drained += m
		if err != nil {
			break
		}
	}
	c.pending = nil
}

// hostOf is the host part of an address for logs.
func hostOf(a net.Addr) string {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case nil:
		return "-"
	}
	return a.String()
}
