package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadFlagExitsTwoWithOneLine(t *testing.T) {
	for _, args := range [][]string{{"--workers", "many", "hello"}, {"--no-such-flag", "hello"}} {
		code, _, stderr := run(t, t.TempDir(), nil, args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != 1 || lines[0] == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
}

// -h is one line per flag: short enough to scan, ending with the way to
// the full text; gocorn help gives that text, and a misspelt name gets a
// suggestion and exit 2.
func TestHelp(t *testing.T) {
	code, stdout, _ := run(t, t.TempDir(), nil, "-h")
	if lines := strings.Count(stdout, "\n"); code != 0 || lines > 200 || !strings.Contains(stdout, "gocorn help SETTING") {
		t.Errorf("-h: exit %d, %d lines; want 0, at most 200 and the pointer to gocorn help:\n%s", code, lines, stdout)
	}
	for _, want := range []string{"  -w, --workers INT", "(default: 2048)", "--check-config", "\n  ctl ", "\n  help "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("-h does not show %q", want)
		}
	}
	code, stdout, _ = run(t, t.TempDir(), nil, "help", "-w")
	if code != 0 || !strings.HasPrefix(stdout, "workers\n") || !strings.Contains(stdout, "cpu_count() in the config file honours") {
		t.Errorf("help -w: exit %d, stdout %q; want workers' full text", code, stdout)
	}
	code, stdout, stderr := run(t, t.TempDir(), nil, "help", "max-reqests")
	if code != 2 || stdout != "" || !strings.Contains(stderr, `did you mean "max_requests"?`) {
		t.Errorf("help max-reqests: exit %d, stdout %q, stderr %q; want 2 and a suggestion", code, stdout, stderr)
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.star")
	os.WriteFile(good, []byte("workers = cpu_count() * 2 + 1\nbind = [\"127.0.0.1:0\"]\n"), 0o644)
	bad := filepath.Join(dir, "bad.star")
	os.WriteFile(bad, []byte("workers = 2\nworker = 3\n"), 0o644)

	if code, _, stderr := run(t, dir, nil, "-c", good, "--check-config", "hello"); code != 0 {
		t.Errorf("good config: exit %d: %s", code, stderr)
	}
	code, _, stderr := run(t, dir, nil, "-c", bad, "--check-config", "hello")
	if code != 1 || !strings.Contains(stderr, "bad.star:2") || !strings.Contains(stderr, `"workers"`) {
		t.Errorf("bad config: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(t, dir, nil, "-c", good, "--check-config", "nosuchapp")
	if code != 1 || !strings.Contains(stderr, "nosuchapp") {
		t.Errorf("unknown app: exit %d, stderr %q", code, stderr)
	}
}

func TestPrintConfig(t *testing.T) {
	code, stdout, stderr := run(t, t.TempDir(), []string{"GOCORN_CMD_ARGS=--threads 3"}, "-w", "5", "--print-config", "echo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"workers", "= 5", "threads", "= 3", `app`, `"echo"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--print-config lacks %q:\n%s", want, stdout)
		}
	}
}

func TestWorkerStartedByHandExplainsItself(t *testing.T) {
	code, _, stderr := run(t, t.TempDir(), []string{"GOCORN_WORKER_PIPE=3"})
	if code != 2 || !strings.Contains(stderr, "started as a gocorn worker") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// Every example config must pass --check-config.
func TestExampleConfigsCheck(t *testing.T) {
	configs, _ := filepath.Glob("../../examples/*.star")
	if len(configs) == 0 {
		t.Fatal("no example configs found")
	}
	for _, c := range configs {
		abs, _ := filepath.Abs(c)
		if code, _, stderr := run(t, t.TempDir(), nil, "-c", abs, "--check-config", "hello"); code != 0 {
			t.Errorf("%s: exit %d: %s", c, code, stderr)
		}
	}
}
