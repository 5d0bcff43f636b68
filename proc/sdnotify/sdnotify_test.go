package sdnotify

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen opens a unixgram socket at addr (a path, or "@name") standing in
// for systemd's, closed when the test ends.
func listen(t *testing.T, addr string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// receive reads one datagram, waiting at most two seconds.
func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no datagram: %v", err)
	}
	return string(buf[:n])
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	conn := listen(t, path)
	s := FromEnv(env(map[string]string{"NOTIFY_SOCKET": path}))
	if !s.Enabled() {
		t.Fatal("not enabled with NOTIFY_SOCKET set")
	}
	for _, tc := range []struct {
		send func() error
		want string
	}{
		{s.Ready, "READY=1"},
		{s.Stopping, "STOPPING=1"},
		{func() error { return s.Status("2 workers\nready") }, "STATUS=2 workers ready"},
		{func() error { return s.MainPID(4242) }, "MAINPID=4242"},
		{func() error { return s.HandOver(4243, "upgraded:\nserving") }, "MAINPID=4243\nREADY=1\nSTATUS=upgraded: serving"},
		{func() error { return s.HandOver(4244, "") }, "MAINPID=4244\nREADY=1"},
		{func() error { return s.Notify("READY=1\nSTATUS=up") }, "READY=1\nSTATUS=up"},
	} {
		if err := tc.send(); err != nil {
			t.Fatalf("sending %q: %v", tc.want, err)
		}
		if got := receive(t, conn); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestReloadingCarriesTheMonotonicClock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	conn := listen(t, path)
	s := Socket{Addr: path}
	before := monotonicUsec()
	if err := s.Reloading(); err != nil {
		t.Fatal(err)
	}
	after := monotonicUsec()
	got := receive(t, conn)
	first, stamp, ok := strings.Cut(got, "\nMONOTONIC_USEC=")
	if !ok || first != "RELOADING=1" {
		t.Fatalf("got %q, want RELOADING=1 and MONOTONIC_USEC=", got)
	}
	usec, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || usec < before || usec > after {
		t.Errorf("MONOTONIC_USEC=%s, want a number in [%d, %d]", stamp, before, after)
	}
}

func TestAbstractSocket(t *testing.T) {
	addr := fmt.Sprintf("@gocorn-sdnotify-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	conn := listen(t, addr)
	if err := (Socket{Addr: addr}).Ready(); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, conn); got != "READY=1" {
		t.Errorf("got %q, want READY=1", got)
	}
}

func TestUnsetDoesNothing(t *testing.T) {
	s := FromEnv(env(nil))
	if s.Enabled() {
		t.Error("enabled without NOTIFY_SOCKET")
	}
	for _, send := range []func() error{s.Ready, s.Reloading, s.Stopping, func() error { return s.MainPID(0) },
		func() error { return s.HandOver(0, "") }} {
		if err := send(); err != nil {
			t.Errorf("without NOTIFY_SOCKET: %v", err)
		}
	}
}

func TestErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nobody-listens")
	for _, tc := range []struct {
		addr string
		send func(Socket) error
		want string
	}{
		{missing, Socket.Ready, "telling systemd READY=1: cannot reach NOTIFY_SOCKET=" + missing},
		{"relative/path", Socket.Ready, `NOTIFY_SOCKET="relative/path" is neither an absolute path nor an abstract socket name`},
		{"vsock:2:1234", Socket.Stopping, "is neither an absolute path"},
		{missing, func(s Socket) error { return s.Notify("") }, "the state to send is empty"},
		{missing, func(s Socket) error { return s.MainPID(0) }, "MAINPID must be a process id, not 0"},
		{missing, func(s Socket) error { return s.HandOver(-1, "x") }, "MAINPID must be a process id, not -1"},
		{missing, func(s Socket) error { return s.HandOver(7, "x") }, "telling systemd MAINPID=7 (...): cannot reach"},
		{missing, Socket.Reloading, "telling systemd RELOADING=1 (...): cannot reach"},
	} {
		err := tc.send(Socket{Addr: tc.addr})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.addr, err, tc.want)
		}
	}
}
