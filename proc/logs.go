package proc

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
	"github.com/gocorn/gocorn/instrument/logfile"
	"github.com/gocorn/gocorn/starcfg"
)

// logs are a process's log destinations; USR1 reopens them all.
type logs struct {
	level  *slog.LevelVar
	errors *logfile.File
	access *logfile.Buffered // nil when the access log is off
	log    *slog.Logger
	stdio  stdCapture // capture_output
	sys    syslogs    // syslog
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
	l.sys.follow(cfg)
	l.log = slog.New(slog.NewMultiHandler(errlog.NewHandler(l.errors, l.level, os.Getpid()), l.sys.handler(l.level)))
	if err := l.stdio.follow(cfg, l.errors); err != nil {
		l.errors.Close()
		return nil, err
	}
	if withAccess && cfg.Accesslog != "" {
		f, err := logfile.Open(cfg.Accesslog, os.Stdout)
		if err != nil {
			l.errors.Close()
			return nil, fmt.Errorf("access log: %w", err)
		}
		l.access = logfile.NewBuffered(f, time.Duration(cfg.AccessLogFlush*float64(time.Second)))
	}
	if withAccess {
		l.sys.openAccess(cfg)
	}
	return l, nil
}

// accessOut is where a worker's access lines go: the access log file,
// syslog, both, or nowhere (nil).
func (l *logs) accessOut() io.Writer {
	switch {
	case l.access != nil && l.sys.access != nil:
		return io.MultiWriter(l.access, l.sys.access.Writer(syslog.LOG_INFO))
	case l.access != nil:
		return l.access
	case l.sys.access != nil:
		return l.sys.access.Writer(syslog.LOG_INFO)
	}
	return nil
}

// reopen reopens every file after a rotation (USR1).
func (l *logs) reopen() error {
	err := l.errors.Reopen()
	err = errors.Join(err, l.stdio.refresh(l.errors))
	if l.access != nil {
		err = errors.Join(err, l.access.Reopen())
	}
	return err
}

func (l *logs) close() {
	l.sys.close()
	if l.access != nil {
		l.access.Close()
	}
	l.errors.Close()
}

// giveLogsToWorkers creates the log files workers open themselves and,
// when workers run as another user, gives the files to that user, so
// workers that drop privileges can write them, as gunicorn does. At start
// and on every HUP: a path that cannot be created refuses the new
// configuration, as workers could not boot with it.
func giveLogsToWorkers(cfg *starcfg.Config) error {
	cred, err := workerCredential(cfg)
	if err != nil {
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
		if cred == nil {
			continue
		}
		if err := chownForWorkers(path, cred); err != nil {
			return err
		}
	}
	return nil
}

// follow makes the master's error log what cfg says (errorlog,
// loglevel, capture_output and syslog), after a HUP changed them; the line
// saying the log moved goes to both logs, so the old one tells where the
// log went.
func (l *logs) follow(cfg *starcfg.Config) {
	l.level.Set(levelOf(cfg))
	l.sys.follow(cfg)
	defer func() {
		if err := l.stdio.follow(cfg, l.errors); err != nil {
			l.log.Error(err.Error())
		}
	}()
	from := l.errors.Path()
	if from == cfg.Errorlog {
		return
	}
	msg := fmt.Sprintf("The error log moves from %s to %s", from, cfg.Errorlog)
	l.log.Info(msg)
	if err := l.errors.Move(cfg.Errorlog, os.Stderr); err != nil {
		l.log.Error("Moving the error log: " + err.Error() + "; it stays " + from)
		return
	}
	l.log.Info(msg)
}
