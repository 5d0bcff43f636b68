package ctl

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gocorn/gocorn/proc/control"
)

// Sample is one refresh of top: the master's stats and workers, and when
// they were read.
type Sample struct {
	At      time.Time
	Stats   control.StatsReply
	Workers control.WorkersReply
}

// topHead is the table's header; topRow prints one worker under it.
const topHead = "    PID  AGE  GEN STATE      UPTIME   REQUESTS    REQ/S  INFL      RSS    BEAT  OLDEST"

func topRow(w control.WorkerReply, rate string) string {
	beat := "-"
	if w.LastHeartbeat != nil {
		beat = fmt.Sprintf("%.1fs", *w.LastHeartbeat)
	}
	return fmt.Sprintf("%7d %4d %4d %-9s %7s %10d %8s %5d %8s %7s  %s", w.PID, w.Age, w.Generation, w.State,
		duration(w.Uptime), w.Requests, rate, w.InFlight, rss(w.RSS), beat, oldest(w.OldestRequest))
}

// Render draws one frame of top: a summary of the master, then a line per
// worker, oldest first, each cut to width; with height > 0 the workers
// that do not fit are counted on the last line. Requests per second come
// from prev, the sample before, when there is one. It is a pure function
// of its arguments, so its frames are tested against golden files.
func Render(cur Sample, prev *Sample, width, height int) string {
	st := cur.Stats
	rates, total := requestRates(cur, prev)
	reloads := fmt.Sprintf("reloads %d", st.Reloads)
	if st.ReloadsFailed > 0 {
		reloads += fmt.Sprintf(" (%d failed)", st.ReloadsFailed)
	}
	uptime := "unknown"
	if st.Uptime != nil {
		uptime = spacedDuration(*st.Uptime)
	}
	inFlight := 0
	for _, w := range cur.Workers.Workers {
		inFlight += w.InFlight
	}
	c := st.Counts
	lines := []string{
		fmt.Sprintf("gocorn master %d   up %s   generation %d   workers %d (target %d)   %s",
			st.PID, uptime, st.Generation, st.WorkersCurrent, st.WorkersTarget, cur.At.Format(time.TimeOnly)),
		fmt.Sprintf("req/s %s   in flight %d   spawned %d   stopped %d   timeouts %d   recycled %d   crashes %d   %s",
			total, inFlight, c.Spawned, c.Stopped, c.Timeouts, c.Recycled, c.Crashes, reloads),
		"",
		topHead,
	}
	footer := "q or Ctrl-C quits"
	room := len(cur.Workers.Workers)
	if height > 0 {
		room = max(height-len(lines)-2, 0) // the footer and its blank line
		if room < len(cur.Workers.Workers) {
			room = max(room-1, 0) // and the line that counts the rest
		}
	}
	for i, w := range cur.Workers.Workers {
		if i == room {
			lines = append(lines, fmt.Sprintf("  ... %d more workers", len(cur.Workers.Workers)-room))
			break
		}
		rate, ok := rates[w.PID]
		if !ok {
			rate = "-"
		}
		lines = append(lines, topRow(w, rate))
	}
	lines = append(lines, "", footer)
	for i, l := range lines {
		lines[i] = cut(l, width)
	}
	return strings.Join(lines, "\n") + "\n"
}

// requestRates are each worker's requests per second since prev, and
// their sum; "-" where there is nothing to compare with.
func requestRates(cur Sample, prev *Sample) (map[int]string, string) {
	rates := map[int]string{}
	if prev == nil || !cur.At.After(prev.At) {
		return rates, "-"
	}
	before := map[int]uint64{}
	for _, w := range prev.Workers.Workers {
		before[w.PID] = w.Requests
	}
	elapsed := cur.At.Sub(prev.At).Seconds()
	var sum float64
	for _, w := range cur.Workers.Workers {
		n, ok := before[w.PID]
		if !ok || w.Requests < n {
			continue
		}
		r := float64(w.Requests-n) / elapsed
		rates[w.PID] = fmt.Sprintf("%.1f", r)
		sum += r
	}
	return rates, fmt.Sprintf("%.1f", sum)
}

// cut shortens s to width characters, if width > 0.
func cut(s string, width int) string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return s
	}
	return string([]rune(s)[:width])
}
