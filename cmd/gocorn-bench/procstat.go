package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat:
// 100 on every Linux architecture Go runs on.
const clockTicks = 100

// A procStat is what this tool reads from one /proc/PID/stat.
type procStat struct {
	pid      int
	state    string // "R", "S", ...; "Z" for a zombie
	ppid     int
	pgrp     int
	cpuTicks int64 // utime + stime, the process's threads alive and gone
	rssPages int64
}

// parseProcStat reads "pid (comm) state ppid pgrp ... utime stime ...
// rss ...", where comm may hold spaces and parentheses.
func parseProcStat(s string) (procStat, error) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("no (comm) in %q", s)
	}
	f := strings.Fields(s[end+1:]) // f[0] is field 3, state
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("%d fields after (comm), want at least 22, in %q", len(f), s)
	}
	var bad error
	num := func(field int) int64 { // field as numbered in proc(5)
		v, err := strconv.ParseInt(f[field-3], 10, 64)
		if err != nil && bad == nil {
			bad = err
		}
		return v
	}
	st := procStat{state: f[0], ppid: int(num(4)), pgrp: int(num(5)), cpuTicks: num(14) + num(15), rssPages: num(24)}
	var err error
	if st.pid, err = strconv.Atoi(strings.TrimSpace(s[:open])); err != nil && bad == nil {
		bad = err
	}
	if bad != nil {
		return procStat{}, fmt.Errorf("bad number in %q: %v", s, bad)
	}
	return st, nil
}

// liveProcs returns the live (not zombie) processes that keep reports
// true of, from /proc.
func liveProcs(keep func(procStat) bool) []procStat {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var procs []procStat
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		st, err := parseProcStat(string(b))
		if err == nil && st.state != "Z" && st.state != "X" && keep(st) {
			procs = append(procs, st)
		}
	}
	return procs
}

// groupStats returns the live processes of process group pgid.
func groupStats(pgid int) []procStat {
	return liveProcs(func(st procStat) bool { return st.pgrp == pgid })
}

// groupMembers lists the live processes in process group pgid.
func groupMembers(pgid int) []int {
	var pids []int
	for _, st := range groupStats(pgid) {
		pids = append(pids, st.pid)
	}
	return pids
}

// A usage is what a server's processes had used at one moment.
type usage struct {
	at    time.Time
	cpu   time.Duration // utime + stime, summed over the processes
	rss   int64         // bytes, summed over the processes
	procs int
}

// groupUsage sums the usage of process group pgid's live processes now.
func groupUsage(pgid int) usage {
	u := usage{at: time.Now()}
	page := int64(os.Getpagesize())
	for _, st := range groupStats(pgid) {
		u.cpu += time.Duration(st.cpuTicks) * time.Second / clockTicks
		u.rss += st.rssPages * page
		u.procs++
	}
	return u
}
