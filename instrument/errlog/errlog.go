// Package errlog writes gunicorn's error log line through log/slog.
//
// Operators grep, parse and alert on gunicorn's error log, so gocorn keeps
// its line byte for byte:
//
//	[2026-11-24 09:20:23 +0000] [9062] [INFO] Listening at: http://127.0.0.1:18000 (9062)
//
// The time is the record's time (slog takes it from time.Now, local time)
// in strftime's "%Y-%m-%d %H:%M:%S %z"; the level names are Python's DEBUG,
// INFO, WARNING, ERROR and CRITICAL. Attributes, which gunicorn does not
// have, follow the first line of the message as " key=value", with groups
// joined by dots. Keys and values are quoted (strconv.Quote) when they are
// empty or contain spaces, quotes, backslashes, "=", control characters or
// invalid UTF-8, so an attribute can never start a forged log line.
//
// The message itself is written verbatim so that a multi-line message (a
// goroutine dump, a Starlark backtrace) reads as gunicorn prints a Python
// traceback: continuation lines carry no prefix. Put client-supplied text in
// attributes, not in the message.
//
// Each record is one Write call on the destination, so whole records reach
// the file together (see package logfile).
package errlog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// LevelCritical is gunicorn's highest level (Python's logging.CRITICAL),
// used for "the master is going down" messages. slog has no such level.
const LevelCritical slog.Level = 12

// LevelException is an error that carries a stack, as Python's
// logger.exception: a handler's panic. It prints as ERROR; metrics count
// it apart (gunicorn.log.exception).
const LevelException slog.Level = slog.LevelError + 1

// ParseLevel maps gunicorn's --log-level names (debug, info, warning, error,
// critical; any case) to slog levels, so the setting keeps its meaning.
// Other names return an error and slog.LevelInfo, which is what gunicorn
// falls back to.
func ParseLevel(name string) (slog.Level, error) {
	switch strings.ToLower(name) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	case "critical":
		return LevelCritical, nil
	}
	return slog.LevelInfo, fmt.Errorf("errlog: unknown log level %q (want debug, info, warning, error or critical)", name)
}

// levelName returns the name gunicorn prints. Levels between the named ones
// take the name below them, as Python's level filter would treat them.
func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARNING"
	case l < LevelCritical:
		return "ERROR"
	}
	return "CRITICAL"
}

// New returns a logger writing gunicorn's error log to w, for the process
// that calls it (the line shows os.Getpid()). A nil level means info.
func New(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(NewHandler(w, level, os.Getpid()))
}

// Critical logs msg at LevelCritical; slog.Logger has methods only for its
// own four levels.
func Critical(l *slog.Logger, msg string, args ...any) {
	l.Log(context.Background(), LevelCritical, msg, args...)
}
