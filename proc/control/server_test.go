package control

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// serveCalls is a master's loop for tests: it answers calls against m
// until the test ends.
func serveCalls(t *testing.T, m Master) chan Call {
	calls := make(chan Call)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case c := <-calls:
				c.Answer(m)
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return calls
}

func listenTest(t *testing.T, path string, calls chan Call) *Server {
	t.Helper()
	s, err := Listen(path, 0o600, calls, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// rawCall writes one request as raw bytes and reads the raw reply.
func rawCall(t *testing.T, conn net.Conn, request string) map[string]any {
	t.Helper()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	msg := binary.BigEndian.AppendUint32(nil, uint32(len(request)))
	if _, err := conn.Write(append(msg, request...)); err != nil {
		t.Fatal(err)
	}
	payload, err := ReadFrame(conn)
	if err != nil {
		t.Fatal(err)
	}
	var reply map[string]any
	if err := json.Unmarshal(payload, &reply); err != nil {
		t.Fatal(err)
	}
	return reply
}

// One connection carries many requests; each reply echoes its id.
func TestServerAnswersOnOneConnection(t *testing.T) {
	path := filepath.Join(proctest.RuntimeDir(t), "sub", "gocorn.ctl")
	m := newFakeMaster()
	listenTest(t, path, serveCalls(t, m))
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("socket file: %v, %v", fi, err)
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("created directory mode %v, want 0700", di.Mode().Perm())
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := rawCall(t, conn, `{"id": 7, "command": "show", "args": ["stats"]}`)
	if r["id"] != 7.0 || r["status"] != "ok" || r["data"].(map[string]any)["pid"] != 4242.0 {
		t.Errorf("show stats: %v", r)
	}
	r = rawCall(t, conn, `{"id": "x", "command": "worker add 2"}`)
	if r["id"] != "x" || r["data"].(map[string]any)["total"] != 5.0 {
		t.Errorf("worker add: %v", r)
	}
	r = rawCall(t, conn, `{"command": "bogus"}`)
	if r["id"] != 0.0 || r["error"] != "Invalid argument: Unknown command: bogus" {
		t.Errorf("bogus: %v", r)
	}
}

// What is not a request ends the connection, as in gunicorn.
func TestServerDropsBadClients(t *testing.T) {
	path := filepath.Join(proctest.RuntimeDir(t), "gocorn.ctl")
	listenTest(t, path, serveCalls(t, newFakeMaster()))
	for name, raw := range map[string][]byte{
		"not json":       append(binary.BigEndian.AppendUint32(nil, 3), "{{{"...),
		"not an object":  append(binary.BigEndian.AppendUint32(nil, 2), "[]"...),
		"command number": append(binary.BigEndian.AppendUint32(nil, 15), `{"command": 12}`...),
		"too large":      binary.BigEndian.AppendUint32(nil, MaxMessage+1),
	} {
		conn, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write(raw)
		if _, err := ReadFrame(conn); err != io.EOF {
			t.Errorf("%s: read %v, want the connection closed", name, err)
		}
		conn.Close()
	}
}

// A stale socket (its master died) is replaced; a live one, or a file
// that is not a socket, is left alone.
func TestListenTakesOnlyStaleSockets(t *testing.T) {
	dir := proctest.RuntimeDir(t)
	stale := filepath.Join(dir, "stale.ctl")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	listenTest(t, stale, serveCalls(t, newFakeMaster()))

	_, err = Listen(stale, 0o600, nil, slog.New(slog.DiscardHandler))
	var inUse *InUseError
	if !errors.As(err, &inUse) || inUse.PID != os.Getpid() {
		t.Fatalf("a live socket: %v, want InUseError naming pid %d", err, os.Getpid())
	}
	if want := "served by another process (pid:"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}

	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("data"), 0o600)
	if _, err := Listen(plain, 0o600, nil, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Errorf("a plain file: %v", err)
	}
	if data, _ := os.ReadFile(plain); string(data) != "data" {
		t.Error("the plain file was replaced")
	}
}

// Close removes the socket file only while it is the server's own: a
// master that took over the path keeps it.
func TestCloseRemovesOnlyItsOwnFile(t *testing.T) {
	dir := proctest.RuntimeDir(t)
	path := filepath.Join(dir, "gocorn.ctl")
	s := listenTest(t, path, serveCalls(t, newFakeMaster()))
	s.Close()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close: %v, want the file gone", err)
	}
	s = listenTest(t, path, serveCalls(t, newFakeMaster()))
	os.Remove(path)
	other := listenTest(t, path, serveCalls(t, newFakeMaster()))
	s.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Errorf("closing the old server removed the new one's file: %v", err)
	}
	other.Close()
}

// A client waiting on a master that stops hears so; Close does not hang
// on idle clients.
func TestCloseAnswersWaitingClients(t *testing.T) {
	path := filepath.Join(proctest.RuntimeDir(t), "gocorn.ctl")
	calls := make(chan Call)
	s := listenTest(t, path, calls)
	idle, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	waiting, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	replied := make(chan map[string]any)
	go func() { replied <- rawCall(t, waiting, `{"id": 1, "command": "show workers"}`) }()
	select {
	case <-calls: // the master's loop takes the call and never answers
	case <-time.After(5 * time.Second):
		t.Fatal("the request never reached the master")
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case r := <-replied:
		if r["error"] != "Command failed: the master is shutting down" {
			t.Errorf("reply = %v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting client got no reply")
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung")
	}
	idle.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := ReadFrame(idle); err != io.EOF {
		t.Errorf("idle client: %v, want EOF", err)
	}
}
