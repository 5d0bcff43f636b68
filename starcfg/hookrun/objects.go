package hookrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.starlark.net/starlark"

	"github.com/gocorn/gocorn/instrument/errlog"
	"github.com/gocorn/gocorn/starcfg"
)

// This file holds the objects hooks receive for the processes: server,
// worker and their cfg and log. Request objects are in request.go.
// All are read-only Starlark values whose attributes are listed by
// AttrNames, so a misspelt attribute gets a "did you mean" hint.

// Master is what the server object of a hook shows (gunicorn's arbiter).
// The master fills one for each call; Runner copies it, so the caller may
// reuse it as soon as the call returns.
type Master struct {
	PID        int               // the master's process id (in a worker: its master's)
	NumWorkers int               // the number of workers the master keeps now
	Config     *starcfg.Config   // the configuration of the generation being run
	Log        *slog.Logger      // server.log writes here; nil means the Runner' logger
	SetWorkers func(n int) error // server.set_workers(n); nil where no count can change (in workers)
}

// Worker is what the worker object of a hook shows. Runner reads its fields
// when a hook reads the attribute, so fill it before the first hook runs
// and change it only while no hook can run: a worker sets Booted once,
// after post_worker_init and before it serves.
type Worker struct {
	PID    int             // the worker's process id; 0 in pre_fork, before it exists
	ID     int             // spawn order: 1 for the master's first worker, and so on
	Booted time.Time       // when the worker was ready to serve; zero until then
	Config *starcfg.Config // the configuration the worker runs
	Log    *slog.Logger    // worker.log writes here; nil means the Runner' logger
}

// serverValue is the server object: a copy of the master's Master for the
// length of one call.
type serverValue struct {
	srv Master
	h   *Runner
}

var serverAttrs = []string{"cfg", "log", "num_workers", "pid", "set_workers"}

var setWorkersMethod = starlark.NewBuiltin("set_workers", setWorkers)

func (v *serverValue) String() string        { return fmt.Sprintf("<server pid=%d>", v.srv.PID) }
func (v *serverValue) Type() string          { return "server" }
func (v *serverValue) Freeze()               {}
func (v *serverValue) Truth() starlark.Bool  { return starlark.True }
func (v *serverValue) Hash() (uint32, error) { return 0, errors.New("unhashable type: server") }
func (v *serverValue) AttrNames() []string   { return serverAttrs }

func (v *serverValue) Attr(name string) (starlark.Value, error) {
	switch name {
	case "pid":
		return starlark.MakeInt(v.srv.PID), nil
	case "num_workers":
		return starlark.MakeInt(v.srv.NumWorkers), nil
	case "cfg":
		return v.h.cfgFor(v.srv.Config), nil
	case "log":
		return v.h.logFor(v.srv.Log), nil
	case "set_workers":
		return setWorkersMethod.BindReceiver(v), nil
	}
	return nil, nil
}

// setWorkers implements server.set_workers(n): the one way a master hook
// changes the server. It calls Master.SetWorkers, which assigns the count
// the master keeps and so runs nworkers_changed; called from inside
// nworkers_changed it would run that hook again, so it is refused there.
func setWorkers(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n int
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &n); err != nil {
		return nil, err
	}
	v := b.Receiver().(*serverValue)
	switch {
	case thread.Name == "nworkers_changed":
		return nil, errors.New("set_workers: not allowed in nworkers_changed, which runs " +
			"because the number of workers was just set; setting it again would run " +
			"nworkers_changed again")
	case v.srv.SetWorkers == nil:
		return nil, fmt.Errorf("set_workers: only the master can change the number of "+
			"workers, and %s runs in a worker", thread.Name)
	case n < 1:
		return nil, fmt.Errorf("set_workers: got %d, want 1 or more", n)
	}
	if err := v.srv.SetWorkers(n); err != nil {
		return nil, fmt.Errorf("set_workers: %v", err)
	}
	v.srv.NumWorkers = n
	return starlark.None, nil
}

// workerValue is the worker object. It reads the Worker's fields on
// access, so Runner can reuse one for every request a worker serves.
type workerValue struct {
	w *Worker
	h *Runner
}

var workerAttrs = []string{"age", "booted", "cfg", "id", "log", "pid"}

func (v *workerValue) String() string        { return fmt.Sprintf("<worker pid=%d>", v.w.PID) }
func (v *workerValue) Type() string          { return "worker" }
func (v *workerValue) Freeze()               {}
func (v *workerValue) Truth() starlark.Bool  { return starlark.True }
func (v *workerValue) Hash() (uint32, error) { return 0, errors.New("unhashable type: worker") }
func (v *workerValue) AttrNames() []string   { return workerAttrs }

func (v *workerValue) Attr(name string) (starlark.Value, error) {
	switch name {
	case "pid":
		return starlark.MakeInt(v.w.PID), nil
	case "id", "age":
		return starlark.MakeInt(v.w.ID), nil
	case "booted":
		if v.w.Booted.IsZero() {
			return starlark.Float(0), nil
		}
		t := v.w.Booted
		return starlark.Float(float64(t.Unix()) + float64(t.Nanosecond())/1e9), nil
	case "cfg":
		return v.h.cfgFor(v.w.Config), nil
	case "log":
		return v.h.logFor(v.w.Log), nil
	}
	return nil, nil
}

// cfgValue is server.cfg and worker.cfg: every setting by its name, as
// --print-config shows it. Runner builds one per Config and reuses it.
type cfgValue struct {
	c      *starcfg.Config
	names  []string // sorted
	values starlark.StringDict
}

func newCfgValue(c *starcfg.Config) *cfgValue {
	values := c.StarlarkValues()
	return &cfgValue{c: c, names: values.Keys(), values: values}
}

func (v *cfgValue) Type() string          { return "cfg" }
func (v *cfgValue) Freeze()               {}
func (v *cfgValue) Truth() starlark.Bool  { return starlark.True }
func (v *cfgValue) Hash() (uint32, error) { return 0, errors.New("unhashable type: cfg") }
func (v *cfgValue) AttrNames() []string   { return v.names }

func (v *cfgValue) Attr(name string) (starlark.Value, error) {
	return v.values[name], nil // nil, nil: no such setting, with a hint
}

// String is cfg(name = value, ...), sorted by name.
func (v *cfgValue) String() string {
	var b strings.Builder
	b.WriteString("cfg(")
	for i, n := range v.names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n + " = " + v.values[n].String())
	}
	b.WriteString(")")
	return b.String()
}

// logValue is server.log and worker.log: gunicorn's logger methods,
// writing to the error log. They take Python logging's (msg, *args).
type logValue struct{ l *slog.Logger }

var logAttrs = []string{"critical", "debug", "error", "exception", "info", "log", "warn", "warning"}

// logMethods are the logger's methods, by name. exception is error
// counted apart, as gunicorn's logger counts it (a hook has no exception
// to attach); warn is Python's old name of warning.
var logMethods = map[string]*starlark.Builtin{
	"debug":     starlark.NewBuiltin("debug", logAt(slog.LevelDebug)),
	"info":      starlark.NewBuiltin("info", logAt(slog.LevelInfo)),
	"warning":   starlark.NewBuiltin("warning", logAt(slog.LevelWarn)),
	"warn":      starlark.NewBuiltin("warn", logAt(slog.LevelWarn)),
	"error":     starlark.NewBuiltin("error", logAt(slog.LevelError)),
	"exception": starlark.NewBuiltin("exception", logAt(errlog.LevelException)),
	"critical":  starlark.NewBuiltin("critical", logAt(errlog.LevelCritical)),
	"log":       starlark.NewBuiltin("log", logAtGiven),
}

func (v *logValue) String() string        { return "<log>" }
func (v *logValue) Type() string          { return "log" }
func (v *logValue) Freeze()               {}
func (v *logValue) Truth() starlark.Bool  { return starlark.True }
func (v *logValue) Hash() (uint32, error) { return 0, errors.New("unhashable type: log") }
func (v *logValue) AttrNames() []string   { return logAttrs }

func (v *logValue) Attr(name string) (starlark.Value, error) {
	if m, ok := logMethods[name]; ok {
		return m.BindReceiver(v), nil
	}
	return nil, nil
}

// logAt is a log method at level: log.info(msg, *args).
func logAt(level slog.Level) builtinFunc {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := checkLogArgs(b.Name(), args, kwargs, 1); err != nil {
			return nil, err
		}
		b.Receiver().(*logValue).write(level, args[0], args[1:])
		return starlark.None, nil
	}
}

// logAtGiven is log.log(level, msg, *args), level a name ("info") or
// Python's number (logging.INFO is 20).
func logAtGiven(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := checkLogArgs(b.Name(), args, kwargs, 2); err != nil {
		return nil, err
	}
	level, err := pythonLevel(args[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	b.Receiver().(*logValue).write(level, args[1], args[2:])
	return starlark.None, nil
}

// pythonLevel reads a level as log.log takes it.
func pythonLevel(v starlark.Value) (slog.Level, error) {
	if name, ok := starlark.AsString(v); ok {
		l, err := errlog.ParseLevel(name)
		if err != nil {
			return 0, fmt.Errorf("level: got %q, want debug, info, warning, error or critical", name)
		}
		return l, nil
	}
	var n int
	if err := starlark.AsInt(v, &n); err != nil {
		return 0, fmt.Errorf("level: got %s, want a name (\"info\") or a number (20)", v.Type())
	}
	levels := map[int]slog.Level{10: slog.LevelDebug, 20: slog.LevelInfo, 30: slog.LevelWarn, 40: slog.LevelError, 50: errlog.LevelCritical}
	if l, ok := levels[n]; ok {
		return l, nil
	}
	return 0, fmt.Errorf("level: got %d, want 10, 20, 30, 40 or 50 (DEBUG to CRITICAL)", n)
}

// logKwargs are Python logging's keyword arguments. They are accepted,
// so a hook written for gunicorn runs, and ignored: a Starlark hook has
// no exception or stack to attach, and the log line has no fields for
// extra.
var logKwargs = map[string]bool{"exc_info": true, "stack_info": true, "stacklevel": true, "extra": true}

// checkLogArgs requires at least want positional arguments and no keyword
// arguments but logKwargs.
func checkLogArgs(name string, args starlark.Tuple, kwargs []starlark.Tuple, want int) error {
	if len(args) < want {
		return fmt.Errorf("%s: got %d arguments, want at least %d", name, len(args), want)
	}
	for _, kv := range kwargs {
		if k, _ := starlark.AsString(kv[0]); !logKwargs[k] {
			return fmt.Errorf("%s: unexpected keyword argument %s", name, kv[0])
		}
	}
	return nil
}

// write logs msg formatted with args, on one line (control characters
// escaped) so that a hook logging a request path cannot forge a log line.
func (v *logValue) write(level slog.Level, msg starlark.Value, args starlark.Tuple) {
	v.l.Log(context.Background(), level, oneLine(logMessage(msg, args)))
}

// logMessage is what Python's logging makes of a call's msg and args:
// str(msg), then % args when there are args. A format that does not fit
// its arguments does not fail the hook: the message is logged as it is,
// with what went wrong, where Python's logging prints "--- Logging error
// ---" and a traceback on stderr and drops the message.
func logMessage(msg starlark.Value, args starlark.Tuple) string {
	text := str(msg)
	if len(args) == 0 {
		return text
	}
	out, err := pyFormat(text, args)
	if err != nil {
		return text + " (logging error: " + err.Error() + "; arguments: " + args.String() + ")"
	}
	return out
}

// oneLine escapes the control characters of s (but tab) as \n, \r or
// \xHH, so text from a hook stays on its log line.
func oneLine(s string) string {
	i := strings.IndexFunc(s, isControl)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }
