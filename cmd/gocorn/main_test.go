package main

import (
	"os"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// gocornBin is the binary under test, built once by TestMain.
var gocornBin string

func TestMain(m *testing.M) { os.Exit(proctest.Main(m, ".", &gocornBin)) }

// start runs the stock binary in dir; see proctest.Start.
func start(t *testing.T, dir string, args ...string) *proctest.Instance {
	t.Helper()
	return proctest.Start(t, proctest.Setup{Bin: gocornBin, Dir: dir}, args...)
}

// run runs the stock binary to completion; see proctest.Run.
func run(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	return proctest.Run(t, proctest.Setup{Bin: gocornBin, Dir: dir, Env: env}, args...)
}
