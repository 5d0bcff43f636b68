package main

import (
	"testing"
	"time"

	"github.com/gocorn/gocorn/starcfg/golden"
)

func fixtureReport(t *testing.T) report {
	return report{
		rs: fixtureResults(t),
		machine: machine{cpu: "AMD EPYC", cpus: 2, kernel: "Linux 6.1.0", goVer: "go1.26.8",
			versions: [][2]string{{"wrk", "4.1.0"}, {"gunicorn", "20.1.0"}}},
		load:    load{wrk: wrk{threads: 2, connections: 64}, duration: 10 * time.Second, warmup: time.Second},
		command: "go run ./cmd/gocorn-bench -doc docs/performance.md -duration 10s -rounds 3",
		date:    time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC),
		servers: []serverLine{
			{label: "bare net/http, 1 process", command: "GOCORN_BENCH_BARE=127.0.0.1:0 gocorn-bench"},
			{label: "gunicorn sync -w 2", command: "gunicorn -b 127.0.0.1:0 -k sync -w 2 app:app",
				files: map[string]string{"app.py": wsgiHello}},
			{label: "gunicorn gthread -w 2 --threads 4", command: "gunicorn -b 127.0.0.1:0 -k gthread -w 2 --threads 4 app:app",
				files: map[string]string{"app.py": wsgiHello, "empty.log": ""}},
		},
		chart: "performance.png",
	}
}

// The whole generated section, from a run with a failed sample, wrk
// errors, a bad stop and a skipped case.
func TestReportMarkdown(t *testing.T) {
	golden.Check(t, "testdata/report.golden.md", fixtureReport(t).markdown())
}

func TestCell(t *testing.T) {
	tests := []struct {
		sp     spread
		format func(float64) string
		want   string
	}{
		{spread{}, kilo, "failed"},
		{spread{median: 61234, min: 58000, max: 63100, n: 3}, kilo, "61.2k (58.0k–63.1k)"},
		{spread{median: 950, min: 950, max: 950, n: 1}, kilo, "950"},
		{spread{median: 0.931, min: 0.929, max: 0.934, n: 3}, fixed2, "0.93"}, // the rounds agree to print
		{spread{median: 0.00098, min: 0.00091, max: 0.0271, n: 3}, scaled(1e3), "0.98 (0.91–27.1)"},
		{spread{median: 0.000031, min: 0.000031, max: 0.000124, n: 2}, scaled(1e6), "31.0 (31.0–124)"},
	}
	for _, tt := range tests {
		if got := cell(tt.sp, tt.format); got != tt.want {
			t.Errorf("cell(%+v) = %q, want %q", tt.sp, got, tt.want)
		}
	}
}
