package proc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestActivatedSocketsOnlyForThisProcess(t *testing.T) {
	const pid = 4242
	for _, tc := range []struct {
		env  map[string]string
		want string // error; "" for none
	}{
		{env: nil},
		{env: map[string]string{"LISTEN_FDS": "1"}},
		{env: map[string]string{"LISTEN_PID": "4243", "LISTEN_FDS": "1"}},
		{env: map[string]string{"LISTEN_PID": "pid", "LISTEN_FDS": "1"}},
		{env: map[string]string{"LISTEN_PID": "4242"}},
		{env: map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "0"}},
		{env: map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "two"},
			want: `systemd socket activation: LISTEN_FDS="two" is not a number of sockets`},
		{env: map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "-1"},
			want: `systemd socket activation: LISTEN_FDS="-1" is not a number of sockets`},
	} {
		socks, err := activatedSockets(func(k string) string { return tc.env[k] }, pid)
		switch {
		case tc.want == "" && (err != nil || socks != nil):
			t.Errorf("%v: got %v, %v; want nothing", tc.env, socks, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%v: got error %v, want %q", tc.env, err, tc.want)
		}
	}
}

// The helper process: the test binary run again with the sockets as fds
// 3, 4, ... (cmd.ExtraFiles), as systemd would start gocorn, so adopting
// them touches no fd this test process uses.
const activationHelperEnv = "GOCORN_TEST_ACTIVATION_HELPER"

// adopted is what the helper reports about each socket, or its error.
type adopted struct {
	Err     string
	Sockets []adoptedSocket
}

type adoptedSocket struct {
	FD                 int
	Spec, Name, Unlink string
	Activated          bool
	CloseOnExec        bool
	NonBlocking        bool
}

func TestActivationHelper(t *testing.T) {
	if os.Getenv(activationHelperEnv) == "" {
		t.Skip("the helper process of TestActivatedSockets*")
	}
	pid := os.Getpid()
	env := func(k string) string {
		if k == envListenPID {
			return strconv.Itoa(pid) // systemd sets it to the pid it started
		}
		return os.Getenv(k)
	}
	var out adopted
	socks, err := activatedSockets(env, pid)
	if err != nil {
		out.Err = err.Error()
	}
	for _, s := range socks {
		fdFlags, _ := unix.FcntlInt(uintptr(s.fd), unix.F_GETFD, 0)
		flFlags, _ := unix.FcntlInt(uintptr(s.fd), unix.F_GETFL, 0)
		out.Sockets = append(out.Sockets, adoptedSocket{s.fd, s.spec, s.name, s.unlink, isActivated(s), fdFlags&unix.FD_CLOEXEC != 0, flFlags&unix.O_NONBLOCK != 0})
	}
	report, _ := json.Marshal(out)
	fmt.Printf("adopted: %s\n", report)
}

// runActivationHelper starts the helper with files as fds 3, 4, ... and
// the LISTEN_ variables in env, and returns its report.
func runActivationHelper(t *testing.T, files []*os.File, env ...string) adopted {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestActivationHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), activationHelperEnv+"=1")
	cmd.Env = append(cmd.Env, env...)
	cmd.ExtraFiles = files
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper process: %v\n%s%s", err, stdout, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	for sc.Scan() {
		if report, ok := strings.CutPrefix(sc.Text(), "adopted: "); ok {
			var a adopted
			if err := json.Unmarshal([]byte(report), &a); err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	t.Fatalf("the helper process reported nothing:\n%s", stdout)
	return adopted{}
}

// rawSocket makes a blocking stream socket, as systemd passes them by
// default, bound to sa and listening unless told not to.
func rawSocket(t *testing.T, family int, sa syscall.Sockaddr, listen bool) *os.File {
	t.Helper()
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "test socket")
	t.Cleanup(func() { f.Close() })
	if err := syscall.Bind(fd, sa); err != nil {
		t.Fatal(err)
	}
	if listen {
		if err := syscall.Listen(fd, 8); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func localPort(t *testing.T, f *os.File) int {
	t.Helper()
	sa, err := syscall.Getsockname(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	return sa.(*syscall.SockaddrInet4).Port
}

func TestActivatedSockets(t *testing.T) {
	tcp := rawSocket(t, syscall.AF_INET, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}, true)
	path := filepath.Join(t.TempDir(), "admin.sock")
	unixSock := rawSocket(t, syscall.AF_UNIX, &syscall.SockaddrUnix{Name: path}, true)

	got := runActivationHelper(t, []*os.File{tcp, unixSock}, "LISTEN_FDS=2", "LISTEN_FDNAMES=web:admin")
	if got.Err != "" {
		t.Fatal(got.Err)
	}
	want := []struct{ spec, name string }{
		{"systemd:fd://3 (web)", fmt.Sprintf("http://127.0.0.1:%d", localPort(t, tcp))},
		{"systemd:fd://4 (admin)", "unix:" + path},
	}
	if len(got.Sockets) != len(want) {
		t.Fatalf("adopted %+v, want %d sockets", got.Sockets, len(want))
	}
	for i, s := range got.Sockets {
		if s.FD != 3+i || s.Spec != want[i].spec || s.Name != want[i].name {
			t.Errorf("socket %d: fd %d spec %q name %q; want fd %d spec %q name %q",
				i, s.FD, s.Spec, s.Name, 3+i, want[i].spec, want[i].name)
		}
		if s.Unlink != "" || !s.Activated || !s.CloseOnExec || !s.NonBlocking {
			t.Errorf("socket %d: %+v; want no unlink, activated, close-on-exec, non-blocking", i, s)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the activated unix socket's file: %v", err)
	}
}

func TestActivatedSocketsWithoutNames(t *testing.T) {
	tcp := rawSocket(t, syscall.AF_INET, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}, true)
	// Names that do not match the count are ignored, as if absent.
	got := runActivationHelper(t, []*os.File{tcp}, "LISTEN_FDS=1", "LISTEN_FDNAMES=a:b")
	if got.Err != "" || len(got.Sockets) != 1 || got.Sockets[0].Spec != "systemd:fd://3" {
		t.Errorf("got %+v, want one socket with spec systemd:fd://3", got)
	}
}

func TestActivatedSocketsRefuseWhatIsNotListening(t *testing.T) {
	loopback := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	listening := func() *os.File { return rawSocket(t, syscall.AF_INET, loopback, true) }
	idle := rawSocket(t, syscall.AF_INET, loopback, false)
	regular, err := os.Create(filepath.Join(t.TempDir(), "file"))
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	for _, tc := range []struct {
		files []*os.File
		env   []string
		want  string
	}{
		{[]*os.File{listening(), idle}, []string{"LISTEN_FDS=2", "LISTEN_FDNAMES=web:idle"},
			"systemd socket activation (LISTEN_FDS=2) (idle): bind fd://4: the socket is not listening"},
		{[]*os.File{regular}, []string{"LISTEN_FDS=1"},
			"systemd socket activation (LISTEN_FDS=1): bind fd://3: not a socket: socket operation on non-socket"},
		// Fewer fds than announced: fd 4 is closed or the runtime's own.
		{[]*os.File{listening()}, []string{"LISTEN_FDS=2"},
			"systemd socket activation (LISTEN_FDS=2): bind fd://4: not a socket"},
	} {
		got := runActivationHelper(t, tc.files, tc.env...)
		if !strings.HasPrefix(got.Err, tc.want) || got.Sockets != nil {
			t.Errorf("%v: got %+v, want the error %q", tc.env, got, tc.want)
		}
	}
}
