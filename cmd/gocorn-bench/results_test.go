package main

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRatios(t *testing.T) {
	rs := fixtureResults(t)
	tests := []struct {
		name, key string
		over      []string
		mode      string
		x         metric
		want      []float64
	}{
		// The rounds' drift cancels out: the same ratio each round.
		{"to bare", "gthread", []string{"bare"}, "keep-alive", reqPerSec, []float64{0.8, 0.8, 0.8}},
		{"bare to itself", "bare", []string{"bare"}, "close", reqPerSec, []float64{1, 1, 1}},
		{"a failed round is left out", "gthread4", []string{"bare"}, "close", reqPerSec, []float64{0.45, 0.45}},
		{"over the best of two", "sync", gunicornBest, "keep-alive", reqPerSec, []float64{1.5, 1.5, 1.5}},
		{"over the best of two, the other one best", "sync", gunicornBest, "close", reqPerSec, []float64{2, 2, 2}},
		{"lower is better", "gthread", []string{"bare"}, "close", p99, []float64{1, 1, 1}},
		{"a case not run", "gthread", []string{"nginx"}, "close", reqPerSec, nil},
	}
	for _, tt := range tests {
		got := rs.ratios(tt.key, tt.over, tt.mode, tt.x)
		if !slices.EqualFunc(got, tt.want, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }) {
			t.Errorf("%s: ratios = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestResultsAddNotes(t *testing.T) {
	rs := fixtureResults(t)
	if len(rs.problems) != 2 || !strings.HasPrefix(rs.problems[0], "Round 2, gocorn gthread -w 4, Connection: close: gocorn exited") {
		t.Errorf("problems = %q, want the failed sample then the stop", rs.problems)
	}
	want := "Round 3, gunicorn gthread -w 2 --threads 4, keep-alive: wrk saw 12 read errors."
	if len(rs.notes) != 2 || rs.notes[1] != want {
		t.Errorf("notes = %q, want the skipped case then %q", rs.notes, want)
	}
	if _, ok := rs.get(2, "gthread4", "close"); ok {
		t.Error("the failed sample counts as taken")
	}
}

func TestSampleDerived(t *testing.T) {
	s := fakeSample(50000, 0, 0, 10, 1.5)
	if got, want := s.cores(), 1.5; math.Abs(got-want) > 1e-9 {
		t.Errorf("cores() = %v, want %v", got, want)
	}
	if got, want := s.cpuPerRequest().Microseconds(), int64(30); got != want {
		t.Errorf("cpuPerRequest() = %dµs, want %dµs", got, want)
	}
	if (sample{}).cores() != 0 || (sample{}).cpuPerRequest() != 0 {
		t.Error("an empty sample has CPU numbers")
	}
}

func TestTargets(t *testing.T) {
	rs := fixtureResults(t)
	tests := []struct {
		goal, mode string
		median     float64
		met        bool
	}{
		{"gocorn gthread -w 1 ≥ 0.97× bare", "keep-alive", 0.9, false},
		{"gocorn gthread -w 2 p99 ≤ bare's p99", "close", 1, true},
		{"gocorn sync -w 2 ≥ 2× gunicorn sync -w 2", "close", 2, true},
		{"gocorn gthread -w 2 ≥ 4× gunicorn's best", "keep-alive", 4.8, true},
		{"statsd + JSON access log cost ≤ 5% (≥ 0.95× gthread -w 2)", "keep-alive", 0.95, true},
		{"statsd + JSON access log cost ≤ 5% (≥ 0.95× gthread -w 2)", "close", 10300.0 / 11000, false},
	}
	for _, tt := range tests {
		i := slices.IndexFunc(targets, func(tg target) bool { return tg.goal == tt.goal && tg.mode == tt.mode })
		if i < 0 {
			t.Fatalf("no target %q in %s", tt.goal, tt.mode)
		}
		sp, met := targets[i].reached(rs)
		if math.Abs(sp.median-tt.median) > 1e-9 || met != tt.met || !targets[i].selected(rs) {
			t.Errorf("%s, %s: reached %v (met %v), want %v (met %v)", tt.goal, tt.mode, sp.median, met, tt.median, tt.met)
		}
	}
	onlyBare := newResults(rs.cases[:1], modes, 3)
	for _, tg := range targets {
		if tg.selected(onlyBare) {
			t.Errorf("target %q counts as selected in a run of the bare server alone", tg.goal)
		}
	}
}
