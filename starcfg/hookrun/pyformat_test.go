package hookrun

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// TestPyFormat checks formatting against what Python 3 prints for the
// same format and arguments.
func TestPyFormat(t *testing.T) {
	tests := []struct{ format, args, want, err string }{
		{"pid: %s", "(42,)", "pid: 42", ""},
		{"%s and %s", `("a", None)`, "a and None", ""},
		{"%d workers, %i threads, %u", "(4, 2, 1)", "4 workers, 2 threads, 1", ""},
		{"%d", "(2.9,)", "2", ""},
		{"%d", "(True,)", "1", ""},
		{"%r", `("x",)`, `"x"`, ""},
		{"%r %s", "([1, 2], [1, 2])", "[1, 2] [1, 2]", ""},
		{"%f", "(1.5,)", "1.500000", ""},
		{"%.2f s", "(0.125,)", "0.12 s", ""},
		{"%.3f", "(2,)", "2.000", ""},
		{"%5d|%-5d|%05d", "(42, 42, 42)", "   42|42   |00042", ""},
		{"%-6s|%6s", `("ab", "cd")`, "ab    |    cd", ""},
		{"%x %X %o", "(255, 255, 8)", "ff FF 10", ""},
		{"%e", "(12345.678,)", "1.234568e+04", ""},
		{"%g", "(0.1,)", "0.1", ""},
		{"%c%c", `(65, "b")`, "Ab", ""},
		{"100%% sure: %s", "(1,)", "100% sure: 1", ""},
		{"%(name)s is %(age)d", `({"name": "w", "age": 3},)`, "w is 3", ""},
		{"%s", `({"a": 1},)`, `{"a": 1}`, ""},
		{"%ld", "(7,)", "7", ""},
		{"%s %s", "(1,)", "", "not enough arguments for format string"},
		{"%s", "(1, 2)", "", "not all arguments converted during string formatting"},
		{"%d", `("x",)`, "", "%d format: an integer is required, not string"},
		{"%f", `("x",)`, "", "%f format: a real number is required, not string"},
		{"%x", "(1.5,)", "", "%x format: an integer is required, not float"},
		{"%(a)s", "(1,)", "", "format requires a mapping"},
		{"%(b)s", `({"a": 1},)`, "", `no key "b" in the mapping`},
		{"%y", "(1,)", "", "unsupported format character 'y'"},
		{"50%", "(1,)", "", "incomplete format"},
	}
	for _, tt := range tests {
		v, err := starlark.EvalOptions(&syntax.FileOptions{}, &starlark.Thread{}, "args", tt.args, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.args, err)
		}
		got, err := pyFormat(tt.format, v.(starlark.Tuple))
		if errText(err) != tt.err || got != tt.want {
			t.Errorf("%q %% %s = %q, %v; want %q, %q", tt.format, tt.args, got, err, tt.want, tt.err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestLogMethodsPythonStyle runs a hook that logs as a gunicorn config
// does: Python logging's (msg, *args), its keyword arguments, warn,
// exception and log(level, ...). A format that does not fit its
// arguments is logged with a note, and the hook goes on.
func TestLogMethodsPythonStyle(t *testing.T) {
	h, rec := loadHooks(t, "hooks.star", `
def post_fork(server, worker):
    server.log.info("Worker spawned (pid: %s)", worker.pid)
    worker.log.debug("%s", 1, stacklevel = 2)
    worker.log.warn("took %.1f s", 1.25)
    worker.log.warning("100% plain")
    worker.log.error("failed: %s", "x", exc_info = True)
    worker.log.exception("caught %d", 3)
    worker.log.critical("%(who)s down", {"who": "db"})
    worker.log.log(20, "numeric %s", "level")
    worker.log.log("warning", "named")
    worker.log.info("Worker spawned (pid: %s) %s", worker.pid)
    worker.log.info({"a": 1})
    print("printed", worker.pid)
`)
	if err := h.PostFork(&Master{PID: 1}, &Worker{PID: 200}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"INFO Worker spawned (pid: 200)",
		"DEBUG 1",
		"WARNING took 1.2 s",
		"WARNING 100% plain",
		"ERROR failed: x",
		"EXCEPTION caught 3",
		"CRITICAL db down",
		"INFO numeric level",
		"WARNING named",
		"INFO Worker spawned (pid: %s) %s (logging error: not enough arguments for format string; arguments: (200,))",
		`INFO {"a": 1}`,
		"INFO post_fork: printed 200",
	}
	if got := rec.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("logged\n%q\nwant\n%q", got, want)
	}
}

func TestLogMethodErrors(t *testing.T) {
	env := testObjects(t, testRequest())
	tests := []struct{ expr, want string }{
		{"server.log.info()", "info: got 0 arguments, want at least 1"},
		{"server.log.log(20)", "log: got 1 arguments, want at least 2"},
		{"server.log.info('x', colour = 1)", `info: unexpected keyword argument "colour"`},
		{"server.log.log(25, 'x')", "log: level: got 25, want 10, 20, 30, 40 or 50 (DEBUG to CRITICAL)"},
		{"server.log.log('loud', 'x')", `log: level: got "loud", want debug, info, warning, error or critical`},
	}
	for _, tt := range tests {
		_, err := evalWith(t, tt.expr, env)
		if errText(err) != tt.want {
			t.Errorf("%s: error %v, want %q", tt.expr, err, tt.want)
		}
	}
}

// A hook that fails on a Python habit gets the config file's hint.
func TestHookPythonHint(t *testing.T) {
	h, rec := loadHooks(t, "hooks.star", `
def on_starting(server):
    print("%5d" % server.pid)
`)
	h.OnStarting(&Master{PID: 1})
	want := "ERROR Hook on_starting failed: hooks.star:3:17: Starlark's % has no width, precision or flags " +
		"(%5d, %.2f, %-8s): use %s, %d, %r, %x, %f, %e or %g as they are (starlark: unknown conversion %5)"
	if got := rec.take(); len(got) != 1 || !strings.HasPrefix(got[0], want+"\n") {
		t.Errorf("logged\n%q\nwant it to start with\n%q", got, want)
	}
}

// A config whose hooks log as gunicorn configs do runs every hook
// without a failure, and logs what Python would.
func TestGunicornStyleHooks(t *testing.T) {
	cfg := testConfig(t)
	srv := &Master{PID: 100, NumWorkers: 2, Config: cfg}
	w := &Worker{PID: 200, ID: 1, Config: cfg}
	h, rec := loadHooks(t, "testdata/gunicorn_style.star", "")
	callEveryHook(t, h, srv, w, &Response{Status: 200, Duration: 1500 * time.Millisecond})
	want := []string{
		"INFO Master starting with 2 workers",
		"INFO Server is ready. Spawning workers",
		"INFO Worker spawned (pid: 200)",
		"DEBUG worker 200 initialised",
		"DEBUG GET /a/b",
		"INFO GET /a/b -> 200 in 1.500 s",
		"INFO worker received INT or QUIT signal",
		"INFO worker received SIGABRT signal",
		"WARNING Worker 200 exited",
		"INFO child 200 gone",
		"INFO Forked child, re-executing.",
		"INFO Shutting down after on_exit",
	}
	if got := rec.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("logged\n%q\nwant\n%q", got, want)
	}
}
