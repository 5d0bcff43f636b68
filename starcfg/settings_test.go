package starcfg

import (
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// TestSettingsTable checks the table against Config and itself, so a new
// setting cannot be half-declared.
func TestSettingsTable(t *testing.T) {
	jsonNames := map[string]string{} // json name -> field name
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Config]()) {
		if !f.Anonymous && f.IsExported() { // embedded parts contribute their own fields
			jsonNames[strings.Split(f.Tag.Get("json"), ",")[0]] = f.Name
		}
	}
	flags := map[string]string{}
	shorts := map[rune]string{'h': "help", 'v': "version"}
	for _, s := range settings {
		if _, ok := jsonNames[s.name]; !ok {
			t.Errorf("%s: no Config field has json tag %q", s.name, s.name)
		}
		delete(jsonNames, s.name)
		if s.help == "" || !slices.Contains(sectionOrder, s.section) || s.field == nil || s.typ == nil {
			t.Errorf("%s: help, a known section, field and typ are required", s.name)
		}
		checkFieldType(t, s)
		if _, err := s.convert(starlarkOf(s.def), &checkContext{}); err != nil {
			t.Errorf("%s: default %v fails its own check: %v", s.name, s.def, err)
		}
		for _, f := range s.flags {
			if other, dup := flags[f]; dup {
				t.Errorf("--%s belongs to %s and %s", f, other, s.name)
			}
			flags[f] = s.name
		}
		if other, dup := shorts[s.short]; dup && s.short != 0 {
			t.Errorf("-%c belongs to %s and %s", s.short, other, s.name)
		}
		shorts[s.short] = s.name
		if len(s.flags) > 0 && s.typ != typeBool && s.metavar == "" {
			t.Errorf("%s: a value flag needs a metavar", s.name)
		}
		if _, clash := hooksByName[s.name]; clash {
			t.Errorf("%s is both a setting and a hook", s.name)
		}
	}
	for name, field := range jsonNames {
		t.Errorf("Config.%s (json %q) has no setting", field, name)
	}
}

// checkFieldType requires the pointer the table gives to fit its type.
func checkFieldType(t *testing.T, s *setting) {
	t.Helper()
	ptr := s.field(&Config{})
	want := map[valueType]any{
		typeInt: (*int)(nil), typeString: (*string)(nil), typeOptString: (*string)(nil),
		typeBool: (*bool)(nil), typeSeconds: (*float64)(nil), typeList: (*[]string)(nil), typeDict: (*map[string]string)(nil), typeAnyDict: (*map[string]string)(nil), typeCount: (*int)(nil),
		typeID: (*string)(nil), typeProxyProtocol: (*string)(nil),
	}[s.typ]
	if reflect.TypeOf(ptr) != reflect.TypeOf(want) {
		t.Errorf("%s: field is %T, type %s wants %T", s.name, ptr, s.typ.name(), want)
	}
}

// starlarkOf turns a stored default back into a Starlark value.
func starlarkOf(v any) starlark.Value {
	switch v := v.(type) {
	case int:
		return starlark.MakeInt(v)
	case string:
		return starlark.String(v)
	case bool:
		return starlark.Bool(v)
	case float64:
		return starlark.Float(v)
	case []string:
		items := make([]starlark.Value, len(v))
		for i, s := range v {
			items[i] = starlark.String(s)
		}
		return starlark.NewList(items)
	case map[string]string:
		d := starlark.NewDict(len(v))
		for k, val := range v {
			d.SetKey(starlark.String(k), starlark.String(val))
		}
		return d
	}
	panic(v)
}

func TestTypeConversions(t *testing.T) {
	dict := starlark.NewDict(2)
	_ = dict.SetKey(starlark.String("X-Proto"), starlark.String(" https "))
	_ = dict.SetKey(starlark.String("A"), starlark.String("b"))
	badDict := starlark.NewDict(1)
	_ = badDict.SetKey(starlark.String("k"), starlark.MakeInt(1))
	tests := []struct {
		typ     valueType
		in      starlark.Value
		want    string // formatted result
		wantErr string
	}{
		{typeInt, starlark.MakeInt(5), "5", ""},
		{typeInt, starlark.String("0x1F"), "31", ""},
		{typeInt, starlark.String("0o17"), "15", ""},
		{typeInt, starlark.String(" 0b101 "), "5", ""},
		{typeInt, starlark.String("1.5"), "", `"1.5" is not an integer`},
		{typeInt, starlark.MakeInt(-3), "", "got -3, want 0 or more"},
		{typeInt, starlark.String("-3"), "", "got -3, want 0 or more"},
		{typeInt, starlark.None, "", "got NoneType, want int"},
		{typeInt, starlark.MakeBigInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil)), "", "100000000000000000000 is too large"},
		{typeSeconds, starlark.MakeInt(2), "2.0", ""},
		{typeSeconds, starlark.Float(0.25), "0.25", ""},
		{typeSeconds, starlark.String(" 1.5 "), "1.5", ""},
		{typeSeconds, starlark.String("1s"), "", `"1s" is not a number of seconds`},
		{typeSeconds, starlark.Float(-1), "", "got -1, want 0 or more seconds"},
		{typeSeconds, starlark.String("NaN"), "", "got NaN, want 0 or more seconds"},
		{typeSeconds, starlark.String("inf"), "", "got +Inf, want 0 or more seconds"},
		{typeSeconds, starlark.True, "", "got bool, want number"},
		{typeString, starlark.String(" a b "), `"a b"`, ""},
		{typeOptString, starlark.None, "None", ""},
		{typeOptString, starlark.String(""), "None", ""},
		{typeBool, starlark.String("False"), "False", ""},
		{typeBool, starlark.True, "True", ""},
		{typeBool, starlark.String("1"), "", `"1" is not a bool (want True, False, "true" or "false")`},
		{typeList, starlark.None, "[]", ""},
		{typeList, starlark.Tuple{starlark.String("a"), starlark.String("b")}, `["a", "b"]`, ""},
		{typeList, starlark.NewList([]starlark.Value{starlark.String(`q"uote`)}), `["q\"uote"]`, ""},
		{typeList, starlark.MakeInt(1), "", "got int, want list of strings"},
		{typeDict, dict, `{"A": "b", "X-Proto": "https"}`, ""},
		{typeDict, badDict, "", `key "k": got int, want string`},
		{typeDict, starlark.NewList(nil), "", "got list, want dict"},
		{typeID, starlark.String(" www-data "), `"www-data"`, ""},
		{typeID, starlark.MakeInt(33), "33", ""},
		{typeID, starlark.String("33"), "33", ""},
		{typeID, starlark.String("0033"), "33", ""},
		{typeID, starlark.None, "None", ""},
		{typeID, starlark.MakeInt(-1), "", "got -1, want 0 or more"},
		{typeID, starlark.True, "", "got bool, want string, int or None"},
	}
	for _, tt := range tests {
		got, err := tt.typ.convert(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%s.convert(%s) error = %v, want %q", tt.typ.name(), tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s.convert(%s): %v", tt.typ.name(), tt.in, err)
			continue
		}
		if s := tt.typ.format(got); s != tt.want {
			t.Errorf("%s.convert(%s) = %s, want %s", tt.typ.name(), tt.in, s, tt.want)
		}
	}
}

func TestHookArgs(t *testing.T) {
	tests := []struct {
		hook, def string
		want      int
	}{
		{"post_request", "def f(worker, req): pass", 2},
		{"post_request", "def f(worker, req, environ): pass", 3},
		{"post_request", "def f(worker, req, environ, resp): pass", 4},
		{"post_request", "def f(*args): pass", 4},
		{"post_request", "def f(worker, req, environ = None, resp = None, extra = None): pass", 4},
		{"pre_fork", "def f(server, worker, extra = None): pass", 2},
		{"not_a_hook", "def f(): pass", 0},
	}
	for _, tt := range tests {
		globals, err := starlark.ExecFileOptions(fileOptions, &starlark.Thread{}, "t.star", tt.def, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := HookArgs(tt.hook, globals["f"].(*starlark.Function)); got != tt.want {
			t.Errorf("HookArgs(%s, %q) = %d, want %d", tt.hook, tt.def, got, tt.want)
		}
	}
}
