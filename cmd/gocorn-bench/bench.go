package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Bounds on everything that waits on a server, so that a broken server
// costs seconds, never a hung run.
const (
	startTimeout  = 30 * time.Second // until "Listening at:" is logged
	answerTimeout = 15 * time.Second // until GET / answers 200
	stopGrace     = 10 * time.Second // after SIGTERM, before SIGKILL
	warmup        = 1 * time.Second
	buildTimeout  = 5 * time.Minute
)

// options are the command-line flags.
type options struct {
	duration    time.Duration
	connections int
	threads     int
	rounds      int
	only        string
	modes       string
	gocorn      string
	doc         string // docs/performance.md to update; "" for stdout only
	command     string // the command line, for the doc
}

func (o options) check() error {
	if o.duration < time.Second || o.duration%time.Second != 0 {
		return fmt.Errorf("-duration must be a whole number of seconds, at least 1s (wrk's granularity); got %s", o.duration)
	}
	if o.threads < 1 {
		return fmt.Errorf("-threads must be at least 1; got %d", o.threads)
	}
	if o.connections < o.threads {
		return fmt.Errorf("-connections (%d) must be at least -threads (%d): wrk gives each thread its own connections", o.connections, o.threads)
	}
	if o.rounds < 1 {
		return fmt.Errorf("-rounds must be at least 1; got %d", o.rounds)
	}
	if o.doc != "" && filepath.Ext(o.doc) != ".md" {
		return fmt.Errorf("-doc must name a markdown file ending in .md (the chart goes beside it as .png); got %q", o.doc)
	}
	return nil
}

// chartPath is where the chart goes: beside the doc, as PNG.
func (o options) chartPath() string {
	return strings.TrimSuffix(o.doc, ".md") + ".png"
}

// run prepares what the selected cases need, measures every case in
// every mode, round after round, prints the results as markdown on stdout
// and, with -doc, writes them into the doc with the chart beside it.
// Progress goes to progress. It fails when a sample could not be taken or
// a server did not stop cleanly, after writing what it has.
func run(ctx context.Context, o options, stdout, progress io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	sel, err := selectCases(o.only)
	if err != nil {
		return err
	}
	ms, err := selectModes(o.modes)
	if err != nil {
		return err
	}
	wrkPath, err := lookPath("wrk", "wrk")
	if err != nil {
		return fmt.Errorf("%v; it generates the load, and nothing can be measured without it", err)
	}
	dir, err := os.MkdirTemp("", "gocorn-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	t, sel, notes, err := prepareTools(ctx, o, sel, dir, progress)
	if err != nil {
		return err
	}

	l := load{wrk: wrk{path: wrkPath, threads: o.threads, connections: o.connections}, duration: o.duration, warmup: warmup}
	rs := newResults(sel, ms, o.rounds)
	rs.notes = notes
	if err := measureRounds(ctx, rs, t, l, progress); err != nil {
		return err
	}
	rep := report{
		rs:      rs,
		machine: describeMachine(map[string]string{"wrk": wrkPath, "gunicorn": t.gunicorn, "nginx": t.nginx}),
		load:    l,
		command: o.command,
		date:    time.Now(),
		servers: describeServers(sel, t),
	}
	if err := publish(rep, o.doc, o.chartPath(), stdout); err != nil {
		return err
	}
	if n := len(rs.problems); n > 0 {
		return fmt.Errorf("%d problems spoiled samples or stops; see the notes under the tables", n)
	}
	return nil
}

// publish prints the report and, when doc is set, draws the chart and
// writes the doc.
func publish(rep report, doc, chart string, stdout io.Writer) error {
	if doc != "" {
		if err := writeChart(chart, rep.rs); err != nil {
			return err
		}
		rep.chart = filepath.Base(chart)
	}
	md := rep.markdown()
	fmt.Fprint(stdout, md)
	if doc == "" {
		return nil
	}
	return writeDoc(doc, md)
}

// measureRounds runs every round: each starts every case's server in
// turn, loads it in each mode and stops it, so that drift of the machine
// over the run hits every row alike.
func measureRounds(ctx context.Context, rs *results, t tools, l load, progress io.Writer) error {
	total := rs.rounds * len(rs.cases)
	perServer := time.Duration(len(rs.modes))*(l.warmup+l.duration) + time.Second
	for r := 1; r <= rs.rounds; r++ {
		for i, c := range rs.cases {
			done := (r-1)*len(rs.cases) + i
			fmt.Fprintf(progress, "gocorn-bench: round %d of %d, %s (about %s left)\n",
				r, rs.rounds, c.label, (time.Duration(total-done) * perServer).Round(time.Second))
			stopErr := measureServer(ctx, c, t, l, rs.modes, func(m mode, s sample) {
				rs.add(r, c, m, s)
				fmt.Fprintf(progress, "gocorn-bench:   %s: %s\n", m.label, rs.summary(r, c, m, s))
			})
			if ctx.Err() != nil {
				return errors.New("interrupted; every server started has been stopped")
			}
			if stopErr != nil {
				rs.problems = append(rs.problems, fmt.Sprintf("Round %d, %s: %v", r, c.label, stopErr))
			}
		}
	}
	return nil
}

// summary is a sample in one line, for the progress output.
func (rs *results) summary(r int, c benchCase, m mode, s sample) string {
	if s.err != nil {
		return "failed: " + firstLine(s.err.Error())
	}
	line := fmt.Sprintf("%.0f req/s, p50 %s, p99 %s, %.1f MiB, %.2f cores",
		s.wrk.ReqPerSec, formatLatency(s.wrk.P50), formatLatency(s.wrk.P99), float64(s.rss)/(1<<20), s.cores())
	if b, ok := rs.get(r, baselineOf(c), m.key); ok && c.baseline != "" {
		line += fmt.Sprintf(", %.2fx %s", s.wrk.ReqPerSec/b.wrk.ReqPerSec, c.baseline)
	}
	return line
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// formatLatency prints a latency in the units wrk uses.
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
