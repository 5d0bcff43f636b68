package proc

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
	"github.com/gocorn/gocorn/instrument/syslogsink"
	"github.com/gocorn/gocorn/starcfg"
)

// syslogClose bounds how long a process that stops waits for its queued
// syslog messages to leave.
const syslogClose = 500 * time.Millisecond

// syslogs are a process's syslog destinations, after gunicorn's syslog
// settings: the error log's sink, which the master switches when a HUP
// changes the settings, and a worker's access sink.
type syslogs struct {
	errors atomic.Pointer[syslogsink.Sink] // nil while syslog is off
	key    string                          // the settings errors was made for
	access *syslogsink.Sink                // nil unless access lines go to syslog
}

// syslogTag is gunicorn's syslog program name with gocorn's name:
// gocorn.PREFIX.KIND, PREFIX being syslog_prefix, else proc_name with
// ":" as "." (gunicorn's rule), else the app.
func syslogTag(cfg *starcfg.Config, kind string) string {
	prefix := cfg.SyslogPrefix
	if prefix == "" {
		prefix = strings.ReplaceAll(procName(cfg), ":", ".")
	}
	if prefix == "" {
		return "gocorn." + kind
	}
	return "gocorn." + prefix + "." + kind
}

// newSyslogSink is a sink for cfg's syslog address and facility, which
// starcfg has checked.
func newSyslogSink(cfg *starcfg.Config, kind string) *syslogsink.Sink {
	addr, _ := syslogsink.ParseAddr(cfg.SyslogAddr)
	facility, _ := syslogsink.ParseFacility(cfg.SyslogFacility)
	return syslogsink.New(addr, facility, syslogTag(cfg, kind))
}

// follow makes the error log's sink what cfg says, at start and after a
// HUP; an old sink sends what it has queued on its own.
func (s *syslogs) follow(cfg *starcfg.Config) {
	key := ""
	if cfg.Syslog {
		key = strings.Join([]string{cfg.SyslogAddr, cfg.SyslogFacility, syslogTag(cfg, "error")}, "\n")
	}
	if key == s.key {
		return
	}
	var sink *syslogsink.Sink
	if cfg.Syslog {
		sink = newSyslogSink(cfg, "error")
	}
	s.key = key
	if old := s.errors.Swap(sink); old != nil {
		go old.Close(syslogClose)
	}
}

// openAccess starts a worker's access sink when access lines go to
// syslog: syslog on, disable_redirect_access_to_syslog off.
func (s *syslogs) openAccess(cfg *starcfg.Config) {
	if cfg.Syslog && !cfg.DisableRedirectAccessToSyslog {
		s.access = newSyslogSink(cfg, "access")
	}
}

// close sends what is queued, within syslogClose.
func (s *syslogs) close() {
	done := make(chan struct{}, 2)
	for _, sink := range []*syslogsink.Sink{s.errors.Load(), s.access} {
		go func() {
			if sink != nil {
				sink.Close(syslogClose)
			}
			done <- struct{}{}
		}()
	}
	<-done
	<-done
}

// handler is the error log's syslog half: records of level or above go
// to the current sink, as the error log formats them but without the
// line's prefix, which syslog has fields for.
func (s *syslogs) handler(level slog.Leveler) slog.Handler {
	return &syslogHandler{cur: &s.errors, body: errlog.NewBodyHandler(currentSink{&s.errors}, level)}
}

// syslogHandler hands records to the current sink; while there is none
// it is not enabled, so the records are not formatted for it.
type syslogHandler struct {
	cur  *atomic.Pointer[syslogsink.Sink]
	body slog.Handler
}

func (h *syslogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.cur.Load() != nil && h.body.Enabled(ctx, l)
}

func (h *syslogHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.body.Handle(ctx, r)
}

func (h *syslogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &syslogHandler{cur: h.cur, body: h.body.WithAttrs(as)}
}

func (h *syslogHandler) WithGroup(name string) slog.Handler {
	return &syslogHandler{cur: h.cur, body: h.body.WithGroup(name)}
}

// currentSink writes to the sink current at each record.
type currentSink struct {
	cur *atomic.Pointer[syslogsink.Sink]
}

func (c currentSink) WriteLevel(l slog.Level, msg []byte) error {
	if s := c.cur.Load(); s != nil {
		return s.WriteLevel(l, msg)
	}
	return nil
}
