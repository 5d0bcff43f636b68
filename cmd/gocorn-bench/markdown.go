package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A report is a whole run as the markdown that goes between the doc's
// markers and on stdout.
type report struct {
	rs      *results
	machine machine
	load    load
	command string // this tool's command line, flags as given
	date    time.Time
	servers []serverLine
	chart   string // the chart's file name beside the doc; "" when none was drawn
}

// A serverLine is how one case's server was started, for the doc.
type serverLine struct {
	label, command string
	files          map[string]string // its config files by name
}

// describeServers lists how each selected case starts its server.
func describeServers(sel []benchCase, t tools) []serverLine {
	var lines []serverLine
	for _, c := range sel {
		s := c.spec(t)
		lines = append(lines, serverLine{label: c.label, command: s.command(), files: s.files})
	}
	return lines
}

// markdown is the generated part of docs/performance.md.
func (rep report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Results\n\n")
	rep.writeSetting(&b)
	for _, m := range rep.rs.modes {
		fmt.Fprintf(&b, "### %s\n\n", capitalize(m.label))
		rep.writeModeTable(&b, m)
	}
	if rep.chart != "" {
		fmt.Fprintf(&b, "![Requests per second against gocorn gthread's workers, keep-alive and Connection: close, "+
			"with the bare server and fasthttp's prefork as reference lines](%s)\n\n", rep.chart)
	}
	rep.writeTargets(&b)
	rep.writeServers(&b)
	b.WriteString(howToRead)
	rep.writeNotes(&b)
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// writeSetting says when, how and on what the numbers were taken.
func (rep report) writeSetting(w io.Writer) {
	fmt.Fprintf(w, "Measured on %s with `%s`.\n\n", rep.date.Format("2006-01-02"), rep.command)
	m := rep.machine
	fmt.Fprintf(w, "- CPU: %d × %s\n- kernel: %s\n- Go: %s\n", m.cpus, m.cpu, m.kernel, m.goVer)
	for _, v := range m.versions {
		fmt.Fprintf(w, "- %s: %s\n", v[0], v[1])
	}
	w2 := rep.load.wrk
	fmt.Fprintf(w, "\nLoad: `wrk -t %d -c %d -d %ds --latency http://127.0.0.1:%s/`, with `-H \"Connection: close\"` "+
		"added for a new connection per request, after %s of the same as a warm-up; %s, each of which starts every "+
		"server in turn, loads it in each mode and stops it.\n\n",
		w2.threads, w2.connections, int(rep.load.duration/time.Second), portVar, rep.load.warmup, plural(rep.rs.rounds, "round"))
}

// columns are the mode tables' numbers: a header and a cell per case.
var columns = []struct {
	header string
	values func(rs *results, c benchCase, m string) []float64
	format func(float64) string
}{
	{"req/s", metricOf(reqPerSec), kilo},
	{"× bare", func(rs *results, c benchCase, m string) []float64 {
		return rs.ratios(c.key, []string{baselineOf(c)}, m, reqPerSec)
	}, fixed2},
	{"p50 ms", metricOf(p50), scaled(1e3)},
	{"p99 ms", metricOf(p99), scaled(1e3)},
	{"RSS MiB", metricOf(rss), scaled(1.0 / (1 << 20))},
	{"CPU µs/req", metricOf(cpuPerReq), scaled(1e6)},
	{"cores", metricOf(cores), fixed2},
}

func metricOf(x metric) func(*results, benchCase, string) []float64 {
	return func(rs *results, c benchCase, m string) []float64 { return rs.values(c.key, m, x) }
}

// baselineOf is the bare server c's ratios are to: itself for a bare one.
func baselineOf(c benchCase) string {
	if c.baseline == "" {
		return c.key
	}
	return c.baseline
}

// writeModeTable writes one mode's table: a row per case.
func (rep report) writeModeTable(w io.Writer, m mode) {
	header := []string{"server"}
	for _, col := range columns {
		header = append(header, col.header)
	}
	var rows [][]string
	for _, c := range rep.rs.cases {
		label := c.label
		if n := len(rep.rs.values(c.key, m.key, reqPerSec)); n < rep.rs.rounds {
			label += fmt.Sprintf(" (%d of %d rounds)", n, rep.rs.rounds)
		}
		row := []string{label}
		for _, col := range columns {
			row = append(row, cell(spreadOf(col.values(rep.rs, c, m.key)), col.format))
		}
		rows = append(rows, row)
	}
	writeTable(w, "l"+strings.Repeat("r", len(columns)), header, rows)
	fmt.Fprintln(w)
}

// writeTargets writes the design goals against the ratios reached, for
// the targets whose cases were selected.
func (rep report) writeTargets(w io.Writer) {
	var rows [][]string
	for _, tg := range targets {
		if !tg.selected(rep.rs) {
			continue
		}
		sp, met := tg.reached(rep.rs)
		verdict := "missed"
		switch {
		case sp.n == 0:
			verdict = "not measured"
		case met:
			verdict = "met"
		}
		rows = append(rows, []string{tg.goal, modeLabel(tg.mode), cell(sp, fixed2), verdict})
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "### Targets\n\n")
	writeTable(w, "llrl", []string{"target", "mode", "ratio reached", ""}, rows)
	fmt.Fprintln(w)
}

func modeLabel(key string) string {
	for _, m := range modes {
		if m.key == key {
			return m.label
		}
	}
	return key
}

// writeServers writes each server's command line and config files.
func (rep report) writeServers(w io.Writer) {
	fmt.Fprintf(w, "### Servers\n\n")
	var rows [][]string
	shown := map[string]bool{}
	var files []string
	for _, s := range rep.servers {
		rows = append(rows, []string{s.label, "`" + strings.ReplaceAll(s.command, "|", `\|`) + "`"})
		for name, content := range s.files {
			if content != "" && !shown[name] {
				shown[name] = true
				files = append(files, fmt.Sprintf("`%s`:\n\n```\n%s```\n", name, content))
			}
		}
	}
	writeTable(w, "ll", []string{"server", "command (in " + scratchVar + ", the run's scratch directory)"}, rows)
	fmt.Fprintln(w)
	slices.Sort(files)
	for _, f := range files {
		fmt.Fprintln(w, f)
	}
}

// howToRead explains the tables; it is generated so that it stays true
// to what the tool measures.
const howToRead = `### How to read it

- Each cell is the median over the rounds, with the lowest and highest value in brackets.
- ` + "`× bare`" + ` is the server's req/s over the bare server's in the same round and mode, and the
  median of those per-round ratios: machine drift between rounds cancels out. The TLS cases are
  compared with the bare server serving TLS.
- p50 and p99 are wrk's latency percentiles over every request of the round.
- RSS is the resident memory of all the server's processes (its process group: master and
  workers) summed, read from /proc as the load ended.
- CPU is utime + stime of those processes over the load, from /proc: per request completed, and
  as cores kept busy on average. wrk runs on the same CPUs, so a server near the CPU count is
  fighting wrk for them.
- gocorn's and gunicorn's sync workers close every connection after one response, so their
  keep-alive rows are new connections too. nginx serves the bytes from its config, with no
  application behind it.

`

// writeNotes lists the cases skipped and whatever went wrong.
func (rep report) writeNotes(w io.Writer) {
	rs := rep.rs
	if len(rs.notes)+len(rs.problems) == 0 {
		return
	}
	fmt.Fprintf(w, "### Notes\n\n")
	for _, n := range rs.notes {
		writeNote(w, n)
	}
	for _, p := range rs.problems {
		writeNote(w, "Problem: "+p)
	}
	fmt.Fprintln(w)
}

// writeNote writes a note as a list item: its first line, and the rest
// (a server's output quoted in an error) as a code block in the item.
func writeNote(w io.Writer, note string) {
	first, rest, _ := strings.Cut(strings.TrimRight(note, "\n"), "\n")
	fmt.Fprintf(w, "- %s\n", first)
	if rest == "" {
		return
	}
	fmt.Fprintf(w, "\n  ```\n")
	for _, line := range strings.Split(rest, "\n") {
		fmt.Fprintf(w, "  %s\n", strings.TrimPrefix(line, "\t"))
	}
	fmt.Fprintf(w, "  ```\n\n")
}

// cell is a spread as "median (min–max)", just the median when the
// rounds agree or there was one, and "failed" when there was none.
func cell(sp spread, format func(float64) string) string {
	if sp.n == 0 {
		return "failed"
	}
	med, lo, hi := format(sp.median), format(sp.min), format(sp.max)
	if lo == hi {
		return med
	}
	return fmt.Sprintf("%s (%s–%s)", med, lo, hi)
}

// num prints a value with three significant digits or so.
func num(v float64) string {
	switch { // the bounds are where rounding carries into one more digit
	case v >= 99.95:
		return fmt.Sprintf("%.0f", v)
	case v >= 9.995:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// kilo prints req/s in thousands.
func kilo(v float64) string {
	if v < 1000 {
		return num(v)
	}
	return num(v/1000) + "k"
}

func fixed2(v float64) string { return fmt.Sprintf("%.2f", v) }

// scaled prints v times k, for a unit in the header.
func scaled(k float64) func(float64) string {
	return func(v float64) string { return num(v * k) }
}

// plural is "1 round", "3 rounds".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func capitalize(s string) string {
	return strings.ToUpper(s[:1]) + s[1:]
}

// writeTable writes a markdown table padded into columns, so that it
// reads as well on a terminal; align has an "l" or an "r" per column.
func writeTable(w io.Writer, align string, header []string, rows [][]string) {
	widths := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c), 3)
		}
	}
	line := func(cells []string) {
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if align[i] == 'l' {
				fmt.Fprintf(w, "| %s%s ", c, pad)
			} else {
				fmt.Fprintf(w, "| %s%s ", pad, c)
			}
		}
		fmt.Fprintln(w, "|")
	}
	line(header)
	sep := make([]string, len(header))
	for i, n := range widths {
		sep[i] = strings.Repeat("-", n)
		if align[i] == 'r' {
			sep[i] = strings.Repeat("-", n-1) + ":"
		}
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
}
