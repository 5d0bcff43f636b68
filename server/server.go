package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gocorn/gocorn/starcfg"
)

// headerTimeout bounds how long a client may take to send its request
// headers. Without it, net/http waits forever, and a silent connection
// pins a sync worker.
const headerTimeout = 10 * time.Second

// Options configure the server of one worker process.
type Options struct {
	Config    *starcfg.Config
	Handler   http.Handler
	Listeners []net.Listener
	ErrorLog  *slog.Logger
	AccessLog io.Writer // nil when the access log is off

	// MaxRequests is this worker's request budget (max_requests plus its
	// jitter); 0 means no limit. When it is reached OnRetire runs once,
	// every later response closes its connection, and the worker keeps
	// serving until it is told to stop.
	MaxRequests int
	OnRetire    func()

	// Hooks are the config generation's hooks; the worker runs their
	// pre_request and post_request with HookWorker as the worker object.
	Hooks      *starcfg.Hooks
	HookWorker *starcfg.Worker
}

// Server serves one worker's listeners.
type Server struct {
	http      *http.Server
	listeners []*limitListener
	tracker   *tracker
	class     class
	conns     *slots
}

// New builds a worker's server. It does not accept connections until
// Serve.
func New(o Options) (*Server, error) {
	cl, err := classOf(o.Config)
	if err != nil {
		return nil, err
	}
	if o.ErrorLog == nil {
		o.ErrorLog = slog.New(slog.DiscardHandler)
	}
	var access *accessLogger
	if o.AccessLog != nil {
		access = newAccessLogger(o.Config.AccessLogFormat, o.AccessLog)
	}
	t := newTracker(o, access)
	h := o.Handler
	var pool chan struct{} // the handler slots, when fewer than connections
	if cl.maxActive > 0 && cl.maxActive < cl.maxConns {
		pool = make(chan struct{}, cl.maxActive)
		h = threads(pool, h)
	}
	h = t.wrap(h)

	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       time.Duration(o.Config.Keepalive) * time.Second,
		MaxHeaderBytes:    maxHeaderBytes(o.Config),
		ErrorLog:          slog.NewLogLogger(o.ErrorLog.Handler(), slog.LevelWarn),
		ConnState:         trackState,
	}
	srv.SetKeepAlivesEnabled(cl.keepAlive)

	conns := newSlots(cl.maxConns)
	s := &Server{http: srv, tracker: t, class: cl, conns: conns}
	var idle chan struct{}
	if cl.acceptWhenIdle {
		idle = pool
	}
	for _, l := range o.Listeners {
		s.listeners = append(s.listeners, newLimitListener(l, conns, len(o.Listeners) == 1, idle))
	}
	return s, nil
}

// ClassName is the worker class being served, for logs.
func (s *Server) ClassName() string { return s.class.name }

// Serve accepts and serves connections until Shutdown or Close. It returns
// nil after a Shutdown or Close, or the first listener's failure.
func (s *Server) Serve() error {
	var wg sync.WaitGroup
	errs := make([]error, len(s.listeners))
	for i, l := range s.listeners {
		wg.Go(func() {
			err := s.http.Serve(l)
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

// Stats reports what the worker is doing now.
func (s *Server) Stats() Stats { return s.tracker.stats() }

// maxHeaderBytes sizes net/http's header buffer from gunicorn's limits:
// the request line plus limit_request_fields lines of
// limit_request_field_size bytes.
func maxHeaderBytes(cfg *starcfg.Config) int {
	line := cfg.LimitRequestLine
	if line <= 0 || line > 8190 {
		line = 8190
	}
	fields := cfg.LimitRequestFields
	if fields <= 0 || fields > 32768 {
		fields = 32768
	}
	size := cfg.LimitRequestFieldSize
	if size <= 0 {
		size = 8190
	}
	return line + fields*(size+2) + 4
}
