package starcfg

import (
	"maps"
	"slices"

	"go.starlark.net/starlark"
)

// Defaults is every setting at its built-in default, without the
// environment's (PORT, WEB_CONCURRENCY). A worker decodes the master's
// configuration over it, so a setting a master from an older binary does
// not know keeps this binary's default instead of Go's zero value.
func Defaults() *Config {
	cfg := &Config{}
	for _, s := range settings {
		storeValue(s.field(cfg), s.def)
	}
	return cfg
}

// StarlarkValues is every setting of c by its name, as a frozen Starlark
// value showing what --print-config prints (None for an unset optional
// string): the hooks' cfg object.
func (c *Config) StarlarkValues() starlark.StringDict {
	values := make(starlark.StringDict, len(settings))
	for _, s := range settings {
		values[s.name] = settingValue(s, loadValue(s.field(c)))
	}
	return values
}

// settingValue is a setting's stored value as a frozen Starlark value.
func settingValue(s *setting, v any) starlark.Value {
	if t, ok := s.typ.(interface{ starlarkValue(any) starlark.Value }); ok {
		return t.starlarkValue(v) // a type with its own view (user, group)
	}
	switch v := v.(type) {
	case int:
		return starlark.MakeInt(v)
	case bool:
		return starlark.Bool(v)
	case float64:
		return starlark.Float(v)
	case string:
		if st, ok := s.typ.(stringType); ok && st.optional && v == "" {
			return starlark.None
		}
		return starlark.String(v)
	case []string:
		elems := make([]starlark.Value, len(v))
		for i, e := range v {
			elems[i] = starlark.String(e)
		}
		l := starlark.NewList(elems)
		l.Freeze()
		return l
	case map[string]string:
		d := starlark.NewDict(len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			_ = d.SetKey(starlark.String(k), starlark.String(v[k]))
		}
		d.Freeze()
		return d
	}
	// A type added to the table later: show it as --print-config does.
	// TestStarlarkValuesMatchPrintConfig fails until it is handled above.
	return starlark.String(s.typ.format(v))
}
