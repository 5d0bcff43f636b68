package migrate

import (
	"fmt"
	"strings"

	"github.com/gocorn/gocorn/starcfg"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Result is a translated config.
type Result struct {
	Star []byte // gocorn.conf.star
	Left int    // statements commented out because they have no gocorn form
}

// Config translates a gunicorn config file's source; name is how the
// comments refer to it. It fails only on source it cannot read as
// Python (an unterminated string); anything it reads but cannot
// translate is commented out and counted in Left.
func Config(name string, src []byte) (*Result, error) {
	lines, err := scan(string(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	stripAnnotations(lines)
	m := &migrator{
		r:       rewriter{aliases: map[string]string{}},
		renames: map[string]string{},
		stmts:   build(lines),
		modules: map[string]bool{},
	}
	m.collectRenames()
	m.classify(m.stmts, "")
	star := m.settle()
	return &Result{Star: []byte(header(name) + star), Left: m.left}, nil
}

// header is the first lines of a translated file.
func header(name string) string {
	return "# gocorn.conf.star, translated from " + name + " by gocorn migrate.\n" +
		"# Lines marked \"gocorn migrate:\" need a look; docs/migrate.md says why.\n\n"
}

// migrator holds one translation's state.
type migrator struct {
	r       rewriter
	stmts   []*stmt
	modules map[string]bool   // names bound to Python modules (os, sys, socket)
	renames map[string]string // helper globals -> "_" + name, as gocorn wants private names
	left    int
	out     map[*stmt]string // translated text of each kept statement
}

// refused are the statements Starlark has no form for, with why.
var refused = map[string]string{
	"class":    "classes have no Starlark form; gocorn's settings and hooks replace custom worker and logger classes",
	"try":      "try/except has no Starlark form; a failing line stops gocorn.conf.star with its file:line instead",
	"with":     "with has no Starlark form, nor has file access",
	"while":    "while loops are not allowed in gocorn.conf.star; use for over range()",
	"@":        "decorators have no Starlark form",
	"global":   "Starlark has no global statement: a hook cannot assign a top-level name",
	"nonlocal": "Starlark has no nonlocal statement",
	"del":      "Starlark has no del statement",
	"raise":    "Starlark has no exceptions; fail(msg) stops the config with a message",
	"assert":   "Starlark has no assert; use if ...: fail(msg)",
	"async":    "async functions have no Starlark form",
	"yield":    "generators have no Starlark form",
}

// classify decides each statement's fate and translates those it keeps;
// hook is the enclosing hook's name inside one, "" at the top level.
func (m *migrator) classify(stmts []*stmt, hook string) {
	for _, s := range stmts {
		if s.ln.blank() {
			continue
		}
		kw := s.keyword()
		switch {
		case kw == "import" || kw == "from":
			m.importStmt(s)
		case kw == "if" && hook == "" && indexOfText(s.ln.code(), "__name__") > 0:
			s.drop, s.kept = "a config file is never run as a script, under gunicorn either", true
		case kw == "except" || kw == "finally" || kw == "else" && afterTry(stmts, s):
			s.drop, s.kept = "the rest of the try statement above", true
		case refused[kw] != "":
			s.drop, s.kept = refused[kw], kw == "try" && onlyImports(s.body)
		case kw == "def":
			m.def(s, hook)
		default:
			if hook == "" && !m.setting(s) {
				continue
			}
			m.translate(s)
			m.classify(s.body, hook)
		}
	}
}

// def handles a function: a hook gocorn calls, a hook it lacks, or a
// helper, which becomes private.
func (m *migrator) def(s *stmt, outer string) {
	name := boundName(s)
	if why, refused := starcfg.HookRefused(name); refused && outer == "" {
		s.drop = why // gocorn would refuse the file: its code would never run
		return
	}
	hook, saved := outer, m.r.roles
	if outer == "" {
		hook = name
		m.r.roles = paramRoles(s.ln.code(), starcfg.HookParams(hook))
	}
	dropGlobalAssignments(s.body)
	m.translate(s)
	m.classify(s.body, hook)
	m.r.roles = saved // a nested def keeps its hook's roles
}

// paramRoles maps a def's parameter names onto the hook's roles.
func paramRoles(t []token, roles []string) map[string]string {
	open := indexOfText(t, "(")
	if open < 0 {
		return nil
	}
	out := map[string]string{}
	for i, p := range splitArgs(t[open+1 : matching(t, open)]) {
		if i < len(roles) && len(p) > 0 && p[0].kind == kIdent {
			out[p[0].text] = roles[i]
		}
	}
	return out
}

func indexOfText(t []token, s string) int {
	for i, x := range t {
		if x.text == s {
			return i
		}
	}
	return -1
}

// setting checks a top-level assignment to a gunicorn setting: it renames
// it to gocorn's spelling, maps its value where gocorn's differs, or
// comments it out: with a note when gocorn ignores it (kept, it would
// only draw a warning at start), as left when gocorn refuses it. It
// reports whether the statement is still to be translated.
func (m *migrator) setting(s *stmt) bool {
	name := boundName(s)
	if name == "" {
		return true
	}
	info, ok := starcfg.LookupSetting(name)
	switch {
	case !ok:
		return true
	case info.Ignored != "":
		s.drop, s.kept = info.Ignored, true
		return false
	case info.Refused != "" && !atAcceptedValue(s, name):
		s.drop = info.Refused
		return false
	case name == "wsgi_app":
		s.drop = "a Go binary registers its handlers by name (examples/embed); " +
			"set app = \"NAME\" to one of them, or name it on the command line"
		return false
	case info.CLIOnly:
		s.drop = name + " can only be given on the command line"
		return false
	}
	if info.Name != name {
		s.ln.toks[0].text = info.Name
	}
	if name == "worker_class" {
		m.workerClass(s)
	}
	return true
}

// atAcceptedValue reports whether an assignment's value is a constant
// that gocorn accepts for the setting: for a refused setting, its default
// (protocol = "http", dirty_workers = 0), which is kept as it is.
func atAcceptedValue(s *stmt, name string) bool {
	t := s.ln.code()
	if len(t) < 3 || t[1].text != "=" {
		return false
	}
	var src strings.Builder
	for _, tok := range t[2:] {
		src.WriteString(tok.pre + tok.text)
	}
	thread := &starlark.Thread{Name: "migrate"}
	thread.SetMaxExecutionSteps(1000) // a constant, not a program
	v, err := starlark.EvalOptions(&syntax.FileOptions{}, thread, "", strings.TrimSpace(src.String()), nil)
	return err == nil && starcfg.AcceptsValue(name, v)
}

// workerClass replaces a Python worker class by gthread, with a note.
func (m *migrator) workerClass(s *stmt) {
	t := s.ln.code()
	if len(t) != 3 || t[2].kind != kString {
		return
	}
	class := strings.Trim(t[2].text, `"'`)
	if !isGocornClass(class) {
		s.note = workerClassNote(class)
		s.ln.toks[2].text = `"gthread"`
	}
}

// translate rewrites a statement's line, or drops it with the reason.
func (m *migrator) translate(s *stmt) {
	m.r.notes = nil
	toks, err := m.r.rewrite(s.ln.toks)
	if err != nil {
		s.drop = err.Error()
		return
	}
	if len(m.r.notes) > 0 && s.note == "" {
		s.note = strings.Join(m.r.notes, "; ")
	}
	m.outFor(s, text(toks))
}

func (m *migrator) outFor(s *stmt, t string) {
	if m.out == nil {
		m.out = map[*stmt]string{}
	}
	m.out[s] = t
}

// afterTry reports whether an else clause belongs to a dropped try.
func afterTry(stmts []*stmt, s *stmt) bool {
	for i := len(stmts) - 1; i > 0; i-- {
		if stmts[i] == s {
			k := stmts[i-1].keyword()
			return k == "try" || k == "except" || k == "else" && stmts[i-1].drop != ""
		}
	}
	return false
}

// onlyImports reports a block of nothing but imports, such as a try that
// picks a JSON module: dropping it loses nothing.
func onlyImports(body []*stmt) bool {
	for _, s := range body {
		if k := s.keyword(); !s.ln.blank() && k != "import" && k != "from" && k != "pass" {
			return false
		}
	}
	return true
}

// dropGlobalAssignments drops the statements of a function that assign
// a name it declares global: Starlark would make the name local to the
// function, and the hook would fail when it runs, not at --check-config.
func dropGlobalAssignments(body []*stmt) {
	globals := map[string]bool{}
	for _, s := range body {
		s.walk(func(x *stmt) {
			if x.keyword() == "global" {
				for _, t := range x.ln.code()[1:] {
					globals[t.text] = t.kind == kIdent
				}
			}
		})
	}
	for _, s := range body {
		s.walk(func(x *stmt) {
			if name := boundName(x); globals[name] && x.keyword() != "def" {
				x.drop = "it assigns " + name + ", a top-level name, which a Starlark function cannot"
			}
		})
	}
}
