package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// A result is one case's outcome.
type result struct {
	c     benchCase
	wrk   wrkResult
	err   error    // the case could not be measured
	notes []string // problems that did not spoil the measurement
}

// A report is the whole run, printed as a header, a table and notes.
type report struct {
	date           time.Time
	machine        string
	duration       time.Duration
	conns, threads int
	results        []result
	notes          []string // about the run rather than one case
}

// failures counts the cases that could not be measured or left a problem.
func (rep *report) failures() int {
	n := 0
	for _, r := range rep.results {
		if r.err != nil || len(r.notes) > 0 {
			n++
		}
	}
	return n
}

// ratio returns r's requests per second over its baseline's, with the
// baseline's name ("0.94x bare"), or "-" when either is missing; baselines
// themselves get "".
func (rep *report) ratio(r result) string {
	if r.c.baseline == "" {
		return ""
	}
	for _, b := range rep.results {
		if b.c.key == r.c.baseline {
			if b.err != nil || r.err != nil || b.wrk.ReqPerSec == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2fx %s", r.wrk.ReqPerSec/b.wrk.ReqPerSec, b.c.key)
		}
	}
	return "-"
}

func (rep *report) write(w io.Writer) {
	fmt.Fprintf(w, "date:     %s\n", rep.date.Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(w, "machine:  %s\n", rep.machine)
	fmt.Fprintf(w, "load:     wrk -t %d -c %d -d %s --latency on 127.0.0.1 after a %s warm-up, one server at a time\n\n",
		rep.threads, rep.conns, rep.duration, warmup)

	width := len("server")
	for _, r := range rep.results {
		width = max(width, len(r.c.label))
	}
	row := func(name, conn, rate, p50, p99, errs, ratio string) {
		line := fmt.Sprintf("%-*s  %5s  %10s  %8s  %8s  %7s  %s", width, name, conn, rate, p50, p99, errs, ratio)
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	row("server", "conn", "req/s", "p50", "p99", "errors", "vs baseline")
	var notes []string
	for _, r := range rep.results {
		conn := fmt.Sprint(rep.conns)
		if r.err != nil {
			row(r.c.label, conn, "failed", "-", "-", "-", rep.ratio(r))
			notes = append(notes, fmt.Sprintf("%s: %v", r.c.label, r.err))
		} else {
			row(r.c.label, conn, fmt.Sprintf("%.0f", r.wrk.ReqPerSec), formatLatency(r.wrk.P50), formatLatency(r.wrk.P99),
				fmt.Sprint(r.wrk.Errors()), rep.ratio(r))
			if r.wrk.Errors() > 0 {
				notes = append(notes, fmt.Sprintf("%s: wrk saw %s.", r.c.label, r.wrk.describeErrors()))
			}
		}
		for _, n := range r.notes {
			notes = append(notes, fmt.Sprintf("%s: %s", r.c.label, n))
		}
	}
	notes = append(notes, rep.notes...)
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

// formatLatency prints a latency in the units wrk uses, ASCII only so that
// columns line up.
func formatLatency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fus", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

// describeMachine says what the numbers were measured on.
func describeMachine(wrkPath string) string {
	parts := []string{fmt.Sprintf("%d CPUs", runtime.NumCPU())}
	if m := cpuModel(); m != "" {
		parts[0] += " (" + m + ")"
	}
	parts = append(parts, runtime.GOOS+"/"+runtime.GOARCH, runtime.Version())
	if v := wrkVersion(wrkPath); v != "" {
		parts = append(parts, v)
	}
	return strings.Join(parts, ", ")
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

// wrkVersion returns "wrk VERSION" from wrk -v, which prints it and exits 1.
func wrkVersion(path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, path, "-v").CombinedOutput()
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "wrk" {
		return ""
	}
	return "wrk " + f[1]
}
