package main

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

func TestHUPRollsWorkersOntoTheNewConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	os.WriteFile(conf, []byte("workers = 2\nbind = [\"127.0.0.1:0\"]\n"), 0o644)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "hello") // ./gocorn.conf.star is read
	in.WaitListening()
	old := in.WaitWorkers(2)

	os.WriteFile(conf, []byte("workers = 3\nbind = [\"127.0.0.1:0\"]\n"), 0o644)
	in.Signal(syscall.SIGHUP)
	var now []int
	if !proctest.Poll(func() bool {
		now = in.Workers()
		return len(now) == 3 && !slices.ContainsFunc(now, func(p int) bool { return slices.Contains(old, p) })
	}) {
		t.Fatalf("after HUP: workers %v, old %v", now, old)
	}
	in.WaitWorkers(3)
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}

	// A bad edit is reported and the server keeps its workers and serves.
	os.WriteFile(conf, []byte("workers = 3\nworkrs = 4\n"), 0o644)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Reload failed \(1 so far\); still serving the previous configuration: .*gocorn.conf.star:2`)
	if got := in.Workers(); !slices.Equal(got, now) {
		t.Errorf("a failed reload changed the workers: %v -> %v", now, got)
	}
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
}
