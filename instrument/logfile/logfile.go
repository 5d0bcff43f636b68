// Package logfile is a log destination that survives log rotation.
//
// logrotate (without copytruncate) renames the live file and then signals the
// server; each process that writes the log must open the path again or it
// keeps writing into the renamed file forever. A File remembers its path so
// Reopen can do that on SIGUSR1, while writers keep a single *File.
//
// The path "-" means a standard stream (stdout or stderr) that is shared
// with the rest of the process: it is never closed or reopened.
//
// Writes are serialised and each Write call is handed to the kernel as one
// write(2) (the Go runtime only issues a second one after a short write), so
// callers that pass whole lines get whole lines in the file, also when several
// processes append to the same file. Write errors are returned, never
// panicked on or retried: a full disk must not take the server down. A
// file (not a standard stream) that fails also says so on stderr, at most
// once a minute, since nobody reads the log it cannot write.
//
// A File does not bound how long the kernel may block a write: a stdout pipe
// whose reader has stopped reading blocks writers until it drains.
package logfile

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// ErrClosed is returned by Write and Reopen after Close, so a late writer
// during shutdown gets an error it can recognise instead of a panic.
var ErrClosed = errors.New("logfile: file already closed")

// File is a log destination that can be reopened under the same path after
// rotation. It is safe for concurrent use.
type File struct {
	path string
	std  bool // f is a standard stream: never close or reopen it

	mu         sync.Mutex // held across each write and each swap of f
	f          *os.File
	closed     bool
	complained time.Time // last write failure reported on stderr
	failures   int       // write failures since then
}

// complainEvery bounds how often a failing log file is reported on stderr.
const complainEvery = time.Minute

// Open returns a log destination for path, which is either "-" for std or a
// file opened for appending (created with mode 0644 if missing). Only the
// file is created, never its directory, so a typo in the directory fails at
// startup with an error naming the path.
func Open(path string, std *os.File) (*File, error) {
	if path == "-" {
		if std == nil {
			return nil, errors.New(`logfile: path "-" given without a standard stream`)
		}
		return &File{path: path, std: true, f: std}, nil
	}
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &File{path: path, f: f}, nil
}

func openAppend(path string) (*os.File, error) {
	if path == "" {
		return nil, errors.New("logfile: empty path")
	}
	// Go opens files close-on-exec: a worker gets the log by opening
	// the path itself, not by inheriting the master's descriptor.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		// *os.PathError already reads "open PATH: reason".
		return nil, fmt.Errorf("logfile: %w", err)
	}
	return f, nil
}

// Path returns the path the File writes to ("-" for a standard stream),
// for messages such as "reopened /var/log/gocorn/access.log".
func (f *File) Path() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.path
}

// Write writes p as one unit. Pass whole lines: concurrent calls are
// serialised, so lines never interleave. The error (for example ENOSPC or
// EIO) is returned to the caller and the File stays usable.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, ErrClosed
	}
	n, err := f.f.Write(p)
	if err != nil && !f.std {
		f.complain(err)
	}
	return n, err
}

// complain reports a failed write on stderr, at most once per
// complainEvery, with the number of failures since the last report.
func (f *File) complain(err error) {
	f.failures++
	if time.Since(f.complained) < complainEvery {
		return
	}
	fmt.Fprintf(os.Stderr, "gocorn: [pid %d] cannot write the log %s (%d lines lost so far): %v\n",
		os.Getpid(), f.path, f.failures, err)
	f.complained = time.Now()
}

// Reopen opens the path again and writes there from now on; it is what
// SIGUSR1 calls after logrotate has moved the old file away. The old
// descriptor is closed only after the swap, and if the open fails the File
// keeps writing to the old descriptor and Reopen returns the error. For "-"
// it does nothing.
func (f *File) Reopen() error {
	f.mu.Lock()
	path, std := f.path, f.std
	f.mu.Unlock()
	if std {
		return f.swap(nil, path, true)
	}
	return f.Move(path, nil)
}

// Move writes to path from now on ("-" for std), as Open would: a HUP
// that changes the log's path moves the master's log without a new
// logger. If the open fails the File keeps writing where it did and Move
// returns the error.
func (f *File) Move(path string, std *os.File) error {
	if path == "-" {
		if std == nil {
			return errors.New(`logfile: path "-" given without a standard stream`)
		}
		return f.swap(std, path, true)
	}
	// Open outside the lock so writers are not held up by a slow
	// filesystem; only the pointer swap waits for an in-flight write.
	nf, err := openAppend(path)
	if err != nil {
		return err
	}
	return f.swap(nf, path, false)
}

// swap writes to nf (a standard stream when std; nil keeps the stream)
// from now on and closes the old descriptor unless it was a standard
// stream.
func (f *File) swap(nf *os.File, path string, std bool) error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		if nf != nil && !std {
			nf.Close()
		}
		return ErrClosed
	}
	if nf == nil {
		f.mu.Unlock()
		return nil
	}
	old, oldStd, oldPath := f.f, f.std, f.path
	f.f, f.std, f.path = nf, std, path
	f.mu.Unlock()
	// No writer can still hold old: every Write runs under mu.
	if oldStd || old == nf {
		return nil
	}
	if err := old.Close(); err != nil {
		return fmt.Errorf("logfile: closing old descriptor of %s: %w", oldPath, err)
	}
	return nil
}

// DupOnto makes each of fds a duplicate of the file's descriptor, as
// dup2(2) does: capture_output points a process's stdout and stderr (1
// and 2) at the error log this way, so that what anything in the process
// writes there, C code and the Go runtime's crash reports included,
// lands in the log. Call it again after Reopen or Move: a duplicate keeps
// the file it was made from. For a standard stream it does nothing.
func (f *File) DupOnto(fds ...int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return ErrClosed
	}
	if f.std {
		return nil
	}
	rc, err := f.f.SyscallConn()
	if err != nil {
		return fmt.Errorf("logfile: %s: %w", f.path, err)
	}
	var dupErr error
	err = rc.Control(func(fd uintptr) {
		for _, to := range fds {
			if int(fd) == to {
				continue
			}
			if e := syscall.Dup3(int(fd), to, 0); e != nil {
				dupErr = errors.Join(dupErr, fmt.Errorf("logfile: pointing fd %d at %s: %w", to, f.path, e))
			}
		}
	})
	return errors.Join(err, dupErr)
}

// Close closes the file (never a standard stream). Later writes return
// ErrClosed. Closing twice returns ErrClosed.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return ErrClosed
	}
	f.closed = true
	if f.std {
		return nil
	}
	return f.f.Close()
}
