package main

import (
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gocorn/gocorn/proc/proctest"
)

// -D returns once the daemon serves, with its pid in the pid file; a
// daemon that cannot start makes -D fail with the reason.
func TestDaemonMode(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "gocorn.pid")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	code, _, stderr := run(t, dir, nil, "-D", "-b", addr, "-p", pidfile, "-w", "2", "hello")
	if code != 0 {
		t.Fatalf("gocorn -D: exit %d: %s", code, stderr)
	}
	pid := readPid(t, pidfile)
	t.Cleanup(func() { killTree(pid) })
	in := &proctest.Instance{T: t, URL: "http://" + addr}
	if code, _ := in.Get("/"); code != 200 {
		t.Fatalf("the daemon does not serve: %d", code)
	}
	if sid, _ := unix.Getsid(pid); sid != pid {
		t.Errorf("the daemon (pid %d) leads no session of its own (sid %d)", pid, sid)
	}

	// A second daemon on the same address cannot bind: -D says so.
	code, _, stderr = run(t, dir, nil, "-D", "-b", addr, "hello")
	if code == 0 || !strings.Contains(stderr, addr) {
		t.Errorf("a daemon that cannot bind: exit %d, stderr %q", code, stderr)
	}

	syscall.Kill(pid, syscall.SIGTERM)
	if !proctest.Poll(func() bool { return syscall.Kill(pid, 0) != nil }) {
		t.Fatal("the daemon did not stop on TERM")
	}
}

// runnableDir is a directory any user may enter, holding a copy of the
// gocorn binary any user may run, for tests of workers that switch users.
func runnableDir(t *testing.T) string {
	t.Helper()
	dir := proctest.RuntimeDir(t)
	os.Chmod(dir, 0o755)
	data, err := os.ReadFile(gocornBin)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "gocorn"), data, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// user and group apply to workers only; the master keeps its identity.
func TestWorkersRunAsUserAndGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch users")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody here")
	}
	dir := runnableDir(t) // the workers' user must be able to run the binary and reach the socket
	bin := filepath.Join(dir, "gocorn")
	sock := filepath.Join(dir, "app.sock")

	in := proctest.Start(t, proctest.Setup{Bin: bin, Dir: dir}, "-b", "127.0.0.1:0", "-b", "unix:"+sock,
		"-u", "nobody", "-g", nobody.Gid, "-m", "0o007", "hello")
	if got := uidOf(t, in.Pid()); got != "0" {
		t.Errorf("master uid %s, want 0", got)
	}
	if got := uidOf(t, in.Workers()[0]); got != nobody.Uid {
		t.Errorf("worker uid %s, want nobody's %s", got, nobody.Uid)
	}
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if strconv.Itoa(int(st.Uid)) != nobody.Uid || fi.Mode().Perm() != 0o770 {
		t.Errorf("socket owned by %d with mode %v, want nobody's and 0770 (umask 007)", st.Uid, fi.Mode().Perm())
	}
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
}

// uidOf is the real uid of pid, from /proc.
func uidOf(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			return f[1]
		}
	}
	t.Fatalf("no Uid line for %d", pid)
	return ""
}
