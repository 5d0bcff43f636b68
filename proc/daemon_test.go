package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests start the test binary itself as the daemon, running
// TestDaemonHelper in the mode daemonHelperEnv names.
const daemonHelperEnv = "GOCORN_TEST_DAEMON_HELPER"

// TestDaemonHelper is the daemon's side when the tests below start the
// test binary as one; run directly, it skips.
func TestDaemonHelper(t *testing.T) {
	mode := os.Getenv(daemonHelperEnv)
	if mode == "" {
		t.Skip("the daemon side of TestDaemon*")
	}
	os.Exit(daemonHelper(mode))
}

// daemonHelper behaves as a daemon master would in each mode and returns
// its exit status. Its standard streams are /dev/null, so problems travel
// in the report.
func daemonHelper(mode string) int {
	if _, parent := daemonize(os.Args, os.Environ(), false); parent {
		return 90 // a daemon must not detach again
	}
	report := newDaemonReport()
	if report == nil {
		return 91
	}
	if _, parent := daemonize(os.Args, os.Environ(), false); parent {
		return 92 // nor once it took its report pipe and the marker is gone
	}
	switch mode {
	case "ready":
		if problem := detachProblem(); problem != "" {
			report.Failed(errors.New(problem))
			return 1
		}
		report.Ready()
		report.Failed(errors.New("only the first report counts"))
		return 0
	case "fail":
		report.Failed(errors.New("bind 127.0.0.1:1: address already in use"))
		return exitBoot
	case "die":
		return 5
	case "silent":
		time.Sleep(20 * time.Second) // the test kills it long before
		return 0
	}
	report.Failed(fmt.Errorf("unknown helper mode %q", mode))
	return 1
}

// detachProblem says how this process is not properly detached, or "".
func detachProblem() string {
	null, err := os.Stat(os.DevNull)
	if err != nil {
		return err.Error()
	}
	for _, f := range []*os.File{os.Stdin, os.Stdout, os.Stderr} {
		if fi, err := f.Stat(); err != nil || !os.SameFile(fi, null) {
			return fmt.Sprintf("%s is not %s", f.Name(), os.DevNull)
		}
	}
	if pgid, err := syscall.Getpgid(0); err != nil || pgid != os.Getpid() {
		return fmt.Sprintf("process group %d, want its own (%d): no new session", pgid, os.Getpid())
	}
	if mask := syscall.Umask(0o022); mask != 0o022 {
		return fmt.Sprintf("umask %#o, want 022", mask)
	}
	if v, ok := os.LookupEnv(daemonEnv); ok {
		return fmt.Sprintf("%s=%s is still in the environment: workers would inherit it", daemonEnv, v)
	}
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, 3, syscall.F_GETFD, 0)
	if errno != 0 || flags&syscall.FD_CLOEXEC == 0 {
		return "the report pipe (fd 3) is inherited by exec"
	}
	return ""
}

// helperArgs and helperEnv start the test binary as the daemon in mode.
func helperArgs() []string { return []string{os.Args[0], "-test.run=^TestDaemonHelper$"} }

func helperEnv(mode string) []string {
	return append(os.Environ(), daemonHelperEnv+"="+mode)
}

func TestDaemonReady(t *testing.T) { // not parallel: it sets the umask the daemon inherits
	var code int
	var parent bool
	withUmask(0o077, func() error { // the daemon must set its own, 022
		code, parent = daemonize(helperArgs(), helperEnv("ready"), false)
		return nil
	})
	if !parent || code != 0 {
		t.Errorf("daemonize = %d, %v; want 0, true (the daemon's complaint, if any, is on stderr)", code, parent)
	}
}

func TestDaemonFailures(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode     string
		wantCode int
		want     string // stderr of the launching process
	}{
		{"fail", exitBoot, "gocorn: bind 127.0.0.1:1: address already in use\n"},
		{"die", 5, "gocorn: the daemon (pid PID) exited with status 5 before it was ready; " +
			"its standard error is /dev/null, so see its error log, or start gocorn without -D to see why\n"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			code := launchDaemon(exe, helperArgs(), helperEnv(tt.mode), 30*time.Second, &stderr, false)
			got := stderr.String()
			if i := strings.Index(got, "(pid "); i >= 0 {
				if j := strings.Index(got[i:], ")"); j >= 0 {
					got = got[:i] + "(pid PID" + got[i+j:]
				}
			}
			if code != tt.wantCode || got != tt.want {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d, stderr:\n%s", code, got, tt.wantCode, tt.want)
			}
		})
	}
}

func TestDaemonSilent(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p, report, err := startDaemon(exe, helperArgs(), helperEnv("silent"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer report.Close()
	t.Cleanup(func() { p.Kill(); p.Wait() })
	start := time.Now()
	code, err := awaitDaemon(p, report, 300*time.Millisecond)
	want := fmt.Sprintf("the daemon (pid %d) has not reported ready after 300ms; it keeps running: see its error log", p.Pid)
	if code != exitConfig || err == nil || err.Error() != want {
		t.Errorf("awaitDaemon = %d, %v; want %d, %s", code, err, exitConfig, want)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("waited %s for a 300ms bound", waited)
	}
}

func TestDaemonStartError(t *testing.T) {
	var stderr bytes.Buffer
	missing := t.TempDir() + "/no-such-binary"
	code := launchDaemon(missing, nil, nil, time.Second, &stderr, false)
	if code != exitConfig || !strings.HasPrefix(stderr.String(), "gocorn: cannot run as a daemon: starting "+missing+": ") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// Outside a daemon, the report does nothing.
func TestDaemonReportNil(t *testing.T) {
	if _, ok := os.LookupEnv(daemonEnv); ok {
		t.Skipf("%s is set", daemonEnv)
	}
	r := newDaemonReport()
	if r != nil {
		t.Fatalf("newDaemonReport = %v, want nil outside a daemon", r)
	}
	r.Ready()
	r.Failed(errors.New("ignored"))
}

func TestEnvHelpers(t *testing.T) {
	env := []string{"A=1", daemonEnv + "=3", "B=2", daemonEnv + "=4"}
	if got := lookupEnv(env, daemonEnv); got != "4" {
		t.Errorf("lookupEnv = %q, want the last value, 4", got)
	}
	if got := lookupEnv(env, "GOCORN_DAEMON"); got != "" {
		t.Errorf("lookupEnv matched a prefix: %q", got)
	}
	if got := strings.Join(withoutVars(env, daemonEnv), " "); got != "A=1 B=2" {
		t.Errorf("withoutEnv = %q", got)
	}
}

// -R keeps a daemon's stdout and stderr when they are files or pipes;
// without it they are /dev/null.
func TestDaemonStdio(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if got := daemonStdio(w, null, true); got != w {
		t.Error("with -R a pipe was not kept")
	}
	if got := daemonStdio(w, null, false); got != null {
		t.Error("without -R a pipe was kept")
	}
}
