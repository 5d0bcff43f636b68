package statsd

import (
	"context"
	"log/slog"

	"github.com/gocorn/gocorn/instrument/errlog"
)

// CountLogs wraps next so that every record at warning level or above
// also counts in gunicorn.log.warning, .error, .exception (a record at
// errlog.LevelException) or .critical on sink's client. As in gunicorn,
// a line counts whether or not loglevel lets it through to the log.
func CountLogs(next slog.Handler, sink *Sink) slog.Handler {
	return &logCounter{next: next, sink: sink}
}

type logCounter struct {
	next slog.Handler
	sink *Sink
}

func (h *logCounter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || h.next.Enabled(ctx, l)
}

func (h *logCounter) Handle(ctx context.Context, r slog.Record) error {
	if name := logMetric(r.Level); name != "" {
		h.sink.Client().Count(name, 1)
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *logCounter) WithAttrs(as []slog.Attr) slog.Handler {
	return &logCounter{next: h.next.WithAttrs(as), sink: h.sink}
}

func (h *logCounter) WithGroup(name string) slog.Handler {
	return &logCounter{next: h.next.WithGroup(name), sink: h.sink}
}

// logMetric is the counter of a record at level l, "" for none.
func logMetric(l slog.Level) string {
	switch {
	case l >= errlog.LevelCritical:
		return "gunicorn.log.critical"
	case l == errlog.LevelException:
		return "gunicorn.log.exception"
	case l >= slog.LevelError:
		return "gunicorn.log.error"
	case l >= slog.LevelWarn:
		return "gunicorn.log.warning"
	}
	return ""
}
