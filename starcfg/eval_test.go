package starcfg

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/starcfg/golden"
)

var update = golden.Update // also rewrites docs/settings.md

// TestEvalFiles runs every testdata/eval/*.star file through Resolve with
// -c. A file whose leading comments hold "# want: REGEXP" must fail with
// an error matching it; any other file must succeed and match NAME.golden.
// Leading comments may also set "# steps: N", "# timeout: DURATION" and
// "# env: KEY=VALUE" (repeatable).
func TestEvalFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/eval/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".star"), func(t *testing.T) {
			t.Parallel()
			d := readDirectives(t, file)
			var stderr bytes.Buffer
			inv := Invocation{Args: []string{"-c", file}, Environ: d.env, Dir: ".", Stderr: &stderr}
			r, err := resolveWith(inv, evalOptions{limits: d.limits, cpus: fakeCPUs(t, "300000 100000", 8)})
			if d.want != nil {
				checkWantError(t, err, d.want)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error:\n%v", err)
			}
			golden.Check(t, strings.TrimSuffix(file, ".star")+".golden", describe(t, r, stderr.String()))
		})
	}
}

// directives are a test file's leading "# key: value" comments.
type directives struct {
	want   *regexp.Regexp
	limits limits
	env    []string
}

func readDirectives(t *testing.T, file string) directives {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	d := directives{limits: defaultLimits, env: []string{"GOCORN_TEST_NAME=testing"}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "# ")
		if !ok {
			break
		}
		key, value, _ := strings.Cut(line, ": ")
		switch key {
		case "want":
			d.want = regexp.MustCompile(value)
		case "steps":
			n, err := strconv.ParseUint(value, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			d.limits.steps = n
		case "timeout":
			dur, err := time.ParseDuration(value)
			if err != nil {
				t.Fatal(err)
			}
			d.limits.wall = dur
		case "env":
			d.env = append(d.env, value)
		}
	}
	return d
}

// checkWantError requires err to match want.
func checkWantError(t *testing.T, err error, want *regexp.Regexp) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one matching %q", want)
	}
	if !want.MatchString(err.Error()) {
		t.Fatalf("error:\n%v\nwant match for:\n%s", err, want)
	}
}

// describe renders what a successful resolve gave, for golden files.
func describe(t *testing.T, r *Resolved, stderr string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# print-config\n")
	if err := r.Config.Print(&b); err != nil {
		t.Fatal(err)
	}
	b.WriteString("# origins other than default\n")
	for _, name := range settingNames() {
		if o := r.Origins[name]; o != sourceDefault {
			fmt.Fprintf(&b, "%s: %s\n", name, o)
		}
	}
	b.WriteString("# hooks\n")
	names := make([]string, 0, len(r.Hooks))
	for name := range r.Hooks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "%s: %s, called with %d\n", name, r.Hooks[name].Name(), HookArgs(name, r.Hooks[name]))
	}
	b.WriteString("# sources\n")
	wd, _ := os.Getwd()
	for _, s := range r.Sources {
		rel, err := filepath.Rel(wd, s.Path)
		if err != nil || !filepath.IsAbs(s.Path) {
			t.Errorf("source path %q is not absolute under %s", s.Path, wd)
		}
		fmt.Fprintf(&b, "%s (%d bytes)\n", rel, len(s.Data))
	}
	b.WriteString("# prints\n")
	for _, p := range r.Prints {
		b.WriteString(p + "\n")
	}
	b.WriteString("# stderr\n" + stderr)
	return b.String()
}

// fakeCPUs is a cpuCounter over a fake cgroup v2 root whose cpu.max holds
// cpuMax, on a machine with numCPU CPUs.
func fakeCPUs(t *testing.T, cpuMax string, numCPU int) cpuCounter {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "cpu.max"), []byte(cpuMax+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cpuCounter{root: root, self: filepath.Join(root, "no-such-self"), numCPU: func() int { return numCPU }}
}

// TestPrintsOnFailure: when a config fails, what it printed goes to
// stderr, since it may say why; when it succeeds, nothing does.
func TestPrintsOnFailure(t *testing.T) {
	tests := []struct{ name, src, stderr string }{
		{"eval fails", "print('before')\nfail('no')\n", "gocorn.conf.star:1: before\n"},
		{"setting fails", "print('x is', 1)\nworkers = 'a'\n", "gocorn.conf.star:1: x is 1\n"},
		{"succeeds", "print('fine')\nworkers = 2\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			inv := Invocation{Dir: dir, Stderr: &stderr}
			r, err := resolveWith(inv, evalOptions{limits: defaultLimits, cpus: fakeCPUs(t, "max 100000", 2)})
			if (err == nil) != (tt.stderr == "") {
				t.Fatalf("error %v, want one only when stderr is expected", err)
			}
			if got := stderr.String(); got != tt.stderr {
				t.Errorf("stderr = %q, want %q", got, tt.stderr)
			}
			if err == nil && (len(r.Prints) != 1 || r.Prints[0] != "gocorn.conf.star:1: fine") {
				t.Errorf("Prints = %q", r.Prints)
			}
		})
	}
}
