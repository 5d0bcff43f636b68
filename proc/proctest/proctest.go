// Package proctest starts real gocorn binaries for tests: it builds the
// binary, runs it on loopback, waits for log lines and workers, and sends
// signals. Tests of gocorn and of programs that embed it share it, so
// every process test waits, polls and cleans up the same way.
package proctest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles the main package pkg (as go build sees it from the
// current directory) into dir and returns the binary's path.
func Build(pkg, dir string) (string, error) {
	bin := filepath.Join(dir, filepath.Base(pkg))
	if filepath.Base(pkg) == "." {
		bin = filepath.Join(dir, "gocorn")
	}
	build := exec.Command("go", "build", "-o", bin, pkg)
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building %s: %w", pkg, err)
	}
	return bin, nil
}

// WaitFor bounds every wait.
const WaitFor = 10 * time.Second

// Client is an HTTP client whose requests are bounded by WaitFor.
var Client = &http.Client{Timeout: WaitFor}

// Output collects a process's stream so tests can wait for lines in it.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

// String is everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// Setup is how a test starts a binary.
type Setup struct {
	Bin   string     // the binary, from Build
	Dir   string     // working directory
	Env   []string   // added to the test's environment, after XDG_RUNTIME_DIR (see Launch)
	Files []*os.File // inherited as fd 3, 4, ...
	Argv0 string     // the program name the process sees, if not Bin
}

// Instance is one running gocorn master started by a test.
type Instance struct {
	T      *testing.T
	Cmd    *exec.Cmd
	Stderr *Output
	Stdout *Output
	URL    string // http://host:port of the first TCP listener, once known
	done   chan struct{}
	code   int

	copying sync.WaitGroup // the output collectors
}

// Start runs the binary with args and waits until it listens and its
// workers (the -w argument, else one) have booted. The master and its
// workers are killed when the test ends if they still run.
func Start(t *testing.T, s Setup, args ...string) *Instance {
	t.Helper()
	in := Launch(t, s, args...)
	in.WaitListening()
	in.WaitWorkers(workersFlag(args))
	return in
}

// Launch starts the binary without waiting for anything. Its
// XDG_RUNTIME_DIR is a directory of its own, unless Setup.Env sets one, so
// that the default control socket of masters running side by side is not
// one path for all.
func Launch(t *testing.T, s Setup, args ...string) *Instance {
	t.Helper()
	cmd := exec.Command(s.Bin, args...)
	cmd.Dir = s.Dir
	cmd.Env = append(append(os.Environ(), "XDG_RUNTIME_DIR="+RuntimeDir(t)), s.Env...)
	cmd.ExtraFiles = s.Files
	if s.Argv0 != "" {
		cmd.Args[0] = s.Argv0
	}
	in := &Instance{T: t, Cmd: cmd, Stderr: &Output{}, Stdout: &Output{}, done: make(chan struct{})}
	// Real pipes, read until every writer is gone: a new master started
	// by USR2 inherits them and outlives this process, and Wait must not
	// wait for it.
	var err error
	if cmd.Stderr, err = in.collect(in.Stderr); err != nil {
		t.Fatal(err)
	}
	if cmd.Stdout, err = in.collect(in.Stdout); err != nil {
		t.Fatal(err)
	}
	err = cmd.Start()
	cmd.Stderr.(*os.File).Close()
	cmd.Stdout.(*os.File).Close()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		in.code = cmd.ProcessState.ExitCode()
		close(in.done)
	}()
	t.Cleanup(in.cleanup)
	return in
}

func (in *Instance) cleanup() {
	select {
	case <-in.done:
	default:
		for _, pid := range in.Workers() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		in.Cmd.Process.Kill()
		<-in.done
	}
	if in.T.Failed() {
		in.T.Logf("%s stderr:\n%s", filepath.Base(in.Cmd.Path), in.Stderr)
	}
}

// collect returns the write end of a pipe whose read end is copied into
// out until every writer has closed it.
func (in *Instance) collect(out *Output) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	in.copying.Add(1)
	go func() {
		defer in.copying.Done()
		io.Copy(out, r)
		r.Close()
	}()
	return w, nil
}

// RuntimeDir is a new, empty directory with a path short enough for unix
// sockets (which a test's TempDir may not be), removed when the test
// ends.
func RuntimeDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// outputGrace bounds how long Wait waits for the last output after the
// process exited (a new master started by USR2 may hold the pipes open).
const outputGrace = time.Second

// Run runs the binary to completion (for --check-config, -h and the like).
func Run(t *testing.T, s Setup, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	in := Launch(t, s, args...)
	code = in.Wait()
	return code, in.Stdout.String(), in.Stderr.String()
}

// workersFlag is the -w value in args, or 1.
func workersFlag(args []string) int {
	for i, a := range args {
		if (a == "-w" || a == "--workers") && i+1 < len(args) {
			if n, err := strconv.Atoi(args[i+1]); err == nil {
				return n
			}
		}
	}
	return 1
}

// WaitListening waits for the "Listening at:" line and sets URL to the
// first TCP listener in it (http:// or, with TLS, https://). It returns all
// the listener names.
func (in *Instance) WaitListening() []string {
	in.T.Helper()
	names := strings.Split(in.WaitLog(`Listening at: (\S+) \(`)[1], ",")
	for _, l := range names {
		if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
			in.URL = l
			break
		}
	}
	return names
}

// WaitLog waits until the error log (stderr) matches pattern and returns
// the match and its groups.
func (in *Instance) WaitLog(pattern string) []string {
	in.T.Helper()
	re := regexp.MustCompile(pattern)
	var m []string
	if !Poll(func() bool { m = re.FindStringSubmatch(in.Stderr.String()); return m != nil }) {
		in.T.Fatalf("no log line matching %q within %s; log:\n%s", pattern, WaitFor, in.Stderr)
	}
	return m
}

// WaitFile waits until the file at path, a log file, matches pattern
// and returns the match and its groups.
func (in *Instance) WaitFile(path, pattern string) []string {
	in.T.Helper()
	re := regexp.MustCompile(pattern)
	var m []string
	if !Poll(func() bool { data, _ := os.ReadFile(path); m = re.FindStringSubmatch(string(data)); return m != nil }) {
		data, _ := os.ReadFile(path)
		in.T.Fatalf("no line matching %q in %s within %s; it has:\n%s", pattern, path, WaitFor, data)
	}
	return m
}

// WaitWorkers waits until exactly n workers run and each has logged its
// boot, and returns their pids.
func (in *Instance) WaitWorkers(n int) []int {
	in.T.Helper()
	var pids []int
	ok := Poll(func() bool {
		pids = in.Workers()
		if len(pids) != n {
			return false
		}
		log := in.Stderr.String()
		for _, pid := range pids {
			if !strings.Contains(log, fmt.Sprintf("Booting worker with pid: %d", pid)) {
				return false
			}
		}
		return true
	})
	if !ok {
		in.T.Fatalf("want %d booted workers within %s, have %v; log:\n%s", n, WaitFor, pids, in.Stderr)
	}
	return pids
}

// Workers lists the master's live child processes, sorted.
func (in *Instance) Workers() []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", in.Cmd.Process.Pid))
	var pids []int
	for _, task := range tasks {
		data, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil && !zombie(pid) {
				pids = append(pids, pid)
			}
		}
	}
	slices.Sort(pids)
	return pids
}

// Gone reports whether pid has exited: no such process, or a zombie
// nobody has reaped yet (a process the test did not start is reaped by
// whoever adopted it, perhaps never in a container).
func Gone(pid int) bool { return zombie(pid) }

func zombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || len(s) < i+3 || s[i+2] == 'Z'
}

// Pid is the master's pid.
func (in *Instance) Pid() int { return in.Cmd.Process.Pid }

// Signal sends sig to the master.
func (in *Instance) Signal(sig syscall.Signal) {
	in.T.Helper()
	if err := in.Cmd.Process.Signal(sig); err != nil {
		in.T.Fatal(err)
	}
}

// Wait waits for the master to exit and returns its exit code.
func (in *Instance) Wait() int {
	in.T.Helper()
	select {
	case <-in.done:
		copied := make(chan struct{})
		go func() { in.copying.Wait(); close(copied) }()
		select {
		case <-copied:
		case <-time.After(outputGrace):
		}
		return in.code
	case <-time.After(WaitFor):
		in.T.Fatalf("the master did not exit within %s; log:\n%s", WaitFor, in.Stderr)
		return -1
	}
}

// Get fetches path from URL and returns the status and body.
func (in *Instance) Get(path string) (int, string) {
	in.T.Helper()
	resp, err := Client.Get(in.URL + path)
	if err != nil {
		in.T.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// Addr is the host:port of URL.
func (in *Instance) Addr() string {
	_, addr, _ := strings.Cut(in.URL, "://")
	return addr
}

// Reload sends HUP, waits until the master logs that generation gen is
// ready and every worker of before the HUP has exited, and returns the
// pids of those old workers.
func (in *Instance) Reload(gen int) []int {
	in.T.Helper()
	old := in.Workers()
	in.Signal(syscall.SIGHUP)
	in.WaitLog(fmt.Sprintf(`Reload complete: generation %d\b`, gen))
	if !Poll(func() bool {
		return !slices.ContainsFunc(in.Workers(), func(pid int) bool { return slices.Contains(old, pid) })
	}) {
		in.T.Fatalf("old workers %v still run %s after generation %d was ready: %v", old, WaitFor, gen, in.Workers())
	}
	return old
}

// Poll checks cond every 10 ms until it holds or WaitFor passes.
func Poll(cond func() bool) bool { return PollFor(WaitFor, cond) }

// PollFor checks cond every 10 ms until it holds or d passes, for the
// rare wait that is longer than WaitFor by nature (a build).
func PollFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Main is a TestMain body for packages whose tests run a binary: it builds
// the main package pkg into a temporary directory, stores its path in
// *bin, runs the tests and cleans up. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(proctest.Main(m, ".", &bin)) }
func Main(m *testing.M, pkg string, bin *string) int {
	dir, err := os.MkdirTemp("", "gocorn-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *bin, err = Build(pkg, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// Dial opens a raw TCP connection to URL, for tests that write requests
// byte by byte. It is closed when the test ends; every read and write on
// it fails after WaitFor.
func (in *Instance) Dial() net.Conn {
	in.T.Helper()
	conn, err := net.Dial("tcp", in.Addr())
	if err != nil {
		in.T.Fatal(err)
	}
	in.T.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(WaitFor))
	return conn
}
