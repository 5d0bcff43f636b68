package main

import (
	"testing"
	"time"
)

// The files in testdata are /proc/PID/stat lines of the shapes the tool
// meets: a worker whose comm holds spaces and parentheses, and a zombie.
func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name, file, text string
		want             procStat
		err              string
	}{
		{name: "worker", file: "proc-stat-worker.txt",
			want: procStat{pid: 4242, state: "S", ppid: 4240, pgrp: 4240, cpuTicks: 325, rssPages: 3456}},
		{name: "zombie", file: "proc-stat-zombie.txt",
			want: procStat{pid: 4243, state: "Z", ppid: 4240, pgrp: 4240, cpuTicks: 15}},
		{name: "no comm", text: "4242 S 1 1", err: "no (comm)"},
		{name: "cut short", text: "4242 (a) S 1 1 1 0 -1 0 0 0 0 0 10 5", err: "want at least 22"},
		{name: "not a number", text: "4242 (a) S 1 x 1 0 -1 0 0 0 0 0 10 5 0 0 20 0 1 0 1 1 1 1", err: "bad number"},
	}
	for _, tt := range tests {
		got, err := parseProcStat(input(t, tt.file, tt.text))
		if checkErr(t, tt.name, err, tt.err) {
			continue
		}
		if got != tt.want {
			t.Errorf("%s: parseProcStat = %+v; want %+v", tt.name, got, tt.want)
		}
	}
}

// A group of a shell and a busy child: their CPU time adds up, and so
// does their memory.
func TestGroupUsage(t *testing.T) {
	t.Parallel()
	script := `(while :; do :; done) & trap 'kill $!; exit 0' TERM; echo 'Listening at: http://127.0.0.1:9 (1)'; wait`
	in, err := start(t.Context(), shSpec(script), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := in.stop(time.Second); err != nil {
			t.Error(err)
		}
	}()
	pgid := in.cmd.Process.Pid
	before := groupUsage(pgid)
	// The busy child's CPU time must show up in the group's; on a loaded
	// machine it gets its 50 ms later, so wait for it (bounded).
	after := before
	for deadline := time.Now().Add(10 * time.Second); after.cpu-before.cpu < 50*time.Millisecond && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		after = groupUsage(pgid)
	}
	if after.procs != 2 || after.rss <= 0 {
		t.Errorf("group usage %+v, want 2 processes with memory", after)
	}
	if spent := after.cpu - before.cpu; spent < 50*time.Millisecond {
		t.Errorf("the busy loop used %s of CPU in 10s", spent)
	}
	if got := groupUsage(-1); got.procs != 0 || got.cpu != 0 {
		t.Errorf("a group that does not exist has usage %+v", got)
	}
}
