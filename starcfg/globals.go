package starcfg

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// fileConfig is what a config file's top-level names say: settings,
// hooks, and where each was last bound.
type fileConfig struct {
	display string
	values  map[string]starlark.Value     // setting name -> value
	hooks   map[string]*starlark.Function // hook name -> function
	lines   map[string]int                // top-level name -> line of its last binding
}

// readGlobals sorts a file's globals into settings and hooks. Names that
// start with "_" are private. Anything else is a mistake worth reporting:
// a gunicorn config silently ignores `worker = 4`, gocorn does not.
func readGlobals(ev *evaluation) (*fileConfig, error) {
	fc := &fileConfig{
		display: ev.display,
		values:  make(map[string]starlark.Value),
		hooks:   make(map[string]*starlark.Function),
		lines:   bindingLines(ev.file),
	}
	var errs []error
	for _, name := range fc.byLine(ev.globals.Keys()) {
		if err := fc.add(name, ev.globals[name]); err != nil {
			errs = append(errs, configErrorf(fc.where(name), "%v", err))
		}
	}
	return fc, errors.Join(errs...)
}

// add files one global under settings or hooks, or says what is wrong.
func (fc *fileConfig) add(name string, v starlark.Value) error {
	if strings.HasPrefix(name, "_") {
		return nil
	}
	if h, ok := hooksByName[name]; ok {
		fn, err := checkHook(h, v)
		if err != nil {
			return err
		}
		fc.hooks[name] = fn
		return nil
	}
	if err := refusedHook(name); err != nil {
		return err
	}
	if s := gunicornSpelling(name); s != nil {
		return fc.addAlias(name, s, v)
	}
	if s, ok := settingsByName[name]; ok {
		if s.cliOnly {
			return fmt.Errorf("%s: can only be given on the command line (%s) or in %s, "+
				"not inside a config file", name, s.mainFlag(), sourceEnvArgs)
		}
		fc.values[name] = v
		return nil
	}
	return unknownName(name, v)
}

// unknownName explains a top-level name that is neither a setting, a
// hook nor private, with a suggestion when one is close.
func unknownName(name string, v starlark.Value) error {
	_, isFunc := v.(*starlark.Function)
	candidates := append(settingNames(), hookNames()...)
	if best := suggest(name, candidates); best != "" {
		what := "setting"
		if _, isHook := hooksByName[best]; isHook {
			what = "hook"
		}
		return fmt.Errorf("unknown %s %q (did you mean %q?)", what, name, best)
	}
	if isFunc {
		return fmt.Errorf("function %q is neither a server hook nor private; "+
			"name helper functions with a leading underscore (_%s)", name, name)
	}
	return fmt.Errorf("unknown setting %q; name private variables with a leading "+
		"underscore (_%s)", name, name)
}

// addAlias files a setting given by its gunicorn name (wsgi_app for app).
func (fc *fileConfig) addAlias(name string, s *setting, v starlark.Value) error {
	if _, both := fc.lines[s.name]; both {
		return fmt.Errorf("%s is gunicorn's name for %s, which the file also sets; keep %s", name, s.name, s.name)
	}
	fc.values[s.name], fc.lines[s.name] = v, fc.lines[name]
	return nil
}

// where is "FILE:LINE" for a top-level name, or "FILE" if it has no line.
func (fc *fileConfig) where(name string) string {
	if line, ok := fc.lines[name]; ok {
		return fmt.Sprintf("%s:%d", fc.display, line)
	}
	return fc.display
}

// byLine sorts names by the line of their last binding, so errors and
// origins follow the file.
func (fc *fileConfig) byLine(names []string) []string {
	out := append([]string(nil), names...)
	sort.SliceStable(out, func(i, j int) bool {
		return fc.lines[out[i]] < fc.lines[out[j]]
	})
	return out
}

// apply converts and stores the file's settings, recording their origin.
func (fc *fileConfig) apply(cfg *Config, origins map[string]string, c *checkContext) error {
	names := make([]string, 0, len(fc.values))
	for name := range fc.values {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range fc.byLine(names) {
		s := settingsByName[name]
		if s.noneKeepsDefault && fc.values[name] == starlark.None {
			continue
		}
		v, err := s.convert(fc.values[name], c)
		if err != nil {
			errs = append(errs, configErrorf(fc.where(name), "%s: %v", name, err))
			continue
		}
		storeValue(s.field(cfg), v)
		origins[name] = fc.where(name)
	}
	return errors.Join(errs...)
}

// bindingLines maps each top-level name of f to the line of its last
// binding: assignments, defs and for-loop variables, including those
// inside top-level if and for statements. load() bindings are file-local
// and never settings, so they are left out.
func bindingLines(f *syntax.File) map[string]int {
	lines := make(map[string]int)
	var walk func([]syntax.Stmt)
	walk = func(stmts []syntax.Stmt) {
		for _, stmt := range stmts {
			switch s := stmt.(type) {
			case *syntax.AssignStmt:
				bindTargets(s.LHS, lines)
			case *syntax.DefStmt:
				lines[s.Name.Name] = int(s.Name.NamePos.Line)
			case *syntax.ForStmt:
				bindTargets(s.Vars, lines)
				walk(s.Body)
			case *syntax.IfStmt:
				walk(s.True)
				walk(s.False)
			}
		}
	}
	if f != nil {
		walk(f.Stmts)
	}
	return lines
}

// bindTargets records the identifiers an assignment target binds:
// x, (x, y), [x, y]; not x[i] or x.f.
func bindTargets(e syntax.Expr, lines map[string]int) {
	switch e := e.(type) {
	case *syntax.Ident:
		lines[e.Name] = int(e.NamePos.Line)
	case *syntax.ParenExpr:
		bindTargets(e.X, lines)
	case *syntax.TupleExpr:
		for _, x := range e.List {
			bindTargets(x, lines)
		}
	case *syntax.ListExpr:
		for _, x := range e.List {
			bindTargets(x, lines)
		}
	}
}
