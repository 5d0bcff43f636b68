package starcfg

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
)

// valueType is the kind of value a setting holds. It converts a Starlark
// value into the Go value stored in Config and prints a Go value back in
// Starlark syntax. Command-line strings go through convert too (wrapped as
// starlark.String), so the file and the flags share one conversion path.
type valueType interface {
	// name is the type as error messages and the docs say it ("int").
	name() string
	// convert turns a Starlark value into the stored Go value, or
	// explains why it cannot, in a message that names no setting.
	convert(v starlark.Value) (any, error)
	// format prints a stored Go value in Starlark syntax.
	format(v any) string
}

// The setting types, after gunicorn's validators: integers reject
// negatives and accept strings holding integers; bools accept "true" and
// "false"; lists accept a single string; strings are whitespace-stripped.
var (
	typeInt       valueType = intType{}
	typeCount     valueType = intType{min: 1}
	typeString    valueType = stringType{}
	typeOptString valueType = stringType{optional: true}
	typeBool      valueType = boolType{}
	typeSeconds   valueType = secondsType{}
	typeList      valueType = listType{}
	typeDict      valueType = dictType{}
)

// intType is an integer of min or more: 0 for most settings, 1 for
// counts (typeCount) such as workers.
type intType struct{ min int }

func (intType) name() string { return "int" }

func (t intType) convert(v starlark.Value) (any, error) {
	var n int64
	switch v := v.(type) {
	case starlark.Int:
		i, ok := v.Int64()
		if !ok {
			return nil, fmt.Errorf("%s is too large", v)
		}
		n = i
	case starlark.String:
		s := strings.TrimSpace(string(v))
		i, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", string(v))
		}
		n = i
	default:
		return nil, wrongType(v, "int")
	}
	if n < int64(t.min) {
		return nil, belowMin(n, t.min)
	}
	return int(n), nil
}

func (intType) format(v any) string { return strconv.Itoa(v.(int)) }

// stringType is a string; an optional one also accepts None, stored as "".
type stringType struct{ optional bool }

func (t stringType) name() string {
	if t.optional {
		return "string or None"
	}
	return "string"
}

func (t stringType) convert(v starlark.Value) (any, error) {
	if v == starlark.None && t.optional {
		return "", nil
	}
	s, ok := starlark.AsString(v)
	if !ok {
		return nil, wrongType(v, t.name())
	}
	return strings.TrimSpace(s), nil
}

func (t stringType) format(v any) string {
	s := v.(string)
	if s == "" && t.optional {
		return "None"
	}
	return starlark.String(s).String()
}

// secondsType is a non-negative number of seconds, fractions allowed: an
// int, a float, or a string holding either ("2.5").
type secondsType struct{}

func (secondsType) name() string { return "number" }

func (secondsType) convert(v starlark.Value) (any, error) {
	var f float64
	switch v := v.(type) {
	case starlark.Int, starlark.Float:
		f, _ = starlark.AsFloat(v)
	case starlark.String:
		n, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number of seconds", string(v))
		}
		f = n
	default:
		return nil, wrongType(v, "number")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return nil, fmt.Errorf("got %s, want 0 or more seconds", strconv.FormatFloat(f, 'g', -1, 64))
	}
	return f, nil
}

// format prints a Starlark float: 0.0, 2.5.
func (secondsType) format(v any) string { return starlark.Float(v.(float64)).String() }

// boolType is a bool; the strings "true" and "false" (any case) count too.
type boolType struct{}

func (boolType) name() string { return "bool" }

func (boolType) convert(v starlark.Value) (any, error) {
	switch v := v.(type) {
	case starlark.Bool:
		return bool(v), nil
	case starlark.String:
		switch strings.ToLower(strings.TrimSpace(string(v))) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a bool (want True, False, \"true\" or \"false\")", string(v))
	}
	return nil, wrongType(v, "bool")
}

func (boolType) format(v any) string {
	if v.(bool) {
		return "True"
	}
	return "False"
}

// listType is a list of strings; a single string is a list of one, and
// None an empty list.
type listType struct{}

func (listType) name() string { return "list of strings" }

func (listType) convert(v starlark.Value) (any, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return []string{}, nil
	case starlark.String:
		return []string{strings.TrimSpace(string(v))}, nil
	case *starlark.List, starlark.Tuple:
		seq := v.(starlark.Indexable)
		out := make([]string, seq.Len())
		for i := range out {
			s, ok := starlark.AsString(seq.Index(i))
			if !ok {
				return nil, fmt.Errorf("index %d: %w", i, wrongType(seq.Index(i), "string"))
			}
			out[i] = strings.TrimSpace(s)
		}
		return out, nil
	}
	return nil, wrongType(v, "list of strings")
}

func (listType) format(v any) string {
	items := v.([]string)
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = starlark.String(s).String()
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// dictType is a dict from strings to strings (gunicorn's dict settings,
// such as secure_scheme_headers, are all of that shape).
type dictType struct{}

func (dictType) name() string { return "dict of strings" }

func (dictType) convert(v starlark.Value) (any, error) {
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, wrongType(v, "dict")
	}
	out := make(map[string]string, d.Len())
	for _, kv := range d.Items() {
		k, ok := starlark.AsString(kv[0])
		if !ok {
			return nil, fmt.Errorf("key %s: %w", kv[0], wrongType(kv[0], "string"))
		}
		val, ok := starlark.AsString(kv[1])
		if !ok {
			return nil, fmt.Errorf("key %q: %w", k, wrongType(kv[1], "string"))
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return out, nil
}

func (dictType) format(v any) string {
	m := v.(map[string]string)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = starlark.String(k).String() + ": " + starlark.String(m[k]).String()
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// belowMin is the one wording of an integer below its range, whichever
// setting and whether from a flag or the file: "got -1, want 1 or more".
func belowMin(n int64, min int) error {
	return fmt.Errorf("got %d, want %d or more", n, min)
}

// wrongType is the error for a value of the wrong Starlark type.
func wrongType(v starlark.Value, want string) error {
	return fmt.Errorf("got %s, want %s", v.Type(), want)
}

// storeValue writes a converted value through a pointer to a Config field.
// The table test checks that every setting's type matches its field, so a
// mismatch here is a programming error.
func storeValue(ptr, v any) {
	switch p := ptr.(type) {
	case *int:
		*p = v.(int)
	case *string:
		*p = v.(string)
	case *bool:
		*p = v.(bool)
	case *float64:
		*p = v.(float64)
	case *[]string:
		*p = slices.Clone(v.([]string)) // never alias a default or another layer
	case *map[string]string:
		*p = maps.Clone(v.(map[string]string))
	default:
		panic(fmt.Sprintf("starcfg: unsupported field type %T", ptr))
	}
}

// loadValue reads a Config field through its pointer.
func loadValue(ptr any) any {
	switch p := ptr.(type) {
	case *int:
		return *p
	case *string:
		return *p
	case *bool:
		return *p
	case *float64:
		return *p
	case *[]string:
		return *p
	case *map[string]string:
		return *p
	}
	panic(fmt.Sprintf("starcfg: unsupported field type %T", ptr))
}
