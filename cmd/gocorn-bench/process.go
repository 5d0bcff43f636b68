package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// An instance is one running server under test. Its process leads a
// process group of its own, so that its workers can be found and, if they
// outlive it, killed; and so that a ^C at the terminal reaches the tool
// alone, which then stops the server in order.
type instance struct {
	name    string
	cmd     *exec.Cmd
	url     string // http://host:port or https://host:port, from its "Listening at:" line
	out     *os.File
	log     *tail
	logDone chan struct{} // closed when its output reached EOF
	exited  chan struct{} // closed when the leader has exited and been reaped
	waitErr error         // the leader's exit status, once exited is closed
}

// listeningRE matches the line gocorn, gunicorn and the bare server log
// once their sockets are bound; several addresses are joined by commas.
var listeningRE = regexp.MustCompile(`Listening at: (\S+) \(`)

// start starts spec's server and waits, up to timeout, until it logs the
// address it listens on (unless the tool chose it). On failure the server
// is stopped again.
func start(ctx context.Context, spec serverSpec, timeout time.Duration) (*instance, error) {
	spec, chosenURL, err := spec.prepare()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(spec.path, spec.args...)
	cmd.Dir = spec.dir
	cmd.Env = append(os.Environ(), spec.env...)
	// An *os.File is handed to the child as is: no copying goroutine, so
	// Wait returns when the leader exits even if its workers hold the pipe.
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("can't start %s: %v", spec.name, err)
	}

	in := &instance{
		name:    spec.name,
		cmd:     cmd,
		out:     r,
		log:     &tail{max: 30},
		logDone: make(chan struct{}),
		exited:  make(chan struct{}),
	}
	listening := make(chan string, 1)
	go in.readOutput(listening)
	go func() {
		in.waitErr = cmd.Wait()
		close(in.exited)
	}()

	if chosenURL != "" {
		in.url = chosenURL // waitAnswering tells when it serves
		return in, nil
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case url := <-listening:
		if err = checkLoopback(url); err == nil {
			in.url = url
			return in, nil
		}
		err = fmt.Errorf("%s logged %v", spec.name, err)
	case <-in.exited:
		in.drainOutput(time.Second)
		err = fmt.Errorf("%s exited (%v) before it was listening; its last output:\n%s", spec.name, in.waitErr, in.log)
	case <-timer.C:
		err = fmt.Errorf("%s did not log \"Listening at:\" within %s; its last output:\n%s", spec.name, timeout, in.log)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if stopErr := in.stop(stopGrace); stopErr != nil {
		err = errors.Join(err, stopErr)
	}
	return nil, err
}

// checkLoopback checks that a "Listening at:" address is an http:// or
// https:// one on 127.0.0.1: this tool loads nothing but loopback.
func checkLoopback(url string) error {
	scheme, addr, _ := strings.Cut(url, "://")
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" || scheme != "http" && scheme != "https" {
		return fmt.Errorf("%q as its address where http://127.0.0.1:PORT was expected", url)
	}
	return nil
}

// readOutput keeps the tail of the server's stdout and stderr, and sends
// the first address it logs as listening on.
func (in *instance) readOutput(listening chan<- string) {
	defer close(in.logDone)
	sc := bufio.NewScanner(in.out)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		in.log.add(line)
		if m := listeningRE.FindStringSubmatch(line); m != nil && !sent {
			first, _, _ := strings.Cut(m[1], ",")
			listening <- first
			sent = true
		}
	}
}

// drainOutput waits up to d for the rest of the server's output, then
// gives up on it: a lingering worker may hold the pipe open.
func (in *instance) drainOutput(d time.Duration) {
	select {
	case <-in.logDone:
	case <-time.After(d):
		in.out.Close()
		<-in.logDone
	}
}

// waitAnswering polls GET / until it answers 200, for up to timeout. Each
// probe closes its connection, so that none is left idle on a worker.
// trust is the TLS configuration of an https server's probes.
func (in *instance) waitAnswering(ctx context.Context, timeout time.Duration, trust *tls.Config) error {
	url := in.url + "/"
	client := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: trust},
	}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("it answered %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer GET %s with 200 within %s (last try: %v); its last output:\n%s",
				in.name, url, timeout, err, in.log)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-in.exited:
			in.drainOutput(time.Second)
			return fmt.Errorf("%s exited (%v) before it answered GET %s; its last output:\n%s", in.name, in.waitErr, url, in.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// exitedEarly reports whether the server has exited before being stopped.
func (in *instance) exitedEarly() bool {
	select {
	case <-in.exited:
		in.drainOutput(time.Second)
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the server and waits up to grace for it to exit,
// then kills its process group. Processes of its group still running once
// it has exited (workers it did not reap) are killed too. The error says
// what was not clean; the server is gone either way.
func (in *instance) stop(grace time.Duration) error {
	pid := in.cmd.Process.Pid
	var problems []string
	select {
	case <-in.exited: // it died on its own; whoever saw that reported it
	default:
		if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			problems = append(problems, fmt.Sprintf("could not be sent SIGTERM (%v)", err))
		}
		select {
		case <-in.exited:
			if in.waitErr != nil {
				problems = append(problems, fmt.Sprintf("exited with %v after SIGTERM", in.waitErr))
			}
		case <-time.After(grace):
			syscall.Kill(-pid, syscall.SIGKILL)
			problems = append(problems, fmt.Sprintf("did not exit within %s of SIGTERM, so it was killed", grace))
			select {
			case <-in.exited:
			case <-time.After(5 * time.Second):
				problems = append(problems, "is still there 5s after SIGKILL")
			}
		}
	}
	if left := waitGroupGone(pid, 2*time.Second); len(left) > 0 {
		syscall.Kill(-pid, syscall.SIGKILL)
		problems = append(problems, fmt.Sprintf("left %d processes of its group running after it exited (pids %v), so they were killed", len(left), left))
		if left := waitGroupGone(pid, 5*time.Second); len(left) > 0 {
			problems = append(problems, fmt.Sprintf("processes %v are still there 5s after SIGKILL", left))
		}
	}
	in.drainOutput(time.Second)
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s (pid %d) %s; its last output:\n%s", in.name, pid, strings.Join(problems, "; "), in.log)
}

// waitGroupGone waits up to d for process group pgid to empty, and returns
// the members still alive then.
func waitGroupGone(pgid int, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		left := groupMembers(pgid)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A tail keeps the last max lines written to it.
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == t.max {
		t.lines = append(t.lines[:0], t.lines[1:]...)
	}
	t.lines = append(t.lines, line)
}

// String returns the lines, indented, for an error message.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return "\t(no output)"
	}
	return indent(strings.Join(t.lines, "\n"))
}
