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

// giveLogsToWorkers creates the log files workers open themselves and
// gives them to the workers' user, so workers that drop privileges can
// write them, as gunicorn does.
func giveLogsToWorkers(cfg *starcfg.Config) error {
	cred, err := workerCredential(cfg)
	if err != nil || cred == nil {
		return err
	}
	for _, path := range []string{cfg.Errorlog, cfg.Accesslog} {
		if path == "" || path == "-" {
			continue
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("log file for workers: %w", err)
		}
		f.Close()
		if err := chownForWorkers(path, cred); err != nil {
			return err
		}
	}
	return nil
}
