package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
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
		format: accesslog.Compile(format),
		out:    out,
		pid:    os.Getpid(),
		bufs:   sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }},
	}
}

func (a *accessLogger) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		end := time.Now()
		a.write(&accesslog.Entry{
			Request:        r,
			Status:         rec.statusOr200(),
			BodyBytes:      rec.bytes,
			ResponseHeader: w.Header(),
			Time:           end,
			Duration:       end.Sub(start),
			PID:            a.pid,
		})
	})
}

func (a *accessLogger) write(e *accesslog.Entry) {
	bp := a.bufs.Get().(*[]byte)
	line := a.format.Append((*bp)[:0], e)
	a.out.Write(line) // a failing log disk must not fail the request
	*bp = line
	a.bufs.Put(bp)
}

// recorder notes the status and body size of a response on its way out.
// It passes Flush, Hijack and ReadFrom through, and Unwrap lets
// http.ResponseController reach the connection's own methods.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	var n int64
	var err error
	if rf, ok := r.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(struct{ io.Writer }{r.ResponseWriter}, src)
	}
	r.bytes += n
	return n, err
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) statusOr200() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
