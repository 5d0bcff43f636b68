// Command gocorn-release builds gocorn's release binaries: static
// executables for linux/amd64 and linux/arm64 and a SHA256SUMS file beside
// them, reproducibly, so that anyone can rebuild a release from its commit
// and compare checksums.
//
// Usage, from a git checkout of the gocorn module (`just release`):
//
//	go run ./cmd/gocorn-release -o dist
//
// What makes the bytes depend on the commit alone: no cgo (a static
// binary, nothing from the build machine's C library), -trimpath (no
// checkout path in the binary), the VCS stamp forced on (the commit, its
// time and the dirty flag; the module version comes from the commit's tag
// when it has one) and the Go release of the toolchain, which the build
// info records. A dirty tree still builds, but the binary says "+dirty"
// and the tool warns: such a build cannot be reproduced.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("o", "dist", "directory for the binaries and SHA256SUMS")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: gocorn-release [-o DIR]")
		os.Exit(2)
	}
	sums, err := build(".", *out, targets)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gocorn-release: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(sums)
}
