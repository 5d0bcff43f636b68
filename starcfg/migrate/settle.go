package migrate

import (
	"errors"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// starOptions are the parser options of gocorn.conf.star (starcfg's).
var starOptions = &syntax.FileOptions{TopLevelControl: true, GlobalReassign: true, Set: true}

// predeclared are the names gocorn.conf.star sees besides Starlark's.
var predeclared = map[string]bool{"cpu_count": true, "env": true, "struct": true, "json": true}

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
	case ok && pythonOnly[name] != "":
		return name + " is Python's; " + pythonOnly[name]
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

// isPredeclared reports gocorn's builtins.
func isPredeclared(name string) bool { return predeclared[name] }

// pythonOnly are Python builtins Starlark lacks, with the way round.
var pythonOnly = map[string]string{
	"open":       "Starlark has no file access",
	"isinstance": `compare type(x) with "int", "string", ...`,
	"sum":        "Starlark has no sum(); add up in a for loop",
	"round":      "Starlark has no round(); int(x + 0.5) rounds a positive number",
	"__file__":   "a Starlark file does not know its path",
	"__name__":   "a Starlark file is never run as a script",
	"exit":       "fail(msg) stops the config with a message",
	"map":        "use a list comprehension",
	"filter":     "use a list comprehension with if",
	"eval":       "Starlark evaluates no strings",
	"exec":       "Starlark evaluates no strings",
}
