package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// startWithErrorLog starts the chaos app with its error log in a file
// and extra args, and waits for its worker; it returns the instance
// (URL set), the log's path and the worker's pid.
func startWithErrorLog(t *testing.T, args ...string) (*proctest.Instance, string, int) {
	t.Helper()
	dir := t.TempDir()
	errlog := filepath.Join(dir, "error.log")
	args = append([]string{"-b", "127.0.0.1:0", "--error-logfile", errlog}, args...)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, append(args, "chaos")...)
	in.URL = in.WaitFile(errlog, `Listening at: (\S+) \(`)[1]
	var pid int
	fmt.Sscan(in.WaitFile(errlog, `Booting worker with pid: (\d+)`)[1], &pid)
	return in, errlog, pid
}

// printedLines are the four lines chaos's /print?msg=MSG writes, as they
// read in the error log when the output is captured: the streams' lines
// as written, log's and slog's in gunicorn's format from the worker pid.
func printedLines(pid int, msg string) []*regexp.Regexp {
	prefix := fmt.Sprintf(`(?m)^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[%d\] `, pid)
	return []*regexp.Regexp{
		regexp.MustCompile(`(?m)^print stdout: ` + msg + `$`),
		regexp.MustCompile(`(?m)^print stderr: ` + msg + `$`),
		regexp.MustCompile(prefix + `\[INFO\] print log: ` + msg + `$`),
		regexp.MustCompile(prefix + `\[WARNING\] print slog msg=` + msg + `$`),
	}
}

// holds tells which of patterns the file at path matches.
func holds(path string, patterns []*regexp.Regexp) (all, any bool) {
	data, _ := os.ReadFile(path)
	all = true
	for _, re := range patterns {
		m := re.Match(data)
		all, any = all && m, any || m
	}
	return all, any
}

// fdTarget is what a process's fd points at.
func fdTarget(pid, fd int) string {
	target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, fd))
	return target
}

// capture_output puts a worker's stdout and stderr, and Go's log and
// slog defaults, into the error log file, and after a rotation USR1
// moves all four, in the master and the worker, to the new file.
func TestCaptureOutputFollowsRotation(t *testing.T) {
	in, errlog, worker := startWithErrorLog(t, "--capture-output")
	in.Get("/print?msg=one")
	if !proctest.Poll(func() bool { all, _ := holds(errlog, printedLines(worker, "one")); return all }) {
		data, _ := os.ReadFile(errlog)
		t.Fatalf("the error log lacks some of /print's lines:\n%s", data)
	}
	for _, pid := range []int{in.Pid(), worker} {
		for _, fd := range []int{1, 2} {
			if got := fdTarget(pid, fd); got != errlog {
				t.Errorf("process %d's fd %d is %s, want the error log", pid, fd, got)
			}
		}
	}

	os.Rename(errlog, errlog+".1")
	in.Signal(syscall.SIGUSR1)
	n := 0
	if !proctest.Poll(func() bool {
		n++
		msg := fmt.Sprintf("two-%d", n)
		in.Get("/print?msg=" + msg)
		all, _ := holds(errlog, printedLines(worker, msg))
		return all
	}) {
		t.Fatal("/print's lines never all reached the reopened error log")
	}
	in.Get("/print?msg=three")
	if _, any := holds(errlog+".1", printedLines(worker, "three")); any {
		t.Error("the rotated error log still gets the worker's output after USR1")
	}
	if all, _ := holds(errlog, printedLines(worker, "three")); !all {
		t.Error("the reopened error log lacks some of /print's lines")
	}
	for _, pid := range []int{in.Pid(), worker} {
		if got := fdTarget(pid, 2); got != errlog {
			t.Errorf("after USR1 process %d's stderr is %s, want the reopened error log", pid, got)
		}
	}
	in.Signal(syscall.SIGTERM)
	in.Wait()
}

// Without capture_output the streams stay where they were, and Go's log
// and slog defaults still write the error log's lines.
func TestLogDefaultsWithoutCapture(t *testing.T) {
	in, errlog, worker := startWithErrorLog(t)
	in.Get("/print?msg=plain")
	lines := printedLines(worker, "plain")
	if !proctest.Poll(func() bool { all, _ := holds(errlog, lines[2:]); return all }) {
		data, _ := os.ReadFile(errlog)
		t.Fatalf("log.Printf and slog.Warn did not reach the error log:\n%s", data)
	}
	if _, any := holds(errlog, lines[:2]); any {
		t.Error("stdout or stderr reached the error log without capture_output")
	}
	if !proctest.Poll(func() bool {
		return strings.Contains(in.Stdout.String(), "print stdout: plain\n") &&
			strings.Contains(in.Stderr.String(), "print stderr: plain\n")
	}) {
		t.Errorf("stdout %q, stderr %q: want the prints there", in.Stdout, in.Stderr)
	}
}
