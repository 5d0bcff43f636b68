// Package golden compares test output with files under testdata, and
// rewrites them when the tests run with -update: the settings' printouts
// (starcfg), the control socket's replies (proc/control) and gocorn ctl's
// screens (proc/ctl). It sits under starcfg, the bottom of gocorn's
// import graph (starcfg imports no other gocorn package), so that every
// package's tests can use it within the fixed top-level layout.
package golden

import (
	"flag"
	"os"
	"testing"
)

// Update is the -update flag, for tests that rewrite other generated
// files along with their golden files (docs/settings.md).
var Update = flag.Bool("update", false, "rewrite the golden files from the current output")

// Check fails t unless got is the content of the file at path; with
// -update it writes got there instead.
func Check(t *testing.T, path, got string) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
