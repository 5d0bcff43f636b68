package proc

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/gocorn/gocorn/instrument/logfile"
	"github.com/gocorn/gocorn/starcfg"
)

// stdFDs are the standard output and error, which capture_output points
// at the error log.
var stdFDs = []int{1, 2}

// stdCapture is capture_output in one process, as gunicorn does it: when
// the error log is a file, fds 1 and 2 become duplicates of it (dup2),
// so that what the process writes there, fmt.Println, os.Stderr, C
// code, a panic's stack, lands in the log. Each process does it for
// itself, at start and after every USR1 (a duplicate keeps the file it
// was made from). The master keeps the streams it started with, to give
// them back when a HUP turns capture_output off: workers inherit the
// master's.
type stdCapture struct {
	on    bool
	saved []int // the original streams, close-on-exec, while on
}

// capturing tells whether cfg asks for capture: capture_output, and an
// error log that is a file (with "-" the output is already there).
func capturing(cfg *starcfg.Config) bool {
	return cfg.CaptureOutput && cfg.Errorlog != "-"
}

// follow captures into log when cfg says so, and gives the streams back
// when it no longer does.
func (c *stdCapture) follow(cfg *starcfg.Config, log *logfile.File) error {
	if !capturing(cfg) {
		return c.release()
	}
	if !c.on {
		saved, err := dupCloseOnExec(stdFDs)
		if err != nil {
			return fmt.Errorf("capture_output: keeping the standard streams: %w", err)
		}
		c.on, c.saved = true, saved
	}
	return c.refresh(log)
}

// refresh points the streams at log's current file, after a reopen.
func (c *stdCapture) refresh(log *logfile.File) error {
	if !c.on {
		return nil
	}
	if err := log.DupOnto(stdFDs...); err != nil {
		return fmt.Errorf("capture_output: %w", err)
	}
	return nil
}

// release gives the streams back, if they were captured.
func (c *stdCapture) release() error {
	if !c.on {
		return nil
	}
	var err error
	for i, fd := range c.saved {
		if e := syscall.Dup3(fd, stdFDs[i], 0); e != nil {
			err = errors.Join(err, fmt.Errorf("capture_output: giving fd %d back: %w", stdFDs[i], e))
		}
		syscall.Close(fd)
	}
	c.on, c.saved = false, nil
	return err
}

// dupCloseOnExec duplicates fds, close-on-exec so that workers do not
// inherit the copies; ForkLock keeps a fork from catching one before the
// flag is set.
func dupCloseOnExec(fds []int) ([]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	var dups []int
	for _, fd := range fds {
		d, err := syscall.Dup(fd)
		if err != nil {
			for _, d := range dups {
				syscall.Close(d)
			}
			return nil, err
		}
		syscall.CloseOnExec(d)
		dups = append(dups, d)
	}
	return dups, nil
}
