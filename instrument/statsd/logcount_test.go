package statsd

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/instrument/errlog"
)

// Log lines at warning and above count in gunicorn.log.<level>, also the
// ones loglevel keeps out of the log; the log gets only those it lets
// through, attributes and groups included.
func TestCountLogs(t *testing.T) {
	c, r := heldClient(t, "")
	var sink Sink
	sink.Replace(c)
	var out syncBuffer
	next := slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelError})
	log := slog.New(CountLogs(next, &sink)).With("worker", 1).WithGroup("g")

	log.Debug("debug")
	log.Info("info")
	log.Warn("warning, below loglevel")
	log.Error("error")
	log.Log(context.Background(), errlog.LevelException, "panic")
	errlog.Critical(log, "critical")
	sink.Replace(nil) // closes c, which flushes

	wantSent(t, r,
		"gunicorn.log.warning:1|c|@1.0",
		"gunicorn.log.error:1|c|@1.0",
		"gunicorn.log.exception:1|c|@1.0",
		"gunicorn.log.critical:1|c|@1.0")
	logged := out.String()
	if strings.Contains(logged, "below loglevel") || strings.Count(logged, "\n") != 3 {
		t.Errorf("the log should have the error, the panic and the critical line only:\n%s", logged)
	}
	if !strings.Contains(logged, "worker=1 g.") && !strings.Contains(logged, "worker=1") {
		t.Errorf("attributes lost:\n%s", logged)
	}
	log.Error("statsd off") // a nil client counts nothing and fails nothing
}
