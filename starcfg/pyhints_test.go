package starcfg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/starcfg/golden"
)

// TestPythonHints runs config files written with Python habits and
// compares the errors, hint first and at file:line, with
// testdata/pyhints.golden. Every case must fail with one line that
// carries a hint or a "did you mean".
func TestPythonHints(t *testing.T) {
	cases := []struct{ name, src string }{
		{"import", "import socket\nworkers = 2\n"},
		{"import_multiprocessing", "import multiprocessing\nworkers = 2\n"},
		{"import_os", "import os\n"},
		{"import_os_path", "import os.path\n"},
		{"from_import", "from os import environ\n"},
		{"os_environ_get", "workers = int(os.environ.get(\"WEB_CONCURRENCY\", \"2\"))\n"},
		{"os_environ_index", "bind = os.environ[\"BIND\"]\n"},
		{"os_getenv", "loglevel = os.getenv(\"LOG_LEVEL\", \"info\")\n"},
		{"multiprocessing_cpu_count", "workers = multiprocessing.cpu_count() * 2 + 1\n"},
		{"os_cpu_count", "workers = os.cpu_count()\n"},
		{"sys_module", "x = sys.argv\n"},
		{"module_in_hook", "def worker_int(worker):\n    worker.log.info(traceback.format_stack())\n"},
		{"fstring", "_port = 8000\nbind = f\"0.0.0.0:{_port}\"\n"},
		{"fstring_single_raw", "_p = 1\nbind = rf'x{_p}'\n"},
		{"print_statement", "print \"hello\"\n"},
		{"try", "try:\n    workers = 2\nexcept ValueError:\n    workers = 1\n"},
		{"raise", "raise ValueError(\"no\")\n"},
		{"class", "class Settings:\n    workers = 2\n"},
		{"with", "with open(\"workers\") as f:\n    workers = int(f.read())\n"},
		{"global", "def f():\n    global workers\n    workers = 3\n"},
		{"nonlocal", "def f():\n    nonlocal x\n"},
		{"del", "_d = {\"a\": 1}\ndel _d[\"a\"]\n"},
		{"while", "_n = 0\nwhile _n < 3:\n    _n += 1\n"},
		{"is_none", "_x = env(\"X\")\nif _x is None:\n    _x = \"1\"\n"},
		{"is_in_conditional", "loglevel = \"info\" if env(\"DEBUG\") is None else \"debug\"\n"},
		{"is_not_none", "_x = env(\"X\")\n_y = _x is not None\n"},
		{"power", "workers = 2 ** 3\n"},
		{"assert", "assert 1 == 1\n"},
		{"decorator", "@_deco\ndef post_fork(server, worker):\n    pass\n"},
		{"digit_separator", "max_requests = 1_000\n"},
		{"annotation", "workers: int = 2\n"},
		{"annotation_param", "def post_fork(server: object, worker):\n    pass\n"},
		{"annotation_return", "def post_fork(server, worker) -> None:\n    pass\n"},
		{"set_literal", "_s = {1, 2}\n"},
		{"set_literal_one", "_s = {\"a\"}\n"},
		{"list_sort", "_l = [3, 1]\n_l.sort()\n"},
		{"zfill", "_s = str(7).zfill(3)\n"},
		{"has_key", "_d = {}\n_x = _d.has_key(\"a\")\n"},
		{"percent_width", "_s = \"%5d\" % 3\n"},
		{"percent_precision", "_s = \"%.2f\" % 3.0\n"},
		{"percent_u", "_s = \"%u\" % 3\n"},
		{"format_spec", "_s = \"{:>5}\".format(3)\n"},
		{"print_flush", "print(\"starting\", flush = True)\n"},
		{"json_dumps", "_s = json.dumps({})\n"},
		{"json_loads", "_s = json.loads(\"{}\")\n"},
		{"undefined_true", "reload = Tru\n"},
		{"undefined_lower_true", "reload = true\n"},
		{"undefined_null", "pidfile = null\n"},
		{"undefined_upper_setting", "workers = 2\nthreads = WORKERS\n"},
		{"undefined_builtin", "workers = cpu_cont() * 2\n"},
		{"undefined_env", "loglevel = enviro(\"X\")\n"},
		{"undefined_global", "_base = 2\nworkers = _bas * 2\n"},
		{"undefined_setting", "threads = workers * 2\n"},
	}
	var b strings.Builder
	for _, c := range cases {
		read := func(string) ([]byte, error) { return []byte(c.src), nil }
		_, err := evaluate("gocorn.conf.star", "/x/gocorn.conf.star", read, environ{}, evalOptions{limits: defaultLimits, cpus: hostCPUs})
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "(") {
			t.Errorf("%s: want one line with a hint, got:\n%s", c.name, msg)
		}
		fmt.Fprintf(&b, "## %s\n%s%s\n\n", c.name, indent(c.src), msg)
	}
	golden.Check(t, "testdata/pyhints.golden", b.String())
}

// indent marks each line of src as source for the golden file.
func indent(src string) string {
	return "    " + strings.ReplaceAll(strings.TrimSuffix(src, "\n"), "\n", "\n    ") + "\n"
}

func TestRuntimeHint(t *testing.T) {
	tests := []struct{ in, want string }{
		{"unknown conversion %0", "Starlark's % has no width"},
		{"key \"x\" not in dict", ""},
		{"module has no .dumps field or method", "json.dumps is Python"},
	}
	for _, tt := range tests {
		got := RuntimeHint(tt.in)
		if tt.want == "" && got != tt.in || !strings.HasPrefix(got, tt.want) {
			t.Errorf("RuntimeHint(%q) = %q, want it to start with %q", tt.in, got, tt.want)
		}
	}
}

const pythonHabitsDocPath = "../docs/python-habits.md"

// TestPythonHabitsDoc keeps docs/python-habits.md in step with the
// pyHabits table. Regenerate it with: go test ./starcfg -run
// TestPythonHabitsDoc -update
func TestPythonHabitsDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString(pythonHabitsIntro)
	b.WriteString("\n| Python | gocorn.conf.star says |\n|---|---|\n")
	for _, h := range pyHabits {
		if h.python == "" {
			t.Errorf("habit %q has no python text for the docs", h.hint)
		}
		fmt.Fprintf(&b, "| %s | %s |\n", h.python, strings.ReplaceAll(h.hint, "|", `\|`))
	}
	b.WriteString(pythonHabitsOutro)
	golden.Check(t, pythonHabitsDocPath, b.String())
}

const pythonHabitsIntro = `<!-- Generated from starcfg/pyhints.go by ` + "`go test ./starcfg -run TestPythonHabitsDoc -update`" + `. Do not edit. -->

# Python habits in gocorn.conf.star

` + "`gocorn.conf.star`" + ` is Starlark, a dialect of Python that runs in the Go binary: most of a
` + "`gunicorn.conf.py`" + ` reads the same, but Starlark has no modules, no exceptions and no classes.
When a config uses a Python habit that Starlark lacks, the error leads with a one-line hint
naming the Starlark or gocorn way, at file:line:col, and keeps Starlark's own message in
parentheses:

` + "```" + `
config: gocorn.conf.star:1:1: import is Python: gocorn's builtins need none (env(), cpu_count(), json, struct); share Starlark code with load("lib.star", "name") (starlark: got import, want primary expression)
` + "```" + `

Hooks get the same hints for what fails while they run (` + "`\"%5d\" % n`" + ` in a hook).
`

const pythonHabitsOutro = `
## Undefined names

A name that is not defined gets a "did you mean" over the file's own names, Starlark's builtins
(` + "`True`, `None`, `len`, ..." + `), gocorn's (` + "`env`, `cpu_count`, `json`, `struct`" + `) and the settings:
` + "`reload = Tru`" + ` says ` + "`undefined: Tru (did you mean True?)`" + `, ` + "`true`" + ` finds ` + "`True`" + `, and
` + "`workers = cpu_cont() * 2`" + ` finds ` + "`cpu_count`" + `. A setting is a name in the file only after the file
assigns it: ` + "`threads = workers * 2`" + ` in a file that never sets ` + "`workers`" + ` says so.

## What works as in Python

Top-level ` + "`if`" + ` and ` + "`for`" + `, reassignment, ` + "`def`" + `, ` + "`lambda`" + `, list and dict comprehensions,
` + "`x if c else y`" + `, slices, ` + "`int()`" + `, ` + "`str()`" + `, ` + "`min()`" + `, ` + "`max()`" + `, ` + "`sorted()`" + `, ` + "`set([...])`" + `,
` + "`\"...{}\".format(x)`" + ` (also ` + "`{0}`, `{name}`, `{!r}`" + `) and ` + "`%`" + ` with ` + "`%s %r %d %i %o %x %X %e %f %g %c %%`" + ` and
` + "`%(name)s`" + ` (no width or precision: the table above). ` + "`print()`" + ` writes to the error log, once, in
the master, prefixed with file:line; see [hooks.md](hooks.md#print). The log methods of the hook
objects take Python logging's ` + "`(msg, *args)`" + `, with widths and precision:
see [hooks.md](hooks.md#log).
`

func TestEmptyStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{`x = "it's what it is" + 'say "is"'`, `x = "" + ''`},
		{`x = "a\"is" if y is None`, `x = "" if y is None`},
		{`f"{x}"`, `f""`},
	}
	for _, tt := range tests {
		if got := emptyStrings(tt.in); got != tt.want {
			t.Errorf("emptyStrings(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
