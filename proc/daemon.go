package proc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Running in the background (-D, daemon = True).
//
// gunicorn forks twice and carries on in the grandchild. Go cannot fork
// without exec, so the launching process starts its own binary again,
// detached (a new session, standard streams on /dev/null), and waits for
// the daemon to say how starting went: "ready" once its sockets are bound
// and a worker is ready, or the error that stopped it. So `gocorn -D`
// fails loudly, with the same message and exit status as in the
// foreground, instead of vanishing behind a bad bind.
//
// The handshake is a pipe the daemon inherits; daemonEnv tells it which fd
// that is. The daemon writes one message and closes its end:
//
//	ready\n
//	failed\nTEXT
//
// gunicorn's -R (enable_stdio_inheritance) keeps stdout and stderr for
// the daemon when they are not terminals (a file or a pipe to a log
// collector); otherwise they are /dev/null, and the daemon's error log
// should be a file (errorlog).

// daemonEnv marks the daemon. Its value is the fd of the report pipe.
const daemonEnv = "GOCORN_DAEMON_FD"

// daemonReadyWait bounds how long the launching process waits for the
// daemon to report.
const daemonReadyWait = 60 * time.Second

// daemonExitWait bounds how long the launching process waits, after a
// failure report or a silent end, for the daemon's exit status.
const daemonExitWait = 2 * time.Second

// daemonized is set once this process took its report pipe: a daemon whose
// environment no longer has the marker must not detach again.
var daemonized atomic.Bool

// daemonize runs the -D handshake. In the launching process it starts the
// daemon, waits for its report and returns the exit code for the
// launching process with parent true: 0 when the daemon is ready, else the
// daemon's error is printed on stderr and the code is the daemon's exit
// status, or 1. In the daemon itself (env holds daemonEnv) it sets the
// umask to 022, as gunicorn's daemon does, and returns parent false: carry
// on, and report through newDaemonReport.
//
// args is the whole command line (args[0] included), env the environment
// for the daemon. Call it after the configuration is resolved, so config
// errors reach the terminal, and before anything is bound. Do not call it
// in a master started by USR2: that one is already detached, and gunicorn
// does not daemonize it either.
func daemonize(args []string, env []string, keepStdio bool) (exitCode int, parent bool) {
	if daemonized.Load() || lookupEnv(env, daemonEnv) != "" {
		syscall.Umask(0o022)
		return exitOK, false
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: cannot run as a daemon: cannot find this program's binary: %v\n", theProgram.Name, err)
		return exitConfig, true
	}
	return launchDaemon(exe, args, env, daemonReadyWait, os.Stderr, keepStdio), true
}

// launchDaemon starts exe as the daemon and waits up to wait for its
// report, printing any error on stderr. It returns the launching process's
// exit code.
func launchDaemon(exe string, args, env []string, wait time.Duration, stderr io.Writer, keepStdio bool) int {
	p, report, err := startDaemon(exe, args, env, keepStdio)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", theProgram.Name, err)
		return exitConfig
	}
	defer report.Close()
	code, err := awaitDaemon(p, report, wait)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", theProgram.Name, err)
	}
	return code
}

// startDaemon starts exe detached, with the write end of a new pipe as
// fd 3, and returns the process and the pipe's read end. keepStdio gives
// it this process's stdout and stderr where they are not terminals.
func startDaemon(exe string, args, env []string, keepStdio bool) (*os.Process, *os.File, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot run as a daemon: %w", err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("cannot run as a daemon: pipe: %w", err)
	}
	defer w.Close()
	if len(args) == 0 {
		args = []string{exe}
	}
	const reportFD = 3 // the fourth entry of Files
	p, err := os.StartProcess(exe, args, &os.ProcAttr{
		Env:   append(withoutVars(env, daemonEnv), daemonEnv+"="+strconv.Itoa(reportFD)),
		Files: []*os.File{null, daemonStdio(os.Stdout, null, keepStdio), daemonStdio(os.Stderr, null, keepStdio), w},
		Sys:   &syscall.SysProcAttr{Setsid: true}, // no controlling terminal, out of the shell's job control
	})
	if err != nil {
		r.Close()
		return nil, nil, fmt.Errorf("cannot run as a daemon: starting %s: %w", exe, err)
	}
	return p, r, nil
}

// awaitDaemon reads the daemon's report from r. It returns 0 and no error
// when the daemon is ready; otherwise an exit code and an error to print.
// A daemon that is still silent after wait is left running.
func awaitDaemon(p *os.Process, r *os.File, wait time.Duration) (int, error) {
	if err := r.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return exitConfig, fmt.Errorf("the daemon (pid %d): %w", p.Pid, err)
	}
	ready, reason, err := readReport(r)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return exitConfig, fmt.Errorf("the daemon (pid %d) has not reported ready after %s; "+
			"it keeps running: see its error log", p.Pid, wait)
	case err != nil:
		return exitConfig, fmt.Errorf("the daemon (pid %d): reading its report: %w", p.Pid, err)
	case ready:
		return exitOK, nil
	}
	code, exited := waitExit(p, daemonExitWait)
	if code == exitOK {
		code = exitConfig
	}
	if reason != "" {
		return code, errors.New(reason)
	}
	if !exited {
		return exitConfig, fmt.Errorf("the daemon (pid %d) closed its report pipe without "+
			"reporting; it keeps running: see its error log", p.Pid)
	}
	return code, fmt.Errorf("the daemon (pid %d) exited with status %d before it was ready; "+
		"its standard error is /dev/null, so see its error log, or start gocorn without -D "+
		"to see why", p.Pid, code)
}

// waitExit waits up to d for p to exit and returns its exit status.
func waitExit(p *os.Process, d time.Duration) (code int, exited bool) {
	done := make(chan *os.ProcessState, 1)
	go func() {
		st, err := p.Wait()
		if err != nil {
			st = nil
		}
		done <- st
	}()
	select {
	case st := <-done:
		if st == nil {
			return exitConfig, true
		}
		if code := st.ExitCode(); code >= 0 {
			return code, true
		}
		return exitConfig, true // killed by a signal
	case <-time.After(d):
		return exitConfig, false
	}
}

// startReport is the reporting end of the handshake, in a daemon or in a
// master started by USR2 (whose old master reads the report the same way,
// upgrade.go). The methods of a nil *startReport do nothing, so the
// master calls them whether or not anyone waits for its report. Only the
// first Ready or Failed is sent.
type startReport struct {
	mu sync.Mutex
	f  *os.File // nil once sent
}

// newDaemonReport takes the report pipe named by daemonEnv, or returns
// nil when this process is not a daemon.
//
// Call it once, early in the daemon, but after anything that re-executes
// the process in place (makeRoomForTitle): from then on the pipe would
// not survive an exec.
func newDaemonReport() *startReport {
	if _, ok := os.LookupEnv(daemonEnv); !ok {
		return nil
	}
	daemonized.Store(true)
	return takeReport(daemonEnv)
}

// takeReport takes the report pipe whose fd the variable env names, or
// returns nil when it is not set. It removes env from the environment
// and makes the pipe close-on-exec, so neither workers nor a new master
// started by USR2 inherit them.
func takeReport(env string) *startReport {
	v, ok := os.LookupEnv(env)
	if !ok {
		return nil
	}
	os.Unsetenv(env)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil // not ours to interpret; the reader times out or sees the exit
	}
	syscall.CloseOnExec(fd)
	return &startReport{f: os.NewFile(uintptr(fd), "start report")}
}

// readReport reads a report to its end (the writer closes it, or exits)
// and tells whether it says ready, else why the start failed, if it says.
func readReport(r io.Reader) (ready bool, reason string, err error) {
	msg, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return false, "", err
	}
	text := string(msg)
	if text == "ready\n" {
		return true, "", nil
	}
	reason, _ = strings.CutPrefix(text, "failed\n")
	return false, reason, nil
}

// Ready tells the launching process that the daemon serves: its sockets
// are bound and a worker is ready. The launching process exits 0.
func (d *startReport) Ready() { d.send("ready\n") }

// Failed tells the launching process why the daemon could not start. It
// prints err as the foreground server would have ("gocorn: " + err) and
// exits with the daemon's exit status, or 1. Call it before exiting.
func (d *startReport) Failed(err error) { d.send("failed\n" + err.Error()) }

func (d *startReport) send(msg string) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return
	}
	d.f.WriteString(msg) // the launching process may have given up: nothing to do then
	d.f.Close()
	d.f = nil
}

// lookupEnv is the value of key in env ("KEY=VALUE" pairs), or "".
func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- { // the last one wins, as in os/exec
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// daemonStdio is what the daemon gets for f (stdout or stderr): f itself
// when keep is set and f is not a terminal, else null.
func daemonStdio(f, null *os.File, keep bool) *os.File {
	if !keep {
		return null
	}
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
		return null // a terminal the daemon must let go of
	}
	return f
}
