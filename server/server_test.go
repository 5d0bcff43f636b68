package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/accesslog"
)

// waitLimit bounds every wait in these tests for something that should
// happen; quiet is how long a test watches for something that must not.
const (
	waitLimit = 3 * time.Second
	quiet     = 150 * time.Millisecond
)

// config returns the options of a worker of class (sync or gthread)
// with gunicorn's defaults.
func config(class string) Options {
	if class == "sync" {
		return Options{Class: SyncClass("sync", 1000), Timeouts: Timeouts{Idle: 2 * time.Second}, AccessLogFormat: accesslog.DefaultFormat}
	}
	return gthread(1, 1000, 2)
}

// gthread returns the options of a gthread worker.
func gthread(threads, conns, keepalive int) Options {
	return Options{
		Class:           ThreadClass("gthread", threads, conns, keepalive > 0),
		Timeouts:        Timeouts{Idle: time.Duration(keepalive) * time.Second},
		AccessLogFormat: accesslog.DefaultFormat,
	}
}

// with is o with the fields it leaves zero taken from base: a worker's
// options (config, gthread) with the test's handler and hooks.
func with(base, o Options) Options {
	ov, bv := reflect.ValueOf(&o).Elem(), reflect.ValueOf(base)
	for i := range ov.NumField() {
		if ov.Field(i).IsZero() {
			ov.Field(i).Set(bv.Field(i))
		}
	}
	return o
}

// watchedListener is a loopback listener that reports the connections it
// hands to the server and when the server closes it.
type watchedListener struct {
	net.Listener
	accepted chan net.Addr // the client address of every accepted conn
	count    atomic.Int32
	closed   chan struct{}
	once     sync.Once
}

func listen(t *testing.T) *watchedListener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &watchedListener{Listener: l, accepted: make(chan net.Addr, 64), closed: make(chan struct{})}
}

func (l *watchedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.count.Add(1)
		l.accepted <- c.RemoteAddr()
	}
	return c, err
}

func (l *watchedListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.closed) })
	return err
}

func (l *watchedListener) addr() string { return l.Addr().String() }

// waitAccepted waits until the server has accepted the connection whose
// client side is c.
func (l *watchedListener) waitAccepted(t *testing.T, c net.Conn) {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case a := <-l.accepted:
			if a.String() == c.LocalAddr().String() {
				return
			}
		case <-timeout:
			t.Fatalf("the server did not accept %s", c.LocalAddr())
		}
	}
}

func (l *watchedListener) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-l.closed:
	case <-time.After(waitLimit):
		t.Fatal("the server did not close its listener")
	}
}

// running is a server under test; Cleanup closes it and checks that Serve
// returned.
type running struct {
	*Server
	listeners []*watchedListener
	served    chan error
}

// start serves o on its listeners, or on n fresh loopback listeners when
// o.Listeners is empty.
func start(t *testing.T, o Options, n int) *running {
	t.Helper()
	r := &running{served: make(chan error, 1)}
	if len(o.Listeners) == 0 {
		for range n {
			l := listen(t)
			r.listeners = append(r.listeners, l)
			o.Listeners = append(o.Listeners, l)
		}
	}
	if o.ErrorLog == nil {
		o.ErrorLog = slog.New(slog.DiscardHandler)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	r.Server = s
	go func() { r.served <- s.Serve() }()
	t.Cleanup(func() {
		s.Close()
		select {
		case <-r.served:
		case <-time.After(waitLimit):
			t.Error("Serve did not return after Close")
		}
	})
	return r
}

func (r *running) addr() string { return r.listeners[0].addr() }

// shutdownAsync starts Shutdown, bounded by waitLimit; its result comes
// on the channel.
func (r *running) shutdownAsync() <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		done <- r.Shutdown(ctx)
	}()
	return done
}

// waitShutdown checks that the Shutdown of shutdownAsync returns nil
// within waitLimit.
func waitShutdown(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Shutdown did not return")
	}
}

// waitServed waits for Serve to return and checks it returned nil.
func (r *running) waitServed(t *testing.T) {
	t.Helper()
	select {
	case err := <-r.served:
		if err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
		r.served <- err // for Cleanup
	case <-time.After(waitLimit):
		t.Fatal("Serve did not return")
	}
}

// client is a connection speaking HTTP/1.1 by hand, so tests control the
// framing and see what becomes of the connection.
type client struct {
	net.Conn
	br *bufio.Reader
}

func dial(addr string) (*client, error) {
	c, err := net.DialTimeout("tcp", addr, waitLimit)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(2 * waitLimit))
	return &client{Conn: c, br: bufio.NewReader(c)}, nil
}

func mustDial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n"
}

func (c *client) send(request string) error {
	_, err := io.WriteString(c, request)
	return err
}

// response reads the next final response and its whole body.
func (c *client) response() (*http.Response, string, error) {
	for {
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil {
			return nil, "", err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, "", err
		}
		if resp.StatusCode >= 200 {
			return resp, string(body), nil
		}
	}
}

// roundTrip sends request and reads the response; safe in goroutines.
func (c *client) roundTrip(request string) (*http.Response, string, error) {
	if err := c.send(request); err != nil {
		return nil, "", err
	}
	return c.response()
}

// mustGet gets path on c and checks the status.
func (c *client) mustGet(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, body, err := c.roundTrip(get(path))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", path, resp.StatusCode)
	}
	return resp, body
}

// silent checks that nothing arrives on c for d and that c stays open.
func (c *client) silent(d time.Duration) error {
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Now().Add(2 * waitLimit))
	b, err := c.br.Peek(1)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return nil
	}
	if err != nil {
		return fmt.Errorf("connection ended: %v", err)
	}
	return fmt.Errorf("got %q, want nothing yet", b)
}

// closedByServer checks that the server closes c with nothing more sent.
// A reset counts: the server may close with unread client bytes.
func (c *client) closedByServer() error {
	c.SetReadDeadline(time.Now().Add(waitLimit))
	b, err := c.br.ReadByte()
	switch {
	case err == nil:
		return fmt.Errorf("got %q, want the connection closed", b)
	case errors.Is(err, io.EOF):
		return nil
	case errors.Is(err, syscall.ECONNRESET):
		return nil
	}
	return fmt.Errorf("reading after the response: %v, want EOF", err)
}

// closes tells whether an HTTP/1.1 response says "Connection: close"
// (http.ReadResponse takes the header out and sets Close).
func closes(resp *http.Response) bool {
	return resp.ProtoAtLeast(1, 1) && resp.Close
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// gate is a handler that blocks every request until released, and keeps
// count of how many run at once.
type gate struct {
	entered    chan string // the path of every request that reached it
	release    chan struct{}
	running    atomic.Int32
	maxRunning atomic.Int32
}

func newGate() *gate {
	return &gate{entered: make(chan string, 64), release: make(chan struct{}, 64)}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := g.running.Add(1)
	for {
		m := g.maxRunning.Load()
		if n <= m || g.maxRunning.CompareAndSwap(m, n) {
			break
		}
	}
	g.entered <- r.URL.Path
	select {
	case <-g.release:
	case <-r.Context().Done():
	case <-time.After(2 * waitLimit):
	}
	g.running.Add(-1)
	io.WriteString(w, "done "+r.URL.Path)
}

// waitEntered waits for the next request to reach the handler.
func (g *gate) waitEntered(t *testing.T, path string) {
	t.Helper()
	select {
	case p := <-g.entered:
		if p != path {
			t.Fatalf("%s reached the handler, want %s", p, path)
		}
	case <-time.After(waitLimit):
		t.Fatalf("%s did not reach the handler", path)
	}
}

// noneEntered checks that no request reaches the handler for quiet.
func (g *gate) noneEntered(t *testing.T, why string) {
	t.Helper()
	select {
	case p := <-g.entered:
		t.Fatalf("%s reached the handler %s", p, why)
	case <-time.After(quiet):
	}
}

func TestClassName(t *testing.T) {
	for _, class := range []string{"sync", "gthread"} {
		s, err := New(with(config(class), Options{Handler: Hello(), ErrorLog: slog.New(slog.DiscardHandler)}))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.ClassName(); got != class {
			t.Errorf("ClassName() = %q, want %q", got, class)
		}
	}
}

// The access log may be off (nil); the error log is just as optional to a
// caller reading Options.
func TestNewWithoutErrorLog(t *testing.T) {
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("New with a nil ErrorLog panicked: %v", v)
		}
	}()
	if _, err := New(with(config("sync"), Options{Handler: Hello()})); err != nil {
		t.Fatal(err)
	}
}

func TestMultipleListeners(t *testing.T) {
	for _, cfg := range []Options{config("sync"), gthread(2, 10, 2)} {
		t.Run(cfg.Class.Name, func(t *testing.T) {
			r := start(t, with(cfg, Options{Handler: Hello()}), 2)
			for round := range 2 {
				for i, l := range r.listeners {
					c := mustDial(t, l.addr())
					if _, body := c.mustGet(t, "/"); body != "Hello, World!\n" {
						t.Errorf("round %d, listener %d: body %q", round, i, body)
					}
				}
			}
		})
	}
}

// With two listeners the sync worker still serves one connection at a time:
// a connection on the second listener waits until the first is done.
func TestMultipleListenersSyncOneAtATime(t *testing.T) {
	g := newGate()
	r := start(t, with(config("sync"), Options{Handler: g}), 2)
	a := mustDial(t, r.listeners[0].addr())
	if err := a.send(get("/a")); err != nil {
		t.Fatal(err)
	}
	g.waitEntered(t, "/a")
	b := mustDial(t, r.listeners[1].addr())
	if err := b.send(get("/b")); err != nil {
		t.Fatal(err)
	}
	g.noneEntered(t, "while /a was in the handler of a sync worker")
	g.release <- struct{}{}
	if _, body, err := a.response(); err != nil || body != "done /a" {
		t.Fatalf("/a: %q, %v", body, err)
	}
	g.waitEntered(t, "/b")
	g.release <- struct{}{}
	if _, body, err := b.response(); err != nil || body != "done /b" {
		t.Fatalf("/b: %q, %v", body, err)
	}
}

func TestShutdownCompletesInFlightRequest(t *testing.T) {
	for _, cfg := range []Options{config("sync"), gthread(2, 10, 5)} {
		t.Run(cfg.Class.Name, func(t *testing.T) {
			g := newGate()
			r := start(t, with(cfg, Options{Handler: g}), 1)
			c := mustDial(t, r.addr())
			if err := c.send(get("/slow")); err != nil {
				t.Fatal(err)
			}
			g.waitEntered(t, "/slow")

			done := r.shutdownAsync()
			r.listeners[0].waitClosed(t)
			if c, err := dial(r.addr()); err == nil {
				c.Close()
				t.Error("a new connection was accepted after Shutdown began")
			}
			select {
			case err := <-done:
				t.Fatalf("Shutdown returned %v with a request in flight", err)
			case <-time.After(quiet):
			}

			g.release <- struct{}{}
			resp, body, err := c.response()
			if err != nil {
				t.Fatalf("in-flight request: %v", err)
			}
			if resp.StatusCode != 200 || body != "done /slow" || !closes(resp) {
				t.Errorf("in-flight request: %d %q, close %v; want 200 \"done /slow\", Connection: close",
					resp.StatusCode, body, resp.Close)
			}
			if err := c.closedByServer(); err != nil {
				t.Error(err)
			}
			waitShutdown(t, done)
			r.waitServed(t)
		})
	}
}

// A connection accepted just before Shutdown, whose headers come after it
// began, is served: net/http's Shutdown alone would drop it.
func TestShutdownServesAcceptedConnection(t *testing.T) {
	for _, cfg := range []Options{config("sync"), gthread(2, 10, 5)} {
		t.Run(cfg.Class.Name, func(t *testing.T) {
			r := start(t, with(cfg, Options{Handler: Hello()}), 1)
			c := mustDial(t, r.addr())
			r.listeners[0].waitAccepted(t, c)

			done := r.shutdownAsync()
			r.listeners[0].waitClosed(t)
			// The client is slow: its headers come well after Shutdown
			// began, but within a second.
			select {
			case err := <-done:
				t.Fatalf("Shutdown returned %v before the accepted connection sent its request", err)
			case <-time.After(300 * time.Millisecond):
			}
			resp, body, err := c.roundTrip(get("/late"))
			if err != nil {
				t.Fatalf("request on the accepted connection: %v", err)
			}
			if resp.StatusCode != 200 || body != "Hello, World!\n" || !closes(resp) {
				t.Errorf("request on the accepted connection: %d %q, close %v; want 200, Connection: close",
					resp.StatusCode, body, resp.Close)
			}
			waitShutdown(t, done)
			r.waitServed(t)
		})
	}
}

func TestShutdownClosesIdleConnections(t *testing.T) {
	r := start(t, with(gthread(2, 10, 30), Options{Handler: Hello()}), 1)
	var conns []*client
	for range 3 {
		c := mustDial(t, r.addr())
		if resp, _ := c.mustGet(t, "/"); closes(resp) {
			t.Fatal("a keep-alive response closed its connection before Shutdown")
		}
		conns = append(conns, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	begin := time.Now()
	if err := r.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("Shutdown with idle connections took %v", took)
	}
	for i, c := range conns {
		if err := c.closedByServer(); err != nil {
			t.Errorf("idle connection %d: %v", i, err)
		}
	}
	r.waitServed(t)
}

// A keep-alive client may send its next request just as the drain starts;
// within the idle grace that request is still served.
func TestShutdownServesRequestOnJustIdleConnection(t *testing.T) {
	r := start(t, with(gthread(2, 10, 30), Options{Handler: Hello()}), 1)
	c := mustDial(t, r.addr())
	c.mustGet(t, "/first")
	done := r.shutdownAsync()
	r.listeners[0].waitClosed(t)
	resp, _ := c.mustGet(t, "/second")
	if !closes(resp) {
		t.Error("a response during the drain does not say Connection: close")
	}
	waitShutdown(t, done)
}

func TestShutdownWithExpiredContext(t *testing.T) {
	tests := []struct {
		name  string
		busy  string // what keeps the worker busy: "new" or "handler"
		cause func() (context.Context, context.CancelFunc)
		want  error
	}{
		{"canceled, silent new connection", "new", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
		{"deadline, blocked handler", "handler", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
		{"canceled, blocked handler", "handler", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			r := start(t, with(gthread(2, 10, 5), Options{Handler: g}), 1)
			c := mustDial(t, r.addr())
			r.listeners[0].waitAccepted(t, c)
			if tt.busy == "handler" {
				if err := c.send(get("/stuck")); err != nil {
					t.Fatal(err)
				}
				g.waitEntered(t, "/stuck")
			}
			ctx, cancel := tt.cause()
			defer cancel()
			begin := time.Now()
			err := r.Shutdown(ctx)
			if !errors.Is(err, tt.want) {
				t.Errorf("Shutdown = %v, want %v", err, tt.want)
			}
			if took := time.Since(begin); took > time.Second {
				t.Errorf("Shutdown took %v after its context ended", took)
			}
			if err := c.closedByServer(); err != nil {
				t.Errorf("the connection left open: %v", err)
			}
			r.waitServed(t)
		})
	}
}

func TestCloseDropsConnections(t *testing.T) {
	g := newGate()
	r := start(t, with(gthread(2, 10, 5), Options{Handler: g}), 1)
	c := mustDial(t, r.addr())
	if err := c.send(get("/stuck")); err != nil {
		t.Fatal(err)
	}
	g.waitEntered(t, "/stuck")
	if err := r.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := c.closedByServer(); err != nil {
		t.Error(err)
	}
	r.waitServed(t)
}

func TestHello(t *testing.T) {
	r := start(t, with(config("sync"), Options{Handler: Hello()}), 1)
	c := mustDial(t, r.addr())
	resp, body := c.mustGet(t, "/anything?x=1")
	if body != "Hello, World!\n" || resp.Header.Get("Content-Type") != "text/plain" || resp.ContentLength != 14 {
		t.Errorf("Hello: %q, Content-Type %q, Content-Length %d", body, resp.Header.Get("Content-Type"), resp.ContentLength)
	}
	if te := resp.TransferEncoding; len(te) != 0 {
		t.Errorf("Hello: Transfer-Encoding %v, want none", te)
	}
	if !strings.HasPrefix(resp.Proto, "HTTP/1.1") {
		t.Errorf("Hello: proto %s", resp.Proto)
	}
}

// TestOptionsAsterisk checks that a server-wide "OPTIONS *" reaches the
// app, as under gunicorn, rather than net/http's own empty 200.
func TestOptionsAsterisk(t *testing.T) {
	seen := make(chan string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Method + " " + r.RequestURI
		w.Header().Set("Allow", "GET, OPTIONS")
	})
	r := start(t, with(config("sync"), Options{Handler: h}), 1)
	resp, _, err := mustDial(t, r.addr()).roundTrip("OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-seen:
		if got != "OPTIONS *" {
			t.Errorf("the handler saw %q, want \"OPTIONS *\"", got)
		}
	default:
		t.Errorf("the handler never saw OPTIONS * (status %d, Allow %q)", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if resp.Header.Get("Allow") != "GET, OPTIONS" {
		t.Errorf("response without the handler's Allow: %d %v", resp.StatusCode, resp.Header)
	}
}
