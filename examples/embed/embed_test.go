package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// bin is the example's binary, built once by TestMain.
var bin string

func TestMain(m *testing.M) { os.Exit(proctest.Main(m, ".", &bin)) }

func TestEmbeddedAppsServeWithTheWholeModel(t *testing.T) {
	in := proctest.Start(t, proctest.Setup{Bin: bin, Dir: t.TempDir()}, "-b", "127.0.0.1:0", "-w", "2", "-k", "gthread", "api")
	if code, body := in.Get("/hello/gopher"); code != 200 || body != "Hello, gopher!\n" {
		t.Fatalf("got %d %q", code, body)
	}
	code, body := in.Get("/time")
	var got struct {
		WorkerPID int `json:"worker_pid"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("got %d %q", code, body)
	}
	workers := in.Workers()
	if got.WorkerPID != workers[0] && got.WorkerPID != workers[1] {
		t.Errorf("served by pid %d, workers are %v", got.WorkerPID, workers)
	}
}

func TestEmbeddedBinaryNamesItsApps(t *testing.T) {
	code, _, stderr := proctest.Run(t, proctest.Setup{Bin: bin, Dir: t.TempDir()}, "--check-config")
	if code != 1 || !strings.Contains(stderr, "api, health") {
		t.Errorf("no APP with two apps: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := proctest.Run(t, proctest.Setup{Bin: bin, Dir: t.TempDir()}, "--check-config", "health"); code != 0 {
		t.Errorf("check health: exit %d: %s", code, stderr)
	}
}
