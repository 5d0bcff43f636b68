package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

const hooksConf = `
bind = ["127.0.0.1:0"]
workers = 2

def nworkers_changed(server, new, old):
    server.log.info("hook nworkers_changed %s -> %s" % (old, new))

def on_starting(server):
    server.log.info("hook on_starting pid=%d" % server.pid)

def when_ready(server):
    server.log.info("hook when_ready workers=%d" % server.num_workers)

def pre_fork(server, worker):
    server.log.info("hook pre_fork id=%d" % worker.id)

def post_fork(server, worker):
    worker.log.info("hook post_fork pid=%d master=%d" % (worker.pid, server.pid))

def post_worker_init(worker):
    worker.log.info("hook post_worker_init id=%d" % worker.id)

def pre_request(worker, req):
    if req.path == "/boom":
        fail("boom from pre_request")
    return {"X-Served-By": "worker %d" % worker.pid}

def post_request(worker, req, environ, resp):
    worker.log.info("hook post_request %s %s %d %d" % (req.method, req.path, resp.status, resp.bytes_sent))

def worker_exit(server, worker):
    worker.log.info("hook worker_exit pid=%d" % worker.pid)

def child_exit(server, worker):
    server.log.info("hook child_exit pid=%d" % worker.pid)

def on_reload(server):
    server.log.info("hook on_reload")

def on_exit(server):
    server.log.info("hook on_exit")
`

func TestHooksRunWhereGunicornRunsThem(t *testing.T) {
	in, workers := launchHooks(t, hooksConf)
	master := in.Pid()

	resp, err := proctest.Client.Get(in.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if by := resp.Header.Get("X-Served-By"); !strings.HasPrefix(by, "worker ") {
		t.Errorf("pre_request's header: %q", by)
	}
	in.WaitLog(`hook post_request GET /x 200 14`)

	// A failing hook is logged with its traceback and fails nothing.
	if code, _ := in.Get("/boom"); code != http.StatusOK {
		t.Errorf("a failing pre_request failed the request: %d", code)
	}
	in.WaitLog(`(?s)Hook pre_request failed: .*boom from pre_request.*gocorn.conf.star:\d+`)

	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Reload complete`)
	in.Signal(syscall.SIGTERM)
	in.Wait()

	log := in.Stderr.String()
	// Each hook in its process, in gunicorn's order.
	order := []string{
		pidLine(master, `hook nworkers_changed None -> 2`),
		pidLine(master, `hook on_starting pid=\d+`),
		pidLine(master, `Listening at`),
		pidLine(master, `hook when_ready workers=2`),
		pidLine(master, `hook pre_fork id=1`),
		pidLine(workers[0], `hook post_fork pid=\d+ master=\d+`),
		pidLine(master, `hook on_reload`),
		pidLine(master, `hook child_exit pid=\d+`),
		pidLine(master, `hook on_exit`),
	}
	at := 0
	for _, pattern := range order {
		loc := regexp.MustCompile(pattern).FindStringIndex(log[at:])
		if loc == nil {
			t.Fatalf("no %q after offset %d in:\n%s", pattern, at, log)
		}
		at += loc[1]
	}
	for _, want := range []string{`hook post_worker_init id=\d`, `hook worker_exit pid=\d+`} {
		if !regexp.MustCompile(want).MatchString(log) {
			t.Errorf("no %q in the log", want)
		}
	}
}

// launchHooks starts the hello app under conf, a config for two workers,
// and returns once it listens and both workers run.
func launchHooks(t *testing.T, conf string) (*proctest.Instance, []int) {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte(conf), 0o644)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "hello")
	in.WaitListening()
	return in, in.WaitWorkers(2)
}

// pidLine matches a log line written by process pid.
func pidLine(pid int, msg string) string {
	return `\[` + strconv.Itoa(pid) + `\] \[INFO\] ` + msg
}

func TestFailingPostForkIsABootError(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte(
		"bind = [\"127.0.0.1:0\"]\ndef post_fork(server, worker):\n    fail(\"no database\")\n"), 0o644)
	code, _, stderr := run(t, dir, nil, "hello")
	if code != 3 || !strings.Contains(stderr, "no database") || !strings.Contains(stderr, "Reason: Worker failed to boot.") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

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
	in, workers := launchHooks(t, pyHooksConf)
	for _, pid := range workers {
		in.WaitLog(pidLine(pid, `Worker spawned \(pid: `+strconv.Itoa(pid)+`\)`))
	}
	in.WaitLog(`\[INFO\] took 0\.50 s, 100%`)
	master := in.Pid()
	in.Reload(2) // evaluates the config again: its print runs again
	in.Signal(syscall.SIGTERM)
	in.Wait()

	log := in.Stderr.String()
	for _, tt := range []struct {
		pattern string
		n       int
	}{
		{pidLine(master, `gocorn\.conf\.star:3: config read, workers = 2\n`), 2}, // start and HUP
		{pidLine(master, `when_ready: ready with 2 workers\n`), 1},
		{`config read`, 2}, // not in the workers, which evaluate the same file
	} {
		if n := len(regexp.MustCompile(tt.pattern).FindAllString(log, -1)); n != tt.n {
			t.Errorf("%d lines match %q, want %d, in:\n%s", n, tt.pattern, tt.n, log)
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
