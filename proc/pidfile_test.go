package proc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestPidfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.pid")

	pf, err := writePidfile(path, os.Getpid(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("pid file holds %q", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("pid file mode %v, want 0644", fi.Mode().Perm())
	}

	// Another live process named in the file: refuse.
	if _, err := writePidfile(path, os.Getpid()+1, 0); err == nil || !strings.Contains(err.Error(), "already running on PID") {
		t.Errorf("live pid: got %v", err)
	}

	// A promotion takes over its old master's file, even while that pid
	// still answers kill(pid, 0) (a zombie not reaped yet).
	if pf2, err := writePidfile(path, os.Getpid()+1, os.Getpid()); err != nil {
		t.Errorf("promotion over the old master's pid: %v", err)
	} else {
		pf2.remove()
		if pf, err = writePidfile(path, os.Getpid(), 0); err != nil {
			t.Fatal(err)
		}
	}

	// A newer master took the file over: remove leaves it alone.
	os.WriteFile(path, []byte("1\n"), 0o644)
	pf.remove()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("remove deleted another master's pid file")
	}

	// A stale file (dead pid) is replaced.
	dead := exec.Command("true")
	dead.Run()
	os.WriteFile(path, []byte(strconv.Itoa(dead.Process.Pid)+"\n"), 0o644)
	pf, err = writePidfile(path, os.Getpid(), 0)
	if err != nil {
		t.Fatalf("stale pid file: %v", err)
	}
	pf.remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("pid file not removed")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".app.pid.*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestPidfileInMissingDirectory(t *testing.T) {
	_, err := writePidfile(filepath.Join(t.TempDir(), "nope", "app.pid"), os.Getpid(), 0)
	if err == nil || !strings.Contains(err.Error(), "nope/app.pid") {
		t.Errorf("got %v, want an error naming the path", err)
	}
}
