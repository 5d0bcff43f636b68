package server

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gocorn/gocorn/server/h1"
	"github.com/gocorn/gocorn/server/proxy"
)

// Options configure the server of one worker process. They are plain
// values, so this package knows nothing of gocorn's settings: package
// proc maps a configuration onto them, in one place.
type Options struct {
	Handler   http.Handler
	Listeners []net.Listener
	ErrorLog  *slog.Logger

	// AccessLog receives one line per request in AccessLogFormat
	// (gunicorn's access_log_format, or accesslog.JSON); nil turns the
	// access log off. AccessLogSkip lists the paths whose successful
	// requests are not logged (accesslog.Skip). RequestIDHeader names
	// the header whose value, from a trusted proxy (proxy.Trusted), is
	// the JSON line's request_id; "" always generates one.
	AccessLog       io.Writer
	AccessLogFormat string
	AccessLogSkip   []string
	RequestIDHeader string

	Class    Class    // how many connections and handlers at once
	Timeouts Timeouts // against slow and silent clients

	// RequestTimeout is a deadline for each request, from its arrival; 0
	// means none. See tracker.serveByDeadline.
	RequestTimeout time.Duration

	// MaxRequests is this worker's request budget (max_requests plus its
	// jitter); 0 means no limit. When it is reached OnRetire runs once,
	// every later response closes its connection, and the worker keeps
	// serving until it is told to stop.
	MaxRequests int
	OnRetire    func()

	HTTP1 *h1.Options  // the strict HTTP/1 parser's rules; nil: h1.Defaults
	Proxy proxy.Config // trusted proxies and the PROXY protocol

	// RootPath is the path prefix the application is mounted at
	// (root_path): a request under it reaches the handler with the prefix
	// taken off its path, and one outside it reaches the handler
	// unchanged, for a proxy that strips the prefix itself; ScriptName(r)
	// is RootPath either way. ScriptName is the prefix when RootPath is
	// empty (the worker's SCRIPT_NAME environment variable, gunicorn's
	// fallback): a request outside it gets 500. A trusted proxy's
	// SCRIPT_NAME header overrides both, with ScriptName's rule. Trailing
	// slashes are ignored; see ScriptName.
	RootPath   string
	ScriptName string

	// TLS is what the listeners serve TLS with; nil serves plain TCP.
	TLS *TLS

	// Protocols are the protocols served, in order of preference: "h1"
	// (HTTP/1.1), "h2" (HTTP/2: over TLS, chosen by ALPN; without TLS,
	// with prior knowledge). Empty serves HTTP/1.1 alone.
	Protocols []string
	HTTP2     HTTP2 // HTTP/2's limits, when it is served

	// PreRequest, when set, runs before the handler sees a request; the
	// headers it returns are set on the response first. PostRequest, when
	// set, runs after each response, failed ones included. They are the
	// config's pre_request and post_request hooks.
	PreRequest  func(r *http.Request) http.Header
	PostRequest func(r *http.Request, done Done)

	// Observe, when set, is told of every response as it ends, failed
	// ones included: its status (0 for a client that left before it was
	// answered) and its duration, as PostRequest's Done has them. It is
	// for metrics, called on the request's goroutine: it must not block.
	Observe func(status int, d time.Duration)
}

// Done is a finished exchange, as PostRequest sees it.
type Done struct {
	Status   int           // status code sent
	Header   http.Header   // headers sent
	Bytes    int64         // body bytes sent
	Duration time.Duration // from the request's arrival to the end of the response
}

// HTTP2 are HTTP/2's limits: gunicorn's http2_* settings.
type HTTP2 struct {
	MaxConcurrentStreams int
	InitialWindowSize    int // bytes a stream may receive before it is read
	MaxFrameSize         int
	// MaxHeaderListSize answers 431 to a larger header list, counted as
	// HTTP/2 counts it; 0 leaves the bound to net/http.
	MaxHeaderListSize int
}
