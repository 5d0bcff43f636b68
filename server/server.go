package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gocorn/gocorn/server/h1"
	"github.com/gocorn/gocorn/server/proxy"
)

// Server serves one worker's listeners.
type Server struct {
	http      *http.Server
	listeners []*limitListener // what a drain closes
	serving   []net.Listener   // what net/http accepts from: listeners, or TLS above them
	tracker   *tracker
	class     Class
	tls       *tls.Config // nil without TLS
	conns     *slots
}

// New builds a worker's server. It does not accept connections until
// Serve.
func New(o Options) (*Server, error) {
	if o.ErrorLog == nil {
		o.ErrorLog = slog.New(slog.DiscardHandler)
	}
	if o.HTTP1 == nil {
		o.HTTP1 = h1.Defaults
	}
	var access *accessLogger
	if o.AccessLog != nil {
		access = newAccessLogger(o)
	}
	t := newTracker(o, access)
	tlsConf, err := o.TLS.config(alpn(o.Protocols))
	if err != nil {
		return nil, err
	}
	pc := o.Proxy
	pc.HeaderTimeout, pc.ErrorLog = o.Timeouts.Header, o.ErrorLog
	px := proxy.New(pc)
	h := o.Timeouts.Handler(o.Handler)
	h = o.HTTP2.headerLimit(o.Protocols, h)
	cl := o.Class
	cl.Connections = max(cl.Connections, 1)
	h = t.wrap(h)
	m := newMount(o)
	h = m.handler(h, t.wrap(http.HandlerFunc(m.refuse))) // PATH_INFO for the handler and the access log; refusals logged too
	h = px.Handler(h)                                    // the client behind trusted proxies, for the handler and the access log

	parse := *o.HTTP1
	parse.PassHTTP2Preface = slices.Contains(o.Protocols, "h2") && tlsConf == nil
	parse.Trusted = px.Forwarded().Allows // forwarder_headers from trusted proxies only
	srv := &http.Server{
		Handler:                      h,
		MaxHeaderBytes:               h1.MaxHeadBytes(&parse),
		ErrorLog:                     slog.NewLogLogger(o.ErrorLog.Handler(), slog.LevelWarn),
		ConnState:                    trackState,
		ConnContext:                  px.ConnContext,
		TLSConfig:                    tlsConf,
		Protocols:                    protocols(o.Protocols, tlsConf != nil),
		HTTP2:                        o.HTTP2.config(o.Timeouts.Write),
		DisableGeneralOptionsHandler: true, // OPTIONS * reaches the app, as under gunicorn
	}
	if o.RequestTimeout > 0 {
		srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
			return storeConn(px.ConnContext(ctx, c), c)
		}
	}
	o.Timeouts.Apply(srv)
	srv.SetKeepAlivesEnabled(cl.KeepAlive)

	conns := newSlots(cl.Connections)
	s := &Server{http: srv, tracker: t, class: cl, conns: conns, tls: tlsConf}
	var idle chan struct{}
	if cl.AcceptWhenIdle {
		idle = t.pool
	}
	// A plaintext connection is, from the outside in: slotConn, h1's
	// strict reader, the write deadlines, the PROXY protocol reader, the
	// socket. With TLS, h1 goes above the TLS layer, once the handshake is
	// done (tlsListener): h1, tls.Conn, slotConn, deadlines, PROXY, socket.
	warn := func(msg string) { o.ErrorLog.Warn(msg) }
	strict := func(c net.Conn) net.Conn { return h1.Wrap(c, &parse, warn) }
	wrap := func(c net.Conn) net.Conn { return strict(o.Timeouts.Conn(c)) }
	if tlsConf != nil {
		wrap = o.Timeouts.Conn // h1 goes above TLS, once the handshake is done
	}
	for _, l := range o.Listeners {
		// The PROXY protocol header comes first on the wire, below TLS and HTTP.
		ll := newLimitListener(px.Listener(l), conns, len(o.Listeners) == 1, idle, wrap)
		s.listeners = append(s.listeners, ll)
		var ln net.Listener = ll
		if tlsConf != nil {
			ln = newTLSListener(ll, tlsConf, o.Timeouts.Header, strict, o.ErrorLog)
		}
		s.serving = append(s.serving, ln)
	}
	return s, nil
}

// ClassName is the worker class being served, for logs.
func (s *Server) ClassName() string { return s.class.Name }

// Serve accepts and serves connections until Shutdown or Close. It returns
// nil after a Shutdown or Close, or the first listener's failure.
func (s *Server) Serve() error {
	var wg sync.WaitGroup
	errs := make([]error, len(s.serving))
	for i, l := range s.serving {
		wg.Go(func() {
			err := s.http.Serve(l) // TLS is done by the listener (tlsListener)
			if !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// idleGrace is how long a drain leaves an idle keep-alive connection open
// for a request its client may already have sent.
const idleGrace = 500 * time.Millisecond

// Shutdown drains the worker while other processes keep serving its
// sockets (a recycle or a reload): it stops accepting, serves every
// request already on an accepted connection (each response then closes
// its connection), waits for in-flight requests, and closes idle
// connections. When ctx ends first, it closes the rest.
//
// net/http's own Shutdown alone would drop a request whose connection was
// accepted just before the shutdown but whose headers arrive after it, so
// the listeners are closed and the connections settled first.
func (s *Server) Shutdown(ctx context.Context) error { return s.shutdown(ctx, false) }

// ShutdownEmptyingQueue is Shutdown for the end of the server, when no
// other process will accept on the sockets: it first accepts and serves
// every connection still queued in the kernel, closing each listener once
// its queue has stayed empty for a moment, so nothing queued is reset.
func (s *Server) ShutdownEmptyingQueue(ctx context.Context) error { return s.shutdown(ctx, true) }

func (s *Server) shutdown(ctx context.Context, emptyQueue bool) error {
	s.tracker.draining.Store(true)
	for _, l := range s.listeners {
		if emptyQueue {
			l.empty()
		} else {
			l.Close()
		}
	}
	settle := time.NewTicker(10 * time.Millisecond)
	defer settle.Stop()
	for s.listening() || s.conns.busy(idleGrace) {
		select {
		case <-ctx.Done():
			s.Close()
			return ctx.Err()
		case <-settle.C:
		}
	}
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.Close()
	}
	return err
}

// listening tells whether a listener is still open (emptying its queue).
func (s *Server) listening() bool {
	for _, l := range s.listeners {
		if !l.isClosed() {
			return true
		}
	}
	return false
}

// Close stops at once, dropping open connections.
func (s *Server) Close() error {
	s.conns.shutDown()
	return s.http.Close()
}

// SetTicketKeys replaces the TLS session ticket keys while the server
// runs (see TLSSecrets); it does nothing without TLS or keys.
func (s *Server) SetTicketKeys(keys [][32]byte) {
	if s.tls != nil && len(keys) > 0 {
		s.tls.SetSessionTicketKeys(keys)
	}
}

// Stats reports what the worker is doing now.
func (s *Server) Stats() Stats { return s.tracker.stats() }

// StuckHandler is a handler still running request_timeout past its
// request's deadline (Stats.Stuck), with its goroutine's stack.
type StuckHandler struct {
	Request
	Stack string // "" if the goroutine was not found (it just returned)
}

// Stuck lists the stuck handlers with their stacks, oldest first, for the
// log of a worker that is being replaced because of them.
func (s *Server) Stuck() []StuckHandler { return s.tracker.stuck() }
