package server

import (
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gocorn/gocorn/instrument/accesslog"
)

// accessLogger writes one line per request in the configured format,
// after the response is complete.
type accessLogger struct {
	format *accesslog.Format
	out    io.Writer
	pid    int
	bufs   sync.Pool
}

func newAccessLogger(format string, out io.Writer) *accessLogger {
	return &accessLogger{
		format: accesslog.CompileWith(format, logEnviron),
		out:    out,
		pid:    os.Getpid(),
		bufs:   sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }},
	}
}

func (a *accessLogger) write(e *exchange) {
	end := time.Now()
	bp := a.bufs.Get().(*[]byte)
	line := a.format.Append((*bp)[:0], &accesslog.Entry{
		Request:        e.req,
		Status:         e.status,
		BodyBytes:      e.bytes.Load(),
		ResponseHeader: e.ResponseWriter.Header(),
		Time:           end,
		Duration:       end.Sub(e.start),
		PID:            a.pid,
	})
	a.out.Write(line) // a failing log disk must not fail the request
	*bp = line
	a.bufs.Put(bp)
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
