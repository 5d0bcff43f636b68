package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// pidfile is the file that tells operators and scripts the master's pid.
type pidfile struct {
	path string
	pid  int
}

// writePidfile writes pid to path atomically (a temporary file renamed
// into place), refusing when the file names another live process, other
// than replacing: the master a promotion replaces, which has exited but
// may still be a zombie its parent has not reaped.
func writePidfile(path string, pid, replacing int) (*pidfile, error) {
	if other, ok := readPid(path); ok && other != pid && other != replacing && alive(other) {
		return nil, fmt.Errorf("already running on PID %d (or pid file %q is stale)", other, path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	_, err = fmt.Fprintf(tmp, "%d\n", pid)
	err = errors.Join(err, tmp.Chmod(0o644), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	return &pidfile{path: path, pid: pid}, nil
}

// remove deletes the file if it still holds our pid: a newer master may
// have taken it over.
func (p *pidfile) remove() {
	if p == nil {
		return
	}
	if pid, ok := readPid(p.path); ok && pid == p.pid {
		os.Remove(p.path)
	}
}

func readPid(path string) (int, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(data)))
	return pid, err == nil && pid > 0
}

// alive tells whether a process exists; EPERM means it does but belongs
// to someone else.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
