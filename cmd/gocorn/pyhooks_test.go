package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// A config written the Python way: a post_fork hook that logs with Python
// logging's arguments, a print in when_ready and one at the top level.
const pyHooksConf = `bind = ["127.0.0.1:0"]
workers = 2
print("config read, workers =", workers)

def when_ready(server):
    print("ready with", server.num_workers, "workers")

def post_fork(server, worker):
    server.log.info("Worker spawned (pid: %s)", worker.pid)
    worker.log.info("took %.2f s, %d%%", 0.5, 100)
`

func TestPythonStyleHooksBootAndLog(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte(pyHooksConf), 0o644)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "hello")
	in.WaitListening()
	workers := in.WaitWorkers(2)
	for _, pid := range workers {
		in.WaitLog(pidLine(pid, `Worker spawned \(pid: `+strconv.Itoa(pid)+`\)`))
	}
	in.WaitLog(`\[INFO\] took 0\.50 s, 100%`)
	master := in.Pid()
	in.Signal(syscall.SIGTERM)
	in.Wait()

	log := in.Stderr.String()
	for _, want := range []string{
		pidLine(master, `gocorn\.conf\.star:3: config read, workers = 2\n`),
		pidLine(master, `when_ready: ready with 2 workers\n`),
	} {
		if n := len(regexp.MustCompile(want).FindAllString(log, -1)); n != 1 {
			t.Errorf("%d lines match %q, want 1 (the master's), in:\n%s", n, want, log)
		}
	}
	if strings.Contains(log, "logging error") {
		t.Errorf("a log call failed to format:\n%s", log)
	}
}

// --check-config answers a Python habit with its hint at file:line, after
// what the config printed before it failed.
func TestCheckConfigPythonHint(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte(
		"workers = 2\nprint(\"seen\")\n_label = \"%5d\" % workers\n"), 0o644)
	code, _, stderr := run(t, dir, nil, "--check-config", "hello")
	want := "config: gocorn.conf.star:3:16: Starlark's % has no width, precision or flags"
	if code != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "gocorn.conf.star:2: seen\n") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1, the print and %q", code, stderr, want)
	}
}
