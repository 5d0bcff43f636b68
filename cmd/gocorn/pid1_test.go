package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// In a container gocorn is PID 1 (docs/deployment.md, the Dockerfile's
// exec-form entrypoint). PID 1 is special: the kernel delivers it only
// the signals it handles, and every orphan of the namespace becomes its
// child. The master runs here as PID 1 of a new PID namespace: it serves,
// reaps an orphan it never started, and stops gracefully on TERM with
// exit code 0, as `docker stop` and Kubernetes expect.
func TestMasterAsPID1(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil || os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the PID 1 test needs root and unshare (util-linux), and CI is set: %v", err)
		}
		t.Skip("needs root and unshare (util-linux)")
	}
	// unshare forks the master into the new namespace and waits for it;
	// the shell there leaves an orphan behind for PID 1 to reap.
	in := proctest.Launch(t, proctest.Setup{Bin: "unshare", Dir: t.TempDir()},
		"--pid", "--fork", "--mount-proc", "--kill-child",
		"/bin/sh", "-c", `(sleep 0.3; exit 3) & exec "$0" "$@"`,
		gocornBin, "-b", "127.0.0.1:0", "-w", "2", "--log-level", "debug", "hello")
	in.WaitListening()
	// Workers are the master's children, not unshare's, and the log gives
	// their pids inside the namespace: wait for the master's word.
	in.WaitLog(`is ready[\s\S]*Worker \(pid:\d+\) is ready`)
	master := masterOf(t, in.Pid())
	if line := in.WaitLog(`\[(\d+)\] \[INFO\] Starting gocorn`); line[1] != "1" {
		t.Fatalf("the master logs pid %s, want 1 (its pid in its namespace)", line[1])
	}
	in.WaitLog(`\[DEBUG\] Reaped child \(pid:\d+\) that is not a worker`)
	if code, body := in.Get("/"); code != 200 || body != "Hello, World!\n" {
		t.Fatalf("PID 1 master: %d %q", code, body)
	}
	syscall.Kill(master, syscall.SIGTERM)
	if code := in.Wait(); code != 0 {
		t.Fatalf("after TERM, exit code %d (unshare passes the master's on), want 0; log:\n%s", code, in.Stderr)
	}
	for _, want := range []string{"Handling signal: term", "Shutting down: Master"} {
		if !strings.Contains(in.Stderr.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// masterOf is the one child of unshare's pid: the master, seen from here.
func masterOf(t *testing.T, unshare int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", unshare, unshare))
	f := strings.Fields(string(data))
	if err != nil || len(f) != 1 {
		t.Fatalf("unshare (pid %d) has children %q (%v), want the master alone", unshare, f, err)
	}
	pid, _ := strconv.Atoi(f[0])
	return pid
}
