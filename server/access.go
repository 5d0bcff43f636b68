package server

import (
	"io"
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
