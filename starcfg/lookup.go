package starcfg

import (
	"strings"

	"go.starlark.net/starlark"
)

// SettingInfo is what a tool that translates another server's
// configuration (gocorn migrate) needs to know of one setting, without
// reaching into the settings table.
type SettingInfo struct {
	Name     string // gocorn's name, as in gocorn.conf.star
	Gunicorn string // gunicorn's name when it differs, else ""
	Flag     string // the main long flag with "--", or "" for a file-only setting
	Bool     bool   // the flag takes no value
	CLIOnly  bool   // may not be set inside a config file
	Ignored  string // why gocorn accepts and ignores it, for gunicorn settings that mean nothing in Go
	Refused  string // why gocorn refuses any value but the default, for gunicorn settings it cannot honour
}

// LookupSetting finds a setting by its gocorn name or by gunicorn's
// spelling of it.
func LookupSetting(name string) (SettingInfo, bool) {
	for _, s := range settings {
		if s.name == name || s.gunicorn == name {
			return s.info(), true
		}
	}
	return SettingInfo{}, false
}

// AcceptsValue reports whether the setting name (gocorn's spelling or
// gunicorn's) takes v, through the same conversion and checks as a value
// in the config file: a translating tool tells by it a refused setting
// left at its default, which gocorn accepts, from one that is set.
func AcceptsValue(name string, v starlark.Value) bool {
	for _, s := range settings {
		if s.name == name || s.gunicorn == name {
			_, err := s.convert(v, &checkContext{dir: "."})
			return err == nil
		}
	}
	return false
}

// LookupFlag finds the setting a command-line flag sets: "--workers",
// "-w", any of a setting's other long flags, or the --no- form of a
// negatable one ("--no-sendfile", as gunicorn spells it too).
func LookupFlag(flag string) (SettingInfo, bool) {
	long, isLong := strings.CutPrefix(flag, "--")
	negated, isNegated := strings.CutPrefix(long, "no-")
	for _, s := range settings {
		if !isLong && s.short != 0 && flag == "-"+string(s.short) {
			return s.info(), true
		}
		for _, f := range s.flags {
			if isLong && (f == long || s.negatable && isNegated && f == negated) {
				return s.info(), true
			}
		}
	}
	return SettingInfo{}, false
}

// IsHook reports whether name is a server hook gocorn calls.
func IsHook(name string) bool {
	_, ok := hooksByName[name]
	return ok
}

// HookRefused reports whether name is a gunicorn hook gocorn refuses
// (ssl_context, the dirty arbiter's hooks), and why with what to do
// instead: a translator can then leave such a hook out with the reason
// gocorn itself would give, rather than a copy of it.
func HookRefused(name string) (why string, refused bool) {
	why, refused = refusedHooks[name]
	return why, refused
}

// HookParams are the parameters of a hook, as gunicorn names them
// ("server", "worker", "req"...), or nil for a name that is no hook.
func HookParams(name string) []string {
	if h, ok := hooksByName[name]; ok {
		return append([]string(nil), h.params...)
	}
	return nil
}

func (s *setting) info() SettingInfo {
	return SettingInfo{
		Name: s.name, Gunicorn: s.gunicorn, Flag: s.mainFlag(),
		Bool: s.typ == typeBool, CLIOnly: s.cliOnly, Ignored: s.ignored, Refused: s.refused,
	}
}
