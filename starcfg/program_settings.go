package starcfg

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sync"
)

// ProgramSetting declares a setting of a program that embeds gocorn: one
// the program's own code reads (an API prefix, a greeting, a cache size).
// Once added with AddProgramSettings it is a setting like the built-in
// ones: gocorn.conf.star sets it as `name = value`, its flag sets it on
// the command line and in GOCORN_CMD_ARGS, and -h, --print-config,
// `PROGRAM help NAME`, the hooks' cfg object and Get show it. Values are
// converted and checked as the built-in settings' are, so a wrong value
// is an error at file:line before anything starts.
type ProgramSetting struct {
	// Name is the setting's name in the config file: a lower-case
	// Starlark identifier ("api_prefix").
	Name string
	// Flag is its long flag without "--" ("api-prefix"); empty for a
	// setting only the config file can set.
	Flag string
	// Metavar is the value's placeholder in -h ("PREFIX"); empty gives
	// the type's (STRING, INT...).
	Metavar string
	// Default is the value when nothing sets it. Its Go type is the
	// setting's type: string, int (0 or more), bool, float64 (0 or
	// more), []string or map[string]string.
	Default any
	// Help says what the setting does; its first sentence is the line
	// in -h.
	Help string
	// Check, when set, validates a converted value (of Default's type);
	// its error is reported with the file:line or the flag that gave the
	// value.
	Check func(v any) error
	// Restart says a HUP does not apply a change, so the master warns
	// that it needs a restart: set it for a setting the program reads
	// once, in the master (in an OnStarting hook, say). A setting the app
	// reads needs none: a HUP rebuilds the app in new workers, which get
	// the new value.
	Restart bool
}

// programTypes maps a Default's Go type to the setting type and its
// placeholder.
var programTypes = map[reflect.Type]struct {
	typ     valueType
	metavar string
}{
	reflect.TypeFor[string]():            {typeString, "STRING"},
	reflect.TypeFor[int]():               {typeInt, "INT"},
	reflect.TypeFor[bool]():              {typeBool, ""},
	reflect.TypeFor[float64]():           {typeSeconds, "NUMBER"},
	reflect.TypeFor[[]string]():          {typeList, "STRING"},
	reflect.TypeFor[map[string]string](): {typeDict, ""},
}

var (
	settingName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	flagName    = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// programMu serialises AddProgramSettings; the table is read without a
// lock, which is why it must run before the first Resolve.
var programMu sync.Mutex

// AddProgramSettings adds a program's own settings to the settings table,
// under section (the heading -h and `PROGRAM help` list them under,
// usually the program's name). Call it once, before anything resolves a
// configuration: package proc's Run does, from Program.Settings. It adds
// nothing and returns an error naming the first bad declaration: a name
// or flag that is not well formed or is already taken (by a built-in
// setting or another program setting), a Default of an unsupported type,
// a Default its own Check refuses, or missing help.
func AddProgramSettings(section string, defs []ProgramSetting) error {
	programMu.Lock()
	defer programMu.Unlock()
	if section == "" {
		return errors.New("program settings: the section is empty; name it after the program")
	}
	added := make([]*setting, 0, len(defs))
	taken := takenNames()
	for _, d := range defs {
		s, err := programSetting(d, section, taken)
		if err != nil {
			return fmt.Errorf("program setting %q: %w", d.Name, err)
		}
		taken[s.name] = true
		if len(s.flags) > 0 {
			taken["--"+s.flags[0]] = true
		}
		added = append(added, s)
	}
	if len(added) == 0 {
		return nil
	}
	settings = append(slices.Clip(settings), added...)
	if !slices.Contains(sectionOrder, section) {
		sectionOrder = append(slices.Clip(sectionOrder), section)
	}
	tableChanged()
	return nil
}

// takenNames are the setting names and "--flag"s in use, with the flags
// the command line always has.
func takenNames() map[string]bool {
	taken := map[string]bool{"--help": true, "--version": true}
	for _, s := range settings {
		taken[s.name] = true
		for _, f := range s.flags {
			taken["--"+f] = true
			if s.negatable {
				taken["--no-"+f] = true
			}
		}
	}
	return taken
}

// programSetting checks one declaration and turns it into a table entry.
func programSetting(d ProgramSetting, section string, taken map[string]bool) (*setting, error) {
	kind, ok := programTypes[reflect.TypeOf(d.Default)]
	switch {
	case !settingName.MatchString(d.Name):
		return nil, errors.New("a name is lower-case letters, digits and _, starting with a letter")
	case taken[d.Name]:
		return nil, errors.New("the name is already a setting's; choose another")
	case d.Flag != "" && !flagName.MatchString(d.Flag):
		return nil, fmt.Errorf("flag %q: a flag is lower-case letters, digits and -, starting with a letter, without the leading --", d.Flag)
	case d.Flag != "" && taken["--"+d.Flag]:
		return nil, fmt.Errorf("flag --%s is already taken; choose another", d.Flag)
	case !ok:
		return nil, fmt.Errorf("Default is a %T; want a string, int, bool, float64, []string or map[string]string", d.Default)
	case d.Help == "":
		return nil, errors.New("Help is empty; -h and the help subcommand show it")
	}
	s := &setting{
		name: d.Name, typ: kind.typ, def: d.Default, help: d.Help, section: section,
		metavar: cmpOr(d.Metavar, kind.metavar), reloadable: !d.Restart, check: programCheck(d.Check),
		field: func(c *Config) any { return c.programValue(d.Name, d.Default) },
	}
	if d.Flag != "" {
		s.flags = []string{d.Flag}
	}
	if _, err := s.convert(settingValue(s, d.Default), &checkContext{}); err != nil {
		return nil, fmt.Errorf("the Default %s fails its own check: %v", s.typ.format(d.Default), err)
	}
	return s, nil
}

// programCheck adapts a ProgramSetting's Check to the table's checks.
func programCheck(check func(any) error) checkFunc {
	if check == nil {
		return nil
	}
	return func(v any, _ *checkContext) (any, error) {
		if err := check(v); err != nil {
			return nil, err
		}
		return v, nil
	}
}

// cmpOr is a, or b when a is empty.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// programValue is the pointer through which the table reads and writes
// the program setting name of c, made on first use with def's type.
// Every Config the package builds stores all defaults first, so readers
// never make one.
func (c *Config) programValue(name string, def any) any {
	if p, ok := c.program[name]; ok {
		return p
	}
	if c.program == nil {
		c.program = map[string]any{}
	}
	p := reflect.New(reflect.TypeOf(def)).Interface()
	c.program[name] = p
	return p
}

// tableChanged rebuilds what is derived from the settings table.
func tableChanged() {
	settingsByName = indexSettings()
	cliGrammar = sync.OnceValue(newCLIGrammar)
	envGrammar = sync.OnceValue(newEnvGrammar)
	valueFlags = sync.OnceValue(indexValueFlags)
	longFlags = sync.OnceValue(listLongFlags)
}

// Get is the value of the setting name in c, built-in or a program's
// (AddProgramSettings), as its Go type: string, int, bool, float64,
// []string or map[string]string (optional strings hold "" for None). The
// app reads its own settings with it, in the worker, from the config the
// master resolved. The error names a setting that does not exist or has
// another type, so a typo fails the app's load instead of serving a
// zero value.
func Get[T any](c *Config, name string) (T, error) {
	var zero T
	s, ok := settingsByName[name]
	if !ok {
		return zero, fmt.Errorf("no setting is named %q%s", name, didYouMean(name, settingNames()))
	}
	if c == nil {
		return zero, fmt.Errorf("setting %s: no configuration has been resolved yet", name)
	}
	v, ok := loadValue(s.field(c)).(T)
	if !ok {
		return zero, fmt.Errorf("setting %s is a %s (%T), not a %T", name, s.typ.name(), s.def, zero)
	}
	return v, nil
}
