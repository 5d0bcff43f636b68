package proc

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/instrument/logfile"
	"github.com/gocorn/gocorn/starcfg"
)

// A HUP that turns capture_output on, then off, points the streams at the
// error log, then gives them back; with errorlog "-" nothing is captured.
// Stand-in files play fds 1 and 2.
func TestStdCaptureFollowsTheConfig(t *testing.T) {
	dir := t.TempDir()
	var stand []*os.File
	for _, name := range []string{"stdout", "stderr"} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		stand = append(stand, f)
	}
	defer func(fds []int) { stdFDs = fds }(stdFDs)
	stdFDs = []int{int(stand[0].Fd()), int(stand[1].Fd())}
	errlog := filepath.Join(dir, "error.log")
	log, err := logfile.Open(errlog, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	write := func(s string) {
		for _, fd := range stdFDs {
			syscall.Write(fd, []byte(s))
		}
	}
	var c stdCapture
	steps := []struct {
		capture bool
		errlog  string
		write   string
	}{
		{false, errlog, "a"},
		{true, "-", "b"},
		{true, errlog, "c"},
		{true, errlog, "d"}, // again: still captured, nothing saved twice
		{false, errlog, "e"},
	}
	for _, s := range steps {
		cfg := &starcfg.Config{Errorlog: s.errlog}
		cfg.CaptureOutput = s.capture
		if err := c.follow(cfg, log); err != nil {
			t.Fatal(err)
		}
		write(s.write)
	}
	want := map[string]string{"stdout": "abe", "stderr": "abe", "error.log": "ccdd"}
	for name, w := range want {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != w {
			t.Errorf("%s has %q, want %q", name, got, w)
		}
	}
}
