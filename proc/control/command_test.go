package control

import (
	"encoding/json"
	"testing"
)

// Commands parse as gunicorn's server parses them, and refusals read as
// its do.
func TestParse(t *testing.T) {
	tests := []struct {
		command string
		args    []string
		want    Command
		err     string // errorText of the refusal
	}{
		{"show workers", nil, Command{Verb: "show", Target: "workers"}, ""},
		{"  SHOW Stats ", nil, Command{Verb: "show", Target: "stats"}, ""},
		{"show", []string{"listeners"}, Command{Verb: "show", Target: "listeners"}, ""},
		{"show all extra words", nil, Command{Verb: "show", Target: "all"}, ""},
		{"show dirty", nil, Command{Verb: "show", Target: "dirty"}, ""},
		{"show", nil, Command{}, "Invalid argument: Missing show target (all|workers|dirty|config|stats|listeners)"},
		{"show bogus", nil, Command{}, "Invalid argument: Unknown show target: bogus"},
		{"worker add", nil, Command{Verb: "worker", Target: "add", N: 1}, ""},
		{"worker add 3", nil, Command{Verb: "worker", Target: "add", N: 3}, ""},
		{"worker add", []string{"2"}, Command{Verb: "worker", Target: "add", N: 2}, ""},
		{"worker add -4", nil, Command{Verb: "worker", Target: "add", N: 1}, ""},
		{"worker remove 0", nil, Command{Verb: "worker", Target: "remove", N: 1}, ""},
		{"worker add two", nil, Command{}, "Invalid argument: invalid literal for int() with base 10: 'two'"},
		{"worker kill 123", nil, Command{Verb: "worker", Target: "kill", N: 123}, ""},
		{"worker kill", nil, Command{}, "Invalid argument: Missing PID for worker kill"},
		{"worker", nil, Command{}, "Invalid argument: Missing worker action (add|remove|kill)"},
		{"worker fire 1", nil, Command{}, "Invalid argument: Unknown worker action: fire"},
		{"dirty add", nil, Command{Verb: "dirty", Target: "add", N: 1}, ""},
		{"dirty", nil, Command{}, "Invalid argument: Missing dirty action (add|remove)"},
		{"dirty grow", nil, Command{}, "Invalid argument: Unknown dirty action: grow"},
		{"reload", nil, Command{Verb: "reload"}, ""},
		{"Reopen", nil, Command{Verb: "reopen"}, ""},
		{"help", nil, Command{Verb: "help"}, ""},
		{"shutdown", nil, Command{Verb: "shutdown", Target: "graceful"}, ""},
		{"shutdown quick", nil, Command{Verb: "shutdown", Target: "quick"}, ""},
		{"shutdown now", nil, Command{}, "Invalid argument: Unknown shutdown mode: now (graceful|quick)"},
		{"bogus", nil, Command{}, "Invalid argument: Unknown command: bogus"},
		{"", nil, Command{}, "Empty command"},
		{"   ", []string{"workers"}, Command{}, "Empty command"},
		{"show 'workers", nil, Command{}, "Invalid argument: a single quote (') is never closed"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.command, tt.args)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("Parse(%q, %q) = %+v, %v; want %+v", tt.command, tt.args, got, err, tt.want)
		case tt.err != "" && (err == nil || errorText(err) != tt.err):
			t.Errorf("Parse(%q, %q) error = %v; want %q", tt.command, tt.args, err, tt.err)
		}
	}
}

// Args are words as Python's str() prints them.
func TestArgWords(t *testing.T) {
	var args []json.RawMessage
	if err := json.Unmarshal([]byte(`["workers", 3, 2.5, true, false, null]`), &args); err != nil {
		t.Fatal(err)
	}
	got := argWords(args)
	want := []string{"workers", "3", "2.5", "True", "False", "None"}
	if len(got) != len(want) {
		t.Fatalf("argWords = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("argWords = %q, want %q", got, want)
		}
	}
}

func TestCommandString(t *testing.T) {
	for cmd, want := range map[Command]string{
		{Verb: "show", Target: "workers"}:        "show workers",
		{Verb: "worker", Target: "kill", N: 12}:  "worker kill 12",
		{Verb: "reload"}:                         "reload",
		{Verb: "shutdown", Target: "quick"}:      "shutdown quick",
		{Verb: "worker", Target: "remove", N: 2}: "worker remove 2",
	} {
		if got := cmd.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", cmd, got, want)
		}
	}
}
