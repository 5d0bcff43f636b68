package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
	"golang.org/x/sys/unix"
)

// ctlCommand is gocorn ctl with args, not yet started.
func (s *ctlSite) ctlCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(gocornBin, append([]string{"ctl"}, args...)...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), s.env...)
	return cmd
}

// waitExit waits for cmd to exit and returns its exit code, killing it
// after proctest.WaitFor.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(proctest.WaitFor):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not exit within %s", strings.Join(cmd.Args, " "), proctest.WaitFor)
		return -1
	}
}

// The prompt reads commands until quit; errors do not end it.
func TestCtlInteractive(t *testing.T) {
	s := newCtlSite(t)
	in := s.start("-b", "127.0.0.1:0", "hello")
	cmd := s.ctlCommand()
	cmd.Stdin = strings.NewReader("show stats\n\nbogus\nworker kill 1\nquit\nshow workers\n")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Start()
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"Connected to " + s.path + "\nType 'help' for available commands, 'quit' to exit.\n",
		"gocorn> Uptime:", fmt.Sprintf("PID:              %d", in.Pid()),
		"gocorn> Error: Invalid argument: Unknown command: bogus\n",
		`"error": "Worker 1 not found"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Total: 1 workers") {
		t.Errorf("a command after quit ran:\n%s", got)
	}
}

// top draws frames with every worker until -n frames, q or Ctrl-C.
func TestCtlTop(t *testing.T) {
	s := newCtlSite(t)
	in := s.start("-b", "127.0.0.1:0", "-w", "2", "hello")
	code, out, errOut := s.ctl("top", "-n", "2", "-d", "0.1")
	if code != 0 || strings.Count(out, fmt.Sprintf("gocorn master %d", in.Pid())) != 2 {
		t.Fatalf("top -n 2: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, pid := range in.Workers() {
		if !strings.Contains(out, strconv.Itoa(pid)) {
			t.Errorf("top lacks worker %d:\n%s", pid, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("top drew escape sequences on a pipe:\n%q", out)
	}

	quit := func(name string, end func(cmd *exec.Cmd, keys *os.File)) {
		cmd := s.ctlCommand("top", "-d", "0.1")
		keys, w, _ := os.Pipe()
		defer w.Close()
		cmd.Stdin = keys
		var frames proctest.Output
		cmd.Stdout = &frames
		cmd.Start()
		keys.Close()
		if !proctest.Poll(func() bool { return strings.Count(frames.String(), "q or Ctrl-C quits") >= 2 }) {
			t.Fatalf("%s: top drew no frames:\n%s", name, frames.String())
		}
		end(cmd, w)
		if code := waitExit(t, cmd); code != 0 {
			t.Errorf("%s: top exited %d", name, code)
		}
	}
	quit("q", func(_ *exec.Cmd, keys *os.File) { keys.Write([]byte("q")) })
	quit("Ctrl-C", func(cmd *exec.Cmd, _ *os.File) { cmd.Process.Signal(os.Interrupt) })
}

// On a terminal top takes the alternate screen in cbreak mode, and gives
// the terminal back as it was when q ends it.
func TestCtlTopRestoresTheTerminal(t *testing.T) {
	s := newCtlSite(t)
	s.start("-b", "127.0.0.1:0", "hello")
	ptm, pts := openPTY(t)
	before, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100})
	cmd := s.ctlCommand("top", "-d", "0.1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var screen proctest.Output
	go io.Copy(&screen, ptm) // until the pseudo-terminal closes
	if !proctest.Poll(func() bool { return strings.Count(screen.String(), "q or Ctrl-C quits") >= 2 }) {
		t.Fatalf("no frames on the terminal:\n%q", screen.String())
	}
	during, _ := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
	if during.Lflag&(unix.ICANON|unix.ECHO) != 0 {
		t.Errorf("top left the terminal in canonical or echo mode: lflag %#x", during.Lflag)
	}
	ptm.Write([]byte("q"))
	if code := waitExit(t, cmd); code != 0 {
		t.Errorf("top exited %d", code)
	}
	after, _ := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
	if after.Lflag != before.Lflag || after.Cc != before.Cc {
		t.Errorf("terminal not restored: lflag %#x -> %#x", before.Lflag, after.Lflag)
	}
	if !proctest.Poll(func() bool { return strings.Contains(screen.String(), "\x1b[?25h\x1b[?1049l") }) {
		t.Errorf("top did not leave the alternate screen:\n%q", screen.String())
	}
	if got := screen.String(); !strings.HasPrefix(got, "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J") {
		t.Errorf("top did not take the alternate screen and draw in place:\n%q", got)
	}
}

// openPTY opens a pseudo-terminal pair, closed when the test ends.
func openPTY(t *testing.T) (ptm, pts *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	return ptm, pts
}
