package starcfg

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	old := &Config{Workers: 2, Bind: []string{"127.0.0.1:8000"}, Loglevel: "info", ProcName: "a"}
	new := &Config{Workers: 4, Bind: []string{"127.0.0.1:8000"}, Loglevel: "info", Chdir: "/srv"}
	got := Diff(old, new)
	want := []Change{
		{Name: "chdir", Old: "None", New: `"/srv"`, Reloadable: settingsByName["chdir"].reloadable},
		{Name: "proc_name", Old: `"a"`, New: "None", Reloadable: settingsByName["proc_name"].reloadable},
		{Name: "workers", Old: "2", New: "4", Reloadable: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff:\n got %+v\nwant %+v", got, want)
	}
	if d := Diff(old, old); len(d) != 0 {
		t.Errorf("Diff of a config with itself: %+v", d)
	}
}
