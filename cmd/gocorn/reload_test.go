package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

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

// Ten HUPs, with and without changes, under ten seconds of load: not one
// request may fail.
func TestHUPUnderLoadLosesNoRequest(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	write := func(workers, threads int) {
		os.WriteFile(conf, fmt.Appendf(nil, "bind = [\"127.0.0.1:0\"]\nworkers = %d\nworker_class = \"gthread\"\nthreads = %d\n", workers, threads), 0o644)
	}
	write(2, 4)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "echo")
	in.WaitListening()
	in.WaitWorkers(2)

	load := proctest.StartLoad(in.URL+"/", 8)
	for i := range 10 {
		time.Sleep(time.Second) // spread the HUPs over the load
		switch i % 3 {
		case 0:
			write(2+i%2, 4) // change workers
		case 1:
			write(2+i%2, 8) // change threads
		} // case 2: no change at all
		in.Signal(syscall.SIGHUP)
		in.WaitLog(fmt.Sprintf(`generation %d of`, i+2))
	}
	res := load.Stop()
	t.Logf("%d requests, %d failed across 10 HUPs", res.OK+res.Failed, res.Failed)
	if res.Failed > 0 || res.OK < 100 {
		t.Fatalf("%d ok, %d failed: %v", res.OK, res.Failed, res.Errors)
	}
	if strings.Contains(in.Stderr.String(), "Reload failed") {
		t.Errorf("a reload failed:\n%s", in.Stderr)
	}
}
