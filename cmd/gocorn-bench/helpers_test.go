package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// input is a table test's input: the file in testdata when one is named,
// else the text given.
func input(t *testing.T, file, text string) string {
	t.Helper()
	if file == "" {
		return text
	}
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkErr reports whether a table test's case expected an error (want
// is not empty), failing it unless err contains want; a case that
// expected none fails on any error.
func checkErr(t *testing.T, name string, err error, want string) (expected bool) {
	t.Helper()
	switch {
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: got error %v, want one containing %q", name, err, want)
	case want == "" && err != nil:
		t.Errorf("%s: %v", name, err)
	}
	return want != ""
}
