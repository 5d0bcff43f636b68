package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// Process tests of --check-config as the whole pre-flight: what a start
// would fail on fails the check, with the start's words, and what a start
// warns about the check prints.

func TestCheckConfigFailsWhatAStartFails(t *testing.T) {
	for _, tc := range []struct {
		name     string
		conf     string // gocorn.conf.star
		args     []string
		where    string // where the check says the value came from
		want     string // the message: the check's line is "config: WHERE: WANT..."
		startToo bool   // a start stops with the same message, before any worker
	}{
		{name: "a semicolon for a colon", conf: "workers = 1\nbind = ['127.0.0.1;18020']\n", where: "gocorn.conf.star:2", startToo: true,
			want: `bind: address "127.0.0.1;18020": "127.0.0.1;18020" is not a host name (did you mean "127.0.0.1:18020"?)`},
		{name: "an unknown atom", conf: "access_log_format = '%(h)s %(status)s'\n", where: "gocorn.conf.star:1", startToo: true,
			want: `access_log_format: unknown atom %(status)s (did you mean %(s)s?); the atoms are h l u t r s m U q H b B f a T M D L p {Header}i {Header}o {name}e`},
		{name: "one address twice", args: []string{"-b", ":18021", "-b", "0.0.0.0:18021"}, where: "command line", startToo: true,
			want: `bind: ":18021" and "0.0.0.0:18021" are the same address (0.0.0.0:18021): only one of them can be bound`},
		{name: "one name, two spellings", conf: "bind = ['localhost:18022', 'tcp://LocalHost:18022']\n", where: "gocorn.conf.star:1",
			want: `bind: "localhost:18022" and "tcp://LocalHost:18022" are the same address`},
		{name: "a wildcard over an address", args: []string{"-b", "0.0.0.0:18023", "-b", "127.0.0.1:18023"}, where: "command line",
			want: `bind: "0.0.0.0:18023" and "127.0.0.1:18023" overlap (0.0.0.0:18023 takes port 18023 on every address, 127.0.0.1 included)`},
		{name: "one socket file twice", args: []string{"-b", "unix:app.sock", "-b", "unix:./app.sock"}, where: "command line", startToo: true,
			want: `bind: "unix:app.sock" and "unix:./app.sock" are the same socket file (/`},
		{name: "a host that does not resolve", conf: "bind = ['nowhere.invalid:18024']\n", where: "gocorn.conf.star:1",
			want: `bind: "nowhere.invalid:18024": cannot resolve "nowhere.invalid": `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeConf(t, dir, tc.conf)
			want := "config: " + tc.where + ": " + tc.want
			code, _, stderr := run(t, dir, nil, append(append([]string{"--check-config"}, tc.args...), "hello")...)
			if code != 1 || !hasLine(stderr, want) || !hasLine(stderr, "gocorn: check failed: 1 error, 0 warnings") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and a line starting %q", code, stderr, want)
			}
			if !tc.startToo {
				return
			}
			code, _, stderr = run(t, dir, nil, append(tc.args, "hello")...)
			if code != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "Booting worker") {
				t.Errorf("start: exit %d, stderr:\n%s\nwant exit 1 and %q before any worker", code, stderr, tc.want)
			}
		})
	}
}

// hasLine tells whether a line of text starts with prefix.
func hasLine(text, prefix string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// TestCheckConfigBuildsTheApp: the check runs the app's factory in the
// checking process, as a worker would, and fails with its error.
func TestCheckConfigBuildsTheApp(t *testing.T) {
	bin, err := proctest.Build("./testdata/loadfail", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := proctest.Setup{Bin: bin, Dir: t.TempDir()}
	code, _, stderr := proctest.Run(t, s, "--check-config", "db")
	want := `config: command line: app "db" failed to load: dial tcp 127.0.0.1:5432: connection refused`
	if code != 1 || !hasLine(stderr, want) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, stderr, want)
	}
	if code, _, stderr := proctest.Run(t, s, "--check-config", "hello"); code != 0 {
		t.Errorf("an app that builds: exit %d: %s", code, stderr)
	}
}

// warningConf has three boot warnings and nothing wrong.
const warningConf = `bind = ["127.0.0.1:0"]
worker_class = "sync"
write_timeout = 0
ssl_version = "TLSv1"
http2_cleartext = "prior-knowledge"
`

// TestCheckConfigPrintsTheBootWarnings: a good config with warnings
// passes, and the check prints each warning the master logs at start, in
// the same words.
func TestCheckConfigPrintsTheBootWarnings(t *testing.T) {
	dir := t.TempDir()
	writeConf(t, dir, warningConf)
	code, _, stderr := run(t, dir, nil, "--check-config", "hello")
	re := regexp.MustCompile(`(?m)^warning: gocorn\.conf\.star:\d+: (.+)$`)
	warnings := re.FindAllStringSubmatch(stderr, -1)
	if code != 0 || len(warnings) != 3 || !hasLine(stderr, "gocorn: check passed: 0 errors, 3 warnings") {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 0 and 3 warnings", code, stderr)
	}
	in := start(t, dir, "hello")
	for _, w := range warnings {
		in.WaitLog(`\[WARNING\] ` + regexp.QuoteMeta(w[1]) + `\n`)
	}
}

// TestCheckConfigJSON: --json prints one document that a CI step can turn
// into annotations: the file and line of each finding the file caused.
func TestCheckConfigJSON(t *testing.T) {
	dir := t.TempDir()
	writeConf(t, dir, warningConf+"bind = ['127.0.0.1:18025', '127.0.0.1:18025']\n")
	code, stdout, stderr := run(t, dir, nil, "--check-config", "--json", "hello")
	var got struct {
		OK       bool `json:"ok"`
		Errors   int  `json:"errors"`
		Warnings int  `json:"warnings"`
		Findings []struct {
			Severity, File, Setting, Message string
			Line                             int
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON (%v):\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	if code != 1 || got.OK || got.Errors != 1 || got.Warnings != 3 || len(got.Findings) != 4 {
		t.Fatalf("exit %d, %+v", code, got)
	}
	for _, f := range got.Findings {
		if f.File != "gocorn.conf.star" || f.Line == 0 || f.Setting == "" || f.Message == "" {
			t.Errorf("finding without its place: %+v", f)
		}
	}
	if f := got.Findings[0]; f.Severity != "error" || f.Line != 6 || f.Setting != "bind" {
		t.Errorf("first finding %+v, want the bind error at line 6", f)
	}
}

// TestCheckConfigAnnotationsRecipe runs the jq program that
// docs/operations.md gives for GitHub Actions on real --json output, so
// the recipe keeps working as the schema changes.
func TestCheckConfigAnnotationsRecipe(t *testing.T) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("no jq on this machine")
	}
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^  run: \./gocorn .*--check-config --json \w+ \| jq -r '(.+)'$`).FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/operations.md has no GitHub Actions step running jq")
	}
	dir := t.TempDir()
	writeConf(t, dir, warningConf+"bind = ['127.0.0.1:18026', '127.0.0.1:18026']\n")
	_, stdout, _ := run(t, dir, nil, "--check-config", "--json", "nope")
	cmd := exec.Command(jq, "-r", string(m[1]))
	cmd.Stdin = strings.NewReader(stdout)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{
		`::error::app "nope" is not in this binary; it serves chaos, echo, hello`,
		`::error file=gocorn.conf.star,line=6::bind: "127.0.0.1:18026" and "127.0.0.1:18026" are the same address`,
		`::warning file=gocorn.conf.star,line=4::ssl_version is set to "TLSv1" but ignored`,
	}
	if len(lines) != 5 {
		t.Fatalf("jq printed %d lines, want 5:\n%s", len(lines), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want it to start %q", i, lines[i], w)
		}
	}
}
