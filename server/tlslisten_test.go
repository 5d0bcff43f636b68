package server

import (
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/server/h1"
)

// logBuffer collects log output written from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestTLSListener is a tlsListener over a watched loopback listener,
// with the test CA's certificate, offering h2 and http/1.1.
func newTestTLSListener(t *testing.T, timeout time.Duration) (*tlsListener, *watchedListener, *testPKI, *logBuffer) {
	t.Helper()
	p := newTestPKI(t)
	conf, err := tlsOf(t, p, nil).config(alpn([]string{"h2", "h1"}))
	if err != nil {
		t.Fatal(err)
	}
	inner := listen(t)
	logs := &logBuffer{}
	wrap := func(c net.Conn) net.Conn { return h1.Wrap(c, nil, nil) }
	l := newTLSListener(inner, conf, timeout, wrap, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { l.Close() })
	return l, inner, p, logs
}

// acceptOne runs one Accept, for a test to wait on.
func acceptOne(l net.Listener) <-chan net.Conn {
	got := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			c = nil
		}
		got <- c
	}()
	return got
}

// clientHandshake dials l with ALPN proto and completes the handshake.
func clientHandshake(t *testing.T, raw net.Conn, p *testPKI, proto string) *tls.Conn {
	t.Helper()
	cc := p.ClientConfig()
	cc.ServerName, cc.NextProtos = "localhost", []string{proto}
	c := tls.Client(raw, cc)
	c.SetDeadline(time.Now().Add(waitLimit))
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTLSListenerChoosesByALPN(t *testing.T) {
	l, inner, p, _ := newTestTLSListener(t, time.Second)
	for _, tt := range []struct {
		proto string
		h1    bool // wrapped by h1, TLS state reported
	}{{"h2", false}, {"http/1.1", true}} {
		got := acceptOne(l)
		raw := mustDial(t, inner.addr()).Conn
		clientHandshake(t, raw, p, tt.proto)
		c := <-got
		if c == nil {
			t.Fatalf("%s: Accept failed", tt.proto)
		}
		_, isTLS := c.(*tls.Conn)
		if isTLS == tt.h1 || (h1.As(c) != nil) != tt.h1 {
			t.Errorf("%s: Accept gave a %T; want h1's connection %v", tt.proto, c, tt.h1)
		}
		st, ok := c.(interface{ ConnectionState() tls.ConnectionState })
		if !ok || st.ConnectionState().NegotiatedProtocol != tt.proto || !st.ConnectionState().HandshakeComplete {
			t.Errorf("%s: the connection does not report its finished handshake", tt.proto)
		}
	}
}

// A drain closes the listener below: handshakes under way still reach
// Accept, then Accept reports the close.
func TestTLSListenerDeliversHandshakesUnderWayAtDrain(t *testing.T) {
	l, inner, p, _ := newTestTLSListener(t, 5*time.Second)
	got := acceptOne(l)
	raw := mustDial(t, inner.addr()).Conn
	inner.waitAccepted(t, raw)
	inner.Close() // the drain, while the client has not said hello yet
	clientHandshake(t, raw, p, "http/1.1")
	if c := <-got; c == nil {
		t.Fatal("the connection accepted before the drain was dropped")
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after the drain: %v, want net.ErrClosed", err)
	}
}

// Close (stopping at once) closes the connections still handshaking.
func TestTLSListenerCloseDropsHandshakes(t *testing.T) {
	l, inner, _, _ := newTestTLSListener(t, 5*time.Second)
	acceptOne(l)
	raw := mustDial(t, inner.addr()).Conn
	inner.waitAccepted(t, raw)
	waitFor(t, "the handshake to start", func() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.shaking) == 1 })
	l.Close()
	if _, err := raw.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("reading a connection dropped mid-handshake: %v, want EOF", err)
	}
}

// A client that says nothing is dropped at the timeout; one that speaks
// plain HTTP is told so; the log says why, at debug level for a client
// that closed without a word.
func TestTLSListenerRefusals(t *testing.T) {
	l, inner, _, logs := newTestTLSListener(t, 200*time.Millisecond)
	acceptOne(l)
	for _, tt := range []struct {
		send, answer, logged string
	}{
		{"", "", "level=WARN msg=\"TLS handshake failed with 127.0.0.1:"},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request", "the client sent plain HTTP to a TLS socket"},
	} {
		raw := mustDial(t, inner.addr()).Conn
		io.WriteString(raw, tt.send)
		got, _ := io.ReadAll(raw)
		if !strings.HasPrefix(string(got), tt.answer) || tt.answer == "" && len(got) > 0 {
			t.Errorf("after %q: got %q, want %q", tt.send, got, tt.answer)
		}
		waitFor(t, "the log line "+tt.logged, func() bool { return strings.Contains(logs.String(), tt.logged) })
	}
	mustDial(t, inner.addr()).Close()
	waitFor(t, "a debug line for a silent close", func() bool { return strings.Contains(logs.String(), "level=DEBUG msg=\"TLS handshake failed") })
}

// SetTicketKeys rotates the keys of a running server: a ticket made with
// a key resumes while the key is among the server's, and no longer once
// it has been dropped.
func TestSetTicketKeysRotatesWhileServing(t *testing.T) {
	p := newTestPKI(t)
	tt := tlsOf(t, p, nil)
	a, b, c := NewTicketKey(), NewTicketKey(), NewTicketKey()
	tt.Secrets.TicketKeys = [][32]byte{a}
	r := start(t, with(gthread(4, 100, 2), Options{Handler: Hello(), TLS: tt}), 1)
	cc := p.ClientConfig()
	cc.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	client := &http.Client{Timeout: waitLimit, Transport: &http.Transport{TLSClientConfig: cc, DisableKeepAlives: true}}
	resumed := func() bool {
		t.Helper()
		resp, err := client.Get("https://" + r.addr() + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body) // brings the ticket in
		resp.Body.Close()
		return resp.TLS.DidResume
	}
	resumed() // a full handshake, and a ticket made with a
	for _, step := range []struct {
		keys [][32]byte
		want bool
	}{
		{[][32]byte{b, a}, true}, // a still opens it (and the new ticket is b's)
		{[][32]byte{c, b}, true}, // b's ticket
		{[][32]byte{a}, false},   // b dropped
	} {
		r.SetTicketKeys(step.keys)
		if got := resumed(); got != step.want {
			t.Errorf("with %d keys: resumed %v, want %v", len(step.keys), got, step.want)
		}
	}
}

// Clients that connect and say nothing hold a goroutine each until the
// timeout, never the accept loop: a real client is served meanwhile.
func TestTLSListenerSilentClientsDoNotBlockOthers(t *testing.T) {
	l, inner, p, _ := newTestTLSListener(t, time.Minute)
	got := acceptOne(l)
	const silent = 50
	for range silent {
		mustDial(t, inner.addr())
	}
	waitFor(t, "the silent clients to be handshaking", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.shaking) == silent
	})
	raw := mustDial(t, inner.addr()).Conn
	clientHandshake(t, raw, p, "http/1.1")
	select {
	case c := <-got:
		if c == nil {
			t.Fatal("Accept failed")
		}
	case <-time.After(waitLimit):
		t.Fatalf("a client that spoke TLS was not accepted within %s behind %d silent ones", waitLimit, silent)
	}
}
