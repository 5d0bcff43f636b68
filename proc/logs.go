package proc

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/gocorn/gocorn/instrument/errlog"
	"github.com/gocorn/gocorn/instrument/logfile"
	"github.com/gocorn/gocorn/starcfg"
)

// logs are a process's log destinations; USR1 reopens them all.
type logs struct {
	level  *slog.LevelVar
	errors *logfile.File
	access *logfile.File // nil when the access log is off
	log    *slog.Logger
}

// openLogs opens the error log and, when withAccess is set and an access
// log is configured, the access log.
func openLogs(cfg *starcfg.Config, withAccess bool) (*logs, error) {
	level, err := errlog.ParseLevel(cfg.Loglevel)
	if err != nil {
		return nil, err
	}
	l := &logs{level: new(slog.LevelVar)}
	l.level.Set(level)
	if l.errors, err = logfile.Open(cfg.Errorlog, os.Stderr); err != nil {
		return nil, fmt.Errorf("error log: %w", err)
	}
	l.log = slog.New(errlog.NewHandler(l.errors, l.level, os.Getpid()))
	if withAccess && cfg.Accesslog != "" {
		if l.access, err = logfile.Open(cfg.Accesslog, os.Stdout); err != nil {
			l.errors.Close()
			return nil, fmt.Errorf("access log: %w", err)
		}
	}
	return l, nil
}

// reopen reopens every file after a rotation (USR1).
func (l *logs) reopen() error {
	err := l.errors.Reopen()
	if l.access != nil {
		err = errors.Join(err, l.access.Reopen())
	}
	return err
}

func (l *logs) close() {
	if l.access != nil {
		l.access.Close()
	}
	l.errors.Close()
}
