package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// TestKillingGoRunStopsTheMaster runs the README's first command, `go run`,
// and stops it the way people stop a program: kill PID of what they
// started. go run does not pass SIGTERM on; the master must notice that
// the go command died and stop gracefully instead of serving on, orphaned.
func TestKillingGoRunStopsTheMaster(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "gocorn.pid")
	cwd, _ := os.Getwd() // cmd/gocorn: `go run .` builds the stock binary
	in := proctest.Launch(t, proctest.Setup{Bin: goCmd, Dir: cwd},
		"run", ".", "-b", "127.0.0.1:0", "-p", pidfile, "hello")
	// go run compiles first: minutes on a loaded machine.
	if !proctest.PollFor(3*time.Minute, func() bool { return strings.Contains(in.Stderr.String(), "Booting worker") }) {
		t.Fatalf("go run did not start a worker within 3 minutes; log:\n%s", in.Stderr)
	}
	master := readPid(t, pidfile)
	if master == in.Pid() {
		t.Fatalf("the pidfile names go run itself (%d)", master)
	}
	in.Signal(syscall.SIGTERM)
	if code := in.Wait(); code == 0 {
		t.Logf("go run exited %d", code) // it dies by the signal: any code is fine
	}
	if !proctest.Poll(func() bool { return proctest.Gone(master) }) {
		syscall.Kill(master, syscall.SIGKILL)
		t.Fatalf("master %d still runs %s after go run was killed; log:\n%s", master, proctest.WaitFor, in.Stderr)
	}
	for _, want := range []string{"Handling signal: term", "Shutting down: Master"} {
		if !strings.Contains(in.Stderr.String(), want) {
			t.Errorf("log lacks %q: the master did not stop gracefully; log:\n%s", want, in.Stderr)
		}
	}
}

// readPid reads a pidfile the master wrote.
func readPid(t *testing.T, path string) int {
	t.Helper()
	var pid int
	if !proctest.Poll(func() bool {
		data, err := os.ReadFile(path)
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil && pid > 0
	}) {
		t.Fatalf("no pid in %s", path)
	}
	return pid
}
