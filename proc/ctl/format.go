package ctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocorn/gocorn/proc/control"
)

// Format turns a reply's data into what a person reads: gunicornc's
// tables for the show commands and help, with gocorn's columns after
// gunicorn's when the master sent them; indented JSON for the rest, or OK
// when the reply is empty.
func Format(cmd control.Command, data json.RawMessage) string {
	var out string
	var err error
	switch {
	case cmd.Verb == control.VerbShow:
		out, err = formatShow(cmd.Target, data)
	case cmd.Verb == control.VerbHelp:
		out, err = table(data, formatHelp)
	default:
		return indented(data)
	}
	if err != nil { // not the shape a table needs: a newer or older server
		return indented(data)
	}
	return out
}

func formatShow(target string, data json.RawMessage) (string, error) {
	switch target {
	case control.ShowWorkers:
		return table(data, formatWorkers)
	case control.ShowStats:
		return table(data, formatStats)
	case control.ShowListeners:
		return table(data, formatListeners)
	case control.ShowConfig:
		return table(data, formatConfig)
	case control.ShowAll:
		return table(data, formatAll)
	case control.ShowDirty:
		var r control.DirtyReply
		if err := json.Unmarshal(data, &r); err != nil || r.Enabled {
			return "", fmt.Errorf("a dirty arbiter gocorn ctl does not draw") // shown as JSON
		}
		return "Dirty arbiter not running", nil
	}
	return "", fmt.Errorf("no table for show %s", target)
}

// table decodes a reply into T and draws it with format.
func table[T any](data json.RawMessage, format func(T) string) (string, error) {
	var r T
	if err := json.Unmarshal(data, &r); err != nil {
		return "", err
	}
	return format(r), nil
}

// indented is data as indented JSON, in the server's key order, or OK
// for an empty reply.
func indented(data json.RawMessage) string {
	if len(data) == 0 || string(data) == "{}" {
		return "OK"
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		return string(data)
	}
	return out.String()
}

// gocornWorkers tells whether the server sent gocorn's worker columns.
func gocornWorkers[T any](ws []T, extras func(T) control.WorkerExtras) bool {
	return slices.ContainsFunc(ws, func(w T) bool { return extras(w).State != "" })
}

// workerHeader and workerRow are the columns of show workers and show
// all: gunicorn's four, then gocorn's when it has them.
func workerHeader(gocorn bool) string {
	if !gocorn {
		return fmt.Sprintf("%-10s %-6s %-8s %s", "PID", "AGE", "BOOTED", "LAST_BEAT")
	}
	return fmt.Sprintf("%-10s %-6s %-8s %-10s %-9s %-4s %-8s %-9s %-6s %-8s %s",
		"PID", "AGE", "BOOTED", "LAST_BEAT", "STATE", "GEN", "UPTIME", "REQUESTS", "INFL", "RSS", "OLDEST")
}

func workerRow(pid, age int, booted bool, beat *float64, x control.WorkerExtras, gocorn bool) string {
	b := "no"
	if booted {
		b = "yes"
	}
	hb := "n/a"
	if beat != nil {
		hb = decimal(*beat) + "s ago"
	}
	if !gocorn {
		return fmt.Sprintf("%-10d %-6d %-8s %s", pid, age, b, hb)
	}
	return strings.TrimRight(fmt.Sprintf("%-10d %-6d %-8s %-10s %-9s %-4d %-8s %-9d %-6d %-8s %s",
		pid, age, b, hb, x.State, x.Generation, duration(x.Uptime), x.Requests, x.InFlight, rss(x.RSS), oldest(x.OldestRequest)), " ")
}

func formatWorkers(r control.WorkersReply) string {
	if len(r.Workers) == 0 {
		return "No workers running"
	}
	gocorn := gocornWorkers(r.Workers, func(w control.WorkerReply) control.WorkerExtras { return w.WorkerExtras })
	head := workerHeader(gocorn)
	lines := []string{head, strings.Repeat("-", max(40, len(head)))}
	for _, w := range r.Workers {
		lines = append(lines, workerRow(w.PID, w.Age, w.Booted, w.LastHeartbeat, w.WorkerExtras, gocorn))
	}
	lines = append(lines, "", fmt.Sprintf("Total: %d workers", r.Count))
	return strings.Join(lines, "\n")
}

func formatAll(r control.AllReply) string {
	lines := []string{"ARBITER (master)", fmt.Sprintf("  PID: %d", r.Arbiter.PID), "",
		fmt.Sprintf("WEB WORKERS (%d)", r.WebWorkerCount)}
	if len(r.WebWorkers) == 0 {
		lines = append(lines, "  (none)")
	} else {
		gocorn := gocornWorkers(r.WebWorkers, func(w control.WebWorkerReply) control.WorkerExtras { return w.WorkerExtras })
		head := workerHeader(gocorn)
		lines = append(lines, "  "+head, "  "+strings.Repeat("-", max(38, len(head))))
		for _, w := range r.WebWorkers {
			lines = append(lines, "  "+workerRow(w.PID, w.Age, w.Booted, w.LastHeartbeat, w.WorkerExtras, gocorn))
		}
	}
	lines = append(lines, "", "DIRTY ARBITER", "  (not running)")
	return strings.Join(lines, "\n")
}

func formatStats(r control.StatsReply) string {
	uptime := "unknown"
	if r.Uptime != nil && *r.Uptime > 0 {
		uptime = spacedDuration(*r.Uptime)
	}
	lines := []string{
		"Uptime:           " + uptime,
		fmt.Sprintf("PID:              %d", r.PID),
		fmt.Sprintf("Workers current:  %d", r.WorkersCurrent),
		fmt.Sprintf("Workers target:   %d", r.WorkersTarget),
		fmt.Sprintf("Workers spawned:  %d", r.WorkersSpawned),
		fmt.Sprintf("Workers killed:   %d", r.WorkersKilled),
		fmt.Sprintf("Reloads:          %d", r.Reloads),
	}
	if r.DirtyArbiterPID != nil {
		lines = append(lines, fmt.Sprintf("Dirty arbiter:    %d", *r.DirtyArbiterPID))
	}
	if r.Generation == 0 {
		return strings.Join(lines, "\n") // a gunicorn master
	}
	c := r.Counts
	for _, l := range []struct {
		name string
		n    uint64
	}{
		{"Generation", uint64(r.Generation)}, {"Reloads failed", uint64(r.ReloadsFailed)},
		{"Workers stopped", c.Stopped}, {"Timeouts", c.Timeouts}, {"SIGKILLs", c.Killed},
		{"Recycled", c.Recycled}, {"Stuck", c.Stuck}, {"Boot failures", c.BootFailures},
		{"Boot timeouts", c.BootTimeouts}, {"Crashes", c.Crashes}, {"OOM kills", c.OOMKilled},
		{"Deadlines hit", c.DeadlinesHit},
	} {
		lines = append(lines, fmt.Sprintf("%-18s%d", l.name+":", l.n))
	}
	return strings.Join(lines, "\n")
}

func formatListeners(r control.ListenersReply) string {
	if len(r.Listeners) == 0 {
		return "No listeners bound"
	}
	lines := []string{fmt.Sprintf("%-40s %-8s %s", "ADDRESS", "TYPE", "FD"), strings.Repeat("-", 55)}
	for _, l := range r.Listeners {
		lines = append(lines, fmt.Sprintf("%-40s %-8s %d", l.Address, l.Type, l.FD))
	}
	lines = append(lines, "", fmt.Sprintf("Total: %d listeners", r.Count))
	return strings.Join(lines, "\n")
}

// formatConfig prints the settings sorted, values as Python prints them
// (True, None), lists joined with commas, as gunicornc.
func formatConfig(r map[string]any) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(r)) {
		lines = append(lines, k+": "+pythonText(r[k]))
	}
	return strings.Join(lines, "\n")
}

func pythonText(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case float64:
		return decimal(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = pythonText(e)
		}
		return strings.Join(parts, ", ")
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func formatHelp(r control.HelpReply) string {
	width := 0
	for c := range r.Commands {
		width = max(width, len(c))
	}
	lines := []string{"Available commands:", ""}
	for _, c := range slices.Sorted(maps.Keys(r.Commands)) {
		lines = append(lines, fmt.Sprintf("  %-*s %s", width+2, c, r.Commands[c]))
	}
	return strings.Join(lines, "\n")
}

// decimal prints a number as briefly as it reads: 3, 0.34.
func decimal(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// spacedDuration is gunicornc's uptime: "1h 2m 3s", "2m 3s", "3s".
func spacedDuration(secs float64) string {
	s := int(secs)
	h, m := s/3600, s%3600/60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %dm %ds", h, m, s%60)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s%60)
	}
	return fmt.Sprintf("%ds", s%60)
}

// duration is a worker's uptime in a column: 0.1s, 42s, 3m05s, 2h04m,
// 3d02h.
func duration(secs float64) string {
	d := time.Duration(secs * float64(time.Second))
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// rss is resident memory in MiB, or - when unknown.
func rss(b *int64) string {
	if b == nil {
		return "-"
	}
	return fmt.Sprintf("%.1fM", float64(*b)/(1<<20))
}

// oldest is a worker's oldest running request, or - when it serves none.
func oldest(r *control.RequestReply) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%s %s %s", r.Method, r.Path, duration(r.Age))
}
