package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// A transcript is one ```console block of a document: what a reader types
// and what the terminal shows. The doc test runs every one, so the docs
// cannot drift from the binary. The format, for writers of docs:
//
//   - "$ COMMAND" is a command, run by sh in a fresh directory holding a
//     copy of examples/; `gocorn` is the binary under test (`go run
//     ./cmd/gocorn` is read as `gocorn`).
//   - The lines after it, up to the next "$ ", are its output (stdout and
//     stderr together). A line "..." stands for any number of lines, and
//     "..." inside a line for any text. In error log lines ("[2026-12-02
//     11:32:17 +0000] [14355] [INFO] ...") any number matches any number,
//     so a doc can show a real line. Nothing after a command means its
//     output is not checked.
//   - "[exit N]" as the last output line: the command must exit N; else
//     it must exit 0.
//   - "$ COMMAND &" starts a server in the background; its output lines are
//     waited for in its error log. "$ kill %1" (or kill -INT, -QUIT, -TERM)
//     stops it and wants exit 0; "$ wait" waits for it to exit (after a
//     kill of its pid) and wants exit 0 or the "[exit N]" that follows.
//     "$ kill -HUP %1" (or -USR1, -TTIN, -TTOU) signals it, and the lines
//     after are waited for anywhere in its log, in order.
//     A block must stop what it starts.
//   - 127.0.0.1:8000 and 127.0.0.1:9100 become free ports (PORT is set to
//     the first, for examples/gocorn.conf.star).
type transcript struct {
	file  string // the document, relative to the repository
	line  int    // the line of the opening fence
	steps []step
}

// step is one command of a transcript and what it must show.
type step struct {
	line       int
	command    string
	background bool     // ended in " &"
	output     []string // expected lines; nil when not checked
	exit       int      // the wanted exit code
}

// transcriptFence opens a runnable block.
const transcriptFence = "```console"

// readTranscripts returns the console blocks of the markdown file at path,
// named rel in messages.
func readTranscripts(path, rel string) ([]transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []transcript
	var cur *transcript
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		switch {
		case cur == nil && trimmed == transcriptFence:
			cur = &transcript{file: rel, line: n}
		case cur == nil:
		case strings.HasPrefix(trimmed, "```"):
			if err := cur.finish(); err != nil {
				return nil, err
			}
			out = append(out, *cur)
			cur = nil
		default:
			if err := cur.add(n, strings.TrimRight(text, " \t")); err != nil {
				return nil, err
			}
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: the console block is never closed", rel, cur.line)
	}
	return out, sc.Err()
}

// add takes one line of a block.
func (tr *transcript) add(n int, text string) error {
	if cmd, ok := strings.CutPrefix(text, "$ "); ok {
		s := step{line: n, command: cmd}
		if c, bg := strings.CutSuffix(cmd, " &"); bg {
			s.command, s.background = c, true
		}
		tr.steps = append(tr.steps, s)
		return nil
	}
	if len(tr.steps) == 0 {
		return fmt.Errorf("%s:%d: a console block must start with a \"$ \" command", tr.file, n)
	}
	last := &tr.steps[len(tr.steps)-1]
	last.output = append(last.output, text)
	return nil
}

var exitLine = regexp.MustCompile(`^\[exit (\d+)\]$`)

// finish reads each step's "[exit N]" line and checks the block stops
// what it starts.
func (tr *transcript) finish() error {
	running := false
	for i := range tr.steps {
		s := &tr.steps[i]
		if k := len(s.output); k > 0 {
			if m := exitLine.FindStringSubmatch(s.output[k-1]); m != nil {
				s.exit, _ = strconv.Atoi(m[1])
				s.output = s.output[:k-1]
			}
		}
		switch {
		case s.background && running:
			return fmt.Errorf("%s:%d: one background server at a time", tr.file, s.line)
		case s.background:
			running = true
		case stops(s.command):
			running = false
		}
	}
	if running {
		return fmt.Errorf("%s:%d: the block starts a server with & and never stops it (add \"$ kill %%1\" or \"$ wait\")", tr.file, tr.line)
	}
	return nil
}

// stops says whether a step ends the background server.
func stops(command string) bool {
	sig, kill := killSignal(command)
	return kill && stopSignals[sig] || command == "wait"
}

var killJob = regexp.MustCompile(`^kill(?: -(TERM|INT|QUIT|HUP|USR1|TTIN|TTOU))? %1$`)

// jobSignals are the signals "kill -SIG %1" may send. USR2 is not among
// them: the new master it starts would outlive the test.
var jobSignals = map[string]syscall.Signal{"": syscall.SIGTERM, "TERM": syscall.SIGTERM,
	"INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "HUP": syscall.SIGHUP,
	"USR1": syscall.SIGUSR1, "TTIN": syscall.SIGTTIN, "TTOU": syscall.SIGTTOU}

// stopSignals are the jobSignals that stop the server.
var stopSignals = map[syscall.Signal]bool{syscall.SIGTERM: true, syscall.SIGINT: true, syscall.SIGQUIT: true}

// killSignal is the signal a "kill %1" step sends; false if the step is
// another command.
func killSignal(command string) (syscall.Signal, bool) {
	m := killJob.FindStringSubmatch(command)
	if m == nil {
		return 0, false
	}
	return jobSignals[m[1]], true
}

// logLine is the start of an error log line, "[2026-12-02 11:32:17
// +0000] [14355] [INFO] ": in such a line every number (times, pids,
// counts of CPUs) matches any number, so docs can show real lines.
var logLine = regexp.MustCompile(`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[[A-Z]+\] `)

var digits = regexp.MustCompile(`[0-9]+`)

// outputPattern compiles expected lines into a regexp over the whole
// output: "..." alone matches any lines, "..." in a line any text; in
// log lines, numbers match any number.
func outputPattern(lines []string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`\A`)
	for _, l := range lines {
		if l == "..." {
			b.WriteString(`(?:[^\n]*\n)*?`)
			continue
		}
		parts := strings.Split(l, "...")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
			if logLine.MatchString(l) {
				parts[i] = digits.ReplaceAllString(parts[i], `[0-9]+`)
			}
		}
		b.WriteString(`[ \t]*` + strings.Join(parts, `[^\n]*`) + `[ \t]*\n`)
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

// outputMatches says whether got, as a terminal shows it, matches the
// expected lines.
func outputMatches(want []string, got string) bool {
	if got != "" && !strings.HasSuffix(got, "\n") {
		got += "\n"
	}
	return outputPattern(want).MatchString(got)
}

// logMatches is outputMatches for a server's growing log: the expected
// lines must match from the start, and more may follow.
func logMatches(want []string, log string) bool {
	return outputMatches(append(want[:len(want):len(want)], "..."), log)
}

// markdownPages are the repository's markdown files, relative to its
// root: the pages whose transcripts and links are checked.
func markdownPages(t *testing.T) []string {
	t.Helper()
	var pages []string
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Hidden folders are not the repository's pages, and testdata
		// holds pages as generated for a test, not for readers.
		if d.IsDir() && path != repoRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			rel, _ := filepath.Rel(repoRoot, path)
			pages = append(pages, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pages
}

// repoRoot is the repository, seen from this package's directory.
const repoRoot = "../.."

func TestTranscriptOutputMatching(t *testing.T) {
	tests := []struct {
		name string
		want []string
		got  string
		ok   bool
	}{
		{"exact", []string{"Hello, World!"}, "Hello, World!\n", true},
		{"no newline at the end", []string{"a"}, "a", true},
		{"different", []string{"Hello"}, "Bye\n", false},
		{"elided text", []string{"[...] [INFO] Listening at: http://127.0.0.1:... (...)"},
			"[2026-12-02 11:32:17 +0000] [14355] [INFO] Listening at: http://127.0.0.1:8000 (14355)\n", true},
		{"log line numbers vary", []string{"[2026-12-02 11:32:17 +0000] [14355] [INFO] development: 5 gthread workers"},
			"[2027-01-01 00:00:00 +0100] [7] [INFO] development: 2 gthread workers\n", true},
		{"log line words do not", []string{"[2026-12-02 11:32:17 +0000] [14355] [INFO] Booting worker"},
			"[2027-01-01 00:00:00 +0100] [7] [INFO] Booting master\n", false},
		{"numbers count elsewhere", []string{"workers = 3"}, "workers = 4\n", false},
		{"elision stays in its line", []string{"a...b"}, "a\nb\n", false},
		{"elided lines", []string{"first", "...", "last"}, "first\n2\n3\nlast\n", true},
		{"elided nothing", []string{"first", "...", "last"}, "first\nlast\n", true},
		{"missing line", []string{"first", "second"}, "first\n", false},
		{"extra line", []string{"first"}, "first\nsecond\n", false},
		{"empty", nil, "", true},
		{"regexp characters are literal", []string{"a.b (c)"}, "axb (c)\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outputMatches(tt.want, tt.got); got != tt.ok {
				t.Errorf("outputMatches(%q, %q) = %v, want %v", tt.want, tt.got, got, tt.ok)
			}
		})
	}
	if !logMatches([]string{"[...] Starting gocorn ..."}, "[x] Starting gocorn devel\nmore\n") {
		t.Error("a log may go on after the lines a doc shows")
	}
}

func TestTranscriptParsing(t *testing.T) {
	tests := []struct {
		name  string
		block string
		steps []step
		err   string
	}{
		{"command and output", "$ gocorn --version\ngocorn ...\n",
			[]step{{line: 3, command: "gocorn --version", output: []string{"gocorn ..."}}}, ""},
		{"exit code", "$ gocorn --nope\n...\n[exit 2]\n",
			[]step{{line: 3, command: "gocorn --nope", output: []string{"..."}, exit: 2}}, ""},
		{"background and kill", "$ gocorn hello &\n$ kill -INT %1\n",
			[]step{{line: 3, command: "gocorn hello", background: true}, {line: 4, command: "kill -INT %1"}}, ""},
		{"stopped by pid", "$ gocorn -p pid hello &\n$ kill $(cat pid)\n$ wait\n[exit 0]\n",
			[]step{{line: 3, command: "gocorn -p pid hello", background: true}, {line: 4, command: "kill $(cat pid)"}, {line: 5, command: "wait"}}, ""},
		{"never stopped", "$ gocorn hello &\n", nil, "never stops it"},
		{"a HUP does not stop it", "$ gocorn hello &\n$ kill -HUP %1\n", nil, "never stops it"},
		{"output first", "hello\n", nil, "must start with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "doc.md")
			os.WriteFile(path, []byte("text\n"+transcriptFence+"\n"+tt.block+"```\n"), 0o644)
			trs, err := readTranscripts(path, "doc.md")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(trs) != 1 || fmt.Sprint(trs[0].steps) != fmt.Sprint(tt.steps) {
				t.Errorf("got %+v, want one block with steps %+v", trs, tt.steps)
			}
		})
	}
}
