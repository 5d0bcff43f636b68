package proc

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
)

// checkApps are the apps the pre-flight tests check: one that builds,
// one whose factory fails, one whose factory panics.
var checkApps = server.Apps{
	"ok":    server.Handler(http.NotFoundHandler()),
	"db":    func() (http.Handler, error) { return nil, errors.New("cannot reach the database") },
	"panic": func() (http.Handler, error) { panic("no config") },
}

// runChecked runs the command line args in a directory holding conf as
// gocorn.conf.star ("" for none), as Main would, and returns the exit
// code, stdout and stderr.
func runChecked(t *testing.T, conf string, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	if conf != "" {
		if err := os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	inv := starcfg.Invocation{Args: args, Environ: []string{"HOME=" + dir}, Dir: dir, Stdout: &stdout, Stderr: &stderr, Version: runningVersion()}
	code := runMaster(append([]string{"gocorn"}, args...), inv, checkApps)
	return code, stdout.String(), stderr.String()
}

func TestCheckConfigText(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf string
		args []string
		code int
		want []string // lines of stderr, in order
	}{
		{"clean", "", []string{"--check-config", "-b", "127.0.0.1:0", "ok"}, 0,
			[]string{"gocorn: check passed: 0 errors, 0 warnings"}},
		{"a factory that fails", "", []string{"--check-config", "db"}, 1, []string{
			`config: command line: app "db" failed to load: cannot reach the database`,
			"gocorn: check failed: 1 error, 0 warnings"}},
		{"a factory that panics", "app = 'panic'\n", []string{"--check-config"}, 1, []string{
			`config: gocorn.conf.star:1: app "panic" panicked while loading: no config`}},
		{"no such app", "", []string{"--check-config", "nope"}, 1, []string{
			`config: command line: app "nope" is not in this binary; it serves db, ok, panic`}},
		{"warnings pass", "worker_class = 'sync'\n\nwrite_timeout = 0\n", []string{"--check-config", "ok"}, 0, []string{
			"warning: gocorn.conf.star:3: write_timeout (0) is not below timeout (30): a client that stalls keeps a sync worker busy until the master aborts it",
			"gocorn: check passed: 0 errors, 1 warning"}},
		{"every problem at once", "bind = ['127.0.0.1:8000', '127.0.0.1:8000']\nhttp2_cleartext = 'prior-knowledge'\n",
			[]string{"--check-config", "db"}, 1, []string{
				`config: command line: app "db" failed to load`,
				`config: gocorn.conf.star:1: bind: "127.0.0.1:8000" and "127.0.0.1:8000" are the same address`,
				"warning: gocorn.conf.star:2: http2_cleartext is ignored: http_protocols does not list h2",
				"gocorn: check failed: 2 errors, 1 warning"}},
		{"the file's errors in the start's words", "workers = 'x'\naccess_log_format = '%(status)s'\n", []string{"--check-config", "ok"}, 1, []string{
			`config: gocorn.conf.star:1: workers: "x" is not an integer`,
			"config: gocorn.conf.star:2: access_log_format: unknown atom %(status)s (did you mean %(s)s?)",
			"gocorn: check failed: 2 errors, 0 warnings"}},
		{"print-config checks too", "", []string{"--print-config", "db"}, 1, []string{`app "db" failed to load`}},
		{"print-config has no JSON", "", []string{"--print-config", "--json", "ok"}, 2, []string{"--json goes with --check-config"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runChecked(t, tc.conf, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			rest := stderr
			for _, want := range tc.want {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("stderr lacks %q (in order):\n%s", want, stderr)
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

// TestPrintConfigThenCheck: the listing is on stdout, the findings on
// stderr, as gunicorn's --print-config.
func TestPrintConfigThenCheck(t *testing.T) {
	code, stdout, stderr := runChecked(t, "", "--print-config", "ok")
	if code != 0 || !strings.Contains(stdout, "\nworkers ") || !strings.Contains(stderr, "check passed") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// The binary's one app is named, as a start names it.
	var listing bytes.Buffer
	inv := starcfg.Invocation{Args: []string{"--print-config"}, Dir: t.TempDir(), Stdout: &listing, Stderr: &bytes.Buffer{}}
	if code := runMaster([]string{"gocorn", "--print-config"}, inv, server.Apps{"only": checkApps["ok"]}); code != 0 ||
		!regexp.MustCompile(`(?m)^app +=\s*"only"$`).MatchString(listing.String()) {
		t.Errorf("exit %d, listing:\n%s", code, listing.String())
	}
}

func TestCheckConfigJSON(t *testing.T) {
	conf := "workers = 2\nbind = ['127.0.0.1:8000', '127.0.0.1:8000']\nworker_class = 'sync'\nwrite_timeout = 0\n"
	code, stdout, _ := runChecked(t, conf, "--check-config", "--json", "db")
	got := decodeReport(t, stdout)
	want := checkReport{OK: false, Errors: 2, Warnings: 1, Findings: []finding{
		{Severity: "error", Setting: "app", Message: `app "db" failed to load: cannot reach the database`},
		{Severity: "error", File: "gocorn.conf.star", Line: 2, Setting: "bind",
			Message: `bind: "127.0.0.1:8000" and "127.0.0.1:8000" are the same address (127.0.0.1:8000): only one of them can be bound`},
		{Severity: "warning", File: "gocorn.conf.star", Line: 4, Setting: "write_timeout",
			Message: "write_timeout (0) is not below timeout (30): a client that stalls keeps a sync worker busy until the master aborts it"},
	}}
	if code != 1 || !sameReport(got, want) {
		t.Errorf("exit %d, report\n%+v\nwant\n%+v", code, got, want)
	}
}

// TestCheckConfigJSONOfABrokenFile: an error in the file is one finding
// per bad setting, with file, line and setting, and the backtrace of a
// failing call stays in its message.
func TestCheckConfigJSONOfABrokenFile(t *testing.T) {
	conf := "workers = 'x'\n\ntimeout = -1\n"
	code, stdout, stderr := runChecked(t, conf, "--check-config", "--json", "ok")
	got := decodeReport(t, stdout)
	want := checkReport{OK: false, Errors: 2, Findings: []finding{
		{Severity: "error", File: "gocorn.conf.star", Line: 1, Setting: "workers", Message: `workers: "x" is not an integer`},
		{Severity: "error", File: "gocorn.conf.star", Line: 3, Setting: "timeout", Message: "timeout: got -1, want 0 or more"},
	}}
	if code != 1 || stderr != "" || !sameReport(got, want) {
		t.Errorf("exit %d, stderr %q, report\n%+v\nwant\n%+v", code, stderr, got, want)
	}

	code, stdout, _ = runChecked(t, "def f():\n    fail('boom')\nf()\n", "--check-config", "--json", "ok")
	if got = decodeReport(t, stdout); code != 1 || len(got.Findings) != 1 {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	if f := got.Findings[0]; f.File != "gocorn.conf.star" || f.Line != 2 || f.Setting != "" ||
		!strings.HasPrefix(f.Message, "fail: boom\nTraceback") {
		t.Errorf("finding %#v", f)
	}
}

// decodeReport reads --json's document.
func decodeReport(t *testing.T, stdout string) checkReport {
	t.Helper()
	var r checkReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON (%v):\n%s", err, stdout)
	}
	return r
}

// sameReport compares reports on their JSON fields.
func sameReport(a, b checkReport) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestBootWarnings: the master's warning about a control socket without a
// path is among the check's, unless the socket is turned off.
func TestBootWarnings(t *testing.T) {
	cfg := starcfg.Defaults()
	cfg.ControlSocket = ""
	if w := bootWarnings(cfg); len(w) != 1 || w[0] != warnNoControlPath {
		t.Errorf("no path: %q", w)
	}
	cfg.ControlSocketDisable = true
	if w := bootWarnings(cfg); len(w) != 0 {
		t.Errorf("disabled: %q", w)
	}
}
