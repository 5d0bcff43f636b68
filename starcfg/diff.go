package starcfg

// Change is one setting that differs between two configurations.
type Change struct {
	Name       string
	Old, New   string // in Starlark syntax, as --print-config shows them
	Reloadable bool   // a HUP applies it; otherwise gocorn must be restarted
}

// Diff lists the settings whose values differ from old to new, sorted by
// name, so a HUP can say what it changed and what needs a restart.
func Diff(old, new *Config) []Change {
	var changes []Change
	for _, name := range settingNames() {
		s := settingsByName[name]
		o, n := s.typ.format(loadValue(s.field(old))), s.typ.format(loadValue(s.field(new)))
		if o != n {
			changes = append(changes, Change{Name: name, Old: o, New: n, Reloadable: s.reloadable})
		}
	}
	return changes
}
