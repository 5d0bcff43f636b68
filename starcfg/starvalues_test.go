package starcfg

import (
	"reflect"
	"testing"
)

// The hooks' cfg object shows every setting as --print-config does, so a
// setting whose Go type settingValue does not know fails here.
func TestStarlarkValuesMatchPrintConfig(t *testing.T) {
	set := Defaults()
	set.Pidfile, set.RawEnv = "/run/gocorn.pid", []string{"A=1", "B=2"}
	for _, c := range []*Config{Defaults(), set} {
		values := c.StarlarkValues()
		if len(values) != len(settings) {
			t.Errorf("%d values, want %d", len(values), len(settings))
		}
		for _, s := range settings {
			got := values[s.name]
			if want := s.typ.format(loadValue(s.field(c))); got == nil || got.String() != want {
				t.Errorf("cfg.%s = %v, want %s", s.name, got, want)
			}
		}
	}
	m := settingValue(&setting{typ: typeDict}, map[string]string{"b": "2", "a": "1"})
	if got, want := m.String(), `{"a": "1", "b": "2"}`; got != want {
		t.Errorf("dict setting = %s, want %s", got, want)
	}
}

// Defaults is defaultConfig without the environment.
func TestDefaults(t *testing.T) {
	want, _, err := defaultConfig(newEnviron(nil), &checkContext{})
	if err != nil {
		t.Fatal(err)
	}
	if got := Defaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("Defaults() = %+v\nwant %+v", got, want)
	}
}
