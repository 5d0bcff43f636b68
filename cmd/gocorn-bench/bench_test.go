package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func needWrk(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("loads a server for seconds")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed")
	}
}

// smokeOptions are the shortest run: the bare server, 1 round, 1 second.
func smokeOptions(doc string) options {
	return options{duration: time.Second, connections: 4, threads: 1, rounds: 1, only: "bare", modes: "keep-alive",
		doc: doc, command: "gocorn-bench -only bare"}
}

// One round of the bare server alone, end to end: the table on stdout,
// the doc and the chart written.
func TestRunSmoke(t *testing.T) {
	needWrk(t)
	doc := filepath.Join(t.TempDir(), "performance.md")
	var stdout, progress strings.Builder
	if err := run(t.Context(), smokeOptions(doc), &stdout, &progress); err != nil {
		t.Fatalf("run: %v\nprogress:\n%s", err, progress.String())
	}
	if !strings.Contains(stdout.String(), "\n| bare net/http, 1 process |") {
		t.Errorf("stdout lacks the bare server's row:\n%s", stdout.String())
	}
	if !strings.Contains(progress.String(), "gocorn-bench: round 1 of 1, bare net/http, 1 process") {
		t.Errorf("progress does not say which server and round:\n%s", progress.String())
	}
	b, err := os.ReadFile(doc)
	if err != nil || !strings.Contains(string(b), stdout.String()) || !strings.Contains(string(b), "## Reasoning") {
		t.Errorf("doc (%v):\n%s", err, b)
	}
	if st, err := os.Stat(strings.TrimSuffix(doc, ".md") + ".png"); err != nil || st.Size() == 0 {
		t.Errorf("chart: %v", err)
	}
}

// Interrupted while a server runs, the tool stops it and says so.
func TestRunInterrupted(t *testing.T) {
	needWrk(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(700*time.Millisecond, cancel) // during the warm-up
	var stdout, progress strings.Builder
	err := run(ctx, smokeOptions(""), &stdout, &progress)
	if err == nil || !strings.Contains(err.Error(), "interrupted; every server started has been stopped") {
		t.Fatalf("run: got %v, want it interrupted", err)
	}
	if kids := children(os.Getpid()); len(kids) > 0 {
		t.Errorf("processes %v started by the run are still running", kids)
	}
	if stdout.Len() > 0 {
		t.Errorf("an interrupted run printed results:\n%s", stdout.String())
	}
}

// children lists the live processes whose parent is pid.
func children(pid int) []int {
	var kids []int
	for _, st := range liveProcs(func(st procStat) bool { return st.ppid == pid }) {
		kids = append(kids, st.pid)
	}
	return kids
}
