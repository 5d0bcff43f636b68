//go:build !linux

package proc

// followGoRun needs a parent-death signal, which only Linux has: see
// gorun_linux.go. Elsewhere, stop a `go run` master with Ctrl-C.
func followGoRun() {}
