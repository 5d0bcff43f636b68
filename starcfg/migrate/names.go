package migrate

import (
	"sort"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/gocorn/gocorn/starcfg"
)

// collectRenames finds the top-level names that are neither settings
// nor hooks: gocorn wants them private, so they get a leading "_".
func (m *migrator) collectRenames() {
	var visit func([]*stmt)
	visit = func(stmts []*stmt) {
		for _, s := range stmts {
			for _, name := range boundNames(s) {
				_, isSetting := starcfg.LookupSetting(name)
				_, isRefusedHook := starcfg.HookRefused(name)
				if !strings.HasPrefix(name, "_") && !isSetting && !isRefusedHook && !starcfg.IsHook(name) {
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
