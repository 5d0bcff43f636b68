package control

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// InUseError is a control socket path another live process serves,
// usually another master started with the same default path. It is not
// taken over: that master would lose its socket to this one.
type InUseError struct {
	Path string
	PID  int // the process serving it, 0 if unknown
}

func (e *InUseError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("another process (pid:%d)", e.PID)
	}
	return fmt.Sprintf("%s is served by %s, most likely another gocorn master; not taking it over: "+
		"give each master its own control_socket", e.Path, who)
}

// probeTimeout bounds the connection attempt that tells a live socket
// from a stale one.
const probeTimeout = time.Second

// bindSocket creates the socket at path with mode, without a moment when
// it has other permissions: it binds a temporary name beside path,
// chmods it, then renames it over path. The directory is created (0700)
// if missing; a stale socket left by a master that died is replaced; a
// live one (InUseError) or a file that is not a socket is left alone.
func bindSocket(path string, mode os.FileMode) (*net.UnixListener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := checkFree(path); err != nil {
		return nil, err
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%d.ctl", os.Getpid()))
	os.Remove(tmp) // left by an earlier process with this pid
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false) // the file is removed by path, and only while it is this socket's
	if err = os.Chmod(tmp, mode); err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, err
	}
	return ln, nil
}

// checkFree says whether path may be bound: nothing is there, or a
// socket nobody listens on.
func checkFree(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode().Type() != os.ModeSocket:
		return fmt.Errorf("%s exists and is not a socket; not replacing it", path)
	}
	conn, err := net.DialTimeout("unix", path, probeTimeout)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return nil // stale: its master is gone
	}
	if err != nil {
		return fmt.Errorf("cannot tell whether %s is in use, so not replacing it: %w", path, err)
	}
	defer conn.Close()
	return &InUseError{Path: path, PID: peerPID(conn)}
}

// peerPID is the pid of the process at the other end of a unix
// connection, 0 if the kernel will not say.
func peerPID(conn net.Conn) int {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return 0
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0
	}
	pid := 0
	raw.Control(func(fd uintptr) {
		if cred, err := unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
			pid = int(cred.Pid)
		}
	})
	return pid
}

// fileID identifies a file by device and inode, so the server removes
// its socket file only while the path is still its own.
type fileID struct{ dev, ino uint64 }

func idOf(path string) (fileID, bool) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileID{}, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino}, true
}
