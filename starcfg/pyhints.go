package starcfg

import (
	"errors"
	"regexp"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// This file turns Starlark's errors about Python habits into one-line
// hints naming the Starlark (or gocorn) way. A gunicorn.conf.py moved
// over as it is meets Starlark's parser, whose messages ("got import,
// want primary expression") say what broke but not what to write instead.
// The hint leads; Starlark's own message follows in parentheses, so
// nothing it said is lost.

// pyHabit is one Python habit: how its error looks, and what to write.
// Package migrate's author may read this table to learn what gocorn
// cannot take.
type pyHabit struct {
	msg    *regexp.Regexp // matches Starlark's message
	at     *regexp.Regexp // when not nil, must match the source line from the error's column on
	line   *regexp.Regexp // when not nil, must match the whole source line, indentation and the text of string literals removed
	python string         // the habit as written in Python, for docs/python-habits.md
	hint   string
}

// pyHabits are tried in order; the first whose patterns match wins.
var pyHabits = []pyHabit{
	{msg: re(`^got (import|from), want primary expression$`), line: re(`^(import|from)\s+multiprocessing\b`),
		python: "`import multiprocessing`",
		hint:   `import is Python: multiprocessing.cpu_count() is the builtin cpu_count() in gocorn.conf.star; drop the import`},
	{msg: re(`^got (import|from), want primary expression$`), line: re(`^(import|from)\s+os\b`),
		python: "`import os`",
		hint:   `import is Python: os.environ.get("NAME", default) and os.getenv are the builtin env("NAME", default) in gocorn.conf.star; drop the import`},
	{msg: re(`^got (import|from), want primary expression$`),
		python: "`import x`, `from x import y`",
		hint:   `import is Python: gocorn's builtins need none (env(), cpu_count(), json, struct); share Starlark code with load("lib.star", "name")`},
	{msg: re(`^undefined: os$`), at: re(`^os\s*\.\s*(environ|getenv)\b`),
		python: "`os.environ[\"X\"]`, `os.environ.get(\"X\", d)`, `os.getenv(\"X\", d)`",
		hint:   `os.environ and os.getenv are Python: use env("NAME") or env("NAME", default)`},
	{msg: re(`^undefined: (os|multiprocessing)$`), at: re(`^\w+\s*\.\s*cpu_count\b`),
		python: "`multiprocessing.cpu_count()`, `os.cpu_count()`",
		hint:   `cpu_count() is a builtin in gocorn.conf.star (it honours cgroup CPU quotas): use cpu_count(), without a module`},
	{msg: re(`^undefined: (os|sys|multiprocessing|socket|logging|math|re|time|datetime|random|subprocess|pathlib|platform|getpass|pwd|threading|traceback|signal|resource|gc|psutil|uuid|shutil|tempfile|glob|io|errno|collections|functools|itertools|importlib|ssl)$`),
		python: "`os.path`, `sys`, `socket`, `logging`, `math`, `time` and other common modules",
		hint:   `there are no Python modules in gocorn.conf.star: its builtins are env(), cpu_count(), json and struct, and load() shares Starlark code`},
	{msg: re(`^undefined: (null|nil)$`),
		python: "`null`, `nil` (from JSON, Go)",
		hint:   `Starlark's null is None, as in Python`},
	{msg: re(`^got string literal, want`), line: re(`(^|[^\w"'])([rR]?[fF]|[fF][rR])["']`),
		python: "`f\"...{x}\"`",
		hint:   `f-strings are Python: use "...{}".format(x) or "...%s" % x`},
	{msg: re(`want newline$`), line: re(`^print\s+[^\s(=]`),
		python: "`print \"x\"`",
		hint:   `print is a function in Starlark: print(x)`},
	{msg: re(`^got (try|except|finally), want primary expression$`),
		python: "`try:` / `except:` / `finally:`",
		hint:   `try/except is Python: Starlark has no exceptions; test first ("K" in d, d.get(k, default), env("NAME", default)) and stop with fail("why")`},
	{msg: re(`^got raise, want primary expression$`),
		python: "`raise ValueError(...)`",
		hint:   `raise is Python: stop with fail("why")`},
	{msg: re(`^got class, want primary expression$`),
		python: "`class Settings:`",
		hint:   `class is Python: use struct(name = value, ...) for a record and def for behaviour`},
	{msg: re(`^got with, want primary expression$`),
		python: "`with open(...) as f:`",
		hint:   `with is Python: a config cannot open files; take values from env() or load() another .star file`},
	{msg: re(`^got (global|nonlocal), want primary expression$`),
		python: "`global x`, `nonlocal x`",
		hint:   `global and nonlocal are Python: reassign a top-level name at the top level; a function cannot assign one, so return the value instead`},
	{msg: re(`^got del, want primary expression$`),
		python: "`del d[k]`",
		hint:   `del is Python: use d.pop(key), or build a new dict or list without the item`},
	{msg: re(`does not support while loops$`),
		python: "`while cond:`",
		hint:   `while is not allowed in gocorn.conf.star (a config must finish): loop with for i in range(n)`},
	{msg: re(`^got is, want|^conditional expression without else clause$`), line: re(`\bis\b`),
		python: "`x is None`, `x is not None`",
		hint:   `is and is not are Python: compare with == and != (x == None, x != None)`},
	{msg: re(`^got '\*\*', want`),
		python: "`x ** y`",
		hint:   `** is Python: Starlark has no power operator; multiply (x * x)`},
	{msg: re(`want newline$`), line: re(`^assert\b`),
		python: "`assert cond`",
		hint:   `assert is Python: write if not CONDITION: fail("why")`},
	{msg: re(`^unexpected input character '@'$`),
		python: "`@decorator`",
		hint:   `decorators are Python: call the function yourself (name = decorator(function))`},
	{msg: re(`^got identifier, want`), line: re(`\d_\d`),
		python: "`1_000`",
		hint:   `digit separators are Python: write 1000`},
	{msg: re(`^got ':', want`), line: re(`^(\w+\s*:\s*[\w.\[\], ]+=|def\b)`),
		python: "`workers: int = 2`, `def post_fork(server: Arbiter, worker):`",
		hint:   `type annotations are Python: leave them out (workers = 2, def post_fork(server, worker):)`},
	{msg: re(`^got '-', want ':'$`), line: re(`^def\b.*\)\s*->`),
		python: "`def f() -> None:`",
		hint:   `type annotations are Python: leave them out (def f():)`},
	{msg: re(`^got (','|'}'), want ':'$`), line: re(`\{[^:{}]*\}`),
		python: "`{1, 2}`",
		hint:   `set literals are Python: use set([1, 2])`},
	{msg: re(`^unknown conversion %[-+ #0-9.*]`),
		python: "`\"%5d\" % n`, `\"%.2f\" % x`, `\"%-8s\" % s`",
		hint:   `Starlark's % has no width, precision or flags (%5d, %.2f, %-8s): use %s, %d, %r, %x, %f, %e or %g as they are`},
	{msg: re(`^unknown conversion %u$`),
		python: "`\"%u\" % n`",
		hint:   `%u is obsolete Python: use %d`},
	{msg: re(`^format spec features not supported in replacement fields`),
		python: "`\"{:>5}\".format(x)`, `\"{:.2f}\".format(x)`",
		hint:   `Starlark's format() has no format specs ({:>5}, {:.2f}, {:d}): use {} or {!r}`},
	{msg: re(`^list has no \.sort field or method`),
		python: "`l.sort()`",
		hint:   `list.sort() is Python: use sorted(l), which returns a new list`},
	{msg: re(`^string has no \.(zfill|rjust|ljust|center) field or method`),
		python: "`s.zfill(n)`, `s.rjust(n)`, `s.ljust(n)`, `s.center(n)`",
		hint:   `Starlark strings have no padding methods: concatenate the padding ("0" * (n - len(s)) + s)`},
	{msg: re(`^dict has no \.has_key field or method`),
		python: "`d.has_key(k)`",
		hint:   `has_key is Python 2: use k in d`},
	{msg: re(`^print: unexpected keyword argument "(file|end|flush)"$`),
		python: "`print(x, file=sys.stderr)`, `end=`, `flush=`",
		hint:   `print() in gocorn.conf.star writes one line to the error log and takes only sep=; drop file=, end= and flush=`},
	{msg: re(`^module has no \.dumps field or method`),
		python: "`json.dumps(x)`",
		hint:   `json.dumps is Python: use json.encode(x), or json.encode_indent(x) for indent=`},
	{msg: re(`^module has no \.loads? field or method`),
		python: "`json.loads(s)`",
		hint:   `json.loads is Python: use json.decode(text)`},
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// source is the line a compile error is about, split at its column.
type source struct {
	line string // the whole line, indentation trimmed
	at   string // from the error's column on
}

// pythonHint is the hint for Starlark's message msg about src (the zero
// source for a runtime error), or "".
func pythonHint(msg string, src source) string {
	for _, h := range pyHabits {
		if h.msg.MatchString(msg) && matchOrNil(h.at, src.at) && matchOrNil(h.line, src.line) {
			return h.hint
		}
	}
	return ""
}

func matchOrNil(re *regexp.Regexp, s string) bool { return re == nil || re.MatchString(s) }

// hinted is msg led by its hint, if it has one: "HINT (starlark: MSG)".
// An undefined name without a suggestion gets a "did you mean" over
// names, which Starlark's own suggestion (over the file's names) lacks.
func hinted(msg string, src source, names []string) string {
	if h := pythonHint(msg, src); h != "" {
		return h + " (starlark: " + msg + ")"
	}
	if name, ok := strings.CutPrefix(msg, "undefined: "); ok && !strings.Contains(name, " ") {
		if isSettingOrHook(name) {
			return msg + " (" + unassigned + ")"
		}
		if best := suggest(name, names); isSettingOrHook(best) {
			return msg + " (did you mean " + best + "? " + unassigned + ")"
		} else if best != "" {
			return msg + " (did you mean " + best + "?)"
		}
	}
	return msg
}

// unassigned explains why a setting's name can be undefined: Starlark
// found no assignment to it in the file, where Starlark would have
// suggested it itself.
const unassigned = "a setting is a name in the file only after the file assigns it"

func isSettingOrHook(name string) bool {
	_, s := settingsByName[name]
	_, h := hooksByName[name]
	return s || h
}

// RuntimeHint is msg, an error raised while a config or a hook runs,
// led by a hint when it comes from a Python habit ("%5d" % n, json.dumps).
// Package hookrun uses it so hooks get the hints the config file gets.
func RuntimeHint(msg string) string { return hinted(msg, source{}, nil) }

// hintCompileError gives each message of err, a failed compile of src
// (a syntax.Error or a resolve.ErrorList), its hint. names are those an
// undefined name may be a misspelling of. Other errors pass as they are.
func hintCompileError(err error, src []byte, names []string) error {
	var se syntax.Error
	if errors.As(err, &se) {
		se.Msg = hinted(se.Msg, sourceAt(src, se.Pos), names)
		return se
	}
	var list resolve.ErrorList
	if errors.As(err, &list) {
		out := make(resolve.ErrorList, len(list))
		for i, e := range list {
			e.Msg = hinted(e.Msg, sourceAt(src, e.Pos), names)
			out[i] = e
		}
		return out
	}
	return err
}

// sourceAt is the line of src that pos is on.
func sourceAt(src []byte, pos syntax.Position) source {
	lines := strings.Split(string(src), "\n")
	if pos.Line < 1 || int(pos.Line) > len(lines) {
		return source{}
	}
	line := lines[pos.Line-1]
	at := ""
	if col := int(pos.Col) - 1; col >= 0 && col <= len(line) {
		at = line[col:]
	}
	return source{line: emptyStrings(strings.TrimLeft(line, " \t")), at: at}
}

// stringLiteral matches a one-line string literal.
var stringLiteral = regexp.MustCompile(`"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'`)

// emptyStrings empties the string literals of line ("is" -> ""), so that
// a word in a string is not taken for a keyword.
func emptyStrings(line string) string {
	return stringLiteral.ReplaceAllStringFunc(line, func(s string) string { return s[:1] + s[:1] })
}

// undefinedCandidates are the names an undefined name is compared with:
// Starlark's builtins, gocorn's, then settings and hooks.
func undefinedCandidates(predeclared starlark.StringDict) []string {
	names := append(starlark.Universe.Keys(), predeclared.Keys()...)
	return append(append(names, settingNames()...), hookNames()...)
}
