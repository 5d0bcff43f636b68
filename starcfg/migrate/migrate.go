package migrate

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/gocorn/gocorn/starcfg"
)

// Result is a translated config.
type Result struct {
	Star []byte // gocorn.conf.star
	Left int    // statements commented out because they have no gocorn form
}

// knownModules are the Python modules whose uses migrate translates;
// importing them is dropped without a word.
var knownModules = map[string]bool{"os": true, "multiprocessing": true, "json": true}

// starOptions are the parser options of gocorn.conf.star (starcfg's).
var starOptions = &syntax.FileOptions{TopLevelControl: true, GlobalReassign: true, Set: true}

// predeclared are the names gocorn.conf.star sees besides Starlark's.
var predeclared = map[string]bool{"cpu_count": true, "env": true, "struct": true, "json": true}

// Config translates a gunicorn config file's source; name is how the
// comments refer to it. It fails only on source it cannot read as
// Python (an unterminated string); anything it reads but cannot
// translate is commented out and counted in Left.
func Config(name string, src []byte) (*Result, error) {
	lines, err := scan(string(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
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

// collectRenames finds the top-level names that are neither settings
// nor hooks: gocorn wants them private, so they get a leading "_".
func (m *migrator) collectRenames() {
	var visit func([]*stmt)
	visit = func(stmts []*stmt) {
		for _, s := range stmts {
			for _, name := range boundNames(s) {
				_, isSetting := starcfg.LookupSetting(name)
				_, isAbsent := absentSettings[name]
				if !strings.HasPrefix(name, "_") && !isSetting && !isAbsent && !starcfg.IsHook(name) {
					m.renames[name] = "_" + name
				}
			}
			if k := s.keyword(); k == "if" || k == "elif" || k == "else" || k == "for" {
				visit(s.body)
			}
		}
	}
	visit(m.stmts)
}

// boundName is the name a "NAME = ..." or "def NAME" statement binds.
func boundName(s *stmt) string {
	t := s.ln.code()
	switch {
	case len(t) >= 2 && t[0].text == "def":
		return t[1].text
	case len(t) >= 2 && t[0].kind == kIdent && !isKeyword(t[0].text) && isAssign(t[1].text):
		return t[0].text
	}
	return ""
}

func isAssign(op string) bool {
	return op == "=" || len(op) >= 2 && strings.HasSuffix(op, "=") && !strings.ContainsAny(op[:1], "=!<>")
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

// importStmt records what an import binds. Modules migrate translates
// vanish; others are commented out, and their uses with them.
func (m *migrator) importStmt(s *stmt) {
	t := s.ln.code()
	known := true
	for _, b := range importBindings(t) {
		m.r.aliases[b.local] = b.target
		module := strings.Split(b.target, ".")[0]
		m.modules[b.local] = true
		if !knownModules[module] {
			known = false
		}
	}
	if known {
		s.omit = true
		return
	}
	s.drop, s.kept = "Starlark has no Python modules; uses of this import are marked below", true
}

// binding is one name an import binds.
type binding struct{ local, target string }

// importBindings reads "import a.b as c, d" and "from a import b as c".
func importBindings(t []token) []binding {
	words := make([]string, 0, len(t))
	for _, x := range t {
		if x.text != "(" && x.text != ")" {
			words = append(words, x.text)
		}
	}
	from := ""
	if words[0] == "from" {
		i := indexOf(words, "import")
		from = strings.Join(words[1:i], "") + "."
		words = words[i:]
	}
	var out []binding
	for _, item := range strings.Split(strings.Join(words[1:], " "), ",") {
		f := strings.Fields(strings.ReplaceAll(item, " . ", "."))
		if len(f) == 0 {
			continue
		}
		target := strings.ReplaceAll(strings.Join(f[:1], ""), " ", "")
		local := strings.Split(target, ".")[0]
		if from != "" {
			local = target
		}
		if len(f) == 3 && f[1] == "as" {
			local = f[2]
		}
		out = append(out, binding{local: local, target: from + target})
	}
	return out
}

func indexOf(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return len(words)
}

// def handles a function: a hook gocorn calls, a hook it lacks, or a
// helper, which becomes private.
func (m *migrator) def(s *stmt, outer string) {
	name := boundName(s)
	if a, ok := absentSettings[name]; ok && outer == "" {
		s.drop, s.kept = a.why, a.harmless
		return
	}
	hook := outer
	if outer == "" {
		hook = name
	}
	dropGlobalAssignments(s.body)
	m.r.roles = paramRoles(s.ln.code(), hookParams[hook])
	m.translate(s)
	m.classify(s.body, hook)
	m.r.roles = nil
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
// comments it out. It reports whether the statement is still to be
// translated.
func (m *migrator) setting(s *stmt) bool {
	name := boundName(s)
	if name == "" {
		return true
	}
	if a, ok := absentSettings[name]; ok {
		s.drop, s.kept = a.why, a.harmless
		return false
	}
	info, ok := starcfg.LookupSetting(name)
	switch {
	case !ok:
		return true
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
	toks, err := m.r.rewrite(s.ln.toks)
	if err != nil {
		s.drop = err.Error()
		return
	}
	m.outFor(s, text(toks))
}

func (m *migrator) outFor(s *stmt, t string) {
	if m.out == nil {
		m.out = map[*stmt]string{}
	}
	m.out[s] = t
}

// settle renders the file, then parses and resolves it as Starlark,
// commenting out each statement the parser or resolver stops at, until
// the file resolves: what is left is a file gocorn can evaluate.
func (m *migrator) settle() string {
	for range 1000 {
		text, owners := m.render()
		line, why := check(text)
		if line == 0 {
			m.left = countLeft(m.stmts)
			return m.privatize(text)
		}
		if len(owners) == 0 {
			m.left = countLeft(m.stmts) + 1
			return text
		}
		s := owners[min(line, len(owners))-1]
		if s == nil || s.drop != "" {
			m.left = countLeft(m.stmts) + 1
			return text
		}
		s.drop = m.explain(why)
	}
	panic("migrate: the output did not settle")
}

// check parses and resolves text as gocorn.conf.star; it returns the
// line of the first error and its message, or 0.
func check(text string) (int, string) {
	f, err := starOptions.Parse("gocorn.conf.star", text, 0)
	var se syntax.Error
	if errors.As(err, &se) {
		return int(se.Pos.Line), "Starlark cannot parse it: " + se.Msg
	}
	if err != nil {
		return 1, err.Error()
	}
	err = resolve.File(f, isPredeclared, starlark.Universe.Has)
	var list resolve.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return int(list[0].Pos.Line), list[0].Msg
	}
	return 0, ""
}

// explain rewords a resolver message about a name from a Python module.
func (m *migrator) explain(msg string) string {
	name, ok := strings.CutPrefix(msg, "undefined: ")
	name, _, _ = strings.Cut(name, " ")
	switch {
	case ok && m.modules[name]:
		return name + " is a Python module; Starlark has none (gocorn.conf.star has cpu_count(), env(), json and load())"
	case ok && m.bound(name):
		return "it uses " + name + ", which is commented out above"
	case ok:
		return name + " is not defined in Starlark or in this file"
	case strings.Contains(msg, "got for, want"):
		return "generator expressions have no Starlark form; use a list comprehension [... for ...]"
	}
	return msg
}

// countLeft counts the statements dropped for want of a translation.
func countLeft(stmts []*stmt) int {
	n := 0
	for _, s := range stmts {
		if s.drop != "" && !s.kept {
			n++
			continue
		}
		n += countLeft(s.body)
	}
	return n
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

// bound reports whether a statement binds name (after renames): a name
// left undefined because its statement was commented out.
func (m *migrator) bound(name string) bool {
	found := false
	for _, s := range m.stmts {
		s.walk(func(x *stmt) {
			for _, b := range boundNames(x) {
				found = found || b == name || m.renames[b] == name
			}
		})
	}
	return found
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

// boundNames are all the names a statement binds: boundName's, the
// targets of "a, b = ..." and the variables of a for loop.
func boundNames(s *stmt) []string {
	if n := boundName(s); n != "" {
		return []string{n}
	}
	t := s.ln.code()
	end := -1
	switch {
	case s.keyword() == "for":
		t, end = t[1:], indexOfText(t[1:], "in")
	default:
		for i, x := range t {
			if x.kind == kOp && isAssign(x.text) {
				end = i
				break
			}
		}
	}
	var names []string
	for _, x := range t[:max(end, 0)] {
		switch {
		case x.kind == kIdent && !isKeyword(x.text):
			names = append(names, x.text)
		case x.text != "," && x.text != "(" && x.text != ")" && x.text != "[" && x.text != "]":
			return nil // x[i] = ..., x.f = ...: binds no name
		}
	}
	return names
}

// privatize gives the helper globals their private names where the
// resolver binds them as globals, so a parameter, a local or a keyword
// argument of the same name keeps its own.
func (m *migrator) privatize(text string) string {
	f, err := starOptions.Parse("gocorn.conf.star", text, 0)
	if err != nil || resolve.File(f, isPredeclared, starlark.Universe.Has) != nil {
		return text
	}
	type edit struct {
		col      int
		old, new string
	}
	edits := map[int][]edit{} // by line, rightmost first once sorted
	syntax.Walk(f, func(n syntax.Node) bool {
		id, ok := n.(*syntax.Ident)
		if !ok {
			return true
		}
		if b, ok := id.Binding.(*resolve.Binding); ok && b.Scope == resolve.Global && m.renames[id.Name] != "" {
			l := int(id.NamePos.Line)
			edits[l] = append(edits[l], edit{int(id.NamePos.Col) - 1, id.Name, m.renames[id.Name]})
		}
		return true
	})
	lines := strings.Split(text, "\n")
	for l, es := range edits {
		sort.Slice(es, func(i, j int) bool { return es[i].col > es[j].col })
		r := []rune(lines[l-1])
		for _, e := range es {
			r = append(r[:e.col], append([]rune(e.new), r[e.col+len([]rune(e.old)):]...)...)
		}
		lines[l-1] = string(r)
	}
	return strings.Join(lines, "\n")
}

// isPredeclared reports gocorn's builtins.
func isPredeclared(name string) bool { return predeclared[name] }
