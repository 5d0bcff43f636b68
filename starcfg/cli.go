package starcfg

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/alecthomas/kong"
	"go.starlark.net/starlark"
)

// grammar is the kong grammar, built from the settings table: one field
// per setting with flags (a string for values, []string for lists, bool
// for switches), plus the APP argument and -v/--version.
type grammar struct {
	typ    reflect.Type
	fields map[string]int      // flag name (kong's Flag.Name) -> field index
	byFlag map[string]*setting // flag name -> setting
	app    int                 // field index of the APP argument
}

// The fixed fields, first in the struct.
const (
	appField     = 0
	versionField = 1
)

// The grammars are built once: the table does not change at run time.
// The command line takes one APP argument; GOCORN_CMD_ARGS takes any
// number and ignores them, as gunicorn does.
var (
	cliGrammar = sync.OnceValue(newCLIGrammar)
	envGrammar = sync.OnceValue(newEnvGrammar)
)

func newCLIGrammar() *grammar { return buildGrammar(reflect.TypeFor[string]()) }
func newEnvGrammar() *grammar { return buildGrammar(reflect.TypeFor[[]string]()) }

func buildGrammar(appType reflect.Type) *grammar {
	g := &grammar{fields: map[string]int{}, byFlag: map[string]*setting{}, app: appField}
	fields := []reflect.StructField{
		{Name: "App", Type: appType, Tag: `arg:"" optional:"" name:"app"`},
		{Name: "Version", Type: reflect.TypeFor[kong.VersionFlag](),
			Tag: `name:"version" short:"v" help:"Print gocorn's version and exit."`},
	}
	for _, s := range settings {
		if len(s.flags) == 0 {
			continue
		}
		g.fields[s.flags[0]] = len(fields)
		g.byFlag[s.flags[0]] = s
		fields = append(fields, reflect.StructField{
			Name: "S" + strconv.Itoa(len(fields)),
			Type: flagType(s),
			Tag:  flagTag(s),
		})
	}
	g.typ = reflect.StructOf(fields)
	return g
}

// flagType is the Go type kong parses a setting's flag into. Values stay
// strings: they are converted by the same code as config-file values.
func flagType(s *setting) reflect.Type {
	switch s.typ {
	case typeBool:
		return reflect.TypeFor[bool]()
	case typeList:
		return reflect.TypeFor[[]string]()
	}
	return reflect.TypeFor[string]()
}

// flagTag is the kong struct tag of a setting's flag. Help text is not in
// the tag: writeUsage prints -h from the table.
func flagTag(s *setting) reflect.StructTag {
	tag := fmt.Sprintf(`name:%q group:%q`, s.flags[0], s.section)
	if s.short != 0 {
		tag += fmt.Sprintf(` short:%q`, string(s.short))
	}
	if len(s.flags) > 1 {
		tag += fmt.Sprintf(` aliases:%q`, strings.Join(s.flags[1:], ","))
	}
	if s.metavar != "" && s.typ != typeBool {
		tag += fmt.Sprintf(` placeholder:%q`, s.metavar)
	}
	if s.typ == typeList {
		tag += ` sep:"none"`
	}
	if s.negatable {
		tag += ` negatable:""`
	}
	return reflect.StructTag(tag)
}

// args is what one parse of arguments gave.
type args struct {
	source string     // sourceCLI, sourceEnvArgs or sourceGunicornArgs
	app    string     // the APP argument, "" when absent
	flags  []flagArg  // flags the user typed, in table order
	values []setValue // flags converted by convert
}

// flagArg is one setting given as a flag, still as Starlark text.
type flagArg struct {
	s     *setting
	value starlark.Value
}

// setValue is a converted setting value, ready to store.
type setValue struct {
	s     *setting
	value any
}

// kongExit is how kong's Exit (called after -h and --version) unwinds
// out of Parse without ending the process.
type kongExit int

// parseArgs parses argv with a fresh kong parser; source names the
// arguments in errors. It returns ErrHelpShown after -h or --version.
func parseArgs(argv []string, source string, inv Invocation) (a *args, err error) {
	g := cliGrammar()
	if source != sourceCLI {
		g = envGrammar()
	}
	target := reflect.New(g.typ)
	parser := newParser(target.Interface(), inv)
	defer func() {
		if r := recover(); r != nil {
			code, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			a, err = nil, ErrHelpShown
			if code != 0 {
				err = &UsageError{Source: source, Msg: fmt.Sprintf("exit status %d", code)}
			}
		}
	}()
	ctx, err := parser.Parse(gunicornForms(argv))
	if err != nil {
		return nil, &UsageError{Source: source, Msg: kongMessage(err)}
	}
	return g.extract(ctx, target.Elem(), source), nil
}

// newParser builds a kong parser over target that writes to the
// Invocation's streams and never exits the process.
func newParser(target any, inv Invocation) *kong.Kong {
	parser, err := kong.New(target,
		kong.Name(inv.programName()),
		kong.Writers(orDiscard(inv.Stdout), orDiscard(inv.Stderr)),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.Vars{"version": inv.programName() + " (version " + inv.Version + ")"},
		kong.Help(func(kong.HelpOptions, *kong.Context) error {
			return writeUsage(orDiscard(inv.Stdout), inv)
		}),
	)
	if err != nil {
		panic("starcfg: the settings table makes a bad kong grammar: " + err.Error())
	}
	return parser
}

// extract reads the flags the user typed (kong's parse path) out of the
// parsed struct. Flags not typed are left out, so they cannot override a
// value from a lower layer.
func (g *grammar) extract(ctx *kong.Context, v reflect.Value, source string) *args {
	typed := map[string]bool{}
	for _, p := range ctx.Path {
		if p.Flag != nil && !p.Resolved {
			typed[p.Flag.Name] = true
		}
	}
	a := &args{source: source}
	if app := v.Field(g.app); app.Kind() == reflect.String {
		a.app = app.String()
	}
	for _, s := range settings {
		if len(s.flags) == 0 || !typed[s.flags[0]] {
			continue
		}
		a.flags = append(a.flags, flagArg{s: s, value: flagValue(v.Field(g.fields[s.flags[0]]))})
	}
	return a
}

// flagValue wraps a parsed flag as the Starlark value a config file would
// have written: a string, a list of strings, or True.
func flagValue(f reflect.Value) starlark.Value {
	switch f.Kind() {
	case reflect.Bool:
		return starlark.Bool(f.Bool())
	case reflect.Slice:
		items := make([]starlark.Value, f.Len())
		for i := range items {
			items[i] = starlark.String(f.Index(i).String())
		}
		return starlark.NewList(items)
	}
	return starlark.String(f.String())
}

// convert runs every flag value through its setting's conversion and
// check, the same as a config-file value.
func (a *args) convert(c *checkContext) error {
	for _, f := range a.flags {
		v, err := f.s.convert(f.value, c)
		if err != nil {
			return &UsageError{Source: a.source, Msg: f.s.mainFlag() + ": " + err.Error()}
		}
		a.values = append(a.values, setValue{s: f.s, value: v})
	}
	return nil
}

// apply stores the converted values over cfg, recording their origin.
func (a *args) apply(cfg *Config, origins map[string]string) {
	for _, sv := range a.values {
		storeValue(sv.s.field(cfg), sv.value)
		origins[sv.s.name] = a.source
	}
}

// value returns the converted value of the named setting, if given.
func (a *args) value(name string) (any, bool) {
	for _, sv := range a.values {
		if sv.s.name == name {
			return sv.value, true
		}
	}
	return nil, false
}

const cliDescription = "Serve a Go HTTP handler with a master process and workers, " +
	"configured by gocorn.conf.star. Settings are taken from, lowest first: defaults, " +
	"the config file, GOCORN_CMD_ARGS, the command line."

// kongMessage is a kong parse error on one line, with kong's wording for
// a flag missing its value made plain.
func kongMessage(err error) string {
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	return strings.Replace(msg, `expected string value but got "EOL" (<EOL>)`, "needs a value", 1)
}

// orDiscard is w, or io.Discard when w is nil.
func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
