package starcfg

import (
	"io"
	"path/filepath"
	"testing"
)

// BenchmarkResolve is what a start or a HUP spends on the configuration:
// the example config evaluated, checked and layered under a command line.
//
//	go test -run '^$' -bench Resolve -benchmem ./starcfg
func BenchmarkResolve(b *testing.B) {
	conf, err := filepath.Abs("../examples/gocorn.conf.star")
	if err != nil {
		b.Fatal(err)
	}
	inv := Invocation{Args: []string{"-c", conf, "-w", "3", "hello"}, Dir: b.TempDir(),
		Stdout: io.Discard, Stderr: io.Discard, Version: "bench"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve(inv); err != nil {
			b.Fatal(err)
		}
	}
}
