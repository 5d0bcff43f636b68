package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocorn/gocorn/proc/proctest"
)

// activate starts gocorn as systemd does with socket activation: the
// sockets from fd 3 on, LISTEN_FDS, and LISTEN_PID set to gocorn's own pid
// (sh's $$ survives the exec). The command line is as short as
// "ExecStart=/usr/bin/gocorn hello", with the flags in GOCORN_CMD_ARGS, so
// the master re-executes itself to make room for its process title: the
// sockets must survive that exec too. env is added to the environment.
func activate(t *testing.T, files []*os.File, flags string, env ...string) *proctest.Instance {
	t.Helper()
	script := fmt.Sprintf(`cd "${0%%/*}" && LISTEN_PID=$$ LISTEN_FDS=%d exec "./${0##*/}" "$@"`, len(files))
	env = append([]string{"LISTEN_FDNAMES=web:admin", "GOCORN_CMD_ARGS=" + flags}, env...)
	return proctest.Launch(t, proctest.Setup{Bin: "/bin/sh", Files: files, Env: env}, "-c", script, gocornBin, "hello")
}

func listenerFile(t *testing.T, l net.Listener) *os.File {
	t.Helper()
	f, err := l.(interface{ File() (*os.File, error) }).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestSocketActivation(t *testing.T) {
	dir := t.TempDir()
	web, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer web.Close()
	sock := filepath.Join(dir, "app.sock")
	admin, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// bind names an address this test holds: binding it would fail, so
	// gocorn starts only if it uses the passed sockets instead.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	in := activate(t, []*os.File{listenerFile(t, web), listenerFile(t, admin)}, "-w 2 -b "+busy.Addr().String())

	want := []string{"http://" + web.Addr().String(), "unix:" + sock}
	if got := in.WaitListening(); !slices.Equal(got, want) {
		t.Errorf("Listening at: %v, want the passed sockets %v", got, want)
	}
	in.WaitWorkers(2)
	if strings.Contains(in.Stderr.String(), "Connection in use") {
		t.Errorf("gocorn tried to bind %s although systemd passed its sockets", busy.Addr())
	}
	if code, body := in.Get("/"); code != 200 || body != "Hello, World!\n" {
		t.Errorf("GET over the passed TCP socket: %d %q", code, body)
	}
	if code := getUnix(t, sock); code != 200 {
		t.Errorf("GET over the passed unix socket: %d", code)
	}
	for _, pid := range in.Workers() {
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			t.Fatal(err)
		}
		for kv := range bytes.SplitSeq(environ, []byte{0}) {
			if bytes.HasPrefix(kv, []byte("LISTEN_")) {
				t.Errorf("worker %d sees %s", pid, kv)
			}
		}
	}

	in.Signal(syscall.SIGTERM)
	if code := in.Wait(); code != 0 {
		t.Errorf("exit code %d after TERM", code)
	}
	if info, err := os.Lstat(sock); err != nil || info.Mode()&os.ModeSocket == 0 {
		t.Errorf("the activated unix socket %s must outlive gocorn (systemd owns it): %v", sock, err)
	}
}

// notifySocket stands in for systemd's notify socket.
type notifySocket struct {
	t    *testing.T
	conn *net.UnixConn
	path string
}

func listenNotify(t *testing.T, dir string) *notifySocket {
	t.Helper()
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// Credentials name each datagram's sender, as systemd sees them for
	// NotifyAccess=main.
	raw, err := conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	raw.Control(func(fd uintptr) {
		err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	return &notifySocket{t: t, conn: conn, path: path}
}

// notice is one datagram on the notify socket: its sender, from the
// credentials the kernel attaches (systemd reads the same), and its lines.
type notice struct {
	pid   int
	lines []string
}

// next reads one datagram, failing the test when none comes within
// proctest.WaitFor; waiting says what for.
func (n *notifySocket) next(waiting string) notice {
	n.t.Helper()
	n.conn.SetReadDeadline(time.Now().Add(proctest.WaitFor))
	buf, oob := make([]byte, 4096), make([]byte, 1024)
	size, oobn, _, _, err := n.conn.ReadMsgUnix(buf, oob)
	if err != nil {
		n.t.Fatalf("no %s from gocorn within %s: %v", waiting, proctest.WaitFor, err)
	}
	return notice{pid: senderPid(oob[:oobn]), lines: strings.Split(string(buf[:size]), "\n")}
}

// expect reads datagrams until one has the line want, and returns that
// datagram's lines. A datagram with a line in forbidden first, one not
// sent by the master (pid), or nothing within proctest.WaitFor fails the
// test.
func (n *notifySocket) expect(pid int, want string, forbidden ...string) []string {
	n.t.Helper()
	for {
		got := n.next(want)
		if got.pid != pid {
			n.t.Errorf("%q came from pid %d, not the master (pid %d): NotifyAccess=main would drop it", got.lines, got.pid, pid)
		}
		for _, l := range got.lines {
			if slices.Contains(forbidden, l) {
				n.t.Fatalf("got %q while waiting for %s", got.lines, want)
			}
		}
		if slices.Contains(got.lines, want) {
			return got.lines
		}
	}
}

func senderPid(oob []byte) int {
	msgs, _ := syscall.ParseSocketControlMessage(oob)
	for _, m := range msgs {
		if cred, err := syscall.ParseUnixCredentials(&m); err == nil {
			return int(cred.Pid)
		}
	}
	return 0
}

func monotonicUsec(t *testing.T) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Nano() / 1000
}

// The master tells systemd (Type=notify, NotifyAccess=main) READY=1 once
// its workers serve, RELOADING=1 then READY=1 around every HUP, even one
// whose configuration is refused, and STOPPING=1 on TERM.
func TestNotifySocket(t *testing.T) {
	dir := t.TempDir()
	notify := listenNotify(t, dir)
	conf := filepath.Join(dir, "gocorn.conf.star")
	os.WriteFile(conf, []byte("workers = 2\nbind = [\"127.0.0.1:0\"]\n"), 0o644)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir, Env: []string{"NOTIFY_SOCKET=" + notify.path}},
		"-c", conf, "hello")
	pid := in.Pid()

	notify.expect(pid, "READY=1", "RELOADING=1", "STOPPING=1")
	if n := len(in.Workers()); n != 2 {
		t.Errorf("READY=1 with %d workers running, want 2", n)
	}
	in.WaitListening()
	in.WaitWorkers(2)
	if code, _ := in.Get("/"); code != 200 {
		t.Errorf("GET after READY=1: %d", code)
	}

	// A reload: RELOADING=1 stamped with CLOCK_MONOTONIC, as
	// Type=notify-reload requires, then READY=1 when it is complete.
	before := monotonicUsec(t)
	in.Signal(syscall.SIGHUP)
	lines := notify.expect(pid, "RELOADING=1", "READY=1", "STOPPING=1")
	after := monotonicUsec(t)
	stamp := ""
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "MONOTONIC_USEC="); ok {
			stamp = v
		}
	}
	if usec, err := strconv.ParseInt(stamp, 10, 64); err != nil || usec < before || usec > after {
		t.Errorf("RELOADING=1 came with MONOTONIC_USEC=%q, want a CLOCK_MONOTONIC time in [%d, %d]: %q",
			stamp, before, after, lines)
	}
	notify.expect(pid, "READY=1", "RELOADING=1", "STOPPING=1")
	in.WaitLog(`Reload complete: generation 2`)

	// A refused configuration ends its reload too: systemd would
	// otherwise wait for READY=1 until its timeout.
	os.WriteFile(conf, []byte("workers = 2\nworkrs = 3\n"), 0o644)
	in.Signal(syscall.SIGHUP)
	notify.expect(pid, "RELOADING=1", "READY=1", "STOPPING=1")
	notify.expect(pid, "READY=1", "RELOADING=1", "STOPPING=1")
	in.WaitLog(`Reload failed`)

	in.Signal(syscall.SIGTERM)
	notify.expect(pid, "STOPPING=1", "READY=1", "RELOADING=1")
	if code := in.Wait(); code != 0 {
		t.Errorf("exit code %d after TERM", code)
	}
}
