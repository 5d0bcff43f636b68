package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// gunicornConf is a gunicorn config as a deployment writes it: the
// address and worker count from the environment, Python's logging calls
// in a hook (one with widths and precision), and a setting that means
// nothing in Go.
const gunicornConf = `import os
import multiprocessing

host = os.environ.get("HOST", "127.0.0.1")
bind = f"{host}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
preload_app = True

def post_fork(server, worker):
    server.log.info("Worker spawned (pid: %s)", worker.pid)
    server.log.info("%-6s|%5.1f|", "load", 2.5)
`

// TestMigratedConfigServes runs gocorn migrate on a gunicorn config, then
// checks and serves with what it wrote.
func TestMigratedConfigServes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gunicorn.conf.py"), []byte(gunicornConf), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"PORT=0", "WEB_CONCURRENCY=2"}
	code, _, stderr := run(t, dir, env, "migrate", "-o", "gocorn.conf.star", "gunicorn.conf.py")
	if code != 0 {
		t.Fatalf("gocorn migrate: exit %d, want 0 (all translated): %s", code, stderr)
	}
	if code, _, stderr := run(t, dir, env, "-c", "gocorn.conf.star", "--check-config", "hello"); code != 0 {
		t.Fatalf("--check-config on the translation: exit %d: %s", code, stderr)
	}
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir, Env: env}, "-c", "gocorn.conf.star", "hello")
	in.WaitListening()
	in.WaitWorkers(2) // WEB_CONCURRENCY, through env()
	if status, body := in.Get("/"); status != 200 || !strings.Contains(body, "Hello") {
		t.Errorf("GET /: %d %q", status, body)
	}
	in.WaitLog(`Worker spawned \(pid: \d+\)`)
	in.WaitLog(`load  \|  2\.5\|`) // Python's formatting, as written
	in.Signal(syscall.SIGTERM)
	if code := in.Wait(); code != 0 {
		t.Errorf("exit %d after TERM, want 0", code)
	}
	if log := in.Stderr.String(); strings.Contains(log, "but ignored") {
		t.Errorf("migrate kept a setting gocorn ignores; log:\n%s", log)
	}
}

// TestMigrateCmdline prints the gocorn command line for a gunicorn one.
func TestMigrateCmdline(t *testing.T) {
	code, stdout, stderr := run(t, t.TempDir(), nil, "migrate", "--cmdline", "gunicorn -w 4 -b 127.0.0.1:8000 --preload myproj.wsgi")
	if code != 1 || strings.TrimSpace(stdout) != "gocorn -w 4 -b 127.0.0.1:8000 APP" || !strings.Contains(stderr, "APP_MODULE myproj.wsgi") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1, the gocorn line and a note on APP_MODULE", code, stdout, stderr)
	}
}

// TestMigratedTestdataServes translates each of migrate's test configs
// and serves with the result, so their hooks run for real: the command
// line's -b and -w override the configs' addresses and worker counts.
func TestMigratedTestdataServes(t *testing.T) {
	configs, _ := filepath.Glob("../../starcfg/migrate/testdata/*.py")
	if len(configs) == 0 {
		t.Fatal("no test configs found")
	}
	for _, conf := range configs {
		t.Run(filepath.Base(conf), func(t *testing.T) {
			abs, _ := filepath.Abs(conf)
			dir := t.TempDir()
			code, _, stderr := run(t, dir, nil, "migrate", "-o", "gocorn.conf.star", abs)
			if code > 1 || strings.Contains(stderr, "does not pass --check-config") {
				t.Fatalf("gocorn migrate: exit %d: %s", code, stderr)
			}
			args := []string{"-c", "gocorn.conf.star", "-b", "127.0.0.1:0", "-w", "1", "hello"}
			if code, _, stderr := run(t, dir, nil, append([]string{"--check-config"}, args...)...); code != 0 {
				t.Fatalf("--check-config: exit %d: %s", code, stderr)
			}
			in := start(t, dir, args...)
			if status, _ := in.Get("/"); status != 200 {
				t.Errorf("GET /: %d", status)
			}
			in.Signal(syscall.SIGTERM)
			if code := in.Wait(); code != 0 {
				t.Errorf("exit %d after TERM, want 0; log:\n%s", code, in.Stderr)
			}
			if log := in.Stderr.String(); strings.Contains(log, "[ERROR] Hook ") {
				t.Errorf("a translated hook failed; log:\n%s", log)
			}
		})
	}
}
