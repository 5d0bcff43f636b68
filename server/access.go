package server

import (
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gocorn/gocorn/instrument/accesslog"
	"github.com/gocorn/gocorn/server/proxy"
)

// accessLogger writes one line per request in the configured format,
// after the response is complete.
type accessLogger struct {
	format   *accesslog.Format
	json     bool // the JSON line, which also shows the peer, scheme and request id
	skip     *accesslog.Skip
	idHeader string // canonical RequestIDHeader; "" for none
	out      io.Writer
	pid      int
	bufs     sync.Pool
}

func newAccessLogger(o Options) *accessLogger {
	return &accessLogger{
		format:   accesslog.CompileWith(o.AccessLogFormat, logEnviron),
		json:     strings.EqualFold(o.AccessLogFormat, accesslog.JSON),
		skip:     accesslog.NewSkip(o.AccessLogSkip),
		idHeader: http.CanonicalHeaderKey(o.RequestIDHeader),
		out:      o.AccessLog,
		pid:      os.Getpid(),
		bufs:     sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }},
	}
}

func (a *accessLogger) write(e *exchange) {
	if a.skip.Skips(e.req, e.status) {
		return
	}
	end := time.Now()
	entry := accesslog.Entry{
		Request:        e.req,
		Status:         e.status,
		BodyBytes:      e.bytes.Load(),
		ResponseHeader: e.ResponseWriter.Header(),
		Time:           end,
		Duration:       end.Sub(e.start),
		PID:            a.pid,
	}
	if a.json {
		entry.RequestID, entry.Peer, entry.Scheme = a.requestID(e.req), proxy.Peer(e.req), proxy.Scheme(e.req)
	}
	bp := a.bufs.Get().(*[]byte)
	line := a.format.Append((*bp)[:0], &entry)
	a.out.Write(line) // a failing log disk must not fail the request
	*bp = line
	a.bufs.Put(bp)
}

// requestID is the id a trusted proxy gave the request in idHeader (its
// first value), or "" to let the format generate one. A client that is
// not a trusted proxy cannot choose the id its line is filed under.
func (a *accessLogger) requestID(r *http.Request) string {
	if a.idHeader == "" {
		return ""
	}
	vs := r.Header[a.idHeader]
	if len(vs) == 0 || !proxy.Trusted(r) {
		return ""
	}
	return vs[0]
}

// logEnviron resolves the access log's %({name}e)s: the request's environ
// variable of that name in any case (EnvironValue), else the worker
// process's environment variable, looked up as written and then in upper
// case, so that %({home}e)s, as gunicorn users write atoms lower-cased,
// finds HOME. Names of the request's variables (HTTP_*, CONTENT_TYPE,
// ...) never read the process environment: %({HTTP_PROXY}e)s is the
// request's Proxy header or "-", never the worker's proxy setting.
// gunicorn's environ has no process variables; gocorn adds them for
// values such as the host or the release a worker runs.
func logEnviron(name string) accesslog.EnvironFunc {
	if get := environVar(name); get != nil {
		return get
	}
	upper := strings.ToUpper(name)
	return func(*http.Request) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		return os.LookupEnv(upper)
	}
}
