package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// TestDocCommands runs every ```console block of the repository's
// markdown files (the format is on transcript) against the binary under
// test, so a command or an output the docs show cannot go stale.
func TestDocCommands(t *testing.T) {
	n := 0
	for _, rel := range markdownPages(t) {
		trs, err := readTranscripts(filepath.Join(repoRoot, rel), rel)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range trs {
			n++
			t.Run(fmt.Sprintf("%s:%d", rel, tr.line), func(t *testing.T) { newDocSession(t).play(tr) })
		}
	}
	if n == 0 {
		t.Fatal("no console blocks in the docs: the doc test checks nothing")
	}
}

// docSession is the terminal one transcript runs in: a directory with the
// examples, gocorn on PATH, free ports and its own control socket.
type docSession struct {
	t      *testing.T
	dir    string
	env    []string
	ports  *strings.Replacer // the docs' ports to this session's
	addr   string            // what 127.0.0.1:8000 becomes
	server *proctest.Instance
}

// docCommandTimeout bounds each foreground command of a transcript.
const docCommandTimeout = 20 * time.Second

func newDocSession(t *testing.T) *docSession {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS(filepath.Join(repoRoot, "examples"))); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(gocornBin, filepath.Join(bin, "gocorn")); err != nil {
		t.Fatal(err)
	}
	addr, metricsAddr := freePort(t), freePort(t)
	_, port, _ := strings.Cut(addr, ":")
	return &docSession{
		t:    t,
		dir:  dir,
		addr: addr,
		env: []string{
			"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
			"HOME=" + dir, "XDG_RUNTIME_DIR=" + proctest.RuntimeDir(t), "PORT=" + port,
		},
		ports: strings.NewReplacer("127.0.0.1:8000", addr, "127.0.0.1:9100", metricsAddr),
	}
}

// play runs the transcript's steps in order.
func (s *docSession) play(tr transcript) {
	for _, st := range tr.steps {
		sig, kill := killSignal(st.command)
		where := fmt.Sprintf("%s:%d: $ %s", tr.file, st.line, st.command)
		want := s.localize(st.output)
		switch {
		case st.background:
			s.startServer(where, st.command, want)
		case kill && stopSignals[sig]:
			s.server.Signal(sig)
			s.waitServer(where, 0)
		case kill:
			s.server.Signal(sig)
			s.waitLog(where, append([]string{"..."}, want...))
		case st.command == "wait":
			s.waitServer(where, st.exit)
		default:
			s.runCommand(where, st.command, want, st.exit)
		}
	}
}

// localize turns the output a doc shows into this session's: its ports.
func (s *docSession) localize(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = s.ports.Replace(l)
	}
	return out
}

// shellLine turns a doc's command into this session's: its ports, and
// gocorn for `go run ./cmd/gocorn`.
func (s *docSession) shellLine(command string) string {
	return s.ports.Replace(strings.ReplaceAll(command, "go run ./cmd/gocorn", "gocorn"))
}

// runCommand runs one foreground command and checks its exit code and,
// when the doc shows it, its output.
func (s *docSession) runCommand(where, command string, want []string, exit int) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), docCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", s.shellLine(command))
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), s.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		s.t.Fatalf("%s: %v", where, err)
	}
	if ctx.Err() != nil {
		s.t.Fatalf("%s: still running after %s; output:\n%s", where, docCommandTimeout, &out)
	}
	if code != exit {
		s.t.Errorf("%s: exit code %d, the doc says %d; output:\n%s", where, code, exit, &out)
	}
	if len(want) > 0 && !outputMatches(want, out.String()) {
		s.t.Errorf("%s: the output differs from the doc's.\ndoc:\n%s\ngot:\n%s", where, strings.Join(want, "\n"), &out)
	}
}

// startServer starts a command in the background, waits until it listens
// (its log says so, or, when the log goes to a file, the session's port
// answers) and its log shows the lines the doc shows.
func (s *docSession) startServer(where, command string, want []string) {
	s.t.Helper()
	setup := proctest.Setup{Bin: "/bin/sh", Dir: s.dir, Env: s.env}
	s.server = proctest.Launch(s.t, setup, "-c", "exec "+s.shellLine(command))
	if !proctest.Poll(s.listening) {
		s.t.Fatalf("%s: not listening within %s; log:\n%s", where, proctest.WaitFor, s.server.Stderr)
	}
	s.waitLog(where, want)
}

// waitLog waits until the background server's log shows the lines the
// doc shows, from its start.
func (s *docSession) waitLog(where string, want []string) {
	s.t.Helper()
	if len(want) > 0 && !proctest.Poll(func() bool { return logMatches(want, s.server.Stderr.String()) }) {
		s.t.Fatalf("%s: within %s, the log did not show the doc's lines.\ndoc:\n%s\nlog:\n%s",
			where, proctest.WaitFor, strings.Join(want, "\n"), s.server.Stderr)
	}
}

// waitServer waits for the background server to exit with code exit.
func (s *docSession) waitServer(where string, exit int) {
	s.t.Helper()
	if s.server == nil {
		s.t.Fatalf("%s: no server runs in the background", where)
	}
	if code := s.server.Wait(); code != exit {
		s.t.Errorf("%s: the server exited with code %d, the doc says %d; log:\n%s", where, code, exit, s.server.Stderr)
	}
	s.server = nil
}

// listening says whether the background server listens.
func (s *docSession) listening() bool {
	if strings.Contains(s.server.Stderr.String(), "Listening at: ") {
		return true
	}
	c, err := net.Dial("tcp", s.addr)
	if err == nil {
		c.Close()
	}
	return err == nil
}
