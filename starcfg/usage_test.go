package starcfg

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gocorn/gocorn/starcfg/golden"
)

// usageCommands stand in for package proc's subcommands.
var usageCommands = []Command{
	{Name: "ctl", Args: "[COMMAND]", Summary: "Talk to a running master over its control socket."},
	{Name: "help", Args: "[SETTING...]", Summary: "Show a setting's full text, or list the settings by section."},
}

// usage runs -h through Resolve, as the binary does.
func usage(t *testing.T) string {
	t.Helper()
	var stdout bytes.Buffer
	inv := Invocation{Args: []string{"-h"}, Dir: t.TempDir(), Stdout: &stdout, Commands: usageCommands}
	if _, err := Resolve(inv); !errors.Is(err, ErrHelpShown) {
		t.Fatalf("error = %v, want ErrHelpShown", err)
	}
	return stdout.String()
}

func TestUsageGolden(t *testing.T) {
	golden.Check(t, "testdata/usage.golden", usage(t))
}

// -h stays scannable whatever the table holds: every flag on one line of
// at most usageWidth columns, every subcommand, the pointer to gocorn help.
func TestUsageShape(t *testing.T) {
	help := usage(t)
	lines := strings.Split(strings.TrimSuffix(help, "\n"), "\n")
	flagLines := map[string]string{}
	for i, line := range lines {
		if n := utf8.RuneCountInString(line); n > usageWidth {
			t.Errorf("line %d has %d columns: %q", i+1, n, line)
		}
		if f := strings.Fields(line); len(f) > 0 {
			flagLines[strings.TrimSuffix(f[0], ",")] = line
		}
	}
	for _, s := range settings {
		if len(s.flags) > 0 && !strings.Contains(help, flagSpellings(s)) {
			t.Errorf("-h lacks %q", flagSpellings(s))
		}
	}
	for _, c := range usageCommands {
		if _, ok := flagLines[c.Name]; !ok {
			t.Errorf("-h lacks the %s subcommand", c.Name)
		}
	}
	if footer := strings.Join(lines[len(lines)-3:], "\n"); !strings.Contains(footer, "gocorn help SETTING") ||
		!strings.HasSuffix(footer, "docs/settings.md.") {
		t.Errorf("-h does not end with the pointer to gocorn help and docs/settings.md:\n%s", footer)
	}
	if !strings.Contains(flagLines["--backlog"], "(default: 2048)") || strings.Contains(flagLines["--chdir"], "default") {
		t.Errorf("short defaults are shown and None is not:\n%s\n%s", flagLines["--backlog"], flagLines["--chdir"])
	}
}

func TestFirstSentence(t *testing.T) {
	tests := []struct{ in, want string }{
		{"One. Two.", "One."},
		{"Capped by net.core.somaxconn. More.", "Capped by net.core.somaxconn."},
		{"Names, e.g. foo. More.", "Names, e.g. foo."},
		{"No stop at all", "No stop at all"},
		{"Ends here.", "Ends here."},
	}
	for _, tt := range tests {
		if got := firstSentence(tt.in); got != tt.want {
			t.Errorf("firstSentence(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCutToWidth(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"fits", 10, "fits"},
		{"The sockets to listen on: HOST, HOST:PORT", 30, "The sockets to listen on"},
		{"Accept a header value (obs-fold: a line) more", 35, "Accept a header value"},
		{"Seconds a worker may go silent (no heartbeat) (default: 30)", 45, "Seconds a worker may go silent (default: 30)"},
		{"The number of pending connections the kernel queues (default: 2048)", 40, "The number of pending... (default: 2048)"},
		{"Averyveryverylongword", 10, "Averyve..."},
	}
	for _, tt := range tests {
		got := cutToWidth(tt.in, tt.width)
		if got != tt.want || utf8.RuneCountInString(got) > tt.width {
			t.Errorf("cutToWidth(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
