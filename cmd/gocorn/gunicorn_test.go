package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// A gunicorn command line, with GUNICORN_CMD_ARGS, starts and serves; each
// setting that means nothing for Go is named once in the log, with why,
// and the log says where the extra flags came from.
func TestGunicornCommandLine(t *testing.T) {
	in := proctest.Start(t, proctest.Setup{Bin: gocornBin, Dir: t.TempDir(),
		Env: []string{"GUNICORN_CMD_ARGS=--preload --pythonpath /srv/app", "SENDFILE=0"}},
		"--paster", "development.ini", "-w", "2", "--no-sendfile", "--reuse-port", "-b", "127.0.0.1:0",
		"--proxy-protocol", "hello")
	if code, body := in.Get("/"); code != 200 || body == "" {
		t.Fatalf("GET /: %d %q", code, body)
	}
	log := in.Stderr.String()
	for _, want := range []string{
		"reading flags from GUNICORN_CMD_ARGS, since GOCORN_CMD_ARGS is unset",
		"preload_app is set to True but ignored: workers start from the compiled binary",
		`pythonpath is set to "/srv/app" but ignored: `,
		`paste is set to "development.ini" but ignored: `,
	} {
		if n := strings.Count(log, want); n != 1 {
			t.Errorf("the log has %q %d times, want once; log:\n%s", want, n, log)
		}
	}
	if strings.Contains(log, "sendfile") || strings.Contains(log, "reuse_port") {
		t.Errorf("implemented settings drew a warning; log:\n%s", log)
	}
}

// A gunicorn setting gocorn cannot honour stops it, from a flag (exit 2)
// or the file (exit 1, at file:line), with a message naming the gocorn way.
func TestGunicornSettingRefused(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	if err := os.WriteFile(conf, []byte("workers = 2\nlogconfig_dict = {\"version\": 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, t.TempDir(), nil, "--log-config", "logging.ini", "hello")
	if code != 2 || !strings.Contains(stderr, "--log-config: gocorn cannot honour it: ") || !strings.Contains(stderr, "errorlog") {
		t.Errorf("--log-config: exit %d, stderr %q; want 2 and the gocorn way", code, stderr)
	}
	code, _, stderr = run(t, dir, nil, "hello")
	if code != 1 || !strings.Contains(stderr, "gocorn.conf.star:2: logconfig_dict: gocorn cannot honour it: ") {
		t.Errorf("logconfig_dict: exit %d, stderr %q; want 1 at gocorn.conf.star:2", code, stderr)
	}
}
