package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// tlsListener finishes each connection's TLS handshake before net/http
// sees it, so that HTTP/1 over TLS goes through the strict h1 layer as
// plaintext HTTP/1 does: net/http reads HTTP/1 straight from a *tls.Conn,
// leaving no room for a layer in between, and serves HTTP/2 only on a
// *tls.Conn. Once ALPN has chosen, a connection that negotiated h2 goes
// to net/http as the *tls.Conn; any other goes wrapped by h1, which
// reports the TLS state for Request.TLS.
//
// Handshakes run concurrently, one goroutine per connection (each holds a
// connection slot, so worker_connections bounds them), under the header
// timeout: a slow or silent client never holds up the accept loop.
//
// A drain closes the listener below (limitListener); Accept still hands
// out the connections whose handshakes were under way, then returns the
// error, so every accepted connection is served.
type tlsListener struct {
	net.Listener // the limitListener
	conf         *tls.Config
	timeout      time.Duration           // for the handshake: the header timeout
	h1           func(net.Conn) net.Conn // wraps an HTTP/1 connection
	log          *slog.Logger

	start   sync.Once
	ready   chan net.Conn // handshaken connections, for Accept
	err     error         // why the loop ended; read after ready closes
	pending sync.WaitGroup
	done    chan struct{} // closed by Close: drop what is still handshaking
	close   sync.Once

	mu      sync.Mutex
	shaking map[net.Conn]struct{} // connections in their handshake, which Close closes
}

func newTLSListener(l net.Listener, conf *tls.Config, timeout time.Duration, h1 func(net.Conn) net.Conn, log *slog.Logger) *tlsListener {
	return &tlsListener{Listener: l, conf: conf, timeout: timeout, h1: h1, log: log,
		ready: make(chan net.Conn), done: make(chan struct{}), shaking: make(map[net.Conn]struct{})}
}

func (l *tlsListener) Accept() (net.Conn, error) {
	l.start.Do(func() { go l.loop() })
	c, ok := <-l.ready
	if !ok {
		return nil, l.err
	}
	return c, nil
}

// Close stops accepting and closes the connections still handshaking.
func (l *tlsListener) Close() error {
	l.close.Do(func() {
		close(l.done)
		l.mu.Lock()
		for c := range l.shaking {
			c.Close()
		}
		l.mu.Unlock()
	})
	return l.Listener.Close()
}

// track records c as handshaking, or reports false (and closes c) when
// Close has run.
func (l *tlsListener) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.done:
		c.Close()
		return false
	default:
	}
	l.shaking[c] = struct{}{}
	return true
}

func (l *tlsListener) untrack(c net.Conn) {
	l.mu.Lock()
	delete(l.shaking, c)
	l.mu.Unlock()
}

// loop accepts until the listener below fails for good, starting a
// handshake for each connection, then waits for the handshakes under way
// and ends Accept with the error.
func (l *tlsListener) loop() {
	var backoff time.Duration
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			backoff = 0
			l.pending.Add(1)
			go l.handshake(c)
			continue
		}
		if !temporary(err) {
			l.pending.Wait()
			l.err = err
			close(l.ready)
			return
		}
		// Out of file descriptors and the like: wait, as net/http would.
		backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
		l.log.Error("Accept failed: " + err.Error() + "; retrying in " + backoff.String())
		select {
		case <-time.After(backoff):
		case <-l.done:
		}
	}
}

// temporary tells whether an Accept error may pass (EMFILE, ENFILE,
// ECONNABORTED): the net package still marks those Temporary.
func temporary(err error) bool {
	var ne interface{ Temporary() bool }
	return errors.As(err, &ne) && ne.Temporary() && !errors.Is(err, net.ErrClosed)
}

// handshake runs c's TLS handshake and queues the result for Accept.
func (l *tlsListener) handshake(c net.Conn) {
	defer l.pending.Done()
	if !l.track(c) {
		return
	}
	defer l.untrack(c)
	tc := tls.Server(c, l.conf)
	ctx := context.Background()
	if l.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.timeout)
		defer cancel()
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		l.refuse(c, err)
		return
	}
	var out net.Conn = tc
	if tc.ConnectionState().NegotiatedProtocol != "h2" {
		out = l.h1(tc)
	}
	select {
	case l.ready <- out:
	case <-l.done:
		out.Close()
	}
}

// plainHTTPAnswer is what a client speaking plain HTTP to a TLS socket
// reads, on the plain connection, before it closes.
const plainHTTPAnswer = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n" +
	"This socket serves HTTPS: the client sent plain HTTP.\n"

// refuse closes a connection whose handshake failed, answering a client
// that sent plain HTTP in words it reads, and logs why: at warning level,
// but for clients that closed without sending anything.
func (l *tlsListener) refuse(c net.Conn, err error) {
	defer c.Close()
	var rec tls.RecordHeaderError
	if errors.As(err, &rec) && rec.Conn != nil && looksLikeHTTP(rec.RecordHeader) {
		c.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(c, plainHTTPAnswer)
		err = errors.New("the client sent plain HTTP to a TLS socket")
	}
	msg := "TLS handshake failed with " + c.RemoteAddr().String() + ": " + err.Error()
	if errors.Is(err, io.EOF) {
		// Closed before a word of TLS: TCP health checks and port
		// scanners, many a minute on a balanced port.
		l.log.Debug(msg)
		return
	}
	l.log.Warn(msg)
}

// looksLikeHTTP tells whether the first five bytes of a connection start
// an HTTP/1 request line.
func looksLikeHTTP(b [5]byte) bool {
	for _, m := range []string{"GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "PATCH", "DELET"} {
		if string(b[:]) == m {
			return true
		}
	}
	return false
}
