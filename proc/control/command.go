package control

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gocorn/gocorn/starcfg"
)

// Command is one parsed control command.
type Command struct {
	Verb   string // show, worker, dirty, reload, reopen, shutdown or help
	Target string // show's target (workers, ...), worker's and dirty's action (add, ...), shutdown's mode
	N      int    // how many workers to add or remove; the pid to kill
}

// The verbs, targets and shutdown modes gunicorn 26 knows.
const (
	VerbShow     = "show"
	VerbWorker   = "worker"
	VerbDirty    = "dirty"
	VerbReload   = "reload"
	VerbReopen   = "reopen"
	VerbShutdown = "shutdown"
	VerbHelp     = "help"

	ShowAll       = "all"
	ShowWorkers   = "workers"
	ShowDirty     = "dirty"
	ShowConfig    = "config"
	ShowStats     = "stats"
	ShowListeners = "listeners"

	ActionAdd    = "add"
	ActionRemove = "remove"
	ActionKill   = "kill"

	ModeGraceful = "graceful"
	ModeQuick    = "quick"
)

// String is the command as a client would type it.
func (c Command) String() string {
	switch {
	case c.Verb == VerbWorker || c.Verb == VerbDirty:
		return fmt.Sprintf("%s %s %d", c.Verb, c.Target, c.N)
	case c.Target != "":
		return c.Verb + " " + c.Target
	}
	return c.Verb
}

// ReadOnly tells whether the command only reads: show, help, and the
// dirty commands, which do nothing in gocorn.
func (c Command) ReadOnly() bool {
	return c.Verb == VerbShow || c.Verb == VerbHelp || c.Verb == VerbDirty
}

// ArgError is a command gunicorn would refuse with "Invalid argument":
// unknown, incomplete, or with a number that is not one.
type ArgError struct{ Msg string }

func (e *ArgError) Error() string { return "Invalid argument: " + e.Msg }

func argError(format string, a ...any) error { return &ArgError{Msg: fmt.Sprintf(format, a...)} }

// errEmpty is a request without a command.
var errEmpty = errors.New("Empty command")

// Parse reads a command as gunicorn's server does: the command text is
// split as a shell would, args are appended, and the first two words are
// case-insensitive. Words past what a command takes are ignored.
func Parse(command string, args []string) (Command, error) {
	command = strings.TrimSpace(command)
	if command == "" {
		return Command{}, errEmpty
	}
	words, err := starcfg.ShellSplit(command)
	if err != nil {
		return Command{}, &ArgError{Msg: err.Error()}
	}
	words = append(words, args...)
	if len(words) == 0 {
		return Command{}, errEmpty
	}
	verb, rest := strings.ToLower(words[0]), words[1:]
	switch verb {
	case VerbShow:
		return parseShow(rest)
	case VerbWorker:
		return parseWorker(rest)
	case VerbDirty:
		return parseDirty(rest)
	case VerbReload, VerbReopen, VerbHelp:
		return Command{Verb: verb}, nil
	case VerbShutdown:
		return parseShutdown(rest)
	}
	return Command{}, argError("Unknown command: %s", verb)
}

// showTargets are what show shows, in gunicorn's order.
var showTargets = []string{ShowAll, ShowWorkers, ShowDirty, ShowConfig, ShowStats, ShowListeners}

func parseShow(rest []string) (Command, error) {
	if len(rest) == 0 {
		return Command{}, argError("Missing show target (%s)", strings.Join(showTargets, "|"))
	}
	target := strings.ToLower(rest[0])
	for _, t := range showTargets {
		if t == target {
			return Command{Verb: VerbShow, Target: target}, nil
		}
	}
	return Command{}, argError("Unknown show target: %s", target)
}

func parseWorker(rest []string) (Command, error) {
	if len(rest) == 0 {
		return Command{}, argError("Missing worker action (add|remove|kill)")
	}
	action := strings.ToLower(rest[0])
	switch action {
	case ActionAdd, ActionRemove:
		n, err := countArg(rest[1:])
		return Command{Verb: VerbWorker, Target: action, N: n}, err
	case ActionKill:
		if len(rest) < 2 {
			return Command{}, argError("Missing PID for worker kill")
		}
		pid, err := pythonInt(rest[1])
		return Command{Verb: VerbWorker, Target: action, N: pid}, err
	}
	return Command{}, argError("Unknown worker action: %s", action)
}

func parseDirty(rest []string) (Command, error) {
	if len(rest) == 0 {
		return Command{}, argError("Missing dirty action (add|remove)")
	}
	action := strings.ToLower(rest[0])
	if action != ActionAdd && action != ActionRemove {
		return Command{}, argError("Unknown dirty action: %s", action)
	}
	n, err := countArg(rest[1:])
	return Command{Verb: VerbDirty, Target: action, N: n}, err
}

// parseShutdown takes gunicorn's two modes, graceful by default. gunicorn
// shuts down gracefully on any other word; gocorn refuses it, since a
// typo should not stop a server in a way nobody asked for.
func parseShutdown(rest []string) (Command, error) {
	mode := ModeGraceful
	if len(rest) > 0 {
		mode = rest[0]
	}
	if mode != ModeGraceful && mode != ModeQuick {
		return Command{}, argError("Unknown shutdown mode: %s (graceful|quick)", mode)
	}
	return Command{Verb: VerbShutdown, Target: mode}, nil
}

// countArg is the count of worker add and remove: the first word, at
// least 1; 1 when there is none.
func countArg(words []string) (int, error) {
	if len(words) == 0 {
		return 1, nil
	}
	n, err := pythonInt(words[0])
	return max(n, 1), err
}

// pythonInt reads a number as Python's int() does, and refuses one in
// its words.
func pythonInt(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, argError("invalid literal for int() with base 10: '%s'", s)
	}
	return n, nil
}
