package starcfg

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
)

// ErrHelpShown means -h/--help or -v/--version printed what was asked:
// the caller should exit 0 without starting anything.
var ErrHelpShown = errors.New("help or version shown")

// UsageError is a bad command line or GOCORN_CMD_ARGS: an unknown flag, a
// missing or invalid flag value. The caller prints it and exits 2, as
// gunicorn (argparse) does. Any other error from Resolve is a config
// error: exit 1.
type UsageError struct {
	Source string // where the arguments came from: sourceCLI, sourceEnvArgs or sourceGunicornArgs
	Msg    string // one line, e.g. `--workers: "x" is not an integer`
	// Program is the name of the program whose command line it is, ""
	// for gocorn (see Invocation.Name).
	Program string
}

// Error is one line a human can act on:
// `gocorn: error: --workers: "x" is not an integer`.
func (e *UsageError) Error() string {
	prefix := cmpOr(e.Program, "gocorn") + ": error: "
	if e.Source != "" && e.Source != sourceCLI {
		return prefix + e.Source + ": " + e.Msg
	}
	return prefix + e.Msg
}

// Where settings come from, as Origins and errors name them.
const (
	sourceDefault = "default"
	sourceEnvArgs = "GOCORN_CMD_ARGS"
	// sourceGunicornArgs is read in place of GOCORN_CMD_ARGS when that is unset.
	sourceGunicornArgs = "GUNICORN_CMD_ARGS"
	sourceCLI          = "command line"
)

// evalError turns an error from running a config program into one that
// starts with "config: " and names file:line:col. stopped, when not nil, is
// why the step or time limit cancelled the run.
func evalError(err error, stopped *string) error {
	if ee := innermostEvalError(err); ee != nil {
		return runtimeError(ee, stopped)
	}
	var list resolve.ErrorList
	if errors.As(err, &list) {
		lines := make([]string, len(list))
		for i, e := range list {
			lines[i] = "config: " + e.Error()
		}
		return errors.New(strings.Join(lines, "\n"))
	}
	return fmt.Errorf("config: %w", err)
}

// innermostEvalError finds the deepest *starlark.EvalError in err's chain:
// an error inside a loaded file arrives wrapped in the loading file's.
// Their stacks share one thread, so the deepest has the whole backtrace.
func innermostEvalError(err error) *starlark.EvalError {
	var found *starlark.EvalError
	for ; err != nil; err = errors.Unwrap(err) {
		if ee, ok := err.(*starlark.EvalError); ok {
			found = ee
		}
	}
	return found
}

// runtimeError is "config: FILE:LINE:COL: MESSAGE", followed by the
// Starlark backtrace when more than one Starlark frame was active.
func runtimeError(ee *starlark.EvalError, stopped *string) error {
	stack := ee.CallStack
	if n := len(stack); n > 0 && stack[n-1].Pos.Filename() == "<builtin>" {
		stack = stack[:n-1]
	}
	msg := RuntimeHint(ee.Msg)
	if stopped != nil {
		msg = *stopped
	}
	if len(stack) == 0 {
		return fmt.Errorf("config: %s", msg)
	}
	text := fmt.Sprintf("config: %s: %s", stack[len(stack)-1].Pos, msg)
	if len(stack) > 1 {
		text += "\n" + strings.TrimRight(stack.String(), "\n")
	}
	return errors.New(text)
}

// configErrorf formats a config error about a setting at a place:
// "config: gocorn.conf.star:12: workers: got string, want int".
func configErrorf(where, format string, args ...any) error {
	return fmt.Errorf("config: %s: %s", where, fmt.Sprintf(format, args...))
}
